/**
 * What the PostgreSQL ops share: the server a task talks to (`args.target`, defaults as Pigsty's),
 * reading a fact into a value or an `Unobservable` (server down, fact failed, a standby), the
 * diff of role/database settings, and small helpers for plan fields. Pure.
 */
import { SENSITIVE } from "../exec/command.js";
import type { FactRequest, FactSet } from "../facts/fact.js";
import { DEFAULT_PG_TARGET, isPgDown, pgTargetKey, type PgTarget } from "../facts/pg-shell.js";
import type { SystemUsers } from "../modules/pgsql/objects/types.js";
import type { FieldChange, TaskSpec } from "../plan/types.js";
import { unobservable, type OpDiff, type Unobservable } from "./op.js";
import { settingAssignment, settingEquals, settingName, sql, type Sql } from "./sql.js";

export const MASK = SENSITIVE;

/**
 * The server of a task and the system users of its cluster. Modules put it in `args.target`
 * (`pg_dbsu`, `pg_localhost`, `pg_port`, the `pg_*_username`s); what is missing takes Pigsty's
 * defaults.
 */
export interface PgTaskTarget extends PgTarget {
  readonly systemUsers: SystemUsers;
}

const PIGSTY_SYSTEM_USERS: SystemUsers = { dbsu: "postgres", replicator: "replicator", admin: "dbuser_dba", monitor: "dbuser_monitor" };

const text = (v: unknown, d: string) => (typeof v === "string" && v !== "" ? v : d);

export function taskTarget(task: Pick<TaskSpec, "args">): PgTaskTarget {
  const t = (typeof task.args.target === "object" && task.args.target !== null ? task.args.target : {}) as Record<string, unknown>;
  const sys = (typeof t.systemUsers === "object" && t.systemUsers !== null ? t.systemUsers : {}) as Record<string, unknown>;
  const dbsu = text(t.dbsu, DEFAULT_PG_TARGET.dbsu);
  return {
    dbsu,
    socketDir: text(t.socketDir, DEFAULT_PG_TARGET.socketDir),
    port: typeof t.port === "number" ? t.port : DEFAULT_PG_TARGET.port,
    systemUsers: {
      dbsu,
      replicator: text(sys.replicator, PIGSTY_SYSTEM_USERS.replicator),
      admin: text(sys.admin, PIGSTY_SYSTEM_USERS.admin),
      monitor: text(sys.monitor, PIGSTY_SYSTEM_USERS.monitor),
    },
  };
}

/** Requests of the named PostgreSQL facts for the task's server. */
export function pgNeeds(task: Pick<TaskSpec, "args">, ...facts: string[]): FactRequest[] {
  const key = pgTargetKey(taskTarget(task));
  return facts.map((fact) => ({ fact, key }));
}

/** A fact of the task's server, or why it cannot be known. */
export function readPgFact<T>(facts: FactSet, task: Pick<TaskSpec, "args">, fact: string): T | Unobservable {
  const failed = facts.failed(fact);
  if (failed !== undefined) return unobservable(`${fact} could not be read: ${failed}`);
  const v = facts.get<T>(fact, pgTargetKey(taskTarget(task)));
  if (v === undefined) return unobservable(`${fact} was not read`);
  if (isPgDown(v)) return unobservable(`PostgreSQL not running yet (${v.reason})`);
  return v;
}

/**
 * The server is a standby (in recovery): database objects are converged on the cluster's leader,
 * wherever it is now (after a failover it is not the inventory's primary), and replicated here.
 * Every member carries the object tasks; on a standby they are no-ops.
 */
export interface Standby {
  readonly standby: true;
}
export const STANDBY: Standby = { standby: true };
export const isStandby = (x: unknown): x is Standby => typeof x === "object" && x !== null && (x as Standby).standby === true;
export const STANDBY_DIFF: OpDiff = { action: "noop", effect: "none", reason: "a standby: objects are converged on the leader and replicated here" };

/** The diff of an unobservable state. */
export function unknownDiff(u: Unobservable): OpDiff {
  return { action: "unknown", effect: "none", reason: u.reason };
}

/** Settings (`ALTER <what> SET/RESET`) that differ from the stored ones, as fields and statements. */
export function settingsChanges(
  alter: string,
  parameters: Readonly<Record<string, string>>,
  reset: readonly string[],
  stored: ReadonlyMap<string, string>,
): { fields: FieldChange[]; statements: Sql[] } {
  const fields: FieldChange[] = [];
  const statements: Sql[] = [];
  for (const [name, value] of Object.entries(parameters)) {
    const cur = stored.get(name);
    if (settingEquals(name, value, cur)) continue;
    fields.push(field(`parameters.${name}`, cur, value));
    statements.push(sql(`${alter} SET ${settingAssignment(name, value)}`));
  }
  for (const name of reset) {
    const cur = stored.get(name);
    if (cur === undefined) continue;
    fields.push(field(`parameters.${name}`, cur, undefined));
    statements.push(sql(`${alter} RESET ${settingName(name)}`));
  }
  return { fields, statements };
}

/** A field change; undefined/null sides are left out (the field did not exist / will not). */
export function field(name: string, before: unknown, after: unknown): FieldChange {
  return {
    field: name,
    ...(before === undefined || before === null ? {} : { before }),
    ...(after === undefined || after === null ? {} : { after }),
  };
}

/** Code-point order (the same everywhere). */
export function byText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
