/**
 * PG_MONITOR parameters: pg_exporter, pgbouncer_exporter and pgbackrest_exporter on every
 * PostgreSQL node (seed PG_MONITOR, reference §1.5).
 * Pure: imports only zod and sibling schema files; must not import I/O modules.
 */
import * as z from "zod";
import { defineGroup } from "./param.js";
import { nonNegativeInt, port, withDefault } from "./common.js";

export const PG_MONITOR_PARAMS = {
  pg_exporter_enabled: withDefault(z.boolean().describe("Run pg_exporter on PostgreSQL nodes; default true."), "C", true),
  pg_exporter_config: withDefault(
    z.string().min(1).describe("pg_exporter configuration file name (also used by pgbouncer_exporter), looked up in files/; default pg_exporter.yml."),
    "C",
    "pg_exporter.yml",
  ),
  pg_exporter_cache_ttls: withDefault(
    z.string().describe("Comma-separated TTL stages in seconds of pg_exporter's collector cache; default '1,10,60,300'."),
    "C",
    "1,10,60,300",
  ),
  pg_exporter_port: withDefault(port.describe("pg_exporter listen port; default 9630."), "C", 9630),
  pg_exporter_params: withDefault(
    z.string().describe("Extra URL parameters of the DSN pg_exporter uses; default 'sslmode=disable' (it connects over the local socket)."),
    "C",
    "sslmode=disable",
  ),
  pg_exporter_url: withDefault(
    z.string().describe("Connection URL overriding the generated DSN, e.g. to monitor a remote instance; default '' (generated). Secret: it usually embeds a password."),
    "C",
    "",
    true,
  ),
  pg_exporter_auto_discovery: withDefault(
    z.boolean().describe("Discover every database of the instance and collect database-level metrics from each; default true."),
    "C",
    true,
  ),
  pg_exporter_exclude_database: withDefault(
    z.string().describe("Comma-separated databases skipped by auto-discovery; default 'template0,template1,postgres'."),
    "C",
    "template0,template1,postgres",
  ),
  pg_exporter_include_database: withDefault(
    z.string().describe("Comma-separated databases that auto-discovery is limited to (takes precedence over the exclude list); default '' (all)."),
    "C",
    "",
  ),
  pg_exporter_connect_timeout: withDefault(
    nonNegativeInt.describe("pg_exporter connect timeout in milliseconds; default 200. Raise it for distant instances."),
    "C",
    200,
  ),
  pg_exporter_options: withDefault(
    z.string().describe("Extra command-line arguments of pg_exporter; default '' (built-in defaults)."),
    "C",
    "",
  ),
  pgbouncer_exporter_enabled: withDefault(z.boolean().describe("Run pgbouncer_exporter on PostgreSQL nodes; default true."), "C", true),
  pgbouncer_exporter_port: withDefault(port.describe("pgbouncer_exporter listen port; default 9631."), "C", 9631),
  pgbouncer_exporter_url: withDefault(
    z.string().describe("Connection URL overriding the generated pgbouncer DSN; default ''. Secret: it usually embeds a password."),
    "C",
    "",
    true,
  ),
  pgbouncer_exporter_options: withDefault(
    z.string().describe("Extra command-line arguments of pgbouncer_exporter; default ''."),
    "C",
    "",
  ),
  pgbackrest_exporter_enabled: withDefault(
    z.boolean().describe("Run pgbackrest_exporter (backup size, time, type and duration metrics) on PostgreSQL nodes; default true."),
    "C",
    true,
  ),
  pgbackrest_exporter_port: withDefault(port.describe("pgbackrest_exporter listen port; default 9854."), "C", 9854),
  pgbackrest_exporter_options: withDefault(
    z.string().describe("Extra command-line arguments of pgbackrest_exporter; default ''."),
    "C",
    "",
  ),
} as const;

export const PG_MONITOR = defineGroup(
  "PG_MONITOR",
  "Monitoring exporters on PostgreSQL nodes: pg_exporter for PostgreSQL, pgbouncer_exporter for the pool and pgbackrest_exporter for backups.",
  PG_MONITOR_PARAMS,
);
