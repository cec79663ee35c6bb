/**
 * Apply: converge the hosts of a confirmed live plan (ARCHITECTURE §3, issue 4 §6).
 *
 * Steps run in playbook order; within a step, waves (waves.ts) and the hosts of a wave in
 * parallel under p-limit(`forks`). On one host the step's tasks run in order, each one:
 * re-check (against facts read after the host's last change: at the step's start when the plan
 * had a change in it, and again — for the rest of the step in one round trip — after each
 * change; otherwise the plan's facts, no round trip) → re-diff →
 * apply only if still needed → invalidate its facts. Tasks the plan found unchanged are diffed
 * too, so a change made earlier in the run that affects them is still converged.
 *
 * A change may leave a probe for the end (op.ts `Settle`: a started replica streaming WAL): after
 * the last step and its restarts, the probes of the hosts still going run at once, each failure
 * counted on its host.
 *
 * Handlers run after the host's tasks of the step, once per service (handlers.ts); Patroni
 * restarts wait until no later step can ask for them again (Patroni's file, then after its
 * launch its DCS configuration: one restart, not one per step; a launch that started the daemon
 * cancels its host's) and roll: replicas first, the members leading now last (each leader
 * hands over in a switchover first: patroni-restart.ts). A cluster-wide trigger (Patroni's DCS
 * configuration) restarts every member of the cluster in the step that did not trigger it. Handlers of
 * changes already made also run when a later task of the host failed: nothing could detect a
 * missed reload later, the files being already converged. They do not run after an interrupt
 * (nothing new starts): their events say what is pending.
 *
 * A failure stops its host; in a primary-first step a failed (or unreachable) primary also
 * stops the replicas of its cluster, in a replicas-first step a failed replica its primary.
 * Other hosts go on. Aborting (Ctrl-C) lets running tasks
 * finish and starts nothing new. Prints nothing: everything is an event.
 */
import { performance } from "node:perf_hooks";
import pLimit from "p-limit";
import type { Connector } from "./connector.js";
import type { FactRequest, FactSet } from "../facts/fact.js";
import { maskerFor, type ApplyEvent, type HostRecap, type TaskStatus } from "./events.js";
import { isRolling, runHandler, serviceOf, Triggers, type Handler, type HandlerRunner, type HostFacts, type ServiceInfo } from "./handlers.js";
import { leadingNow } from "./patroni-restart.js";
import { primariesOf, rollingWaves, wavesOf, type HostRole, type Wave } from "./waves.js";
import type { WaveOrder } from "../modules/module.js";
import { OPS, type Op, type OpDiff } from "../ops/index.js";
import type { Settle } from "../ops/op.js";
import type { Change, Effect, Plan, TaskSpec } from "../plan/types.js";
import { taskAddress } from "../plan/types.js";

/** A host as the plan left it: its connector and facts, or why it could not be read. */
export interface ApplyHost {
  readonly connector?: Connector;
  readonly cache?: HostFacts;
  readonly error?: string;
}

export interface ApplyInput {
  /** The plan's steps, in order, with their wave order. */
  readonly steps: readonly { readonly name: string; readonly waves?: WaveOrder }[];
  /** The plan's hosts, in inventory order. */
  readonly hosts: readonly string[];
  /** The same expansion the plan used. */
  tasksOf(host: string): ReadonlyMap<string, readonly TaskSpec[]>;
  readonly plan: Plan;
  readonly sessions: ReadonlyMap<string, ApplyHost>;
  readonly roles?: ReadonlyMap<string, HostRole>;
}

export interface ApplyOptions {
  /** Hosts of a wave run at once; default 10. */
  readonly forks?: number;
  readonly ops?: ReadonlyMap<string, Op>;
  /** Aborting starts nothing new; running tasks finish. */
  readonly signal?: AbortSignal;
  readonly onEvent?: (e: ApplyEvent) => void;
  readonly runHandler?: HandlerRunner;
}

export interface ApplyResult {
  readonly recap: readonly HostRecap[];
  /** No task or handler failed, no host was unreachable, nothing was interrupted. */
  readonly ok: boolean;
  readonly aborted: boolean;
  /** Wall time of the whole apply (ms). */
  readonly ms: number;
}

interface HostRun {
  readonly host: string;
  readonly session: ApplyHost;
  readonly tasks: ReadonlyMap<string, readonly TaskSpec[]>;
  readonly startTrips: number;
  ok: number;
  changed: number;
  failed: number;
  skipped: number;
  handlers: number;
  ms: number;
  stopped?: string;
  /** Its facts must be read again before the next task: something changed on the host since, or the step has planned changes. */
  dirty: boolean;
}

const SERVICE_OP = "service.running";

export async function applyPlan(input: ApplyInput, o: ApplyOptions = {}): Promise<ApplyResult> {
  const t0 = performance.now();
  const emit = o.onEvent ?? (() => {});
  const ops = o.ops ?? OPS;
  const handlerRunner = o.runHandler ?? runHandler;
  const limit = pLimit(Math.max(1, o.forks ?? 10));
  const roles = input.roles ?? new Map<string, HostRole>();
  const primaries = primariesOf(roles);
  const aborted = (): boolean => o.signal?.aborted === true;
  const planned = new Map<string, Change>();
  for (const s of input.plan.steps) for (const c of s.changes) planned.set(c.address, c);

  const runs = new Map<string, HostRun>();
  for (const host of input.hosts) {
    const session = input.sessions.get(host) ?? { error: "not planned" };
    const reachable = session.connector && session.cache && !session.error;
    runs.set(host, {
      host, session, tasks: input.tasksOf(host), startTrips: session.cache?.roundTrips ?? 0,
      ok: 0, changed: 0, failed: reachable ? 0 : 1, skipped: 0, handlers: 0, ms: 0, dirty: false,
      ...(reachable ? {} : { stopped: `unreachable: ${session.error ?? "no connection"}` }),
    });
  }
  const stop = (r: HostRun, reason: string): void => {
    if (r.stopped) return;
    r.stopped = reason;
    emit({ type: "host_stopped", host: r.host, reason });
  };
  const settles: { r: HostRun; task: TaskSpec; settle: Settle }[] = [];
  const skip = (r: HostRun, tasks: readonly TaskSpec[], reason: string): void => {
    for (const t of tasks) {
      r.skipped++;
      emit({ type: "task_finish", ...ref(r.host, t), status: "skipped", reason, ms: 0 });
    }
  };

  async function runTask(r: HostRun, task: TaskSpec): Promise<{ status: TaskStatus; effect: Effect }> {
    const mask = maskerFor(task);
    const started = performance.now();
    const address = taskAddress(r.host, task);
    emit({ type: "task_start", ...ref(r.host, task) });
    const finish = (status: TaskStatus, d: Partial<OpDiff>, error?: string): { status: TaskStatus; effect: Effect } => {
      const effect = d.effect ?? "none";
      emit({
        type: "task_finish", ...ref(r.host, task), status, ...(d.action ? { action: d.action } : {}), effect,
        ...(d.reason ? { reason: mask(d.reason) } : {}), ...(error ? { error: mask(error) } : {}), ms: performance.now() - started,
      });
      return { status, effect };
    };
    const op = ops.get(task.op);
    if (!op) return finish("failed", { action: "unknown" }, `no op implements \`${task.op}\``);
    const facts = r.session.cache!;
    try {
      const needs = op.needs(task);
      const plan = planned.get(address);
      const read = r.dirty ? await facts.refresh(needs) : await facts.gather(needs);
      const d = op.diff(task, op.observe(task, read));
      if (d.action === "noop") return finish("ok", d);
      if (d.action === "unknown") return finish("failed", d, `cannot be checked: ${d.reason ?? "state unknown"}`);
      // the facts just read are current (re-read after any change on the host, or read at the
      // step's start with nothing changed since): the op's own first re-check of them needs no
      // second round trip; any later one (after its own change) reads again
      let current = true;
      const refresh = (req: readonly FactRequest[]): Promise<FactSet> => {
        const same = current && req.every((x) => needs.some((n) => n.fact === x.fact && n.key === x.key));
        current = false;
        return same ? Promise.resolve(read) : facts.refresh(req);
      };
      const settle = await op.apply({ connector: r.session.connector!, refresh }, task, d);
      if (settle) settles.push({ r, task, settle });
      facts.invalidate(needs);
      r.dirty = true;
      // the plan's effect was refined from the content read then; the re-diff has no content
      return finish("changed", { ...d, effect: d.effect === "none" ? "none" : (plan?.effect ?? d.effect) });
    } catch (e) {
      r.dirty = true;
      return finish("failed", { action: planned.get(address)?.action ?? "unknown" }, e instanceof Error ? e.message : String(e));
    }
  }

  async function runHandlerOn(r: HostRun, step: string, h: Handler): Promise<void> {
    const started = performance.now();
    const base = { host: r.host, step, service: h.service, action: h.action };
    if (aborted()) {
      emit({ type: "handler_finish", ...base, status: "skipped", reason: `interrupted: ${h.action} ${h.service} by hand (triggered by ${h.triggers.join(", ")})`, ms: 0 });
      return;
    }
    emit({ type: "handler_start", ...base, triggers: h.triggers });
    try {
      const out = await handlerRunner({ connector: r.session.connector!, facts: r.session.cache! }, h);
      r.dirty = true;
      if (out.ran) r.handlers++;
      emit({ type: "handler_finish", ...base, status: out.ran ? "changed" : "skipped", ...(out.reason ? { reason: out.reason } : {}), ms: performance.now() - started });
    } catch (e) {
      r.failed++;
      const error = maskerFor(undefined)(e instanceof Error ? e.message : String(e));
      emit({ type: "handler_finish", ...base, status: "failed", error, ms: performance.now() - started });
      stop(r, `${h.action} of ${h.service} failed`);
    }
  }

  /** After a change on the host, the facts of these tasks (the rest of a step) are read again, at once. */
  async function rereadStep(r: HostRun, tasks: readonly TaskSpec[]): Promise<void> {
    const needs = tasks.flatMap((t) => {
      try {
        return ops.get(t.op)?.needs(t) ?? [];
      } catch {
        return [];
      }
    });
    try {
      await r.session.cache!.refresh(needs);
      r.dirty = false;
    } catch {
      // a transport failure shows again on the first task, which reports it
    }
  }

  /** From the host's service.running task of the unit: the user it runs as, its REST API (`ready.address`). */
  const infoOf = (r: HostRun) => (unit: string): ServiceInfo => {
    for (const list of r.tasks.values()) {
      for (const t of list) {
        if (t.op !== SERVICE_OP || t.key !== unit) continue;
        const ready = t.args.ready as { address?: unknown } | undefined;
        return { ...(typeof t.args.user === "string" ? { user: t.args.user } : {}), ...(typeof ready?.address === "string" ? { rest: ready.address } : {}) };
      }
    }
    return {};
  };

  async function runHostStep(r: HostRun, step: string, rolling: { host: string; h: Handler }[]): Promise<void> {
    const tasks = r.tasks.get(step) ?? [];
    const started = performance.now();
    const triggers = new Triggers();
    // planned changes are checked against facts no older than this step, not the plan's
    if (tasks.some((t) => planned.has(taskAddress(r.host, t)))) r.dirty = true;
    for (let i = 0; i < tasks.length; i++) {
      const task = tasks[i]!;
      if (r.stopped || aborted()) {
        skip(r, tasks.slice(i), r.stopped ? `host stopped: ${r.stopped}` : "interrupted");
        break;
      }
      // at the step's start and after each change on the host, the facts of this task and of the
      // rest of the step are read again in one round trip, not one per task: each task still
      // checks facts read after the host's last change
      if (r.dirty) await rereadStep(r, tasks.slice(i));
      const res = await runTask(r, task);
      if (res.status === "ok") r.ok++;
      else if (res.status === "changed") {
        r.changed++;
        // the daemon just started (it was not running): it read the new configuration
        if (task.op === SERVICE_OP && planned.get(taskAddress(r.host, task))?.action === "create") dropDeferred(r.host, task.key);
        triggers.add(task, taskAddress(r.host, task), res.effect);
      } else {
        r.failed++;
        stop(r, `${taskAddress(r.host, task)} failed`);
      }
    }
    for (const h of triggers.handlers(infoOf(r))) {
      if (isRolling(h) && !aborted()) rolling.push({ host: r.host, h });
      else await runHandlerOn(r, step, h);
    }
    r.ms += performance.now() - started;
  }

  async function runSettles(): Promise<void> {
    emit({ type: "settle_start", hosts: [...new Set(settles.map((x) => x.r.host))] });
    await Promise.all(settles.map(({ r, task, settle }) => limit(async () => {
      const base = { ...ref(r.host, task), what: settle.what };
      if (r.stopped || aborted()) {
        emit({ type: "settle_finish", ...base, status: "skipped", reason: r.stopped ? `host stopped: ${r.stopped}` : "interrupted", ms: 0 });
        return;
      }
      const started = performance.now();
      try {
        const res = await r.session.connector!.exec(settle.command, o.signal ? { signal: o.signal } : {});
        // the probe's own message, not its script
        if (res.code !== 0) throw new Error(res.stderr.trim().split("\n").slice(-3).join("\n") || `the probe exited ${res.code}`);
        emit({ type: "settle_finish", ...base, status: "ok", ms: performance.now() - started });
      } catch (e) {
        r.failed++;
        emit({ type: "settle_finish", ...base, status: "failed", error: maskerFor(task)(e instanceof Error ? e.message : String(e)), ms: performance.now() - started });
      }
      r.ms += performance.now() - started;
    })));
  }

  /** Rolling restarts wait while a later step has tasks that may trigger the same handler. */
  const deferred: { host: string; step: string; h: Handler }[] = [];
  const restartsCanWait = (i: number): boolean => {
    for (const next of input.steps.slice(i + 1)) {
      const hosts = input.hosts.filter((h) => runs.get(h)!.tasks.has(next.name));
      if (hosts.length === 0) continue;
      if (hosts.some((h) => (runs.get(h)!.tasks.get(next.name) ?? []).some((t) => deferred.some((d) => d.h.service === serviceOf(t))))) return true;
    }
    return false;
  };

  const dropDeferred = (host: string, service: string): void => {
    const k = deferred.findIndex((d) => d.host === host && d.h.service === service);
    if (k >= 0) deferred.splice(k, 1);
  };

  const runWave = async (w: Wave, job: (r: HostRun) => Promise<void>): Promise<void> => {
    await Promise.all(w.hosts.map((h) => (w.unlimited ? job(runs.get(h)!) : limit(() => job(runs.get(h)!)))));
  };

  /**
   * The roles to roll by: the inventory's, except that the members whose Patroni leads now go
   * last (after a failover the inventory's primary is a replica; its leader, restarted among the
   * replicas, would switch over to a member not yet restarted and leave it pending).
   */
  async function liveRoles(list: readonly { host: string; h: Handler }[]): Promise<ReadonlyMap<string, HostRole>> {
    const asked = list.filter((x) => x.h.service === "patroni" && x.h.rest && runs.get(x.host)?.session.connector);
    if (asked.length === 0) return roles;
    const leading = await leadingNow(asked.map((x) => ({ conn: runs.get(x.host)!.session.connector!, rest: x.h.rest! })));
    if (leading.size === 0) return roles;
    const live = new Map(roles);
    for (const x of asked) live.set(x.host, { ...roles.get(x.host), primary: leading.has(x.h.rest!) });
    return live;
  }

  async function runRolling(list: readonly { host: string; step: string; h: Handler }[]): Promise<void> {
    // a replica whose restart failed keeps its cluster's primary from restarting
    const failedClusters = new Set<string>();
    // in inventory order, not in the order hosts happened to finish the step: restarts are predictable
    const restartHosts = [...new Set(list.map((x) => x.host))].sort((a, b) => input.hosts.indexOf(a) - input.hosts.indexOf(b));
    for (const w of rollingWaves(restartHosts, await liveRoles(list))) {
      await runWave(w, async (r) => {
        const cluster = roles.get(r.host)?.cluster;
        for (const x of list.filter((y) => y.host === r.host)) {
          if (w.kind === "primaries" && cluster !== undefined && failedClusters.has(cluster)) {
            emit({ type: "handler_finish", host: r.host, step: x.step, service: x.h.service, action: x.h.action, status: "skipped", reason: "a replica of the cluster failed its restart", ms: 0 });
            continue;
          }
          const before = r.failed;
          await runHandlerOn(r, x.step, x.h);
          if (r.failed > before && cluster !== undefined) failedClusters.add(cluster);
        }
      });
    }
  }

  emit({ type: "apply_start", hosts: input.hosts, steps: input.steps.map((s) => s.name) });
  for (const [i, step] of input.steps.entries()) {
    const hosts = input.hosts.filter((h) => runs.get(h)!.tasks.has(step.name));
    if (hosts.length === 0) continue;
    const stepStart = performance.now();
    const waves = wavesOf(step.waves, hosts, roles);
    emit({ type: "step_start", step: step.name, waves: waves.map((w) => w.hosts) });
    const rolling: { host: string; h: Handler }[] = [];
    for (const w of waves) {
      if (w.kind === "last-primaries") {
        for (const h of w.hosts) {
          const cluster = roles.get(h)?.cluster;
          const other = hosts.find((x) => x !== h && roles.get(x)?.cluster === cluster && runs.get(x)?.stopped);
          if (cluster !== undefined && other !== undefined) stop(runs.get(h)!, `${other} of its cluster stopped (${runs.get(other)!.stopped})`);
        }
      }
      if (w.kind === "replicas") {
        for (const h of w.hosts) {
          const p = primaries.get(roles.get(h)?.cluster ?? "");
          const pr = p !== undefined ? runs.get(p) : undefined;
          if (pr?.stopped) stop(runs.get(h)!, `the cluster's primary ${p} stopped (${pr.stopped})`);
        }
      }
      await runWave(w, (r) => runHostStep(r, step.name, rolling));
    }
    // a cluster-wide change (Patroni's DCS configuration, applied once) concerns every member
    for (const x of rolling.filter((y) => y.h.clusterWide)) {
      const cluster = roles.get(x.host)?.cluster;
      for (const other of hosts) {
        const o = runs.get(other)!;
        if (other === x.host || cluster === undefined || roles.get(other)?.cluster !== cluster || o.stopped) continue;
        if (rolling.some((y) => y.host === other && y.h.service === x.h.service)) continue;
        const { service, action, triggers, keys } = x.h;
        rolling.push({ host: other, h: { service, action, triggers, keys, clusterWide: true, ...infoOf(o)(service) } });
      }
    }
    for (const x of rolling) {
      const same = deferred.find((y) => y.host === x.host && y.h.service === x.h.service);
      if (same) same.h = { ...same.h, triggers: [...same.h.triggers, ...x.h.triggers], keys: [...same.h.keys, ...x.h.keys], ...(x.h.clusterWide ? { clusterWide: true } : {}) };
      else deferred.push({ host: x.host, step: step.name, h: x.h });
    }
    if (deferred.length && !restartsCanWait(i)) await runRolling(deferred.splice(0));
    emit({ type: "step_finish", step: step.name, ms: performance.now() - stepStart });
  }
  // a restart deferred past steps that turned out to have no hosts
  if (deferred.length) await runRolling(deferred.splice(0));
  if (settles.length) await runSettles();

  const recap: HostRecap[] = input.hosts.map((h) => {
    const r = runs.get(h)!;
    return {
      host: h, ok: r.ok, changed: r.changed, failed: r.failed, skipped: r.skipped, handlers: r.handlers,
      roundTrips: (r.session.cache?.roundTrips ?? 0) - r.startTrips, ms: r.ms, ...(r.stopped ? { stopped: r.stopped } : {}),
    };
  });
  const ok = recap.every((r) => r.failed === 0) && !aborted();
  const ms = performance.now() - t0;
  emit({ type: "recap", hosts: recap, ok, aborted: aborted(), ms });
  return { recap, ok, aborted: aborted(), ms };
}

function ref(host: string, t: TaskSpec): { host: string; step: string; address: string; op: string; key: string } {
  return { host, step: t.step, address: taskAddress(host, t), op: t.op, key: t.key };
}
