/**
 * The main HAProxy file of a node, `/etc/haproxy/haproxy.cfg`: global settings, defaults for the
 * service files that follow it, and the admin / metrics listener (reference §6.6). Every node with
 * haproxy_enabled gets it, whether or not it serves PostgreSQL services.
 * Pure: must not import exec/, facts/ or any I/O module.
 */
import { renderTemplate } from "../../template.js";
import type { HostContext } from "../context.js";
import type { RenderedFile } from "../types.js";

export const HAPROXY_DIR = "/etc/haproxy";
export const HAPROXY_MAIN = `${HAPROXY_DIR}/haproxy.cfg`;
/**
 * The service files' own directory: HAProxy loads a directory's files in name order, so in
 * /etc/haproxy itself a service named before "haproxy" would load ahead of the `defaults`.
 */
export const HAPROXY_SERVICE_DIR = `${HAPROXY_DIR}/conf.d`;

/**
 * `/etc/default/haproxy`, read by Debian's haproxy.service: the packaged unit loads only
 * haproxy.cfg; this adds the service directory (a reload re-reads it, so added and removed
 * services need no restart). The master socket is the unit's own default, kept.
 */
export function renderHaproxyDefaults(): RenderedFile {
  return HAPROXY_DEFAULTS;
}

// the same on every node: one frozen file, whose task the nodes share (file-task.ts)
const HAPROXY_DEFAULTS: RenderedFile = Object.freeze({
  path: "/etc/default/haproxy",
  content: `# managed by pgsty: haproxy.service loads haproxy.cfg, then every service file\nCONFIG=${HAPROXY_MAIN}\nEXTRAOPTS="-S /run/haproxy-master.sock -f ${HAPROXY_SERVICE_DIR}"\n`,
  owner: "root",
  group: "root",
  mode: "0644",
  sensitive: false,
  // systemd reads it only when the unit starts
  effect: "restart",
  service: "haproxy",
} as const);

/**
 * `/etc/haproxy/haproxy.cfg`: global settings, defaults, and the admin page / Prometheus metrics
 * listener on haproxy_exporter_port. Holds the admin password when haproxy_auth_enabled.
 */
export function renderHaproxyMain(ctx: HostContext): RenderedFile {
  const v = ctx.vars;
  const auth = v.haproxy_auth_enabled === true;
  const content = renderTemplate("haproxy/haproxy.cfg.njk", {
    exporter_port: v.haproxy_exporter_port,
    client_timeout: v.haproxy_client_timeout,
    server_timeout: v.haproxy_server_timeout,
    stats_uri: `/haproxy/${nodeName(ctx)}/`,
    auth,
    admin_username: haproxyWord(v.haproxy_admin_username),
    admin_password: haproxyWord(v.haproxy_admin_password),
  });
  return {
    path: HAPROXY_MAIN,
    content,
    owner: "root",
    group: "root",
    // the admin password is in it: readable by root only (haproxy reads it before dropping privileges)
    mode: auth ? "0600" : "0644",
    sensitive: auth,
    effect: "reload",
    service: "haproxy",
    validate: "haproxy -c -f {path}",
  };
}

/** The node's name as the infra portal links to its stats page: nodename, pg_instance, or the host. */
function nodeName(ctx: HostContext): string {
  const v = ctx.vars;
  if (typeof v.nodename === "string" && v.nodename !== "") return v.nodename;
  if (v.node_id_from_pg === true && ctx.instance) return ctx.instance.name;
  return ctx.host.name;
}

/**
 * A value as one HAProxy config word, taken literally: single quotes stop `$VAR` expansion and
 * backslash escapes; a quote inside is closed, escaped and reopened (`'\''`), as in a shell.
 */
export function haproxyWord(s: string): string {
  return `'${s.replace(/'/g, "'\\''")}'`;
}
