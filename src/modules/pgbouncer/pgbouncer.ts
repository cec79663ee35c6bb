/**
 * pgbouncer's files on a PostgreSQL instance (reference §4.7–4.10): `pgbouncer.ini`, the
 * `database.txt` and `useropts.txt` it includes, and `userlist.txt` (its auth_file). The HBA file
 * it names (`pgb_hba.conf`) is rendered by the pgsql module's HBA code. Pure: computes values and
 * lays them out through templates/pgbouncer/*.njk; must not import I/O modules.
 *
 * Decisions:
 * - database.txt routes every database to the local unix socket on `pg_port` with an explicit
 *   `dbname` (Pigsty omits the port, so a non-5432 pg_port breaks routing: Appendix A.5).
 * - `${vip}` in pg_listen is dropped when there is no VIP (never left literally: Appendix A.9).
 * - Effects: every file change is a pgbouncer "reload" (RELOAD rereads the ini, its includes
 *   and the auth file without dropping clients). A few ini settings only change on a restart;
 *   offline there is no old file to compare with, so the file says "reload" and
 *   `pgbouncerIniEffect(before, after)` tells the diff when the change needs a "restart".
 * - `max_prepared_statements` is not written: Debian 12's pgbouncer 1.18 predates it (1.21).
 */
import { renderTemplate } from "../../template.js";
import type { HostContext } from "../context.js";
import { sharedAcrossHosts } from "../memo.js";
import type { Effect, RenderedFile } from "../types.js";
import { iniKey, oneLine, userlistEntries, userlistLines, useroptsLines, type ExistingSecrets } from "./userlist.js";
import { sharedDatabases } from "../pgsql/objects/shared.js";
import type { PresentDatabase } from "../pgsql/objects/types.js";

export const PGBOUNCER_DIR = "/etc/pgbouncer";
/** Debian's init script and unit expect the pid file here. */
export const PGBOUNCER_PIDFILE = "/var/run/postgresql/pgbouncer.pid";
export const PGBOUNCER_AUTH_QUERY = "SELECT username, password FROM monitor.pgbouncer_auth($1)";
const CERT_DIR = "/pg/cert";

/** Settings pgbouncer reads only at start: changing them needs a restart, not a reload. */
export const PGBOUNCER_RESTART_SETTINGS: readonly string[] = [
  "listen_addr",
  "listen_port",
  "listen_backlog",
  "unix_socket_dir",
  "unix_socket_mode",
  "unix_socket_group",
  "pidfile",
  "user",
  "so_reuseport",
  "peer_id",
];

export interface PgbouncerOptions {
  /**
   * Secrets a live plan read (user → the role's `rolpassword`, or the host's current userlist
   * entry): kept when they match the inventory password, so pgbouncer's verifier stays identical
   * to PostgreSQL's.
   */
  readonly existingSecrets?: ExistingSecrets;
  /** Put verifiers in as deferred-secret tokens (plans), instead of computing them (tests, apply). */
  readonly deferSecrets?: boolean;
}

/** pgbouncer's listen addresses: pg_listen with `${ip}`, `${lo}`, `${vip}` replaced, deduplicated. */
export function pgbouncerListen(ctx: HostContext): string[] {
  const v = ctx.vars;
  const m = /^([0-9.]+)\/\d+$/.exec(v.pg_vip_address.trim());
  const vip = v.pg_vip_enabled && m?.[1] && !m[1].startsWith("127.") ? m[1] : undefined;
  const out: string[] = [];
  for (const raw of v.pg_listen.split(",")) {
    const token = raw.trim();
    if (token.includes("${vip}") && vip === undefined) continue;
    const addr = token.replaceAll("${ip}", ctx.ip).replaceAll("${lo}", "127.0.0.1").replaceAll("${vip}", vip ?? "");
    if (addr && !out.includes(addr)) out.push(addr);
  }
  return out.length > 0 ? out : [ctx.ip];
}

/** A connection-string value: bare when safe, else single-quoted with `'` doubled. */
function connValue(s: string): string {
  oneLine(s, "connection string value");
  return /^[A-Za-z0-9_./-]+$/.test(s) ? s : `'${s.replaceAll("'", "''")}'`;
}

/** The databases pgbouncer routes: present, `pgbouncer` not false, never the reserved `pgbouncer`. */
function pooledDatabases(ctx: HostContext): PresentDatabase[] {
  return sharedDatabases(ctx)
    .value.filter((d): d is PresentDatabase => d.state !== "absent" && d.pgbouncer && d.name !== "pgbouncer")
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Lines of database.txt, sorted by database name, keys aligned. */
export function databaseLines(ctx: HostContext): string[] {
  const v = ctx.vars;
  const rows = pooledDatabases(ctx).map((d) => {
    const parts = [`host=${connValue(v.pg_localhost)}`, `port=${v.pg_port}`, `dbname=${connValue(d.name)}`];
    if (d.poolAuthUser !== undefined) parts.push(`auth_user=${connValue(d.poolAuthUser)}`);
    if (d.poolMode !== undefined) parts.push(`pool_mode=${d.poolMode}`);
    if (d.poolSize !== undefined) parts.push(`pool_size=${d.poolSize}`);
    if (d.poolSizeMin !== undefined) parts.push(`min_pool_size=${d.poolSizeMin}`);
    if (d.poolReserve !== undefined) parts.push(`reserve_pool=${d.poolReserve}`);
    // pgsty's -1 ("no limit") is pgbouncer's 0
    if (d.poolConnlimit !== undefined) parts.push(`max_db_connections=${Math.max(d.poolConnlimit, 0)}`);
    return { key: iniKey(d.name), value: parts.join(" ") };
  });
  const width = Math.max(0, ...rows.map((r) => r.key.length));
  return rows.map((r) => `${r.key.padEnd(width)} = ${r.value}`);
}

function unique(xs: readonly string[]): string[] {
  return [...new Set(xs)];
}

/** Values of pgbouncer.ini, for the template. */
export function pgbouncerIniData(ctx: HostContext, path: string): Record<string, unknown> {
  const v = ctx.vars;
  const tls =
    v.pgbouncer_sslmode === "disable"
      ? undefined
      : { sslmode: v.pgbouncer_sslmode, keyFile: `${CERT_DIR}/server.key`, certFile: `${CERT_DIR}/server.crt`, caFile: `${CERT_DIR}/ca.crt` };
  return {
    path,
    instance: ctx.instance?.name ?? ctx.host.name,
    cluster: ctx.cluster?.name ?? String(v.pg_cluster ?? ""),
    ip: ctx.ip,
    databaseFile: `${PGBOUNCER_DIR}/database.txt`,
    useroptsFile: `${PGBOUNCER_DIR}/useropts.txt`,
    userlistFile: `${PGBOUNCER_DIR}/userlist.txt`,
    hbaFile: `${PGBOUNCER_DIR}/pgb_hba.conf`,
    listenAddr: oneLine(pgbouncerListen(ctx).join(","), "listen address"),
    listenPort: v.pgbouncer_port,
    socketDir: oneLine(v.pg_localhost, "pg_localhost"),
    pidfile: PGBOUNCER_PIDFILE,
    logfile: oneLine(`${v.pgbouncer_log_dir}/pgbouncer.log`, "pgbouncer_log_dir"),
    authQuery: v.pgbouncer_auth_query ? PGBOUNCER_AUTH_QUERY : undefined,
    authUser: oneLine(v.pg_dbsu, "pg_dbsu"),
    adminUsers: oneLine(unique([v.pg_dbsu, v.pg_admin_username]).join(", "), "admin users"),
    statsUsers: oneLine(unique([v.pg_dbsu, v.pg_monitor_username]).join(", "), "stats users"),
    poolMode: v.pgbouncer_poolmode,
    // per-database defaults as documented for pg_databases (pool_size 64, reserve 32, 100 conns)
    maxClientConn: 10000,
    defaultPoolSize: 64,
    minPoolSize: 0,
    reservePoolSize: 32,
    reservePoolTimeout: 1,
    maxDbConnections: 100,
    maxUserConnections: 100,
    ignoreStartupParameters: oneLine(unique(v.pgbouncer_ignore_param).join(", "), "pgbouncer_ignore_param"),
    serverLifetime: 600,
    serverIdleTimeout: 600,
    serverLoginRetry: 1,
    tls,
  };
}

/** The files of pgbouncer on this host; none unless it runs PostgreSQL with pgbouncer_enabled. */
export function renderPgbouncer(ctx: HostContext, o: PgbouncerOptions = {}): RenderedFile[] {
  if (!ctx.instance || !ctx.vars.pgbouncer_enabled) return [];
  // the files listing databases and users are the cluster's: shared (frozen) by its members
  const shared = sharedAcrossHosts(ctx, "pgbouncer", clusterFiles, o.existingSecrets, o.deferSecrets);
  return [
    file(ctx, "pgbouncer.ini", renderTemplate("pgbouncer/pgbouncer.ini.njk", pgbouncerIniData(ctx, path("pgbouncer.ini"))), "0640"),
    shared.database,
    shared.useropts,
    shared.userlist,
  ];
}

const path = (name: string) => `${PGBOUNCER_DIR}/${name}`;

function file(ctx: HostContext, name: string, content: string, mode: string, sensitive = false): RenderedFile {
  return {
    path: path(name),
    content,
    owner: ctx.vars.pg_dbsu,
    group: ctx.vars.pg_dbsu,
    mode,
    sensitive,
    effect: "reload",
    service: "pgbouncer",
  };
}

/** The files that list the cluster's databases and users: the same on every member, rendered once for them. */
function clusterFiles(ctx: HostContext, existing: ExistingSecrets | undefined, defer: boolean | undefined): { database: RenderedFile; useropts: RenderedFile; userlist: RenderedFile } {
  const cluster = ctx.cluster?.name ?? String(ctx.vars.pg_cluster ?? "");
  return {
    database: file(ctx, "database.txt", renderTemplate("pgbouncer/database.txt.njk", { path: path("database.txt"), cluster, lines: databaseLines(ctx) }), "0640"),
    useropts: file(ctx, "useropts.txt", renderTemplate("pgbouncer/useropts.txt.njk", { path: path("useropts.txt"), cluster, lines: useroptsLines(ctx) }), "0640"),
    userlist: file(ctx, "userlist.txt", renderTemplate("pgbouncer/userlist.txt.njk", { lines: userlistLines(userlistEntries(ctx, existing, defer)) }), "0600", true),
  };
}

/** `key = value` settings of an ini text, by section (`section.key`), comments and includes skipped. */
function iniSettings(text: string): Map<string, string> {
  const out = new Map<string, string>();
  let section = "";
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith(";") || line.startsWith("#") || line.startsWith("%")) continue;
    const s = /^\[(.+)\]$/.exec(line);
    if (s) section = s[1]!.trim().toLowerCase();
    else {
      const eq = line.indexOf("=");
      if (eq > 0) out.set(`${section}.${line.slice(0, eq).trim().toLowerCase()}`, line.slice(eq + 1).trim());
    }
  }
  return out;
}

/**
 * What changing pgbouncer.ini from `before` to `after` needs: "restart" when a setting of
 * PGBOUNCER_RESTART_SETTINGS changed, "none" when nothing did, else "reload".
 */
export function pgbouncerIniEffect(before: string | undefined, after: string): Effect {
  if (before === after) return "none";
  if (before === undefined) return "restart";
  const a = iniSettings(before);
  const b = iniSettings(after);
  for (const k of PGBOUNCER_RESTART_SETTINGS) if (a.get(`pgbouncer.${k}`) !== b.get(`pgbouncer.${k}`)) return "restart";
  return "reload";
}
