/**
 * Op `pg.default_privileges`: default privileges of objects one role creates, for one grantee and
 * object type, optionally in one schema, in each listed database (args: DesiredDefaultPrivilege
 * plus `target`). Compared with pg_default_acl as the server applies it: a global entry replaces
 * the built-in defaults (the creator has everything; PUBLIC may EXECUTE functions and USE types),
 * a schema entry only adds to them. `grant` needs the privileges granted (with grant option when
 * asked; an option nobody asked for is left alone); `revoke` needs them not granted. Privileges
 * the inventory does not mention are not this op's business.
 */
import type { FactSet } from "../facts/fact.js";
import type { PgDefaultAcl, PgDefaultAclFact } from "../facts/pg-objects.js";
import type { PgDatabasesFact } from "../facts/pg-catalog.js";
import type { PgAclItem } from "../facts/pg-shell.js";
import { DEFAULT_PRIVILEGE_TYPES } from "../modules/pgsql/objects/privileges.js";
import type { DesiredDefaultPrivilege } from "../modules/pgsql/objects/types.js";
import type { Action, FieldChange, TaskSpec } from "../plan/types.js";
import { isUnobservable, unobservable, type ApplyContext, type Op, type OpDiff, type Unobservable } from "./op.js";
import { field, isStandby, pgNeeds, readPgFact, STANDBY, STANDBY_DIFF, taskTarget, unknownDiff, type Standby } from "./pg-common.js";
import { quoteGrantee, quoteIdent, runBatches, sql, type SqlBatch } from "./sql.js";

/** pg_default_acl of each listed database; undefined: not readable yet (the database is not created). */
export interface DefaultPrivilegesState {
  readonly databases: ReadonlyMap<string, readonly PgDefaultAcl[] | undefined>;
}

export interface DefaultPrivilegesPlan {
  readonly action: Action;
  readonly fields: readonly FieldChange[];
  readonly batches: readonly SqlBatch[];
}

const args = (task: TaskSpec) => task.args as unknown as DesiredDefaultPrivilege;

/** What the server uses when the creator has no global entry for the type. */
function builtinDefault(p: DesiredDefaultPrivilege): PgAclItem[] {
  const own = DEFAULT_PRIVILEGE_TYPES[p.objectType].map((privilege) => ({ grantee: p.role, privilege, grantable: false }));
  const pub = p.objectType === "FUNCTIONS" ? ["EXECUTE"] : p.objectType === "TYPES" ? ["USAGE"] : [];
  return [...own, ...pub.map((privilege) => ({ grantee: "PUBLIC", privilege, grantable: false }))];
}

/** What the grantee gets today from this creator in this scope. */
export function effectivePrivileges(p: DesiredDefaultPrivilege, entries: readonly PgDefaultAcl[]): PgAclItem[] {
  const row = entries.find((e) => e.role === p.role && e.schema === (p.schema ?? null) && e.objectType === p.objectType);
  const acl = row ? row.acl : p.schema === undefined ? builtinDefault(p) : [];
  return acl.filter((a) => a.grantee === p.grantee);
}

const text = (acl: readonly PgAclItem[], order: readonly string[]) =>
  order.flatMap((p) => acl.filter((a) => a.privilege === p).map((a) => `${p}${a.grantable ? "*" : ""}`)).join(", ");

function checked(p: DesiredDefaultPrivilege): string[] {
  const known = DEFAULT_PRIVILEGE_TYPES[p.objectType];
  if (!known) throw new Error(`unknown object type ${String(p.objectType)}`);
  const bad = p.privileges.filter((x) => !known.includes(x));
  if (bad.length) throw new Error(`${bad.join(", ")} is not a privilege on ${p.objectType}`);
  return known.filter((x) => p.privileges.includes(x));
}

/** The plan of one task against the live default ACLs. */
export function planDefaultPrivileges(p: DesiredDefaultPrivilege, state: DefaultPrivilegesState): DefaultPrivilegesPlan {
  const privileges = checked(p);
  const order = DEFAULT_PRIVILEGE_TYPES[p.objectType];
  const scope = `ALTER DEFAULT PRIVILEGES FOR ROLE ${quoteIdent(p.role)}${p.schema === undefined ? "" : ` IN SCHEMA ${quoteIdent(p.schema)}`}`;
  const fields: FieldChange[] = [];
  const batches: SqlBatch[] = [];
  let fresh = true;
  for (const database of p.databases) {
    // a database not created yet has none of its own (pgsql.db creates it before this task)
    const cur = effectivePrivileges(p, state.databases.get(database) ?? []);
    const holds = (x: string) => cur.some((a) => a.privilege === x && (a.grantable || !(p.action === "grant" && p.grantOption)));
    const change = p.action === "grant" ? privileges.filter((x) => !holds(x)) : privileges.filter((x) => cur.some((a) => a.privilege === x));
    if (!change.length) continue;
    if (privileges.some((x) => cur.some((a) => a.privilege === x))) fresh = false;
    const after: PgAclItem[] = p.action === "grant"
      ? [...cur.filter((a) => !change.includes(a.privilege)), ...change.map((privilege) => ({ grantee: p.grantee, privilege, grantable: p.grantOption }))]
      : cur.filter((a) => !change.includes(a.privilege));
    fields.push(field(database, text(cur, order) || undefined, text(after, order) || "none"));
    const list = change.join(", ");
    const statement = p.action === "grant"
      ? `${scope} GRANT ${list} ON ${p.objectType} TO ${quoteGrantee(p.grantee)}${p.grantOption ? " WITH GRANT OPTION" : ""}`
      : `${scope} REVOKE ${list} ON ${p.objectType} FROM ${quoteGrantee(p.grantee)}`;
    batches.push({ database, transaction: true, statements: [sql(statement)] });
  }
  if (!batches.length) return { action: "noop", fields: [], batches: [] };
  return { action: p.action === "grant" && fresh ? "create" : "update", fields, batches };
}

function observe(task: TaskSpec, facts: FactSet): DefaultPrivilegesState | Standby | Unobservable {
  // pg.databases says whether this server is a standby (its default ACLs are the leader's copy)
  const dbs = readPgFact<PgDatabasesFact>(facts, task, "pg.databases");
  if (isUnobservable(dbs)) return dbs;
  if (dbs.recovery) return STANDBY;
  const acl = readPgFact<PgDefaultAclFact>(facts, task, "pg.default_privileges");
  if (isUnobservable(acl)) return acl;
  const out = new Map<string, readonly PgDefaultAcl[] | undefined>();
  for (const db of args(task).databases) {
    const error = acl.errors.get(db);
    if (error !== undefined) return unobservable(`database ${db} could not be read: ${error}`);
    out.set(db, acl.databases.get(db));
  }
  return { databases: out };
}

export const pgDefaultPrivilegesOp: Op<DefaultPrivilegesState | Standby> = {
  kind: "pg.default_privileges",
  needs: (task) => pgNeeds(task, "pg.databases", "pg.default_privileges"),
  observe,
  diff(task, observed): OpDiff {
    if (isUnobservable(observed)) return unknownDiff(observed);
    if (isStandby(observed)) return STANDBY_DIFF;
    if (observed === null) return unknownDiff(unobservable("pg.default_privileges was not read"));
    const p = planDefaultPrivileges(args(task), observed);
    return { action: p.action, effect: "none", ...(p.fields.length ? { fields: p.fields } : {}) };
  },
  async apply(ctx: ApplyContext, task: TaskSpec): Promise<void> {
    const state = observe(task, await ctx.refresh(pgDefaultPrivilegesOp.needs(task)));
    if (isUnobservable(state)) throw new Error(`pg.default_privileges ${task.key}: ${state.reason}`);
    if (isStandby(state)) return;
    await runBatches(ctx.connector, taskTarget(task), planDefaultPrivileges(args(task), state).batches, ctx.signal);
  },
};
