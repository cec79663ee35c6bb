/**
 * Schema of one PostgreSQL database definition: the items of `pg_databases` (seed "Database",
 * reference §4.5, §4.6, §4.8, §4.10), plus the schema/extension items that `pg_default_schemas`
 * and `pg_default_extensions` share. Only `name` is required; object-form schemas are valid.
 * Pure: imports only zod; must not import I/O modules.
 */
import * as z from "zod";
import { connLimit, field, nonNegativeInt, poolMode, settingValue, stringOr } from "./common.js";

/** `state` of a database: create (default), absent (drop), recreate (drop then create). */
export const DATABASE_STATES = ["create", "absent", "recreate"] as const;
/** `state` of a schema or extension item: absent drops it, anything else creates it. */
export const OBJECT_STATES = ["create", "present", "absent"] as const;
/** CREATE DATABASE … STRATEGY (PostgreSQL 15+); Pigsty upper-cases it. */
export const DATABASE_STRATEGIES = ["FILE_COPY", "WAL_LOG", "file_copy", "wal_log"] as const;
export const LOCALE_PROVIDERS = ["builtin", "icu", "libc"] as const;

/** Object form of a schema item. */
export const schemaItemSchema = z
  .strictObject({
    name: z.string().min(1).describe("Schema name (required)."),
    owner: field(z.string(), "Schema owner (CREATE SCHEMA … AUTHORIZATION <owner>)."),
    state: field(
      z.enum(OBJECT_STATES),
      "absent: DROP SCHEMA IF EXISTS … CASCADE (drops every object in it); otherwise the schema is created if missing.",
    ),
  })
  .meta({ title: "schema", description: "A schema in object form: {name, owner?, state?}." });

/** Object form of an extension item. */
export const extensionItemSchema = z
  .strictObject({
    name: z.string().min(1).describe("Extension name (required)."),
    schema: field(z.string(), "Schema to install the extension into (WITH SCHEMA); omitted: the first schema of search_path."),
    version: field(z.string(), "Extension version (VERSION '<v>'); quote it in YAML, e.g. '1.10'."),
    state: field(
      z.enum(OBJECT_STATES),
      "absent: DROP EXTENSION IF EXISTS … CASCADE; otherwise CREATE EXTENSION IF NOT EXISTS (existing extensions are never upgraded or moved).",
    ),
  })
  .meta({ title: "extension", description: "An extension in object form: {name, schema?, version?, state?}." });

/** A schema written as a name or as an object. */
export const schemaEntry = stringOr(schemaItemSchema);
/** An extension written as a name or as an object. */
export const extensionEntry = stringOr(extensionItemSchema);

/** One database. */
export const databaseSchema = z
  .strictObject({
    name: z.string().min(1).describe("Database name (required), unique in the cluster."),
    state: field(
      z.enum(DATABASE_STATES),
      "create (default): create if missing, then apply mutable settings; absent: drop it (WITH FORCE); recreate: drop and create again. postgres, template0 and template1 are never dropped.",
    ),
    baseline: field(
      z.string(),
      "SQL file (looked up like Ansible files, e.g. files/cmdb.sql) executed in the database after it is created.",
    ),
    pgbouncer: field(z.boolean(), "Add this database to the pgbouncer database list; default true."),
    schemas: field(
      z.array(schemaEntry),
      "Schemas to create: a name, or {name, owner?, state?}. Incremental: schemas removed from the list are not dropped.",
    ),
    extensions: field(
      z.array(extensionEntry),
      "Extensions to create: a name, or {name, schema?, version?, state?}. Incremental: extensions removed from the list are not dropped.",
    ),
    comment: field(z.string(), "Comment on the database; default 'business database <name>'."),
    owner: field(z.string(), "Database owner; default the dbsu (postgres). The owner must exist (define users first)."),
    template: field(z.string(), "Template database to clone; default template1. Creation-time only."),
    strategy: field(
      z.enum(DATABASE_STRATEGIES),
      "CREATE DATABASE strategy (PostgreSQL 15+): FILE_COPY (instant clone on PG18 with file_copy_method clone) or WAL_LOG. Creation-time only.",
    ),
    encoding: field(z.string(), "Character encoding, e.g. UTF8; must match the template. Creation-time only."),
    locale: field(z.string(), "Locale (LOCALE), e.g. C; must match the template. Creation-time only."),
    locale_provider: field(z.enum(LOCALE_PROVIDERS), "Locale provider (PostgreSQL 15+): builtin, icu or libc. Creation-time only."),
    icu_locale: field(z.string(), "ICU locale (PostgreSQL 15+), e.g. en-US; use with locale_provider: icu and template0. Creation-time only."),
    icu_rules: field(z.string(), "ICU collation rules (PostgreSQL 16+). Creation-time only."),
    builtin_locale: field(z.string(), "Builtin provider locale (PostgreSQL 17+), e.g. C.UTF-8. Creation-time only."),
    lc_collate: field(z.string(), "Collation order (LC_COLLATE); default C, must match the template. Creation-time only."),
    lc_ctype: field(z.string(), "Character classification (LC_CTYPE); default C, must match the template. Creation-time only."),
    tablespace: field(z.string(), "Default tablespace; default pg_default. Only effective at creation."),
    is_template: field(z.boolean(), "Mark the database as a template (IS_TEMPLATE) so any role with CREATEDB can clone it."),
    allowconn: field(z.boolean(), "Allow connections (ALLOW_CONNECTIONS); default true. false forbids every connection."),
    revokeconn: field(
      z.boolean(),
      "true: revoke CONNECT from PUBLIC (only the replicator, monitor, admin users and the owner may connect); false: grant it back; omitted: unchanged.",
    ),
    register_datasource: field(z.boolean(), "Register the database as a Grafana datasource; default true."),
    connlimit: field(connLimit, "Database connection limit (CONNECTION LIMIT); -1 (default) means no limit."),
    parameters: field(
      z.record(z.string(), z.union([settingValue, z.null()])),
      "Database-level settings applied with ALTER DATABASE … SET. The value DEFAULT (any case) resets a setting; null values are skipped.",
    ),
    pool_auth_user: field(
      z.string(),
      "Pgbouncer auth_user for this database: connections authenticate with this user's auth query (useful with pgbouncer_auth_query).",
    ),
    pool_mode: field(poolMode, "Pgbouncer pool mode for this database: transaction (default from pgbouncer_poolmode), session or statement."),
    pool_size: field(nonNegativeInt, "Pgbouncer pool_size (default pool size) for this database; documented default 64."),
    pool_size_min: field(nonNegativeInt, "Pgbouncer min_pool_size (pre-warmed connections) for this database; documented default 0."),
    pool_reserve: field(nonNegativeInt, "Pgbouncer reserve_pool (extra burst connections) for this database; documented default 32."),
    pool_connlimit: field(connLimit, "Pgbouncer max_db_connections for this database; documented default 100."),
    pool_size_reserve: field(
      nonNegativeInt,
      "Older documented name of pool_reserve (reserve pool size). The pgbouncer template reads pool_reserve; prefer it.",
    ),
    pool_max_db_conn: field(
      connLimit,
      "Older documented name of pool_connlimit (max database connections). The pgbouncer template reads pool_connlimit; prefer it.",
    ),
  })
  .meta({ title: "database", description: "A PostgreSQL database definition (items of pg_databases)." });

export type PgSchemaItem = z.output<typeof schemaItemSchema>;
export type PgExtensionItem = z.output<typeof extensionItemSchema>;
export type PgDatabase = z.output<typeof databaseSchema>;
