/**
 * Types of the desired database objects of a cluster, as data (not SQL text): roles, databases
 * with their schemas and extensions, and default privileges, plus the classifications the plan
 * needs (which database fields only matter at CREATE time, what PostgreSQL gives a role that
 * declares nothing, which paths hold secrets). Pure types and constants: imports nothing but
 * types; must not import I/O modules.
 */
import type { Diagnostic } from "../../../diagnostics.js";

/** A result with the problems found while computing it (errors are data, never thrown). */
export interface Desired<T> {
  readonly value: T;
  readonly diagnostics: readonly Diagnostic[];
}

/** Which system user a role is: pgsty, Patroni, pgbouncer and monitoring log in as these. */
export type SystemUserKind = "dbsu" | "replicator" | "admin" | "monitor";

/** The configured names of the system users (`pg_dbsu`, `pg_*_username`). */
export type SystemUsers = { readonly [K in SystemUserKind]: string };

/** Pgbouncer pooling modes. */
export type PoolMode = "transaction" | "session" | "statement";

/**
 * When a role's password expires.
 * - `at`: `VALID UNTIL` a fixed date `YYYY-MM-DD`, or `infinity` (from `expire_at`).
 * - `in`: `expire_in` days from the moment it is applied. A pure function cannot know "now", so
 *   the plan resolves it: a live expiry at least `expireInDays` minus a tolerance away counts as
 *   converged (otherwise every run would push the date one day further and plans would never be
 *   empty); a missing or earlier one is set to today + `expireInDays`.
 */
export type ValidUntil =
  | { readonly kind: "at"; readonly value: string }
  | { readonly kind: "in"; readonly expireInDays: number };

/**
 * One membership of a role in another (`GRANT <role> TO <member>`). Options left undefined are
 * not managed: a new grant gets PostgreSQL's defaults, an existing one keeps its options.
 */
export interface DesiredMembership {
  /** The role granted. */
  readonly role: string;
  /** present: granted; absent: revoked. Memberships not listed are never revoked. */
  readonly state: "present" | "absent";
  /** WITH ADMIN OPTION (true) or without it (false). */
  readonly admin?: boolean;
  /** PostgreSQL 16+: WITH INHERIT TRUE/FALSE. */
  readonly inherit?: boolean;
  /** PostgreSQL 16+: WITH SET TRUE/FALSE. */
  readonly set?: boolean;
  /**
   * Options declared here that the cluster's PostgreSQL version does not have (`set` and
   * `inherit` before 16): the plan leaves them out; a warning says so.
   */
  readonly unsupported?: readonly ("inherit" | "set")[];
}

/** Role attributes and what `CREATE USER` gives a role that does not declare them. */
export const ROLE_CREATE_DEFAULTS = {
  login: true,
  superuser: false,
  createdb: false,
  createrole: false,
  inherit: true,
  replication: false,
  bypassrls: false,
  connlimit: -1,
} as const;

/** A role that must exist. Attributes left undefined are not managed (see ROLE_CREATE_DEFAULTS). */
export interface PresentRole {
  readonly name: string;
  readonly state: "present";
  /** Set when this is one of the system users (never dropped; its password comes from its parameter). */
  readonly systemUser?: SystemUserKind;
  readonly login?: boolean;
  readonly superuser?: boolean;
  readonly createdb?: boolean;
  readonly createrole?: boolean;
  readonly inherit?: boolean;
  readonly replication?: boolean;
  readonly bypassrls?: boolean;
  /** CONNECTION LIMIT; -1: none. */
  readonly connlimit?: number;
  /**
   * Plain text or a pre-hashed SCRAM/md5 secret, as written; undefined: never changed. Sensitive
   * (ROLE_SENSITIVE_PATHS): render only through maskObjects.
   */
  readonly password?: string;
  readonly validUntil?: ValidUntil;
  /** COMMENT ON ROLE; `business user <name>` when the inventory gives none. */
  readonly comment: string;
  /** Sorted by role. */
  readonly memberships: readonly DesiredMembership[];
  /** Role-level settings (`ALTER ROLE … SET`), name → value, sorted by name. */
  readonly parameters: Readonly<Record<string, string>>;
  /** Role-level settings to reset (`… SET x = DEFAULT`), sorted. */
  readonly resetParameters: readonly string[];
  /** Listed in pgbouncer's userlist. */
  readonly pgbouncer: boolean;
  readonly poolMode?: PoolMode;
  readonly poolConnlimit?: number;
}

/** A role that must not exist (dropped with its objects reassigned to the dbsu). */
export interface AbsentRole {
  readonly name: string;
  readonly state: "absent";
}

export type DesiredRole = PresentRole | AbsentRole;

/** A schema inside a database. */
export interface DesiredSchema {
  readonly name: string;
  readonly state: "present" | "absent";
  /** AUTHORIZATION; undefined: created by the dbsu, owner not managed. */
  readonly owner?: string;
}

/** An extension inside a database (never upgraded or moved once installed). */
export interface DesiredExtension {
  readonly name: string;
  readonly state: "present" | "absent";
  readonly schema?: string;
  readonly version?: string;
}

/**
 * A database that must exist.
 * - `create`: created when missing; alterable fields are then kept in line.
 * - `recreate`: as `create`, and also dropped and created again when the live database differs
 *   from this one in a create-time field the catalog records (DATABASE_CREATE_ONLY_FIELDS minus
 *   DATABASE_UNOBSERVABLE_FIELDS). It is NOT dropped on every run: once recreated it matches and
 *   the next plan is empty. Rebuilding a clone from its template on demand is a one-off request
 *   of the plan (e.g. a replace option), not inventory state.
 * Fields left undefined are not managed (PostgreSQL or the template decides on create).
 */
export interface PresentDatabase {
  readonly name: string;
  readonly state: "create" | "recreate";
  /** template1 or postgres: always exists, never created or dropped; the defaults are applied in it. */
  readonly builtin: boolean;
  readonly owner?: string;
  readonly template?: string;
  /** Upper-cased. */
  readonly strategy?: "FILE_COPY" | "WAL_LOG";
  readonly encoding?: string;
  readonly locale?: string;
  readonly lcCollate?: string;
  readonly lcCtype?: string;
  readonly localeProvider?: "builtin" | "icu" | "libc";
  readonly icuLocale?: string;
  readonly icuRules?: string;
  readonly builtinLocale?: string;
  readonly tablespace?: string;
  readonly allowconn?: boolean;
  readonly isTemplate?: boolean;
  readonly connlimit?: number;
  /** true: CONNECT revoked from PUBLIC (system users and the owner keep it); false: granted to PUBLIC. */
  readonly revokeconn?: boolean;
  /** COMMENT ON DATABASE; `business database <name>` by default (undefined on builtins). */
  readonly comment?: string;
  readonly parameters: Readonly<Record<string, string>>;
  readonly resetParameters: readonly string[];
  /** pg_default_schemas, then the database's own (same name: the database's fields win). */
  readonly schemas: readonly DesiredSchema[];
  /** pg_default_extensions, then the database's own (same name: the database's fields win). */
  readonly extensions: readonly DesiredExtension[];
  /** SQL file run once, right after the database is created. */
  readonly baseline?: string;
  readonly registerDatasource: boolean;
  /** Listed in pgbouncer's databases. */
  readonly pgbouncer: boolean;
  readonly poolAuthUser?: string;
  readonly poolMode?: PoolMode;
  readonly poolSize?: number;
  readonly poolSizeMin?: number;
  readonly poolReserve?: number;
  readonly poolConnlimit?: number;
  /** Create-time fields declared here that this PostgreSQL version lacks: left out, with a warning. */
  readonly unsupported?: readonly DatabaseField[];
}

/** A database that must not exist (dropped WITH (FORCE)). */
export interface AbsentDatabase {
  readonly name: string;
  readonly state: "absent";
}

export type DesiredDatabase = PresentDatabase | AbsentDatabase;

/** A field of a present database. */
export type DatabaseField = Exclude<keyof PresentDatabase, "name" | "state" | "builtin" | "unsupported">;

/** Fields that only matter to CREATE DATABASE: an existing database is never altered for them. */
export const DATABASE_CREATE_ONLY_FIELDS = [
  "template", "strategy", "encoding", "locale", "lcCollate", "lcCtype", "localeProvider", "icuLocale", "icuRules",
  "builtinLocale", "tablespace",
] as const satisfies readonly DatabaseField[];

/** Create-time fields the catalog does not record: a live database cannot be compared on them. */
export const DATABASE_UNOBSERVABLE_FIELDS = ["template", "strategy"] as const satisfies readonly DatabaseField[];

/** Fields kept in line on an existing database. */
export const DATABASE_ALTERABLE_FIELDS = [
  "owner", "allowconn", "isTemplate", "connlimit", "revokeconn", "comment", "parameters", "resetParameters", "schemas",
  "extensions",
] as const satisfies readonly DatabaseField[];

/** Object types of ALTER DEFAULT PRIVILEGES (ROUTINES is read as FUNCTIONS). */
export type DefaultPrivilegeObjectType = "TABLES" | "SEQUENCES" | "FUNCTIONS" | "TYPES" | "SCHEMAS";

/**
 * What pg_default_privileges leaves for objects of one type (`[IN SCHEMA <schema>] GRANT|REVOKE
 * <privileges> ON <objectType> TO|FROM <grantee>`). The entries are applied in order, so a later
 * REVOKE cancels an earlier GRANT; what is left is grouped by (schema, type, grantee, outcome).
 */
export interface DefaultPrivilegeGrant {
  /** IN SCHEMA; undefined: every schema. */
  readonly schema?: string;
  readonly objectType: DefaultPrivilegeObjectType;
  /** A role name or PUBLIC. */
  readonly grantee: string;
  /** grant: these privileges are granted; revoke: they must not be. */
  readonly action: "grant" | "revoke";
  /** Upper-case, in catalog (aclitem) order: TABLES INSERT, SELECT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER, MAINTAIN. */
  readonly privileges: readonly string[];
  /** For grant: WITH GRANT OPTION. */
  readonly grantOption: boolean;
}

/**
 * The default privileges of objects `role` creates (`ALTER DEFAULT PRIVILEGES FOR ROLE <role> …`)
 * in each database of `databases`: every grant of pg_default_privileges for one creator together,
 * as a DBA reads them, and as one task converges them (one transaction per database).
 */
export interface DesiredDefaultPrivileges {
  /** The object creator: the dbsu, the admin user, dbrole_admin, and each database owner. */
  readonly role: string;
  /** Databases where this applies, sorted. */
  readonly databases: readonly string[];
  /** Sorted by schema, object type, grantee, action, grant option; the same list for every creator. */
  readonly grants: readonly DefaultPrivilegeGrant[];
}

/** The desired objects of one cluster, computed on its primary. */
export interface DesiredObjects {
  readonly cluster: string;
  /** pg_version: decides which options exist (membership set/inherit 16+, strategy 15+…). */
  readonly pgVersion: number;
  /**
   * `pg_upstream` of a standby cluster: its objects replicate from there and its leader is
   * read-only, so the plan must not try to change them here (Pigsty tries, and fails silently).
   */
  readonly upstream?: string;
  readonly systemUsers: SystemUsers;
  /** pg_default_roles then pg_users, in first-definition order (groups before members). */
  readonly roles: readonly DesiredRole[];
  /** template1, postgres, then pg_databases in order (templates before their clones). */
  readonly databases: readonly DesiredDatabase[];
  /** One entry per object creator, sorted by role. */
  readonly defaultPrivileges: readonly DesiredDefaultPrivileges[];
  /** The database field classification (same as the exported constants), for JSON consumers. */
  readonly databaseFields: {
    readonly createOnly: readonly DatabaseField[];
    readonly unobservable: readonly DatabaseField[];
    readonly alterable: readonly DatabaseField[];
  };
}

/** Secret paths inside a PresentRole (TaskSpec.sensitive form). */
export const ROLE_SENSITIVE_PATHS = ["password"] as const;
/** Secret paths inside DesiredObjects. */
export const OBJECTS_SENSITIVE_PATHS = ["roles.*.password"] as const;
