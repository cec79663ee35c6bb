/**
 * PG_ACCESS parameters: access paths to the cluster — pgbouncer, HAProxy services, the optional
 * L2 VIP and DNS records (seed PG_ACCESS, reference §4.7–4.9, §6, §1.4.10–1.4.11).
 * Pure: imports only zod and sibling schema files; must not import I/O modules.
 */
import * as z from "zod";
import { defineGroup } from "./param.js";
import { POOL_MODES, port, withDefault } from "./common.js";
import { serviceSchema, type PgService } from "./service.js";

export const PGBOUNCER_SSLMODES = ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"] as const;
export const SERVICE_DEFAULT_DESTS = ["pgbouncer", "postgres"] as const;

const DEFAULT_SERVICES: PgService[] = [
  { name: "primary", port: 5433, dest: "default", check: "/primary", selector: "[]" },
  {
    name: "replica",
    port: 5434,
    dest: "default",
    check: "/read-only",
    selector: "[]",
    backup: "[? pg_role == `primary` || pg_role == `offline` ]",
  },
  { name: "default", port: 5436, dest: "postgres", check: "/primary", selector: "[]" },
  {
    name: "offline",
    port: 5438,
    dest: "postgres",
    check: "/replica",
    selector: "[? pg_role == `offline` || pg_offline_query ]",
    backup: "[? pg_role == `replica` && !pg_offline_query]",
  },
];

export const PG_ACCESS_PARAMS = {
  pgbouncer_enabled: withDefault(z.boolean().describe("Run the pgbouncer connection pooler on every PostgreSQL node; default true."), "C", true),
  pgbouncer_port: withDefault(port.describe("Port pgbouncer listens on; default 6432."), "C", 6432),
  pgbouncer_log_dir: withDefault(z.string().min(1).describe("pgbouncer log directory; default /pg/log/pgbouncer."), "C", "/pg/log/pgbouncer"),
  pgbouncer_auth_query: withDefault(
    z
      .boolean()
      .describe("Let pgbouncer look up users not in its user list through monitor.pgbouncer_auth() in PostgreSQL; default false (only users with pgbouncer: true may connect)."),
    "C",
    false,
  ),
  pgbouncer_poolmode: withDefault(
    z.enum(POOL_MODES).describe("Default pooling mode: transaction (default), session (best compatibility) or statement."),
    "C",
    "transaction",
  ),
  pgbouncer_sslmode: withDefault(
    z
      .enum(PGBOUNCER_SSLMODES)
      .describe("Client-side TLS mode of pgbouncer (client_tls_sslmode): disable (default), allow, prefer, require, verify-ca or verify-full. TLS costs pgbouncer performance."),
    "C",
    "disable",
  ),
  pgbouncer_ignore_param: withDefault(
    z
      .array(z.string())
      .describe("Startup parameters pgbouncer ignores (ignore_startup_parameters), so clients setting them can share pooled connections."),
    "C",
    ["extra_float_digits", "application_name", "TimeZone", "DateStyle", "IntervalStyle", "search_path"],
  ),
  pg_weight: withDefault(
    z.int().min(0).max(255).describe("Relative load-balancing weight of this instance in services, 0-255; default 100. Set on the instance and refresh services."),
    "I",
    100,
  ),
  pg_service_provider: withDefault(
    z
      .string()
      .describe("Inventory group of dedicated HAProxy nodes that expose this cluster's services; default '' meaning every cluster member exposes them itself."),
    "G/C",
    "",
  ),
  pg_default_service_dest: withDefault(
    z.enum(SERVICE_DEFAULT_DESTS).describe("Destination of services with dest: default: pgbouncer (default) or postgres."),
    "G/C",
    "pgbouncer",
  ),
  pg_default_services: withDefault(
    z
      .array(serviceSchema)
      .describe(
        "Services every cluster exposes: primary 5433 (read-write), replica 5434 (read-only), default 5436 (direct primary postgres), offline 5438 (offline/ETL postgres). Same item format as pg_services.",
      ),
    "G/C",
    DEFAULT_SERVICES,
  ),
  pg_vip_enabled: withDefault(
    z.boolean().describe("Bind an L2 virtual IP to the cluster primary with vip-manager; default false. Requires pg_vip_address."),
    "C",
    false,
  ),
  pg_vip_address: withDefault(
    z.string().describe("VIP address in <ipv4>/<mask> form, e.g. 10.10.10.3/24; required when pg_vip_enabled. Default 127.0.0.1/24."),
    "C",
    "127.0.0.1/24",
  ),
  pg_vip_interface: withDefault(
    z
      .string()
      .describe("Network interface the VIP binds to, the node's primary interface; default eth0. Override per instance when members differ; auto or '' discovers it."),
    "C/I",
    "eth0",
  ),
  pg_dns_suffix: withDefault(
    z.string().describe("Suffix of the cluster DNS name registered on infra nodes: <pg_cluster><pg_dns_suffix>; default ''."),
    "C",
    "",
  ),
  pg_dns_target: withDefault(
    z
      .string()
      .min(1)
      .describe("Target of the cluster DNS record: auto (default: the VIP if enabled, else the primary IP), primary, vip, none, or a literal IPv4 address."),
    "C",
    "auto",
  ),
} as const;

export const PG_ACCESS = defineGroup(
  "PG_ACCESS",
  "Access to the cluster: pgbouncer connection pooling, HAProxy services, an optional L2 VIP bound to the primary and DNS records.",
  PG_ACCESS_PARAMS,
);
