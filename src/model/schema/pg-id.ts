/**
 * PG_ID parameters: identity of PostgreSQL clusters and instances (seed "12 - Parameters" PG_ID,
 * reference §2). Types only: naming rules, one-primary and unique-seq checks live in model/rules.
 * Pure: imports only zod and sibling schema files; must not import I/O modules.
 */
import * as z from "zod";
import { defineGroup } from "./param.js";
import { field, noDefault, nonNegativeInt, port, withDefault } from "./common.js";

/** Cluster modes (kernels); `oracle` is tested by the templates though not documented. */
export const PG_MODES = [
  "pgsql",
  "citus",
  "mssql",
  "mysql",
  "ivory",
  "pgtde",
  "polar",
  "gpsql",
  "agens",
  "oriole",
  "pgedge",
  "oracle",
] as const;
/** Instance roles. Only `primary` is special to bootstrap; the others differ in HBA and service selection. */
export const PG_ROLES = ["primary", "replica", "offline", "standby", "delayed"] as const;

export type PgMode = (typeof PG_MODES)[number];
export type PgRole = (typeof PG_ROLES)[number];

/** One remote instance monitored from this cluster's node (values of `pg_exporters`). */
const exporterTargetSchema = z
  .strictObject({
    pg_cluster: z.string().min(1).describe("Cluster name of the remote instance (required)."),
    pg_seq: nonNegativeInt.describe("Instance number of the remote instance (required)."),
    pg_host: z.string().min(1).describe("Address of the remote PostgreSQL (required)."),
    pg_port: field(port, "Port of the remote PostgreSQL; default 5432."),
    pg_exporter_url: field(z.string(), "Full connection URL overriding the generated one (may embed a password)."),
    pg_exporter_auto_discovery: field(z.boolean(), "Discover and monitor every database of the remote instance."),
    pg_exporter_exclude_database: field(z.string(), "Comma-separated databases not monitored during discovery."),
    pg_exporter_include_database: field(z.string(), "Comma-separated databases monitored during discovery."),
    pg_exporter_connect_timeout: field(nonNegativeInt, "Connect timeout in milliseconds."),
    pg_exporter_params: field(z.string(), "Extra URL parameters of the generated DSN, e.g. 'sslmode=disable'."),
    pg_exporter_options: field(z.string(), "Extra command-line options of this exporter."),
    pg_monitor_username: field(z.string(), "Monitor user for this target; default pg_monitor_username."),
    pg_monitor_password: field(z.string(), "Monitor password for this target; default pg_monitor_password. Secret."),
  })
  .meta({ title: "exporter", description: "A remote PostgreSQL instance to monitor: {pg_cluster, pg_seq, pg_host, ...} with optional per-target overrides." });

export const PG_ID_PARAMS = {
  pg_mode: withDefault(
    z
      .enum(PG_MODES)
      .describe(
        "Cluster mode (kernel): pgsql (standard PostgreSQL), citus, mssql (Babelfish), mysql (OpenHalo), ivory, pgtde, polar, gpsql, agens, oriole, pgedge or oracle. citus and gpsql also need pg_shard and pg_group.",
      ),
    "C",
    "pgsql",
  ),
  pg_cluster: noDefault(
    z
      .string()
      .describe("Cluster name, a required identity parameter with no default; the namespace of every derived name. Must match [a-z][a-z0-9-]* and must not be 'root'."),
    "C",
  ),
  pg_seq: noDefault(
    nonNegativeInt.describe("Instance number, a required identity parameter: a non-negative integer unique within the cluster, usually from 0 or 1 and never reused."),
    "I",
  ),
  pg_role: noDefault(
    z
      .enum(PG_ROLES)
      .describe(
        "Instance role, a required identity parameter: primary (exactly one per cluster), replica (online read-only), offline (offline/ETL reads), standby or delayed.",
      ),
    "I",
  ),
  pg_instances: noDefault(
    z
      .record(z.string(), z.record(z.string(), z.unknown()))
      .describe("Reserved: several instances on one host in {port: instance_vars} form. Not implemented by Pigsty; dedicated nodes are recommended."),
    "I",
  ),
  pg_upstream: noDefault(
    z
      .string()
      .describe("Replication upstream IP. On the primary: this cluster is a standby cluster replicating from that address. On a replica: cascade from that instance."),
    "I",
  ),
  pg_shard: noDefault(
    z.string().describe("Shard (group) name of a horizontally sharded cluster such as Citus, usually a prefix of pg_cluster; default pg_cluster."),
    "C",
  ),
  pg_group: noDefault(
    nonNegativeInt.describe("Shard number within pg_shard, an integer from 0 (the Citus coordinator); the others are workers. Default 0."),
    "C",
  ),
  gp_role: noDefault(z.enum(["master", "segment"]).describe("Greenplum role of this cluster: master or segment."), "C"),
  pg_exporters: noDefault(
    z
      .record(z.string().regex(/^\d+$/, "expected a local port number as key"), exporterTargetSchema)
      .describe(
        "Remote PostgreSQL instances monitored from this node: a map from a unique unused local exporter port to {pg_cluster, pg_seq, pg_host, ...}.",
      ),
    "C",
    ["*.pg_exporter_url", "*.pg_monitor_password"],
  ),
  pg_offline_query: withDefault(
    z
      .boolean()
      .describe(
        "Allow offline queries on this instance: dbrole_offline users may connect and role: offline HBA rules apply, like an offline instance that still serves the replica service.",
      ),
    "I",
    false,
  ),
} as const;

export const PG_ID = defineGroup(
  "PG_ID",
  "Identity of PostgreSQL clusters and instances: cluster name, instance number, role, shard. pg_cluster, pg_seq and pg_role must be written explicitly.",
  PG_ID_PARAMS,
);
