// Apply (and the live plan under it) against FAKE hosts: each host is a temporary directory, the
// connector runs commands with bash locally (HOSTDIR set to the host's directory) and records
// their masked display; fake ops keep one value per file. Checks waves, handlers, failures,
// abort, masking, recap counts, and that a plan after apply is empty.
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { hostRoles } from "../../../src/cli/apply.js";
import { applyPlan, type ApplyResult } from "../../../src/exec/apply.js";
import { quote, raw, secret, sh } from "../../../src/exec/command.js";
import type { Connector, ExecResult } from "../../../src/exec/connector.js";
import type { ApplyEvent } from "../../../src/exec/events.js";
import type { Handler } from "../../../src/exec/handlers.js";
import { rollingWaves, wavesOf } from "../../../src/exec/waves.js";
import type { Fact } from "../../../src/facts/fact.js";
import { fsFact } from "../../../src/facts/fs.js";
import { osFact } from "../../../src/facts/os.js";
import type { StepDef, WaveOrder } from "../../../src/modules/module.js";
import { NOOP } from "../../../src/ops/args.js";
import type { Op } from "../../../src/ops/op.js";
import { buildLivePlan, ConnectorPool, type LivePlan } from "../../../src/plan/build.js";
import type { TaskSpec } from "../../../src/plan/types.js";
import { model as buildModel, yaml } from "../helpers.js";

const INVENTORY = yaml`
  all:
    children:
      pg-a:
        hosts:
          10.0.0.1: { pg_seq: 1, pg_role: primary }
          10.0.0.2: { pg_seq: 2, pg_role: replica }
          10.0.0.3: { pg_seq: 3, pg_role: replica }
        vars: { pg_cluster: pg-a }
      pg-b:
        hosts:
          10.0.0.4: { pg_seq: 1, pg_role: primary }
          10.0.0.5: { pg_seq: 2, pg_role: replica }
        vars: { pg_cluster: pg-b }
`;
const { model } = buildModel(INVENTORY);
const HOSTS = ["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5"];
const PRIMARIES = ["10.0.0.1", "10.0.0.4"];
const PASSWORD = "Sup3r.Secret.Pw";
const root = mkdtempSync(join(tmpdir(), "pgsty-apply-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

// --- fake host: a directory; the connector runs bash with HOSTDIR and records the display ----

class FakeConnector implements Connector {
  readonly commands: string[] = [];
  constructor(readonly host: string, readonly dir: string) {}
  exec(cmd: { text: string; display: string }): Promise<ExecResult> {
    this.commands.push(cmd.display);
    return new Promise((resolve) => execFile("bash", ["-c", cmd.text], { env: { ...process.env, HOSTDIR: this.dir }, encoding: "buffer" }, (err, stdout, stderr) => {
      const code = err ? Number((err as { code?: unknown }).code ?? 1) : 0;
      resolve({ code, stdout: stdout.toString(), stderr: stderr.toString(), stdoutBytes: stdout, stderrBytes: stderr, durationMs: 0 });
    }));
  }
  put = (): Promise<void> => Promise.reject(new Error("not used"));
  close = (): Promise<void> => Promise.resolve();
}

/** Fact `value` (key: a file name in HOSTDIR): its content. */
const valueFact: Fact<string> = {
  name: "value",
  script: (keys) => keys.map((k) => `if [ -f "$HOSTDIR"/${quote(k)} ]; then printf '%s\\t%s\\n' ${quote(k)} "$(cat "$HOSTDIR"/${quote(k)})"; fi`).join("\n"),
  parse: (stdout) => new Map(stdout.split("\n").filter(Boolean).map((l) => l.split("\t") as [string, string])),
};
const FACTS = new Map<string, Fact<unknown>>([valueFact, osFact, fsFact].map((f) => [f.name, f as Fact<unknown>]));

let abortHook: (() => void) | undefined;
const barrier = { count: 0 };
/** Op `fake.value`: HOSTDIR/<key> holds args.value. args.fail: apply throws (with the password). */
const fakeOp: Op<string> = {
  kind: "fake.value",
  needs: (t) => [{ fact: "value", key: t.key }],
  observe: (t, facts) => facts.get<string>("value", t.key) ?? null,
  diff: (t, observed) => {
    if (observed === t.args.value) return NOOP;
    return { action: observed === null ? "create" : "update", effect: t.effect ?? "none", reason: observed === null ? "absent" : "differs", fields: [{ field: "value", ...(observed !== null ? { before: observed } : {}), after: t.args.value }] };
  },
  apply: async (ctx, t) => {
    if (t.args.abort) abortHook?.();
    if (t.args.barrier) {
      barrier.count++;
      const until = Date.now() + 3000;
      while (barrier.count < Number(t.args.barrier)) {
        if (Date.now() > until) throw new Error("barrier: the other members never started");
        await new Promise((r) => setTimeout(r, 10));
      }
    }
    if (t.args.recheck && fakeOp.observe(t, await ctx.refresh(fakeOp.needs(t))) === t.args.value) return;
    if (t.args.fail) throw new Error(`could not set ${t.key}: password ${String(t.args.password)} rejected`);
    const pw = typeof t.args.password === "string" ? sh` # ${secret(t.args.password)}` : sh``;
    const r = await ctx.connector.exec(sh`printf %s ${String(t.args.value)} > "$HOSTDIR"/${t.key}${raw(pw)}`);
    if (r.code !== 0) throw new Error(r.stderr);
    // args.settle: a probe left for the end of the apply, which holds once HOSTDIR/<settle> exists
    if (typeof t.args.settle === "string") {
      const file = t.args.settle;
      return { what: `${file} exists`, command: sh`printf '%s\n' ${t.key} >> "$HOSTDIR"/probes; [ -e "$HOSTDIR"/${file} ] || { echo ${`no ${file} here`} >&2; exit 1; }` };
    }
  },
};
const OPS = new Map<string, Op>([[fakeOp.kind, fakeOp as Op]]);

// --- scenarios --------------------------------------------------------------------------------

type TaskDef = Omit<TaskSpec, "step" | "op"> & { op?: string };
interface StepSpec {
  readonly name: string;
  readonly waves?: WaveOrder;
  tasks(host: string): TaskDef[];
}

let n = 0;
function scenario(steps: StepSpec[], o: { hosts?: string[]; unreachable?: string[] } = {}) {
  const hosts = o.hosts ?? HOSTS;
  const dir = join(root, String(n++));
  const conns = new Map(hosts.map((h) => [h, new FakeConnector(h, join(dir, h))]));
  for (const c of conns.values()) mkdirSync(c.dir, { recursive: true });
  const stepDefs = new Map<string, StepDef>(steps.map((s) => [s.name, {
    name: s.name, description: s.name, ...(s.waves ? { waves: s.waves } : {}),
    applies: (ctx) => s.tasks(ctx.host.name).length > 0,
    tasks: (ctx) => s.tasks(ctx.host.name).map((t) => ({ op: "fake.value", ...t, step: "" })),
  }]));
  const playbook = { name: "fake", description: "fake", steps: steps.map((s) => ({ step: s.name, tags: ["all"] })) };
  const pool = new ConnectorPool(async (h) => {
    if (o.unreachable?.includes(h)) throw new Error(`connect ECONNREFUSED ${h}:22`);
    return conns.get(h)!;
  });
  const handlers: (Pick<Handler, "service" | "action"> & { host: string })[] = [];
  const plan = (): Promise<LivePlan> =>
    buildLivePlan({ model, playbook, stepDefs, meta: { inventory: ["inv.yml"], hosts, diagnostics: [] } }, { pool, ops: OPS, facts: FACTS });
  const apply = async (live: LivePlan, opts: { forks?: number; signal?: AbortSignal } = {}): Promise<{ result: ApplyResult; events: ApplyEvent[] }> => {
    const events: ApplyEvent[] = [];
    const result = await applyPlan(
      { steps: live.expansion.steps, hosts: live.plan.hosts, tasksOf: live.expansion.tasksOf, plan: live.plan, sessions: live.sessions, roles: hostRoles(model) },
      {
        ops: OPS, forks: opts.forks ?? 10, onEvent: (e) => events.push(e), ...(opts.signal ? { signal: opts.signal } : {}),
        runHandler: (ctx, h) => Promise.resolve({ ran: true as const, n: handlers.push({ host: ctx.connector.host, service: h.service, action: h.action }) }),
      },
    );
    return { result, events };
  };
  const value = (h: string, key: string) => (existsSync(join(dir, h, key)) ? readFileSync(join(dir, h, key), "utf8") : undefined);
  return { plan, apply, handlers, conns, value, write: (h: string, key: string, v: string) => writeFileSync(join(dir, h, key), v) };
}

type Of<T extends ApplyEvent["type"]> = Extract<ApplyEvent, { type: T }>;
const finishes = (events: ApplyEvent[]) => events.filter((e): e is Of<"task_finish"> => e.type === "task_finish");
const starts = (events: ApplyEvent[]) => events.filter((e): e is Of<"task_start"> => e.type === "task_start");
const recapOf = (r: ApplyResult, h: string) => r.recap.find((x) => x.host === h)!;
const changesOf = (live: LivePlan) => live.plan.steps.flatMap((s) => s.changes);

describe("waves (pure)", () => {
  const roles = hostRoles(model);
  it("primary-first: primaries (and hosts without a cluster), then replicas; rolling: a replica per cluster at a time, primaries last", () => {
    expect(wavesOf("primary-first", [...HOSTS, "10.9.9.9"], roles).map((w) => w.hosts)).toEqual([["10.0.0.1", "10.0.0.4", "10.9.9.9"], ["10.0.0.2", "10.0.0.3", "10.0.0.5"]]);
    expect(wavesOf(undefined, HOSTS, roles)).toEqual([{ hosts: HOSTS, kind: "all" }]);
    expect(wavesOf("etcd-members", HOSTS, roles)).toEqual([{ hosts: HOSTS, kind: "all", unlimited: true }]);
    expect(rollingWaves(HOSTS, roles).map((w) => w.hosts)).toEqual([["10.0.0.2", "10.0.0.5"], ["10.0.0.3"], ["10.0.0.1", "10.0.0.4"]]);
  });
});

describe("apply against fake hosts", () => {
  it("converges, then the plan is empty and a second apply changes and triggers nothing", async () => {
    const s = scenario([
      { name: "conf.files", tasks: () => [{ key: "a", args: { value: "1" }, effect: "reload", service: "svc" }, { key: "b", args: { value: "2" } }] },
      { name: "conf.more", tasks: () => [{ key: "c", args: { value: "3" }, effect: "restart", service: "svc" }] },
    ]);
    s.write("10.0.0.2", "a", "1"); // already right there
    const live = await s.plan();
    expect(live.plan.mode).toBe("live");
    expect(changesOf(live).filter((c) => c.host === "10.0.0.2").map((c) => c.key)).toEqual(["b", "c"]);
    expect(changesOf(live)[0]).toMatchObject({ address: "10.0.0.1/conf.files/fake.value[a]", action: "create", effect: "reload", service: "svc", reason: "absent" });
    for (const sess of live.sessions.values()) expect(sess.roundTrips).toBe(1);
    const { result } = await s.apply(live);
    expect(result.ok).toBe(true);
    expect(recapOf(result, "10.0.0.1")).toMatchObject({ ok: 0, changed: 3, failed: 0, skipped: 0, handlers: 2 });
    expect(recapOf(result, "10.0.0.2")).toMatchObject({ ok: 1, changed: 2, handlers: 1 });
    // handler only where its trigger changed: 10.0.0.2's `a` did not change, so no reload in conf.files there
    expect(s.handlers.filter((h) => h.host === "10.0.0.2")).toEqual([{ host: "10.0.0.2", service: "svc", action: "restart" }]);
    expect(s.value("10.0.0.5", "c")).toBe("3");

    const again = await s.plan();
    expect(again.plan.summary).toMatchObject({ create: 0, update: 0, delete: 0, unknown: 0, unchanged: 15 });
    for (const sess of again.sessions.values()) expect(sess.roundTrips).toBe(1);
    s.handlers.length = 0;
    const second = await s.apply(again);
    expect(second.result.recap.every((r) => r.changed === 0 && r.handlers === 0 && r.roundTrips === 0)).toBe(true);
    expect(s.handlers).toEqual([]);
  });

  it("an op's own re-check of the facts just read costs no round trip; after a change, the next task reads again", async () => {
    const sc = scenario([{ name: "s", tasks: () => ["a", "b", "c"].map((key) => ({ key, args: { value: "v", recheck: true } })) }], { hosts: ["10.0.0.1"] });
    const { result } = await sc.apply(await sc.plan());
    expect(["a", "b", "c"].map((k) => sc.value("10.0.0.1", k))).toEqual(["v", "v", "v"]);
    // the step's facts read once at its start (it has planned changes), then b and c after a change
    expect(recapOf(result, "10.0.0.1").roundTrips).toBe(3);
  });

  it("one restart per service and step even when several changes trigger it; reload+restart → restart", async () => {
    const s = scenario([{ name: "conf.files", tasks: () => [
      { key: "a", args: { value: "1" }, effect: "reload", service: "svc" },
      { key: "b", args: { value: "2" }, effect: "restart", service: "svc" },
      { key: "c", args: { value: "3" }, effect: "reload", service: "other" },
      { key: "d", args: { value: "4" }, effect: "none", service: "third" },
    ] }], { hosts: ["10.0.0.1"] });
    await s.apply(await s.plan());
    expect(s.handlers).toEqual([{ host: "10.0.0.1", service: "svc", action: "restart" }, { host: "10.0.0.1", service: "other", action: "reload" }]);
  });

  it("primary-first: primaries finish before any replica starts (forks 1)", async () => {
    const s = scenario([{ name: "pg.launch", waves: "primary-first", tasks: () => [{ key: "x", args: { value: "1" } }] }]);
    const { events } = await s.apply(await s.plan(), { forks: 1 });
    expect(starts(events).map((e) => e.host)).toEqual(["10.0.0.1", "10.0.0.4", "10.0.0.2", "10.0.0.3", "10.0.0.5"]);
  });

  it("etcd-members: every member at once, whatever --forks says", async () => {
    barrier.count = 0;
    const members = ["10.0.0.1", "10.0.0.2", "10.0.0.3"];
    const s = scenario([{ name: "etcd.launch", waves: "etcd-members", tasks: () => [{ key: "etcd", args: { value: "up", barrier: 3 } }] }], { hosts: members });
    const { result } = await s.apply(await s.plan(), { forks: 1 });
    expect(result.ok).toBe(true);
    expect(result.recap.map((r) => r.changed)).toEqual([1, 1, 1]);
  });

  it("patroni restarts roll: replicas one at a time per cluster, primaries last", async () => {
    const s = scenario([{ name: "pg.config", tasks: () => [{ key: "patroni.yml", args: { value: "v2" }, effect: "restart", service: "patroni" }] }]);
    await s.apply(await s.plan(), { forks: 10 });
    const order = s.handlers.map((h) => h.host);
    expect(order.slice(-2).sort()).toEqual(PRIMARIES);
    expect(order.indexOf("10.0.0.2")).toBeLessThan(order.indexOf("10.0.0.3"));
  });

  it("a failure stops its host; other hosts go on; its earlier change still triggers its handler", async () => {
    const s = scenario([
      { name: "conf.files", tasks: (h) => [{ key: "a", args: { value: "1" }, effect: "reload", service: "svc" }, { key: "b", args: { value: "2", fail: h === "10.0.0.3" } }, { key: "c", args: { value: "3" } }] },
      { name: "conf.more", tasks: () => [{ key: "d", args: { value: "4" } }] },
    ]);
    const { result, events } = await s.apply(await s.plan());
    expect(result.ok).toBe(false);
    expect(recapOf(result, "10.0.0.3")).toMatchObject({ ok: 0, changed: 1, failed: 1, skipped: 2, handlers: 1, stopped: "10.0.0.3/conf.files/fake.value[b] failed" });
    expect(recapOf(result, "10.0.0.2")).toMatchObject({ changed: 4, failed: 0, skipped: 0 });
    expect(s.value("10.0.0.3", "d")).toBeUndefined();
    expect(events.some((e) => e.type === "host_stopped" && e.host === "10.0.0.3")).toBe(true);
  });

  it("a failed primary in a primary-first step stops its cluster's replicas, not the other cluster", async () => {
    const s = scenario([{ name: "pg.launch", waves: "primary-first", tasks: (h) => [{ key: "x", args: { value: "1", fail: h === "10.0.0.1" } }] }]);
    const { result, events } = await s.apply(await s.plan());
    expect(recapOf(result, "10.0.0.1").failed).toBe(1);
    for (const h of ["10.0.0.2", "10.0.0.3"]) expect(recapOf(result, h)).toMatchObject({ changed: 0, skipped: 1, stopped: "the cluster's primary 10.0.0.1 stopped (10.0.0.1/pg.launch/fake.value[x] failed)" });
    for (const h of ["10.0.0.4", "10.0.0.5"]) expect(recapOf(result, h)).toMatchObject({ changed: 1, failed: 0 });
    expect(starts(events).map((e) => e.host)).not.toContain("10.0.0.2");
  });

  it("replicas-first: replicas before primaries (forks 1); a failed replica keeps its cluster's primary, not the other", async () => {
    const order = scenario([{ name: "pg.stop", waves: "replicas-first", tasks: () => [{ key: "x", args: { value: "1" } }] }]);
    const { events: ev } = await order.apply(await order.plan(), { forks: 1 });
    expect(starts(ev).map((e) => e.host)).toEqual(["10.0.0.2", "10.0.0.3", "10.0.0.5", "10.0.0.1", "10.0.0.4"]);
    const s = scenario([{ name: "pg.stop", waves: "replicas-first", tasks: (h) => [{ key: "x", args: { value: "1", fail: h === "10.0.0.3" } }] }]);
    const { result } = await s.apply(await s.plan());
    expect(recapOf(result, "10.0.0.1")).toMatchObject({ changed: 0, skipped: 1, stopped: "10.0.0.3 of its cluster stopped (10.0.0.3/pg.stop/fake.value[x] failed)" });
    expect(recapOf(result, "10.0.0.2").changed).toBe(1);
    expect(recapOf(result, "10.0.0.4").changed).toBe(1);
  });

  it("an unreachable host: error diagnostic and unknown tasks in the plan; failed in the recap; others applied", async () => {
    const s = scenario([{ name: "conf.files", tasks: () => [{ key: "a", args: { value: "1" } }] }], { hosts: ["10.0.0.1", "10.0.0.4"], unreachable: ["10.0.0.4"] });
    const live = await s.plan();
    expect(live.plan.diagnostics).toEqual([expect.objectContaining({ severity: "error", code: "preflight.unreachable", address: "10.0.0.4" })]);
    expect(changesOf(live).find((c) => c.host === "10.0.0.4")).toMatchObject({ action: "unknown", reason: expect.stringContaining("ECONNREFUSED") });
    const { result } = await s.apply(live);
    expect(recapOf(result, "10.0.0.1").changed).toBe(1);
    expect(recapOf(result, "10.0.0.4")).toMatchObject({ failed: 1, skipped: 1, stopped: expect.stringContaining("unreachable") });
  });

  it("a task without an op is unknown in the plan and fails at apply", async () => {
    const s = scenario([{ name: "conf.files", tasks: () => [{ key: "a", op: "no.such", args: {} }] }], { hosts: ["10.0.0.1"] });
    const live = await s.plan();
    expect(changesOf(live)[0]).toMatchObject({ action: "unknown", reason: expect.stringContaining("no op implements `no.such`") });
    expect((await s.apply(live)).result.recap[0]).toMatchObject({ failed: 1 });
  });

  it("abort: the running task finishes, nothing new starts", async () => {
    const ac = new AbortController();
    abortHook = () => ac.abort(); // Ctrl-C while the first task runs
    const s = scenario([
      { name: "conf.files", tasks: () => [{ key: "a", args: { value: "1", abort: true }, effect: "reload", service: "svc" }, { key: "b", args: { value: "2" } }] },
      { name: "conf.more", tasks: () => [{ key: "c", args: { value: "3" } }] },
    ], { hosts: ["10.0.0.1"] });
    const { result, events } = await s.apply(await s.plan(), { signal: ac.signal });
    abortHook = undefined;
    expect(result).toMatchObject({ ok: false, aborted: true });
    expect(recapOf(result, "10.0.0.1")).toMatchObject({ changed: 1, skipped: 2, handlers: 0 });
    expect(s.value("10.0.0.1", "a")).toBe("1");
    expect(s.value("10.0.0.1", "b")).toBeUndefined();
    expect(events.find((e) => e.type === "handler_finish")).toMatchObject({ status: "skipped", reason: expect.stringContaining("interrupted") });
  });

  it("secrets are masked in the plan, in events and in the commands run", async () => {
    const s = scenario([{ name: "pg.user", tasks: (h) => [{ key: "role", args: { value: "on", password: PASSWORD, fail: h === "10.0.0.2" }, sensitive: ["password"] }] }], { hosts: ["10.0.0.1", "10.0.0.2"] });
    const live = await s.plan();
    expect(JSON.stringify(live.plan)).not.toContain(PASSWORD);
    expect(changesOf(live)[0]!.summary).toContain("password=(sensitive)");
    const { events } = await s.apply(live);
    const json = events.map((e) => JSON.stringify(e)).join("\n");
    expect(json).not.toContain(PASSWORD);
    expect(finishes(events).find((e) => e.status === "failed")!.error).toBe("could not set role: password (sensitive) rejected");
    const cmds = [...s.conns.values()].flatMap((c) => c.commands);
    expect(cmds.join("\n")).not.toContain(PASSWORD);
    expect(cmds).toContain("printf %s on > \"$HOSTDIR\"/role # (sensitive)");
  });

  it("probes left by changes run after the last step, only where their change ran; a failing one fails its host's apply", async () => {
    const s = scenario([
      { name: "first", tasks: (h) => [{ key: "a", args: { value: "1", settle: h === "10.0.0.3" ? "never" : "b" } }] },
      { name: "second", tasks: (h) => [{ key: "b", args: { value: "2", fail: h === "10.0.0.2" } }] },
    ], { hosts: ["10.0.0.1", "10.0.0.2", "10.0.0.3"] });
    s.write("10.0.0.1", "a", "1"); // converged there: its task does not run, nothing is awaited
    const { result, events } = await s.apply(await s.plan());
    const settled = events.filter((e): e is Of<"settle_finish"> => e.type === "settle_finish");
    expect(settled.map((e) => [e.host, e.address, e.status])).toEqual(expect.arrayContaining([
      ["10.0.0.2", "10.0.0.2/first/fake.value[a]", "skipped"],
      ["10.0.0.3", "10.0.0.3/first/fake.value[a]", "failed"],
    ]));
    expect(settled).toHaveLength(2);
    expect(settled.find((e) => e.host === "10.0.0.3")).toMatchObject({ what: "never exists", error: "no never here" });
    expect(settled.find((e) => e.host === "10.0.0.2")!.reason).toContain("host stopped");
    expect(events.findIndex((e) => e.type === "settle_start")).toBeGreaterThan(events.findLastIndex((e) => e.type === "step_finish"));
    expect(s.value("10.0.0.3", "probes")).toBe("a\n");
    expect(s.value("10.0.0.2", "probes")).toBeUndefined();
    expect(recapOf(result, "10.0.0.3")).toMatchObject({ changed: 2, failed: 1 });
    expect(recapOf(result, "10.0.0.1")).toMatchObject({ ok: 1, changed: 1, failed: 0 });
    expect(result.ok).toBe(false);
  });

  it("a probe that holds once the later steps ran: ok, and the apply is", async () => {
    const s = scenario([
      { name: "first", tasks: () => [{ key: "a", args: { value: "1", settle: "b" } }] },
      { name: "second", tasks: () => [{ key: "b", args: { value: "2" } }] },
    ], { hosts: ["10.0.0.1"] });
    const { result, events } = await s.apply(await s.plan());
    expect(events.filter((e) => e.type === "settle_finish").map((e) => (e as Of<"settle_finish">).status)).toEqual(["ok"]);
    expect(result.ok).toBe(true);
  });

  it("drift after a plan: apply re-checks and converges what it finds", async () => {
    const s = scenario([{ name: "conf.files", tasks: () => [{ key: "a", args: { value: "1" } }] }], { hosts: ["10.0.0.1"] });
    const live = await s.plan();
    s.write("10.0.0.1", "a", "1"); // someone fixed it meanwhile: nothing to do
    const { result } = await s.apply(live);
    expect(recapOf(result, "10.0.0.1")).toMatchObject({ ok: 1, changed: 0 });
  });
});
