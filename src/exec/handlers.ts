/**
 * Handlers: the reloads and restarts that changes trigger (ARCHITECTURE §1.5). A task that
 * changed something, whose effect is `reload` or `restart` and that names a `service`, triggers
 * that service's handler once per step on its host (a restart wins over a reload). Apply runs
 * them after the host's tasks of the step; Patroni restarts are rolling (waves.ts).
 *
 * The default runner:
 * - `postgres` (pg_hba.conf): SIGHUP to the postmaster of the data directory holding the file
 *   (read from its postmaster.pid): no password, no psql, works under Patroni.
 * - other services: nothing when the service does not run (its launch step starts it with the
 *   new files; a restart must never be the first start, which would bypass the launch step's
 *   waves), else `reloadService` / `restartService` (systemd, or the direct daemon driver) —
 *   except a `patroni` restart, which reloads Patroni and restarts PostgreSQL through it
 *   (patroni-restart.ts: replicas in place, the leader after a switchover, nothing when no
 *   restart is pending); restarting the daemon would fail the leader over unplanned.
 * - a change of Patroni's dynamic (DCS) configuration (op `patroni.config`) is a change of the
 *   whole cluster: it triggers `patroni` as a cluster-wide handler, which apply runs on every
 *   member of the cluster in the step (each one skips when it has nothing pending).
 * Prints nothing.
 */
import { sh } from "./command.js";
import { execChecked, type Connector } from "./connector.js";
import type { FactRequest, FactSet } from "../facts/fact.js";
import type { OsFact } from "../facts/os.js";
import type { ServiceFact } from "../facts/service.js";
import { execOptions } from "../ops/args.js";
import { reloadService, restartService } from "../ops/index.js";
import { restartThroughPatroni } from "./patroni-restart.js";
import type { Effect, TaskSpec } from "../plan/types.js";

export type HandlerAction = "reload" | "restart";

/** One triggered handler of one host in one step. */
export interface Handler {
  readonly service: string;
  readonly action: HandlerAction;
  /** Addresses of the changes that triggered it. */
  readonly triggers: readonly string[];
  /** Keys of the triggering tasks (file paths). */
  readonly keys: readonly string[];
  /** The user the daemon runs as, from the host's `service.running` task of the unit. */
  readonly user?: string;
  /** Patroni: this member's REST API (host:port), from the readiness probe of that task. */
  readonly rest?: string;
  /** Triggered by a change of the whole cluster: every member of the cluster runs it. */
  readonly clusterWide?: boolean;
}

/** What apply knows of a service on a host, from its `service.running` task. */
export interface ServiceInfo {
  readonly user?: string;
  readonly rest?: string;
}

/** A host's facts as apply uses them (FactCache fits). */
export interface HostFacts {
  gather(requests: readonly FactRequest[]): Promise<FactSet>;
  refresh(requests: readonly FactRequest[]): Promise<FactSet>;
  invalidate(requests: readonly FactRequest[]): void;
  readonly roundTrips: number;
}

export interface HandlerContext {
  readonly connector: Connector;
  readonly facts: HostFacts;
  readonly signal?: AbortSignal;
}

/** What a handler did: ran, or did not need to (with why). */
export type HandlerOutcome = { readonly ran: true; readonly reason?: string } | { readonly ran: false; readonly reason: string };

export type HandlerRunner = (ctx: HandlerContext, h: Handler) => Promise<HandlerOutcome>;

/** Handlers that wait for the end of the step and run replicas first, primaries last. */
export const isRolling = (h: Pick<Handler, "service" | "action">): boolean => h.service === "patroni" && h.action === "restart";

/** Ops whose task is the whole cluster's, and the service their changes concern. */
const CLUSTER_OPS: ReadonlyMap<string, string> = new Map([["patroni.config", "patroni"]]);

/** The service whose handler a change of the task triggers, if any. */
export const serviceOf = (task: Pick<TaskSpec, "op" | "service">): string | undefined => task.service ?? CLUSTER_OPS.get(task.op);

/** Handlers collected on one host during one step, in the order they were first triggered. */
export class Triggers {
  readonly #byService = new Map<string, { action: HandlerAction; triggers: string[]; keys: string[]; clusterWide: boolean }>();

  add(task: TaskSpec, address: string, effect: Effect): void {
    const service = serviceOf(task);
    if (effect === "none" || !service) return;
    const h = this.#byService.get(service) ?? { action: effect, triggers: [], keys: [], clusterWide: false };
    if (effect === "restart") h.action = "restart";
    if (CLUSTER_OPS.has(task.op)) h.clusterWide = true;
    h.triggers.push(address);
    h.keys.push(task.key);
    this.#byService.set(service, h);
  }

  get size(): number {
    return this.#byService.size;
  }

  /** The handlers; `infoOf(unit)` says what the host's service task knows (user, REST API). */
  handlers(infoOf: (unit: string) => ServiceInfo): Handler[] {
    return [...this.#byService].map(([service, h]) => ({
      service, action: h.action, triggers: h.triggers, keys: h.keys, ...infoOf(service), ...(h.clusterWide ? { clusterWide: true } : {}),
    }));
  }
}

const parentDir = (path: string): string => path.slice(0, Math.max(path.lastIndexOf("/"), 1));

/** The handler runner apply uses unless told otherwise. */
export const runHandler: HandlerRunner = async (ctx, h) => {
  const opts = execOptions(ctx);
  if (h.service === "postgres") {
    if (h.action === "restart") throw new Error("a PostgreSQL restart goes through Patroni (service patroni); nothing restarts `postgres` directly");
    const dirs = [...new Set(h.keys.map(parentDir))];
    const r = await execChecked(ctx.connector, sh`n=0
for d in ${dirs}; do
  pid=$(head -n 1 -- "$d/postmaster.pid" 2>/dev/null) || continue
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -HUP "$pid" && n=$((n + 1)); fi
done
echo "$n"`, opts);
    return r.stdout.trim() === "0" ? { ran: false, reason: "PostgreSQL is not running: it reads the file when it starts" } : { ran: true };
  }
  const requests: FactRequest[] = [{ fact: "os", key: "os" }, { fact: "service", key: h.service }];
  const facts = await ctx.facts.refresh(requests);
  const os = facts.get<OsFact>("os", "os");
  if (!os) throw new Error(`cannot ${h.action} ${h.service}: the os fact is unavailable (${facts.failed("os") ?? "not read"})`);
  const svc = facts.get<ServiceFact>("service", h.service);
  if (facts.failed("service") !== undefined) throw new Error(`cannot ${h.action} ${h.service}: its state is unavailable (${facts.failed("service")})`);
  if (!svc?.active) return { ran: false, reason: `${h.service} is not running: its launch step starts it with the new configuration` };
  const o = { ...(h.user ? { user: h.user } : {}), ...opts };
  if (h.service === "patroni" && h.action === "restart") {
    if (!h.rest) throw new Error("cannot restart PostgreSQL through Patroni: the host's patroni service task names no REST API address (`ready.address`)");
    // Patroni must have the new configuration before it can tell whether a restart is pending
    await reloadService(ctx.connector, h.service, os, o);
    ctx.facts.invalidate(requests);
    return restartThroughPatroni(ctx.connector, h.rest, opts);
  }
  if (h.action === "reload") await reloadService(ctx.connector, h.service, os, o);
  else await restartService(ctx.connector, h.service, os, o);
  ctx.facts.invalidate(requests);
  return { ran: true };
};
