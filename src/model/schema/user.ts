/**
 * Schema of one PostgreSQL user/role definition: the items of `pg_users` and `pg_default_roles`
 * (seed "User/Role", reference §4.2–4.4, §4.7, §4.10). Only `name` is required. Object-form role
 * memberships and `expire_at: infinity` are valid (Pigsty's templates accept them; its
 * bin/validate wrongly rejects them). Pure: imports only zod; must not import I/O modules.
 */
import * as z from "zod";
import { connLimit, field, poolMode, settingValue, stringOr } from "./common.js";

/** `state` of a user: `create` (default) and `present` ensure it exists, `absent` drops it. */
export const USER_STATES = ["create", "present", "absent"] as const;
/** `state` of a role membership: `grant`/`present` (default) grant it, `absent`/`revoke` revoke it. */
export const MEMBERSHIP_STATES = ["grant", "present", "absent", "revoke"] as const;

/** An `expire_at` date: `YYYY-MM-DD` or `infinity`. */
const EXPIRE_AT = /^(\d{4}-\d{2}-\d{2}|infinity)$/;

/** Object form of one item of `roles`: fine-grained membership options (PostgreSQL 16+ for set/inherit). */
export const roleMembershipSchema = z
  .strictObject({
    name: z.string().min(1).describe("Name of the role to grant (required)."),
    admin: field(
      z.boolean(),
      "true: grant WITH ADMIN OPTION (the user may grant this role to others); false: revoke the admin option.",
    ),
    set: field(
      z.boolean(),
      "PostgreSQL 16+: true grants WITH SET TRUE (SET ROLE allowed), false revokes the SET option. Ignored with a warning comment on older versions.",
    ),
    inherit: field(
      z.boolean(),
      "PostgreSQL 16+: true grants WITH INHERIT TRUE (privileges inherited automatically), false revokes the INHERIT option. Ignored on older versions.",
    ),
    state: field(
      z.enum(MEMBERSHIP_STATES),
      "grant (default) or present: GRANT the membership; absent or revoke: REVOKE it. Memberships not listed are never revoked.",
    ),
  })
  .meta({ title: "role", description: "A role membership in object form: {name, admin?, set?, inherit?, state?}." });

/** One user or role. */
export const userSchema = z
  .strictObject({
    name: z
      .string()
      .min(1)
      .describe("User/role name (required), unique in the cluster; Pigsty requires ^[a-z_][a-z0-9_@.-]{0,62}$ (lowercase, at most 63 characters)."),
    state: field(
      z.enum(USER_STATES),
      "create (default) or present: create the role or alter it to match; absent: drop it with pg-drop-role (system users postgres, replicator, admin and monitor users are protected).",
    ),
    password: field(
      z.string(),
      "Password: plain text, or a pre-hashed SCRAM-SHA-256 / md5 secret stored as is. Omitted: the password is left unchanged. Secret: never rendered.",
    ),
    login: field(z.boolean(), "Can log in (LOGIN / NOLOGIN). Omitted: PostgreSQL's default on create (CREATE USER implies LOGIN), unchanged on alter."),
    superuser: field(z.boolean(), "Superuser (SUPERUSER / NOSUPERUSER); default false."),
    createdb: field(z.boolean(), "Can create databases (CREATEDB / NOCREATEDB); default false."),
    createrole: field(z.boolean(), "Can create roles (CREATEROLE / NOCREATEROLE); default false."),
    inherit: field(z.boolean(), "Inherits the privileges of roles it is a member of (INHERIT / NOINHERIT); default true."),
    replication: field(z.boolean(), "Can start streaming replication (REPLICATION / NOREPLICATION); default false."),
    bypassrls: field(z.boolean(), "Bypasses row-level security (BYPASSRLS / NOBYPASSRLS); default false."),
    pgbouncer: field(
      z.boolean(),
      "Add this user to the pgbouncer user list (userlist.txt); default false. Production users that connect through the pool must set true.",
    ),
    connlimit: field(connLimit, "Connection limit of the role (CONNECTION LIMIT); -1 (default) means no limit."),
    expire_in: field(
      z.int(),
      "Role expires this many days from the time it is applied (VALID UNTIL now + N days, date only). Takes precedence over expire_at.",
    ),
    expire_at: field(
      z.union([z.string().regex(EXPIRE_AT, "expected a date YYYY-MM-DD or 'infinity'"), z.date()]),
      "Expiry date as a string 'YYYY-MM-DD' (quote it in YAML) or 'infinity' (never expires). Used when expire_in is not set.",
    ),
    comment: field(z.string(), "Comment on the role (COMMENT ON ROLE); default 'business user <name>'."),
    roles: field(
      z.array(stringOr(roleMembershipSchema)),
      "Roles this user is a member of, granted in order: a role name (GRANT) or an object {name, admin?, set?, inherit?, state?}. Typical: dbrole_readonly, dbrole_readwrite, dbrole_admin, dbrole_offline.",
    ),
    parameters: field(
      z.record(z.string(), z.union([settingValue, z.null()])),
      "Role-level settings applied with ALTER ROLE … SET, e.g. {search_path: 'app,public', statement_timeout: '30s'}. The value DEFAULT (any case) resets a setting; null values are skipped.",
    ),
    pool_mode: field(poolMode, "Pgbouncer pool mode for this user: transaction (default), session or statement (useropts.txt)."),
    pool_connlimit: field(connLimit, "Pgbouncer max_user_connections for this user; -1 means no limit."),
  })
  .meta({ title: "user", description: "A PostgreSQL user/role definition (items of pg_users and pg_default_roles)." });

export type PgRoleMembership = z.output<typeof roleMembershipSchema>;
export type PgUser = z.output<typeof userSchema>;

/** Secret paths inside a list of users (relative to the list). */
export const USER_LIST_SENSITIVE = ["*.password"] as const;
