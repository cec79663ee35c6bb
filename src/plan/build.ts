/**
 * The live plan: desired state against what the hosts really are (ARCHITECTURE §3).
 *
 * Hosts are planned in parallel (p-limit `forks`), each on its own: connect (or reuse the pool's
 * connector), expand its tasks, gather every op's `needs` plus the node's size (`os`, `fs`) in
 * ONE round trip, re-expand if the real size or platform differs from what the first expansion
 * assumed (the paths stay the same, so this costs no round trip in practice), then the
 * follow-up facts (`moreNeeds`: file contents whose hash differs) in a second round trip only if
 * some op asks, then observe → diff → Change. A converged host costs one round trip.
 *
 * A task whose op is not registered, or whose op throws (a module bug), is `unknown` with the
 * reason; a host that cannot be reached is a refusal (plan/preflight-reach.ts) and all its tasks
 * `unknown`; other hosts go on. The live preflight (plan/preflight-host.ts: platform, ports,
 * versions) reads its facts in the same round trip and adds its refusals and warnings. Changes are assembled in inventory host order, whatever order the hosts
 * answer in: the plan is deterministic.
 *
 * Returns the Plan (mode "live") and what apply needs: the expansion (with the node sizes read
 * here) and per host its connector and fact cache. Imports exec/ for the connector type only;
 * prints nothing.
 */
import { performance } from "node:perf_hooks";
import pLimit from "p-limit";
import type { Diagnostic } from "../diagnostics.js";
import type { Connector } from "../exec/connector.js";
import type { FactRequest, FactSet } from "../facts/fact.js";
import type { FsFact } from "../facts/fs.js";
import { FactCache, type FactRegistry } from "../facts/gather.js";
import type { OsFact } from "../facts/os.js";
import type { Model } from "../model/model.js";
import { DEBIAN12, EL9, hostContext, OFFLINE_NODE_SIZE, type NodeSize, type Platform } from "../modules/context.js";
import type { StepDef } from "../modules/module.js";
import { FACTS, OPS, hasFollowUp, type Op } from "../ops/index.js";
import type { EffectRefiner, PlanMeta } from "./desired.js";
import { expandPlaybook, type Expansion } from "./expand.js";
import { changeEffect, liveChange, livePlanDocument, unknownChange } from "./live-change.js";
import type { Playbook } from "./playbook.js";
import { hostPreflight, preflightRequests, type PreflightScope } from "./preflight-host.js";
import { unreachableDiagnostic } from "./preflight-reach.js";
import type { Change, Plan, PlanStep, TaskSpec } from "./types.js";

/** One connector per host for the whole run (plan, apply, plan again), opened on first use. */
export class ConnectorPool {
  readonly #conns = new Map<string, Promise<Connector>>();
  constructor(private readonly open: (host: string) => Promise<Connector>) {}

  get(host: string): Promise<Connector> {
    let c = this.#conns.get(host);
    if (!c) {
      c = this.open(host);
      this.#conns.set(host, c);
      // a failed open is retried by the next run, not cached
      c.catch(() => this.#conns.delete(host));
    }
    return c;
  }

  async closeAll(): Promise<void> {
    const all = [...this.#conns.values()];
    this.#conns.clear();
    await Promise.all(all.map((c) => c.then((x) => x.close()).catch(() => undefined)));
  }
}

/** What the plan learnt about one host, for apply and for figures. */
export interface HostSession {
  readonly host: string;
  /** Absent when the host could not be reached (see `error`). */
  readonly connector?: Connector;
  /** The facts this plan read: apply starts from them and refreshes before each change. */
  readonly cache?: FactCache;
  readonly error?: string;
  /** Round trips (fact scripts) this plan made to the host. */
  readonly roundTrips: number;
  /** Wall time of this host's plan, connecting included (ms). */
  readonly ms: number;
}

export interface LivePlan {
  readonly plan: Plan;
  /** The expansion apply must use: it carries the node sizes read from the hosts. */
  readonly expansion: Expansion;
  readonly sessions: ReadonlyMap<string, HostSession>;
}

export interface BuildInput {
  readonly model: Model;
  readonly playbook: Playbook;
  readonly stepDefs: ReadonlyMap<string, StepDef>;
  readonly meta: PlanMeta;
}

export interface BuildOptions {
  readonly pool: ConnectorPool;
  /** Hosts planned at once; default 10. */
  readonly forks?: number;
  readonly ops?: ReadonlyMap<string, Op>;
  readonly facts?: FactRegistry;
  readonly refine?: EffectRefiner;
  readonly signal?: AbortSignal;
  /** Limit of one fact script (ms); default the fact engine's (60 s). */
  readonly timeoutMs?: number;
  /**
   * The live preflight to run on each host (plan/preflight-host.ts), its facts read in the same
   * round trip; the CLI passes `preflightScope(playbook)`. Absent: none (engine tests whose fake
   * registries lack its facts). An unreachable host is a refusal either way.
   */
  readonly preflight?: PreflightScope;
  /** Called when a host is planned (progress). */
  readonly onHost?: (s: HostSession) => void;
}

interface Sizing {
  readonly nodeSizes: Map<string, NodeSize>;
  readonly platforms: Map<string, Platform>;
}

export async function buildLivePlan(input: BuildInput, o: BuildOptions): Promise<LivePlan> {
  const sizing: Sizing = { nodeSizes: new Map(), platforms: new Map() };
  const hosts = input.meta.hosts;
  const expansion = expandPlaybook(input.model, input.playbook, input.stepDefs, { hosts, tags: input.meta.tags ?? [], context: sizing });
  const limit = pLimit(Math.max(1, o.forks ?? 10));
  const results = await Promise.all(hosts.map((h) => limit(async () => {
    const r = await planHost(h, input.model, expansion, sizing, o);
    o.onHost?.(r.session);
    return r;
  })));
  const steps: PlanStep[] = expansion.steps.map((def) => {
    const changes: Change[] = [];
    let unchanged = 0;
    for (const r of results) {
      for (const c of r.changes.get(def.name) ?? []) {
        if (c.action === "noop") unchanged++;
        else changes.push(c);
      }
    }
    return { step: def.name, changes, unchanged };
  });
  const diagnostics: Diagnostic[] = results.flatMap((r) => r.diagnostics);
  return {
    plan: livePlanDocument(input.playbook.name, steps, input.meta, diagnostics),
    expansion,
    sessions: new Map(results.map((r) => [r.session.host, r.session])),
  };
}

interface HostResult {
  readonly session: HostSession;
  readonly changes: ReadonlyMap<string, Change[]>;
  /** The host's preflight: refusals and warnings (an unreachable host is one refusal). */
  readonly diagnostics: readonly Diagnostic[];
}

/** A task, its op and what it needs read (or why it cannot be checked). */
interface Checked {
  readonly task: TaskSpec;
  readonly op?: Op;
  readonly needs: readonly FactRequest[];
  readonly problem?: string;
}

function prepare(tasks: ReadonlyMap<string, readonly TaskSpec[]>, ops: ReadonlyMap<string, Op>): Checked[] {
  const out: Checked[] = [];
  for (const list of tasks.values()) {
    for (const task of list) {
      const op = ops.get(task.op);
      if (!op) {
        out.push({ task, needs: [], problem: `no op implements \`${task.op}\` yet: pgsty cannot check or apply this task` });
        continue;
      }
      try {
        out.push({ task, op, needs: op.needs(task) });
      } catch (e) {
        out.push({ task, needs: [], problem: `cannot be checked: ${message(e)}` });
      }
    }
  }
  return out;
}

/** The facts that size the node: `os` always (most ops need it too), `fs` of the data disk. */
function sizingRequests(model: Model, host: string): FactRequest[] {
  const main = model.hosts.get(host)?.vars.pg_fs_main;
  return [{ fact: "os", key: "os" }, ...(typeof main === "string" && main.startsWith("/") ? [{ fact: "fs", key: main }] : [])];
}

/** Records the node's real size and platform; true when they differ from what was assumed. */
function learnSize(host: string, model: Model, facts: FactSet, sizing: Sizing): boolean {
  const os = facts.get<OsFact>("os", "os");
  if (!os) return false;
  const main = model.hosts.get(host)?.vars.pg_fs_main;
  const fs = typeof main === "string" ? facts.get<FsFact>("fs", main) : undefined;
  const before = sizing.nodeSizes.get(host) ?? OFFLINE_NODE_SIZE;
  const size: NodeSize = { cpu: os.cpu, memMb: os.memMb, fsBytes: fs?.sizeBytes ?? before.fsBytes };
  const platform = os.family === "el" ? EL9 : DEBIAN12;
  const changed = size.cpu !== before.cpu || size.memMb !== before.memMb || size.fsBytes !== before.fsBytes || platform !== (sizing.platforms.get(host) ?? DEBIAN12);
  sizing.nodeSizes.set(host, size);
  sizing.platforms.set(host, platform);
  return changed;
}

async function planHost(host: string, model: Model, exp: Expansion, sizing: Sizing, o: BuildOptions): Promise<HostResult> {
  const t0 = performance.now();
  const ops = o.ops ?? OPS;
  let tasks = exp.tasksOf(host);
  let connector: Connector | undefined;
  let cache: FactCache | undefined;
  try {
    connector = await o.pool.get(host);
    cache = new FactCache(connector, o.facts ?? FACTS, { ...(o.signal ? { signal: o.signal } : {}), ...(o.timeoutMs ? { timeoutMs: o.timeoutMs } : {}) });
    // the preflight's facts ride in the same script (they do not depend on the platform)
    const scope = o.preflight;
    const probe = [...sizingRequests(model, host), ...(scope ? preflightRequests(hostContext(model, host, sizing), scope) : [])];
    let checked = prepare(tasks, ops);
    let facts = await cache.gather([...probe, ...checked.flatMap((c) => c.needs)]);
    if (learnSize(host, model, facts, sizing)) {
      tasks = exp.tasksOf(host);
      checked = prepare(tasks, ops);
      // same paths and keys as before: answered from the cache unless the platform changed them
      facts = await cache.gather([...probe, ...checked.flatMap((c) => c.needs)]);
    }
    const more: FactRequest[] = [];
    for (const c of checked) {
      if (!c.op || c.problem || !hasFollowUp(c.op)) continue;
      try {
        more.push(...c.op.moreNeeds(c.task, facts));
      } catch {
        // the diff below reports the same problem on this task
      }
    }
    if (more.length) facts = await cache.gather([...probe, ...checked.flatMap((c) => c.needs), ...more]);
    const changes = new Map<string, Change[]>();
    for (const c of checked) {
      const list = changes.get(c.task.step) ?? [];
      changes.set(c.task.step, list);
      list.push(diffTask(host, c, facts, o.refine));
    }
    const diagnostics = scope ? hostPreflight(hostContext(model, host, sizing), facts, scope) : [];
    return { session: { host, connector, cache, roundTrips: cache.roundTrips, ms: performance.now() - t0 }, changes, diagnostics };
  } catch (e) {
    const raw = message(e);
    const why = raw.startsWith(`${host}: `) ? raw.slice(host.length + 2) : raw;
    const changes = new Map<string, Change[]>();
    for (const [step, list] of tasks) changes.set(step, list.map((t) => unknownChange(host, t, `host not read: ${why}`)));
    return {
      session: { host, ...(connector ? { connector } : {}), error: why, roundTrips: cache?.roundTrips ?? 0, ms: performance.now() - t0 },
      changes,
      diagnostics: [unreachableDiagnostic(host, model.hosts.get(host)?.vars ?? {}, raw)],
    };
  }
}

function diffTask(host: string, c: Checked, facts: FactSet, refine: EffectRefiner | undefined): Change {
  if (!c.op || c.problem) return unknownChange(host, c.task, c.problem ?? "no op");
  try {
    const observed = c.op.observe(c.task, facts);
    const d = c.op.diff(c.task, observed);
    return liveChange(host, c.task, d, changeEffect(c.task, d, observed, refine));
  } catch (e) {
    return unknownChange(host, c.task, `cannot be checked: ${message(e)}`);
  }
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
