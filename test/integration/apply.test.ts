/**
 * `pgsty plan` and `pgsty apply` end to end on one real tini test host over ssh, through the CLI
 * (in process). The inventory: the host is a one-member etcd cluster and the primary of a
 * PostgreSQL cluster whose HAProxy services point at it; `-t pg_dir,etcd,pg_service_config`
 * selects only steps that need no running PostgreSQL: the directory layout, etcd's config and
 * etcd running, HAProxy's configs.
 *
 * plan shows creates → apply → plan is EMPTY → apply again changes and restarts nothing (etcd
 * keeps its PID) → drift by hand (managed files edited, a directory chmod-ed) → plan shows it →
 * apply repairs it (etcd restarted once; the HAProxy reload is not needed, HAProxy does not
 * run) → plan is empty. The round trips and time of the no-op plan are printed.
 *
 * HAProxy is not launched here (only its configs are selected): the scenarios of
 * cluster.test.ts run the whole stack. etcd_data is under /var/lib/etcd, owned by etcd.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runLivePlan } from "../../src/cli/apply.js";
import type { Plan } from "../../src/plan/types.js";
import { cli, oneHostInventory, side as kitSide } from "./cluster-kit.js";
import { startTestbed, TESTBED_START_TIMEOUT_MS, testbedSkipReason, type Testbed } from "./testbed/testbed.js";

const skip = testbedSkipReason();
const TAGS = "pg_dir,etcd,pg_service_config";
const RUNNING = "start-stop-daemon --status --pidfile /run/etcd.pid --user etcd && echo running";

const changes = (p: Plan) => p.steps.flatMap((s) => s.changes);

describe.skipIf(!!skip)(`plan → apply → empty plan on a test host${skip ? ` (skipped: ${skip})` : ""}`, () => {
  let tb: Testbed;
  let inv = "";
  let ip = "";
  const dir = mkdtempSync(join(tmpdir(), "pgsty-apply-it-"));
  const side = (cmd: string) => kitSide(tb, ip, cmd);
  const plan = async (...extra: string[]) => {
    const r = await cli("plan", "-i", inv, "-t", TAGS, "--json", ...extra);
    expect(r.stderr).toBe("");
    return { code: r.code, plan: JSON.parse(r.stdout) as Plan };
  };
  const apply = async () => {
    const r = await cli("apply", "-i", inv, "-t", TAGS, "--yes");
    // the plan's one warning (Patroni 3.0.2, see preflight.test.ts) is printed before it: drop it
    return { ...r, stderr: r.stderr.replace(/^warning: [^\n]*Patroni 3\.0\.2[^]*?\n\n?(?=\S|$)/, "") };
  };

  beforeAll(async () => {
    tb = await startTestbed({ hosts: 1, init: "tini" });
    ip = tb.hosts[0]!.ip;
    inv = join(dir, "pigsty.yml");
    writeFileSync(inv, oneHostInventory(tb, ip, { globalVars: "    etcd_data: /var/lib/etcd/pgsty\n" }));
  }, TESTBED_START_TIMEOUT_MS);

  afterAll(async () => {
    await tb?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("plan shows what apply will create", async () => {
    const { code, plan: p } = await plan("--detailed-exitcode");
    expect(code).toBe(2);
    expect(p.mode).toBe("live");
    // the only diagnostic: Debian 12's Patroni 3.0.2 (the preflight's warning; preflight.test.ts)
    expect(p.diagnostics.map((d) => d.code)).toEqual(["preflight.patroni-version"]);
    expect(p.steps.map((s) => s.step)).toEqual(["node.dirs", "etcd.config", "etcd.launch", "haproxy.config"]);
    const cs = changes(p);
    expect(cs.filter((c) => c.action === "unknown")).toEqual([]);
    expect(cs).toContainEqual(expect.objectContaining({ op: "dir", key: "/data/postgres/pg-test-15", action: "create" }));
    expect(cs).toContainEqual(expect.objectContaining({ op: "link", key: "/pg", action: "create" }));
    expect(cs).toContainEqual(expect.objectContaining({ op: "file", key: "/etc/etcd/etcd.conf.yml", action: "create", effect: "restart", service: "etcd" }));
    expect(cs).toContainEqual(expect.objectContaining({ op: "service.running", key: "etcd", action: "create" }));
    expect(cs).toContainEqual(expect.objectContaining({ op: "file", key: "/etc/haproxy/conf.d/pg-test-primary.cfg", action: "create", effect: "reload", service: "haproxy" }));
    // the admin password is in haproxy.cfg: its diff is masked
    expect(JSON.stringify(p)).not.toContain("Haproxy.Test.");
  }, 60_000);

  it("apply converges; the next plan is empty", async () => {
    const r = await apply();
    expect(r.stderr).toBe("");
    expect(r.code, r.stdout).toBe(0);
    // etcd.config's restart is not needed on the first run: etcd is not running yet, etcd.launch starts it
    expect(r.stdout).toMatch(/· restart etcd .*not needed: etcd is not running/);
    expect(r.stdout).toMatch(/Apply complete: \d+ changed, 0 reloads\/restarts, 0 failed on 1 host/);
    expect(await side(RUNNING)).toBe("running");
    const { code, plan: p } = await plan("--detailed-exitcode");
    expect(changes(p)).toEqual([]);
    expect(code).toBe(0);
    expect(p.summary).toMatchObject({ create: 0, update: 0, delete: 0, run: 0, unknown: 0, reloads: 0, restarts: 0 });
    expect(p.summary.unchanged).toBeGreaterThan(20);
  }, 120_000);

  it("a no-op plan takes one round trip; apply again changes and restarts nothing", async () => {
    const t0 = performance.now();
    const run = await runLivePlan({ inventory: [inv], extraVars: [], playbook: "pgsql", tags: TAGS.split(","), json: true });
    const ms = performance.now() - t0;
    if (!("live" in run)) throw new Error(JSON.stringify(run.diagnostics));
    await run.pool.closeAll();
    const s = run.live.sessions.get(ip)!;
    console.log(`no-op live plan of ${ip}: ${s.roundTrips} round trip(s); host ${s.ms.toFixed(0)} ms (ssh connect included); whole plan in process ${ms.toFixed(0)} ms; ${run.live.plan.summary.unchanged} tasks unchanged`);
    expect(s.roundTrips).toBeLessThanOrEqual(2);
    expect(s.roundTrips).toBe(1);

    const pid = await side("cat /run/etcd.pid");
    const r = await apply();
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("No changes.");
    expect(await side("cat /run/etcd.pid")).toBe(pid);
  }, 60_000);

  it("drift by hand shows in the plan; apply repairs it (one restart); the plan is empty again", async () => {
    const pid = await side("cat /run/etcd.pid");
    await side("echo '# edited by hand' >> /etc/haproxy/conf.d/pg-test-primary.cfg && echo '# edited by hand' >> /etc/etcd/etcd.conf.yml && chmod 0755 /data/postgres/pg-test-15/conf");
    const { code, plan: p } = await plan("--detailed-exitcode");
    expect(code).toBe(2);
    const cs = changes(p);
    expect(cs.map((c) => c.address.replace(`${ip}/`, ""))).toEqual([
      "node.dirs/dir[/data/postgres/pg-test-15/conf]",
      "etcd.config/file[/etc/etcd/etcd.conf.yml]",
      "haproxy.config/file[/etc/haproxy/conf.d/pg-test-primary.cfg]",
    ]);
    expect(cs[0]).toMatchObject({ action: "update", fields: [{ field: "mode", before: "0755", after: "0700" }] });
    expect(cs[1]).toMatchObject({ action: "update", effect: "restart", service: "etcd", reason: "content differs" });
    expect(cs[2]).toMatchObject({ action: "update", effect: "reload", service: "haproxy", reason: "content differs" });
    expect(cs[2]!.diff).toContain("-# edited by hand");
    expect(p.summary).toMatchObject({ update: 3, restarts: 1, reloads: 1 });

    const r = await apply();
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toMatch(/~ file\s+\/etc\/haproxy\/conf.d\/pg-test-primary.cfg .*updated/);
    expect(r.stdout).toMatch(/↻ restart etcd .*done/);
    expect(r.stdout).toMatch(/· reload haproxy .*not needed: haproxy is not running/);
    expect(r.stdout).toMatch(/Apply complete: 3 changed, 1 reloads\/restarts, 0 failed on 1 host/);
    expect(await side("stat -c %a /data/postgres/pg-test-15/conf")).toBe("700");
    expect(await side("cat /etc/haproxy/conf.d/pg-test-primary.cfg /etc/etcd/etcd.conf.yml | grep -c 'edited by hand' || true")).toBe("0");
    expect(await side("cat /run/etcd.pid")).not.toBe(pid);
    expect(await side(RUNNING)).toBe("running");

    const again = await plan("--detailed-exitcode");
    expect(changes(again.plan)).toEqual([]);
    expect(again.code).toBe(0);
  }, 120_000);

  it("apply --json streams NDJSON events with a recap; no confirmation without a terminal refuses", async () => {
    const r = await cli("apply", "-i", inv, "-t", TAGS);
    // nothing to change: no question asked
    expect(r.code).toBe(0);
    await side("chmod 0755 /data/postgres/pg-test-15/tmp");
    const refused = await cli("apply", "-i", inv, "-t", TAGS);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("--yes");
    const j = await cli("apply", "-i", inv, "-t", TAGS, "--yes", "--json");
    expect(j.code).toBe(0);
    const events = j.stdout.trim().split("\n").map((l) => JSON.parse(l) as { type: string; status?: string; key?: string });
    expect(events[0]!.type).toBe("plan");
    expect(events.at(-1)).toMatchObject({ type: "recap", ok: true, aborted: false });
    expect(events.filter((e) => e.type === "task_finish" && e.status === "changed").map((e) => e.key)).toEqual(["/data/postgres/pg-test-15/tmp"]);
    expect(changes((await plan()).plan)).toEqual([]);
  }, 120_000);
});
