/**
 * HAPROXY parameters: the HAProxy load balancer on every node, which exposes PostgreSQL services
 * and generic node services (Pigsty NODE module, reference §6.5–6.6). Defaults are Pigsty v4's.
 * Pure: imports only zod and sibling schema files; must not import I/O modules.
 */
import * as z from "zod";
import { defineGroup } from "./param.js";
import { port, withDefault } from "./common.js";
import { haproxyServiceSchema, type HaproxyService } from "./service.js";

const NO_SERVICES: HaproxyService[] = [];

export const HAPROXY_PARAMS = {
  haproxy_enabled: withDefault(z.boolean().describe("Run HAProxy on this node; default true."), "C", true),
  haproxy_clean: withDefault(
    z.boolean().describe("Remove every existing HAProxy configuration (haproxy.cfg and conf.d/*.cfg) before writing; default false."),
    "G/C",
    false,
  ),
  haproxy_reload: withDefault(z.boolean().describe("Reload HAProxy after its configuration changed (after a config check); default true."), "C", true),
  haproxy_auth_enabled: withDefault(
    z.boolean().describe("Protect the HAProxy admin/stats page with basic authentication; default true."),
    "G",
    true,
  ),
  haproxy_admin_username: withDefault(z.string().min(1).describe("User name of the HAProxy admin page; default admin."), "G", "admin"),
  haproxy_admin_password: withDefault(
    z.string().describe("Password of the HAProxy admin page; default pigsty. Change it in production."),
    "G",
    "pigsty",
    true,
  ),
  haproxy_exporter_port: withDefault(port.describe("Port of the HAProxy admin page and Prometheus metrics (/metrics); default 9101."), "C", 9101),
  haproxy_client_timeout: withDefault(
    z.string().describe("Client-side connection timeout (timeout client) in HAProxy duration format, e.g. 24h (default)."),
    "C",
    "24h",
  ),
  haproxy_server_timeout: withDefault(
    z.string().describe("Server-side connection timeout (timeout server) in HAProxy duration format, e.g. 24h (default)."),
    "C",
    "24h",
  ),
  haproxy_services: withDefault(
    z
      .array(haproxyServiceSchema)
      .describe("Generic services this node exposes (e.g. MinIO), each written to /etc/haproxy/conf.d/<name>.cfg: {name, port, servers, …}; default none."),
    "C",
    NO_SERVICES,
  ),
} as const;

export const HAPROXY = defineGroup(
  "HAPROXY",
  "HAProxy on every node: switches, the admin page and its credentials, timeouts and generic node services.",
  HAPROXY_PARAMS,
);
