/**
 * Op `service.running`: a daemon running, and (with systemd) enabled at boot as asked.
 *
 * Args (modules/node/layout.ts): { unit, enabled?: boolean (default true), user?: string (the
 * dbsu patroni and pgbouncer run as without systemd; default postgres) }.
 *
 * - systemd (the `os` fact says so): `systemctl enable --now` when the unit is not active or not
 *   enabled (`systemctl start` / `disable` when `enabled: false`), then `systemctl is-active`
 *   must hold. Nothing runs when it is active and enabled as asked: a converged host is never
 *   touched (no restart, the PID stays).
 * - no systemd: the direct daemon driver of daemon.ts (start-stop-daemon, pidfile
 *   /run/<unit>.pid); `enabled` has no meaning there (nothing starts at boot but PID 1) and is
 *   not compared. A unit without a driver row is `unknown`.
 *
 * Args `ready` and `streaming` (ready.ts): after a start, wait until the daemon serves (`ready`);
 * leave the WAL streaming of a started replica for the end of the apply (`streaming`).
 *
 * Apply re-reads the unit's state (ctx.refresh) and acts on that: safe to run twice.
 */
import { sh, type Command } from "../exec/command.js";
import { execChecked, type Connector } from "../exec/connector.js";
import type { FactRequest, FactSet } from "../facts/fact.js";
import type { FieldChange, TaskSpec } from "../plan/types.js";
import { argBool, argOptionalString, argString, execOptions, factFailure, NOOP, OS_REQUEST, recheck, refuse, unknownDiff, type HostOs, type ServiceFact } from "./args.js";
import { DAEMONS, DEFAULT_DBSU, startCommand } from "./daemon.js";
import { isUnobservable, type Op, type OpDiff, type Settle, type Unobservable } from "./op.js";
import { readyArg, readyCommand, streamingArg, streamingCommand } from "./ready.js";

export interface ServiceArgs {
  readonly unit: string;
  readonly enabled: boolean;
  readonly user: string;
}

/** The unit as the plan sees it: the host's service manager and the `service` fact. */
export interface ServiceState {
  readonly manager: HostOs["serviceManager"];
  readonly active: boolean;
  /** "unknown": systemd cannot say (a static unit) or there is no systemd. */
  readonly enabled: boolean | "unknown";
  readonly pid?: number;
}

/** The `unit` arg, checked to be a unit name (it reaches systemctl and the daemon driver). */
export function argUnit(task: TaskSpec): string {
  const unit = argString(task, "unit");
  if (!/^[A-Za-z0-9][A-Za-z0-9@._:-]*$/.test(unit)) throw new TypeError(`${task.op}[${task.key}]: not a unit name: ${JSON.stringify(unit)}`);
  return unit;
}

export function serviceArgs(task: TaskSpec): ServiceArgs {
  return { unit: argUnit(task), enabled: argBool(task, "enabled", true), user: argOptionalString(task, "user") ?? DEFAULT_DBSU };
}

/** The facts a unit's state is read from: the host's service manager and the unit. */
export function unitNeeds(unit: string): FactRequest[] {
  return [OS_REQUEST, { fact: "service", key: unit }];
}

/** The host's service manager and the unit's `service` fact (undefined: no such unit), or why not. */
export function observeUnit(facts: FactSet, unit: string): { manager: HostOs["serviceManager"]; service: ServiceFact | undefined } | Unobservable {
  const failed = factFailure(facts, "os", "service");
  if (failed) return failed;
  const os = facts.get<HostOs>("os", "os");
  if (!os) return { unobservable: true, reason: "os fact missing" };
  return { manager: os.serviceManager, service: facts.get<ServiceFact>("service", unit) };
}

function needs(task: TaskSpec): FactRequest[] {
  return unitNeeds(serviceArgs(task).unit);
}

function observe(task: TaskSpec, facts: FactSet): ServiceState | Unobservable {
  const u = observeUnit(facts, serviceArgs(task).unit);
  if (isUnobservable(u)) return u;
  const s = u.service;
  return { manager: u.manager, active: s?.active ?? false, enabled: s?.enabled ?? false, ...(s?.pid !== undefined ? { pid: s.pid } : {}) };
}

function diff(task: TaskSpec, observed: ServiceState | null | Unobservable): OpDiff {
  const a = serviceArgs(task);
  if (isUnobservable(observed)) return unknownDiff(observed.reason);
  if (observed === null) return unknownDiff("service state not read");
  const fields: FieldChange[] = [];
  if (observed.manager !== "systemd") {
    if (!DAEMONS.has(a.unit)) return unknownDiff(`no daemon driver for ${a.unit} on a host without systemd (known: ${[...DAEMONS.keys()].join(", ")})`);
    if (observed.active) return NOOP;
    return { action: "create", effect: "none", reason: "not running", fields: [{ field: "active", before: false, after: true }] };
  }
  if (!observed.active) fields.push({ field: "active", before: false, after: true });
  if (observed.enabled !== "unknown" && observed.enabled !== a.enabled) fields.push({ field: "enabled", before: observed.enabled, after: a.enabled });
  if (fields.length === 0) return NOOP;
  return { action: observed.active ? "update" : "create", effect: "none", reason: observed.active ? "enablement differs" : "not running", fields };
}

/** The systemctl commands that converge a unit from `cur`. Exported for tests. */
export function systemdCommands(a: ServiceArgs, cur: Pick<ServiceState, "active" | "enabled">): Command[] {
  const out: Command[] = [];
  if (a.enabled && cur.enabled === false) out.push(sh`systemctl enable --now ${a.unit}`);
  else {
    if (!a.enabled && cur.enabled === true) out.push(sh`systemctl disable ${a.unit}`);
    if (!cur.active) out.push(sh`systemctl start ${a.unit}`);
  }
  if (!cur.active) out.push(sh`systemctl is-active --quiet ${a.unit}`);
  return out;
}

export const serviceRunningOp: Op<ServiceState> = {
  kind: "service.running",
  needs,
  observe,
  diff,

  async apply(ctx, task): Promise<void | Settle> {
    const a = serviceArgs(task);
    const ready = readyArg(task);
    const streaming = streamingArg(task);
    const cur = await recheck({ needs, observe, diff }, ctx, task);
    if (cur === undefined) return;
    if (cur === null) throw refuse(task, diff(task, cur));
    const o = execOptions(ctx);
    if (cur.manager !== "systemd") await execChecked(ctx.connector, startCommand(a.unit, { user: a.user }), o);
    else await systemdConverge(ctx.connector, a, cur, o);
    if (cur.active) return;
    if (ready) await execChecked(ctx.connector, readyCommand(ready), o);
    if (streaming) return { what: "PostgreSQL streaming WAL from its upstream", command: streamingCommand(streaming) };
  },
};

async function systemdConverge(connector: Connector, a: ServiceArgs, cur: ServiceState, o: { signal?: AbortSignal }): Promise<void> {
  for (const cmd of systemdCommands(a, cur)) {
    const r = await connector.exec(cmd, o);
    if (r.code === 0) continue;
    // what systemd knows about the failure, for the error (the unit's own last log lines)
    const st = await connector.exec(sh`systemctl status --no-pager --lines=15 ${a.unit}`, o).catch(() => undefined);
    const detail = [r.stderr.trim(), st?.stdout.trim()].filter(Boolean).join("\n");
    throw new Error(`${connector.host}: \`${cmd.display}\` exited ${r.code}: ${a.unit} is not running${detail ? `\n${detail}` : ""}`);
  }
}
