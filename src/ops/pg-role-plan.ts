/**
 * The pure half of `pg.role`: desired role × live catalog → fields for the plan and the SQL that
 * converges it. Semantics (reference §4.3, §4.4):
 * - create with every declared attribute (LOGIN unless declared otherwise, as CREATE USER);
 *   an existing role gets ALTER only for what differs; undeclared attributes are left alone;
 * - password compared through its fingerprint (pg-password.ts), shown only as "(sensitive)";
 * - VALID UNTIL: a date or infinity exactly; `expire_in` N days: converged while the live expiry
 *   is N days away give or take one (measured on the server's clock), else set to today + N;
 * - memberships listed are granted (ADMIN/INHERIT/SET where declared and supported) or revoked;
 *   memberships not listed are never touched; settings set or reset; comment kept in line;
 * - `state: absent`: refuse system/protected roles, else NOLOGIN, end its sessions, REASSIGN
 *   OWNED to the dbsu and DROP OWNED in every connectable database, DROP ROLE.
 */
import type { PgRole } from "../facts/pg-catalog.js";
import type { DesiredMembership, DesiredRole, PresentRole } from "../modules/pgsql/objects/types.js";
import type { Action, FieldChange } from "../plan/types.js";
import { field, MASK, settingsChanges, type PgTaskTarget } from "./pg-common.js";
import { passwordMatches } from "./pg-password.js";
import { quoteIdent, quoteLiteral, sql, SqlSecret, type Sql, type SqlBatch } from "./sql.js";

/** What `pg.role` observes: the role (undefined: missing) and what the SQL depends on. */
export interface RoleState {
  /** server_version_num. */
  readonly version: number;
  /** The server's clock, Unix seconds. */
  readonly now: number;
  readonly role: PgRole | undefined;
  /** Connectable databases (a drop reassigns and drops owned objects in each). */
  readonly databases: readonly string[];
}

export interface RolePlan {
  readonly action: Action;
  readonly reason?: string;
  readonly fields: readonly FieldChange[];
  readonly batches: readonly SqlBatch[];
}

/** Roles never dropped: Pigsty's fixed names (pg-drop-role) besides the configured system users. */
export const PROTECTED_ROLES: readonly string[] = ["postgres", "replicator", "dbuser_dba", "dbuser_monitor"];

const ATTRIBUTES = ["login", "superuser", "createdb", "createrole", "inherit", "replication", "bypassrls"] as const;
type Attribute = (typeof ATTRIBUTES)[number];
const KEYWORD: Readonly<Record<Attribute, string>> = {
  login: "LOGIN", superuser: "SUPERUSER", createdb: "CREATEDB", createrole: "CREATEROLE", inherit: "INHERIT",
  replication: "REPLICATION", bypassrls: "BYPASSRLS",
};
const DAY = 86_400;

const keyword = (a: Attribute, on: boolean) => (on ? KEYWORD[a] : `NO${KEYWORD[a]}`);

function validUntilText(r: PresentRole): string | undefined {
  const v = r.validUntil;
  return v === undefined ? undefined : v.kind === "at" ? v.value : `in ${v.expireInDays} days`;
}

function validUntilOk(r: PresentRole, live: PgRole, now: number): boolean {
  const v = r.validUntil;
  if (v === undefined) return true;
  if (v.kind === "at") return /^\d{4}-\d{2}-\d{2}$/.test(v.value) ? live.validUntil === `${v.value} 00:00:00` : live.validUntil === v.value;
  if (live.validUntilEpoch === null) return false;
  const left = live.validUntilEpoch - now;
  return left >= (v.expireInDays - 1) * DAY - 60 && left <= (v.expireInDays + 1) * DAY;
}

/** VALID UNTIL: a literal, or today + N computed by the server (VALID UNTIL takes no expression). */
function validUntilSql(r: PresentRole, name: string): Sql | undefined {
  const v = r.validUntil;
  if (v === undefined) return undefined;
  if (v.kind === "at") return sql(`ALTER ROLE ${name} VALID UNTIL ${quoteLiteral(v.value)}`);
  const days = Math.trunc(v.expireInDays);
  const body = `BEGIN EXECUTE format('ALTER ROLE %I VALID UNTIL %L', ${quoteLiteral(r.name)}, to_char(current_date + ${days}, 'YYYY-MM-DD')); END`;
  return sql(`DO ${quoteLiteral(body)}`);
}

type Options = { admin?: boolean; inherit?: boolean; set?: boolean };

/** The options of a membership this server version can manage. */
function managedOptions(m: DesiredMembership, version: number): Options {
  const v16 = version >= 160000;
  const use = (o: "inherit" | "set") => v16 && !(m.unsupported ?? []).includes(o);
  return {
    ...(m.admin === undefined ? {} : { admin: m.admin }),
    ...(m.inherit === undefined || !use("inherit") ? {} : { inherit: m.inherit }),
    ...(m.set === undefined || !use("set") ? {} : { set: m.set }),
  };
}

function describe(o: Partial<Record<keyof Options, boolean | null>>, shown: Options): string {
  const opts = (Object.keys(shown) as (keyof Options)[]).map((k) => `${k}=${o[k] ?? false}`);
  return opts.length ? `granted (${opts.join(", ")})` : "granted";
}

function withOptions(o: Options, version: number): string {
  if (version < 160000) return o.admin ? " WITH ADMIN OPTION" : "";
  const parts = (Object.keys(o) as (keyof Options)[]).map((k) => `${k.toUpperCase()} ${o[k] ? "TRUE" : "FALSE"}`);
  return parts.length ? ` WITH ${parts.join(", ")}` : "";
}

function membershipChanges(r: PresentRole, live: PgRole | undefined, version: number): { fields: FieldChange[]; statements: Sql[] } {
  const fields: FieldChange[] = [];
  const statements: Sql[] = [];
  const user = quoteIdent(r.name);
  for (const m of r.memberships) {
    const cur = live?.memberships.find((x) => x.role === m.role);
    const group = quoteIdent(m.role);
    const opts = managedOptions(m, version);
    if (m.state === "absent") {
      if (!cur) continue;
      fields.push(field(`roles.${m.role}`, describe(cur, {}), undefined));
      statements.push(sql(`REVOKE ${group} FROM ${user}`));
      continue;
    }
    if (!cur) {
      fields.push(field(`roles.${m.role}`, undefined, describe(opts, opts)));
      statements.push(sql(`GRANT ${group} TO ${user}${withOptions(opts, version)}`));
      continue;
    }
    const differing = (Object.keys(opts) as (keyof Options)[]).filter((k) => (cur[k] ?? false) !== opts[k]);
    if (!differing.length) continue;
    fields.push(field(`roles.${m.role}`, describe(cur, opts), describe(opts, opts)));
    const on: Options = Object.fromEntries(differing.filter((k) => opts[k]).map((k) => [k, true]));
    if (Object.keys(on).length) statements.push(sql(`GRANT ${group} TO ${user}${withOptions(on, version)}`));
    for (const k of differing.filter((k) => !opts[k])) statements.push(sql(`REVOKE ${k.toUpperCase()} OPTION FOR ${group} FROM ${user}`));
  }
  return { fields, statements };
}

function createRole(r: PresentRole, state: RoleState): RolePlan {
  const name = quoteIdent(r.name);
  const attrs = ATTRIBUTES.filter((a) => r[a] !== undefined || a === "login").map((a) => keyword(a, r[a] ?? true));
  const parts: (string | SqlSecret)[] = [`CREATE ROLE ${name} WITH ${attrs.join(" ")}`];
  if (r.connlimit !== undefined) parts.push(` CONNECTION LIMIT ${Math.trunc(r.connlimit)}`);
  const password = r.password !== undefined && r.password !== "";
  if (password) parts.push(" PASSWORD ", new SqlSecret(r.password!));
  const statements: Sql[] = [sql(...parts)];
  const until = validUntilSql(r, name);
  if (until) statements.push(until);
  statements.push(sql(`COMMENT ON ROLE ${name} IS ${quoteLiteral(r.comment)}`));
  const settings = settingsChanges(`ALTER ROLE ${name}`, r.parameters, [], new Map());
  const members = membershipChanges(r, undefined, state.version);
  const fields: FieldChange[] = [
    ...ATTRIBUTES.filter((a) => r[a] !== undefined).map((a) => field(a, undefined, r[a])),
    ...(r.connlimit === undefined ? [] : [field("connlimit", undefined, r.connlimit)]),
    ...(password ? [field("password", undefined, MASK)] : []),
    ...(r.validUntil ? [field("validUntil", undefined, validUntilText(r))] : []),
    field("comment", undefined, r.comment),
    ...settings.fields,
    ...members.fields,
  ];
  return {
    action: "create",
    fields,
    batches: [{ database: "postgres", transaction: true, statements: [...statements, ...settings.statements, ...members.statements] }],
  };
}

function alterRole(r: PresentRole, live: PgRole, state: RoleState): RolePlan {
  const name = quoteIdent(r.name);
  const fields: FieldChange[] = [];
  const statements: Sql[] = [];
  // attributes the inventory leaves out are not managed, but login, which is on by default (as
  // when the role is created): a user of pg_users made NOLOGIN by hand is drift
  const wanted = (a: (typeof ATTRIBUTES)[number]) => (a === "login" ? (r.login ?? true) : r[a]);
  const changed = ATTRIBUTES.filter((a) => wanted(a) !== undefined && wanted(a) !== live[a]);
  for (const a of changed) fields.push(field(a, live[a], wanted(a)));
  const limit = r.connlimit !== undefined && r.connlimit !== live.connlimit;
  if (limit) fields.push(field("connlimit", live.connlimit, r.connlimit));
  if (changed.length || limit) {
    const words = [...changed.map((a) => keyword(a, wanted(a)!)), ...(limit ? [`CONNECTION LIMIT ${Math.trunc(r.connlimit!)}`] : [])];
    statements.push(sql(`ALTER ROLE ${name} WITH ${words.join(" ")}`));
  }
  if (r.password !== undefined && r.password !== "" && !passwordMatches(r.password, r.name, live.password)) {
    fields.push({ field: "password", ...(live.password ? { before: MASK } : {}), after: MASK });
    statements.push(sql(`ALTER ROLE ${name} PASSWORD `, new SqlSecret(r.password)));
  }
  if (!validUntilOk(r, live, state.now)) {
    fields.push(field("validUntil", live.validUntil, validUntilText(r)));
    statements.push(validUntilSql(r, name)!);
  }
  if (r.comment !== (live.comment ?? "")) {
    fields.push(field("comment", live.comment, r.comment));
    statements.push(sql(`COMMENT ON ROLE ${name} IS ${quoteLiteral(r.comment)}`));
  }
  const settings = settingsChanges(`ALTER ROLE ${name}`, r.parameters, r.resetParameters, live.settings);
  const members = membershipChanges(r, live, state.version);
  fields.push(...settings.fields, ...members.fields);
  statements.push(...settings.statements, ...members.statements);
  if (!statements.length) return { action: "noop", fields: [], batches: [] };
  return { action: "update", fields, batches: [{ database: "postgres", transaction: true, statements }] };
}

/** Why a role must never be dropped, or undefined. */
export function protectedReason(name: string, live: PgRole | undefined, target: PgTaskTarget): string | undefined {
  const system = new Set([target.dbsu, ...Object.values(target.systemUsers)]);
  if (system.has(name)) return `${name} is a system user`;
  if (PROTECTED_ROLES.includes(name)) return `${name} is one of Pigsty's protected users`;
  if (/^pg_/.test(name) || (live !== undefined && live.oid < 16384)) return `${name} is a built-in role`;
  return undefined;
}

function dropRole(name: string, live: PgRole, state: RoleState, target: PgTaskTarget): RolePlan {
  const refused = protectedReason(name, live, target);
  if (refused) return { action: "unknown", reason: `refusing to drop role ${name}: ${refused}`, fields: [], batches: [] };
  const role = quoteIdent(name);
  const wait = state.version >= 140000 ? ", 10000" : "";
  const dbs = [...state.databases].filter((d) => d !== "template0");
  return {
    action: "delete",
    reason: `state: absent: login disabled, sessions ended, objects reassigned to ${target.dbsu} in ${dbs.length} database(s), role dropped`,
    fields: [field("role", name, undefined)],
    batches: [
      {
        database: "postgres",
        transaction: true,
        statements: [
          sql(`ALTER ROLE ${role} NOLOGIN`),
          sql(`SELECT count(pg_terminate_backend(pid${wait})) FROM pg_stat_activity WHERE usename = ${quoteLiteral(name)} AND pid <> pg_backend_pid()`),
        ],
      },
      ...dbs.map((database): SqlBatch => ({
        database,
        transaction: true,
        statements: [sql(`REASSIGN OWNED BY ${role} TO ${quoteIdent(target.dbsu)}`), sql(`DROP OWNED BY ${role}`)],
      })),
      { database: "postgres", transaction: true, statements: [sql(`DROP ROLE IF EXISTS ${role}`)] },
    ],
  };
}

/** The plan of one `pg.role` task against the live state. */
export function planRole(r: DesiredRole, state: RoleState, target: PgTaskTarget): RolePlan {
  if (r.state === "absent") {
    if (!state.role) return { action: "noop", reason: "absent", fields: [], batches: [] };
    return dropRole(r.name, state.role, state, target);
  }
  return state.role ? alterRole(r, state.role, state) : createRole(r, state);
}
