/**
 * Schemas of HAProxy service definitions: PostgreSQL cluster services (`pg_services`,
 * `pg_default_services`; seed "Service/Access", reference §6.1–6.4) and node-level services
 * (`haproxy_services`, reference §6.6). Pure: imports only zod; must not import I/O modules.
 */
import * as z from "zod";
import { field, nonNegativeInt, port } from "./common.js";

/** Where a PG service routes: `default` means pg_default_service_dest; or an explicit port number. */
export const SERVICE_DESTS = ["default", "postgres", "pgbouncer"] as const;
/** HAProxy `balance` algorithms. */
export const HAPROXY_BALANCES = [
  "roundrobin",
  "static-rr",
  "leastconn",
  "first",
  "source",
  "uri",
  "url_param",
  "hdr",
  "random",
  "rdp-cookie",
  "hash",
] as const;

/** One PostgreSQL cluster service. */
export const serviceSchema = z
  .strictObject({
    name: z
      .string()
      .min(1)
      .describe("Service name (required); the HAProxy section and file are named <pg_cluster>-<name>, e.g. pg-meta-standby."),
    port: port.describe("Port HAProxy binds for this service on every provider node (required), like a Kubernetes NodePort."),
    ip: field(z.string(), "Address to bind; default '*' (all addresses)."),
    selector: field(
      z.string(),
      "JMESPath expression applied to the list of cluster members' inventory vars, selecting the servers, e.g. \"[]\" (all) or \"[? pg_role == `primary`]\".",
    ),
    backup: field(
      z.string(),
      "JMESPath expression selecting backup servers, used only when every selected server is down, e.g. \"[? pg_role == `primary`]\".",
    ),
    dest: field(
      z.union([z.enum(SERVICE_DESTS), port]),
      "Destination port on the members: default (use pg_default_service_dest), postgres (pg_port), pgbouncer (pgbouncer_port) or a port number; default 'default'.",
    ),
    check: field(
      z.string(),
      "Patroni REST API path used as HTTP health check; default '/'. /primary: leader only, /read-only: leader or replica, /replica: replicas, /sync: synchronous standby.",
    ),
    maxconn: field(nonNegativeInt, "Maximum front-end connections of this service; default 5000."),
    balance: field(z.enum(HAPROXY_BALANCES), "HAProxy load-balancing algorithm; default roundrobin (leastconn is the other common choice)."),
    options: field(
      z.string(),
      "Replaces the whole default-server option string, e.g. 'inter 3s fastinter 1s downinter 5s rise 3 fall 3 on-marked-down shutdown-sessions slowstart 30s maxconn 3000 maxqueue 128 weight 100'; default derived from pg_rto.",
    ),
  })
  .meta({ title: "service", description: "A PostgreSQL service exposed by HAProxy (items of pg_services and pg_default_services)." });

/** One explicit server of a node-level HAProxy service. */
export const haproxyServerSchema = z
  .strictObject({
    name: z.string().min(1).describe("Server name (required)."),
    ip: z.string().min(1).describe("Server address (required)."),
    port: port.describe("Server port (required)."),
    backup: field(z.boolean(), "Mark the server as backup (used only when the others are down)."),
    weight: field(z.int().min(0).max(255), "Load-balancing weight 0-255 (emitted only within that range)."),
    options: field(z.string(), "Extra raw options appended to the server line."),
  })
  .meta({ title: "server", description: "A server of a node-level HAProxy service." });

/** One node-level HAProxy service (`haproxy_services`). */
export const haproxyServiceSchema = z
  .strictObject({
    name: z.string().min(1).describe("Service name (required); written to /etc/haproxy/conf.d/<name>.cfg as 'listen <name>' (no cluster prefix)."),
    port: port.describe("Port to bind (required)."),
    ip: field(z.string(), "Address to bind; default '*'."),
    protocol: field(z.enum(["tcp", "http"]), "HAProxy mode; default tcp."),
    maxconn: field(nonNegativeInt, "Maximum front-end connections; default 10000."),
    balance: field(z.enum(HAPROXY_BALANCES), "Load-balancing algorithm; default roundrobin."),
    options: field(z.array(z.string()), "Raw HAProxy lines inserted verbatim into the listen section, e.g. ['option httpchk', 'http-check expect status 200']."),
    default: field(
      z.string(),
      "default-server option string; default 'inter 3s fastinter 1s downinter 5s rise 3 fall 3 on-marked-down shutdown-sessions slowstart 30s maxconn 3000 maxqueue 128 weight 100'.",
    ),
    servers: field(z.array(haproxyServerSchema), "Explicit servers: a list of {name, ip, port, backup?, weight?, options?}."),
  })
  .meta({ title: "haproxy_service", description: "A generic HAProxy service on a node (items of haproxy_services)." });

export type PgService = z.output<typeof serviceSchema>;
export type HaproxyService = z.output<typeof haproxyServiceSchema>;
export type HaproxyServer = z.output<typeof haproxyServerSchema>;
