/**
 * Op `pg.default_privileges`: the default privileges of objects one role creates, in each listed
 * database (args: DesiredDefaultPrivileges plus `target`): every grant of pg_default_privileges
 * for that creator, each for one grantee and object type, optionally in one schema. Compared with
 * pg_default_acl as the server applies it: a global entry replaces the built-in defaults (the
 * creator has everything; PUBLIC may EXECUTE functions and USE types), a schema entry only adds
 * to them. `grant` needs the privileges granted (with grant option when asked; an option nobody
 * asked for is left alone); `revoke` needs them not granted. Privileges the inventory does not
 * mention are not this op's business. What a database lacks is changed in one transaction.
 */
import type { FactSet } from "../facts/fact.js";
import type { PgDefaultAcl, PgDefaultAclFact } from "../facts/pg-objects.js";
import type { PgDatabasesFact } from "../facts/pg-catalog.js";
import type { PgAclItem } from "../facts/pg-shell.js";
import { DEFAULT_PRIVILEGE_TYPES } from "../modules/pgsql/objects/privileges.js";
import type { DefaultPrivilegeGrant, DesiredDefaultPrivileges } from "../modules/pgsql/objects/types.js";
import type { Action, FieldChange, TaskSpec } from "../plan/types.js";
import { isUnobservable, unobservable, type ApplyContext, type Op, type OpDiff, type Unobservable } from "./op.js";
import { field, isStandby, pgNeeds, readPgFact, STANDBY, STANDBY_DIFF, taskTarget, unknownDiff, type Standby } from "./pg-common.js";
import { quoteGrantee, quoteIdent, runBatches, sql, type Sql, type SqlBatch } from "./sql.js";

/** pg_default_acl of each listed database; undefined: not readable yet (the database is not created). */
export interface DefaultPrivilegesState {
  readonly databases: ReadonlyMap<string, readonly PgDefaultAcl[] | undefined>;
}

export interface DefaultPrivilegesPlan {
  readonly action: Action;
  readonly fields: readonly FieldChange[];
  readonly batches: readonly SqlBatch[];
}

const args = (task: TaskSpec) => task.args as unknown as DesiredDefaultPrivileges;

/** Where a grant applies: whose objects, of which type, in which schema (all when undefined), for whom. */
export interface GrantScope {
  readonly role: string;
  readonly schema?: string;
  readonly objectType: DefaultPrivilegeGrant["objectType"];
  readonly grantee: string;
}

/** What the server uses when the creator has no global entry for the type. */
function builtinDefault(p: GrantScope): PgAclItem[] {
  const own = DEFAULT_PRIVILEGE_TYPES[p.objectType].map((privilege) => ({ grantee: p.role, privilege, grantable: false }));
  const pub = p.objectType === "FUNCTIONS" ? ["EXECUTE"] : p.objectType === "TYPES" ? ["USAGE"] : [];
  return [...own, ...pub.map((privilege) => ({ grantee: "PUBLIC", privilege, grantable: false }))];
}

/** What the grantee gets today from this creator in this scope. */
export function effectivePrivileges(p: GrantScope, entries: readonly PgDefaultAcl[]): PgAclItem[] {
  const row = entries.find((e) => e.role === p.role && e.schema === (p.schema ?? null) && e.objectType === p.objectType);
  const acl = row ? row.acl : p.schema === undefined ? builtinDefault(p) : [];
  return acl.filter((a) => a.grantee === p.grantee);
}

const text = (acl: readonly PgAclItem[], order: readonly string[]) =>
  order.flatMap((p) => acl.filter((a) => a.privilege === p).map((a) => `${p}${a.grantable ? "*" : ""}`)).join(", ");

function checked(g: DefaultPrivilegeGrant): string[] {
  const known = DEFAULT_PRIVILEGE_TYPES[g.objectType];
  if (!known) throw new Error(`unknown object type ${String(g.objectType)}`);
  const bad = g.privileges.filter((x) => !known.includes(x));
  if (bad.length) throw new Error(`${bad.join(", ")} is not a privilege on ${g.objectType}`);
  return known.filter((x) => g.privileges.includes(x));
}

/**
 * The grants of one (schema, type, grantee), next to each other once sorted: one field of the
 * plan, labelled `TABLES to r` or `TABLES in app to r` after its database. They hold different
 * privileges, so each is applied to what the ones before it left.
 */
interface GrantScopeGroup {
  readonly label: string;
  readonly grants: { readonly g: DefaultPrivilegeGrant; readonly privileges: readonly string[] }[];
}

function scopeGroups(grants: readonly DefaultPrivilegeGrant[]): GrantScopeGroup[] {
  const out: GrantScopeGroup[] = [];
  for (const g of grants) {
    const label = `${g.objectType}${g.schema === undefined ? "" : ` in ${g.schema}`} to ${g.grantee}`;
    const item = { g, privileges: checked(g) };
    const last = out.at(-1);
    if (last?.label === label) last.grants.push(item);
    else out.push({ label, grants: [item] });
  }
  return out;
}

/**
 * The plan of one creator's grants against the live default ACLs: per database, one field per
 * (schema, type, grantee) that changes (what the grantee holds before and after), and one
 * transaction of the statements that make it so.
 */
export function planDefaultPrivileges(p: DesiredDefaultPrivileges, state: DefaultPrivilegesState): DefaultPrivilegesPlan {
  const groups = scopeGroups(p.grants);
  const fields: FieldChange[] = [];
  const batches: SqlBatch[] = [];
  // create: nothing any grant asks for is there yet, and nothing is revoked
  let fresh = true;
  for (const database of p.databases) {
    // a database not created yet has none of its own (pgsql.db creates it before this task)
    const entries = state.databases.get(database) ?? [];
    const statements: Sql[] = [];
    for (const { label, grants } of groups) {
      const before = effectivePrivileges({ ...grants[0]!.g, role: p.role }, entries);
      let after = before;
      for (const { g, privileges } of grants) {
        const cur = after;
        const holds = (x: string) => cur.some((a) => a.privilege === x && (a.grantable || !(g.action === "grant" && g.grantOption)));
        const change = g.action === "grant" ? privileges.filter((x) => !holds(x)) : privileges.filter((x) => cur.some((a) => a.privilege === x));
        // a grant held already (some of it) means the creator's grants are there in part
        if (g.action === "revoke" ? change.length > 0 : privileges.some((x) => cur.some((a) => a.privilege === x))) fresh = false;
        if (!change.length) continue;
        after = g.action === "grant"
          ? [...cur.filter((a) => !change.includes(a.privilege)), ...change.map((privilege) => ({ grantee: g.grantee, privilege, grantable: g.grantOption }))]
          : cur.filter((a) => !change.includes(a.privilege));
        const head = `ALTER DEFAULT PRIVILEGES FOR ROLE ${quoteIdent(p.role)}${g.schema === undefined ? "" : ` IN SCHEMA ${quoteIdent(g.schema)}`}`;
        const list = change.join(", ");
        statements.push(sql(g.action === "grant"
          ? `${head} GRANT ${list} ON ${g.objectType} TO ${quoteGrantee(g.grantee)}${g.grantOption ? " WITH GRANT OPTION" : ""}`
          : `${head} REVOKE ${list} ON ${g.objectType} FROM ${quoteGrantee(g.grantee)}`));
      }
      // `after` is a new list only when a statement changes what the grantee holds
      if (after !== before) {
        const order = DEFAULT_PRIVILEGE_TYPES[grants[0]!.g.objectType];
        fields.push(field(`${database}: ${label}`, text(before, order) || undefined, text(after, order) || "none"));
      }
    }
    if (statements.length) batches.push({ database, transaction: true, statements });
  }
  if (!batches.length) return { action: "noop", fields: [], batches: [] };
  return { action: fresh ? "create" : "update", fields, batches };
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
