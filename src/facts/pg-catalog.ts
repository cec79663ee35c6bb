/**
 * Facts of a PostgreSQL server's global catalog, read with one psql each as the dbsu over the
 * local socket (keys are `pgTargetKey` targets): `pg.roles` (roles with attributes, memberships,
 * settings, comments, a fingerprint of the password verifier), `pg.databases` (owner, encoding,
 * locale, limits, settings, decoded ACL) and `pg.settings` (parameters pending a restart).
 *
 * Passwords: the fact never carries `rolpassword` itself. The SQL prints a fingerprint — the
 * SCRAM iteration count and salt (needed to check a plaintext) and the SHA-256 of the whole
 * verifier — so no usable verifier ever crosses the wire or lands in a log, and the parsed value
 * is a `Secret` that prints as "(sensitive)". Comparing needs nothing more (see ops/pg-password).
 * Pure; imports only quoting helpers.
 */
import { Secret } from "../exec/command.js";
import type { Fact } from "./fact.js";
import {
  aclItems, arr, bool, globalQueryScript, jsonLine, num, obj, optBool, optStr, parseSections, settingsMap, str,
  type PgAclItem, type PgDown,
} from "./pg-shell.js";

/** One membership of a role in another; options aggregated over grantors. */
export interface PgMembership {
  /** The role granted. */
  readonly role: string;
  readonly admin: boolean;
  /** PostgreSQL 16+ only; null before. */
  readonly inherit: boolean | null;
  readonly set: boolean | null;
}

/** A role as the catalog has it (`pg_authid`). */
export interface PgRole {
  readonly name: string;
  readonly oid: number;
  readonly superuser: boolean;
  readonly inherit: boolean;
  readonly createrole: boolean;
  readonly createdb: boolean;
  readonly login: boolean;
  readonly replication: boolean;
  readonly bypassrls: boolean;
  readonly connlimit: number;
  /** VALID UNTIL in the server's time zone, `YYYY-MM-DD HH:MM:SS`, or `infinity`; null: never expires. */
  readonly validUntil: string | null;
  /** VALID UNTIL as Unix seconds when finite. */
  readonly validUntilEpoch: number | null;
  /** Fingerprint of the verifier (`SCRAM-SHA-256$<iter>:<salt>$sha256:<hex>` or `sha256:<hex>`); null: no password. */
  readonly password: Secret | null;
  readonly comment: string | null;
  /** Sorted by role. */
  readonly memberships: readonly PgMembership[];
  /** Role-wide settings (`ALTER ROLE … SET`, all databases). */
  readonly settings: ReadonlyMap<string, string>;
}

/** `pg.roles`: every role but the predefined `pg_*` ones. */
export interface PgRolesFact {
  /** server_version_num, e.g. 150018. */
  readonly version: number;
  /** The server's clock (Unix seconds) when read: expiry checks compare against it, not the planner's. */
  readonly now: number;
  /** A standby: nothing can be changed here. */
  readonly recovery: boolean;
  readonly roles: ReadonlyMap<string, PgRole>;
}

/** A database as `pg_database` has it. */
export interface PgDatabase {
  readonly name: string;
  readonly owner: string;
  /** Encoding name, e.g. UTF8. */
  readonly encoding: string;
  readonly collate: string;
  readonly ctype: string;
  readonly localeProvider: "libc" | "icu" | "builtin";
  readonly icuLocale: string | null;
  readonly icuRules: string | null;
  readonly builtinLocale: string | null;
  readonly connlimit: number;
  readonly allowconn: boolean;
  readonly isTemplate: boolean;
  readonly tablespace: string;
  readonly comment: string | null;
  /** Database-wide settings (`ALTER DATABASE … SET`). */
  readonly settings: ReadonlyMap<string, string>;
  /** The ACL decoded (the built-in default when datacl is null). */
  readonly acl: readonly PgAclItem[];
}

/** `pg.databases`: every database. */
export interface PgDatabasesFact {
  readonly version: number;
  readonly recovery: boolean;
  readonly databases: ReadonlyMap<string, PgDatabase>;
}

/** `pg.settings`: parameters whose new value waits for a restart. */
export interface PgSettingsFact {
  readonly version: number;
  readonly pendingRestart: readonly { readonly name: string; readonly setting: string }[];
}

const HEAD = "'version', current_setting('server_version_num')::int, 'recovery', pg_is_in_recovery()";
const SETTINGS = (where: string) =>
  `coalesce((SELECT jsonb_agg(c ORDER BY c) FROM pg_db_role_setting s, unnest(s.setconfig) c WHERE ${where}), '[]'::jsonb)`;
const ACL_ROW = "jsonb_build_array(CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(a.grantee) END, a.privilege_type, a.is_grantable)";

export const ROLES_SQL = `SELECT jsonb_build_object(${HEAD}, 'now', extract(epoch FROM now()),
 'roles', coalesce((SELECT jsonb_agg(jsonb_build_object(
   'name', r.rolname, 'oid', r.oid, 'superuser', r.rolsuper, 'inherit', r.rolinherit, 'createrole', r.rolcreaterole,
   'createdb', r.rolcreatedb, 'login', r.rolcanlogin, 'replication', r.rolreplication, 'bypassrls', r.rolbypassrls,
   'connlimit', r.rolconnlimit,
   'validUntil', CASE WHEN isfinite(r.rolvaliduntil) THEN to_char(r.rolvaliduntil, 'YYYY-MM-DD HH24:MI:SS') ELSE r.rolvaliduntil::text END,
   'validUntilEpoch', CASE WHEN isfinite(r.rolvaliduntil) THEN extract(epoch FROM r.rolvaliduntil) END,
   'password', CASE WHEN r.rolpassword IS NULL THEN NULL
     WHEN r.rolpassword LIKE 'SCRAM-SHA-256$%' THEN 'SCRAM-SHA-256$' || split_part(r.rolpassword, '$', 2) || '$sha256:' || encode(sha256(convert_to(r.rolpassword, 'UTF8')), 'hex')
     ELSE 'sha256:' || encode(sha256(convert_to(r.rolpassword, 'UTF8')), 'hex') END,
   'comment', shobj_description(r.oid, 'pg_authid'),
   'memberships', coalesce((SELECT jsonb_agg(x.m ORDER BY x.m->>'role') FROM (
       SELECT jsonb_build_object('role', g.rolname, 'admin', bool_or(m.admin_option),
         'inherit', bool_or((to_jsonb(m)->>'inherit_option')::boolean), 'set', bool_or((to_jsonb(m)->>'set_option')::boolean)) AS m
       FROM pg_auth_members m JOIN pg_authid g ON g.oid = m.roleid WHERE m.member = r.oid GROUP BY g.rolname) x), '[]'::jsonb),
   'settings', ${SETTINGS("s.setrole = r.oid AND s.setdatabase = 0")}
 ) ORDER BY r.rolname) FROM pg_authid r WHERE r.rolname !~ '^pg_'), '[]'::jsonb))`;

export const DATABASES_SQL = `SELECT jsonb_build_object(${HEAD},
 'databases', coalesce((SELECT jsonb_agg(jsonb_build_object(
   'name', d.datname, 'owner', pg_get_userbyid(d.datdba), 'encoding', pg_encoding_to_char(d.encoding),
   'collate', d.datcollate, 'ctype', d.datctype, 'provider', to_jsonb(d)->>'datlocprovider',
   'icuLocale', coalesce(to_jsonb(d)->>'daticulocale', CASE WHEN to_jsonb(d)->>'datlocprovider' = 'i' THEN to_jsonb(d)->>'datlocale' END),
   'builtinLocale', CASE WHEN to_jsonb(d)->>'datlocprovider' = 'b' THEN to_jsonb(d)->>'datlocale' END,
   'icuRules', to_jsonb(d)->>'daticurules',
   'connlimit', d.datconnlimit, 'allowconn', d.datallowconn, 'isTemplate', d.datistemplate, 'tablespace', t.spcname,
   'comment', shobj_description(d.oid, 'pg_database'),
   'settings', ${SETTINGS("s.setdatabase = d.oid AND s.setrole = 0")},
   'acl', coalesce((SELECT jsonb_agg(${ACL_ROW}) FROM aclexplode(coalesce(d.datacl, acldefault('d', d.datdba))) a), '[]'::jsonb)
 ) ORDER BY d.datname) FROM pg_database d JOIN pg_tablespace t ON t.oid = d.dattablespace), '[]'::jsonb))`;

export const SETTINGS_SQL = `SELECT jsonb_build_object('version', current_setting('server_version_num')::int,
 'pendingRestart', coalesce((SELECT jsonb_agg(jsonb_build_object('name', name, 'setting', setting) ORDER BY name) FROM pg_settings WHERE pending_restart), '[]'::jsonb))`;

const noJson = (what: string): PgDown => ({ down: true, reason: `unexpected output of the ${what} query` });

function parseRole(v: unknown): PgRole {
  const r = obj(v);
  const password = optStr(r.password);
  return {
    name: str(r.name), oid: num(r.oid), superuser: bool(r.superuser), inherit: bool(r.inherit), createrole: bool(r.createrole),
    createdb: bool(r.createdb), login: bool(r.login), replication: bool(r.replication), bypassrls: bool(r.bypassrls),
    connlimit: num(r.connlimit, -1), validUntil: optStr(r.validUntil),
    validUntilEpoch: r.validUntilEpoch === null || r.validUntilEpoch === undefined ? null : num(r.validUntilEpoch),
    password: password === null ? null : new Secret(password),
    comment: optStr(r.comment),
    memberships: arr(r.memberships).map((m) => {
      const o = obj(m);
      return { role: str(o.role), admin: bool(o.admin), inherit: optBool(o.inherit), set: optBool(o.set) };
    }),
    settings: settingsMap(r.settings),
  };
}

const PROVIDERS = { c: "libc", i: "icu", b: "builtin" } as const;

function parseDatabase(v: unknown): PgDatabase {
  const d = obj(v);
  const p = str(d.provider);
  return {
    name: str(d.name), owner: str(d.owner), encoding: str(d.encoding), collate: str(d.collate), ctype: str(d.ctype),
    localeProvider: p === "i" || p === "b" ? PROVIDERS[p] : "libc",
    icuLocale: optStr(d.icuLocale), icuRules: optStr(d.icuRules), builtinLocale: optStr(d.builtinLocale),
    connlimit: num(d.connlimit, -1), allowconn: bool(d.allowconn), isTemplate: bool(d.isTemplate), tablespace: str(d.tablespace),
    comment: optStr(d.comment), settings: settingsMap(d.settings), acl: aclItems(d.acl),
  };
}

export function parseRoles(stdout: string, keys: readonly string[]): Map<string, PgRolesFact | PgDown> {
  return parseSections(stdout, keys, (s) => {
    const j = jsonLine(s.body);
    if (!j) return noJson("roles");
    const roles = arr(j.roles).map(parseRole);
    return { version: num(j.version), now: num(j.now), recovery: bool(j.recovery), roles: new Map(roles.map((r) => [r.name, r])) };
  });
}

export function parseDatabases(stdout: string, keys: readonly string[]): Map<string, PgDatabasesFact | PgDown> {
  return parseSections(stdout, keys, (s) => {
    const j = jsonLine(s.body);
    if (!j) return noJson("databases");
    const dbs = arr(j.databases).map(parseDatabase);
    return { version: num(j.version), recovery: bool(j.recovery), databases: new Map(dbs.map((d) => [d.name, d])) };
  });
}

export function parseSettings(stdout: string, keys: readonly string[]): Map<string, PgSettingsFact | PgDown> {
  return parseSections(stdout, keys, (s) => {
    const j = jsonLine(s.body);
    if (!j) return noJson("settings");
    return { version: num(j.version), pendingRestart: arr(j.pendingRestart).map((e) => ({ name: str(obj(e).name), setting: str(obj(e).setting) })) };
  });
}

export const PG_ROLES: Fact<PgRolesFact | PgDown> = {
  concurrent: true,
  name: "pg.roles",
  script: (keys) => globalQueryScript(keys, ROLES_SQL),
  parse: parseRoles,
};

export const PG_DATABASES: Fact<PgDatabasesFact | PgDown> = {
  concurrent: true,
  name: "pg.databases",
  script: (keys) => globalQueryScript(keys, DATABASES_SQL),
  parse: parseDatabases,
};

export const PG_SETTINGS: Fact<PgSettingsFact | PgDown> = {
  concurrent: true,
  name: "pg.settings",
  script: (keys) => globalQueryScript(keys, SETTINGS_SQL),
  parse: parseSettings,
};
