/**
 * Op `service.stopped`: a daemon stopped, and (with systemd) disabled at boot, so a removed
 * instance does not come back with the next reboot. The counterpart of `service.running`.
 *
 * Args (modules/steps-pgsql-rm.ts): { unit, user?: string (the dbsu patroni and pgbouncer run
 * as without systemd; default postgres) }.
 *
 * - systemd: `systemctl disable --now` when the unit is enabled, `systemctl stop` when it only
 *   runs. A unit systemd does not know (package removed) or that is stopped and not enabled is
 *   a noop: nothing runs, and nothing is touched.
 * - no systemd: the direct daemon driver's stop (daemon.ts: by pidfile, with its TERM/KILL
 *   schedule) when the pidfile names a live process; a stopped daemon is a noop even without a
 *   driver row (the `service` fact reads any unit's /run/<unit>.pid), a running one without a
 *   driver is `unknown`.
 *
 * Apply re-reads the unit's state (ctx.refresh) and acts on that: safe to run twice. Must not
 * import modules/ (args come as data).
 */
import { sh, type Command } from "../exec/command.js";
import { execChecked } from "../exec/connector.js";
import type { FactRequest, FactSet } from "../facts/fact.js";
import type { FieldChange, TaskSpec } from "../plan/types.js";
import { argOptionalString, execOptions, NOOP, recheck, refuse, unknownDiff, type HostOs } from "./args.js";
import { argUnit, observeUnit, unitNeeds } from "./service-running.js";
import { DAEMONS, DEFAULT_DBSU, stopCommand } from "./daemon.js";
import { isUnobservable, type Op, type OpDiff, type Unobservable } from "./op.js";

export interface StopArgs {
  readonly unit: string;
  readonly user: string;
}

/** The unit as the plan sees it; `known: false` when systemd has no such unit. */
export interface StopState {
  readonly manager: HostOs["serviceManager"];
  readonly known: boolean;
  readonly active: boolean;
  readonly enabled: boolean | "unknown";
}

export function stopArgs(task: TaskSpec): StopArgs {
  return { unit: argUnit(task), user: argOptionalString(task, "user") ?? DEFAULT_DBSU };
}

function needs(task: TaskSpec): FactRequest[] {
  return unitNeeds(stopArgs(task).unit);
}

function observe(task: TaskSpec, facts: FactSet): StopState | Unobservable {
  const u = observeUnit(facts, stopArgs(task).unit);
  if (isUnobservable(u)) return u;
  const s = u.service;
  return { manager: u.manager, known: s !== undefined, active: s?.active ?? false, enabled: s?.enabled ?? false };
}

function diff(task: TaskSpec, observed: StopState | null | Unobservable): OpDiff {
  const a = stopArgs(task);
  if (isUnobservable(observed)) return unknownDiff(observed.reason);
  if (observed === null) return unknownDiff("service state not read");
  if (!observed.known) return NOOP;
  const fields: FieldChange[] = [];
  if (observed.active) fields.push({ field: "active", before: true, after: false });
  if (observed.manager === "systemd" && observed.enabled === true) fields.push({ field: "enabled", before: true, after: false });
  if (fields.length === 0) return NOOP;
  if (observed.manager !== "systemd" && !DAEMONS.has(a.unit)) {
    return unknownDiff(`${a.unit} runs, but there is no daemon driver to stop it on a host without systemd (known: ${[...DAEMONS.keys()].join(", ")})`);
  }
  return { action: "update", effect: "none", reason: observed.active ? "running" : "enabled at boot", fields };
}

/** The systemctl command that converges a unit from `cur`. Exported for tests. */
export function systemdStopCommand(unit: string, cur: Pick<StopState, "active" | "enabled">): Command | undefined {
  if (cur.enabled === true) return cur.active ? sh`systemctl disable --now ${unit}` : sh`systemctl disable ${unit}`;
  return cur.active ? sh`systemctl stop ${unit}` : undefined;
}

export const serviceStoppedOp: Op<StopState> = {
  kind: "service.stopped",
  needs,
  observe,
  diff,

  async apply(ctx, task) {
    const a = stopArgs(task);
    const cur = await recheck({ needs, observe, diff }, ctx, task);
    if (cur === undefined) return;
    if (cur === null) throw refuse(task, diff(task, cur));
    const o = execOptions(ctx);
    const cmd = cur.manager === "systemd" ? systemdStopCommand(a.unit, cur) : stopCommand(a.unit, { user: a.user });
    if (cmd) await execChecked(ctx.connector, cmd, o);
  },
};
