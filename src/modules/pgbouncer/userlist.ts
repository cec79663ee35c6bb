/**
 * Who pgbouncer knows: the lines of `userlist.txt` (auth_file: user → SCRAM verifier) and
 * `useropts.txt` ([users]: per-user pool_mode / max_user_connections), from the cluster's desired
 * roles (the same merge of pg_default_roles and pg_users the pgsql module creates roles from).
 * Pure; must not import I/O modules.
 *
 * Decisions (reference §4.7, Appendix A.15):
 * - The userlist holds only users the inventory defines now, so a removed user disappears from it
 *   (Pigsty never prunes). Always listed: the dbsu, the admin and the monitor user; then every
 *   present, login-capable role with `pgbouncer: true` — unless `pgbouncer_auth_query`, which
 *   lets pgbouncer look business users up in PostgreSQL instead.
 * - Secrets are SCRAM-SHA-256 verifiers (or md5 hashes written in the inventory), never
 *   plaintext. A user the inventory gives no password is left out (pgsty never reads verifiers
 *   back from pg_authid to copy them); the dbsu without pg_dbsu_password gets an empty secret,
 *   which only peer authentication in pgb_hba.conf can use.
 * - Verifiers are salted for the cluster whose pg_authid the instance serves: its own, or for a
 *   standby cluster its upstream's (`roleSourceCluster`), so pgbouncer's secrets equal the ones
 *   pgsty sets in PostgreSQL (pgbouncer can log in to PostgreSQL only with an identical secret).
 */
import { sharedRoles } from "../pgsql/objects/shared.js";
import type { PresentRole } from "../pgsql/objects/types.js";
import type { HostContext } from "../context.js";
import { deferredSecret } from "../deferred-secret.js";
import { isPasswordHash, pgbouncerSecret } from "./scram.js";

/** Verifiers a live plan found (user → `rolpassword` or the host's userlist secret). */
export type ExistingSecrets = ReadonlyMap<string, string>;

/** One userlist entry, before layout. `secret` is sensitive. */
export interface UserlistEntry {
  readonly user: string;
  readonly secret: string;
}

/**
 * A pgbouncer ini key (database or user name): bare when it only has `_0-9A-Za-z.-` (what every
 * pgbouncer reads bare, 1.18 included), else SQL-quoted (understood from pgbouncer 1.21 on).
 */
export function iniKey(name: string): string {
  oneLine(name, "name");
  return /^[-_.0-9A-Za-z]+$/.test(name) ? name : `"${name.replaceAll('"', '""')}"`;
}

/** A field of the auth file: always double-quoted, `"` doubled. */
function authField(s: string): string {
  oneLine(s, "userlist field");
  return `"${s.replaceAll('"', '""')}"`;
}

/** Values written into a config file must not break out of their line. */
export function oneLine(s: string, what: string): string {
  if (/[\r\n\0]/.test(s)) throw new Error(`${what} ${JSON.stringify(s)} contains a line break or NUL`);
  return s;
}

function present(ctx: HostContext): PresentRole[] {
  return sharedRoles(ctx).value.filter((r): r is PresentRole => r.state === "present");
}

/**
 * The cluster whose roles this instance serves, for the verifiers' salts: a standby cluster
 * (pg_upstream on its primary) replicates its upstream's pg_authid, so its pgbouncer must hold
 * the upstream cluster's verifiers — followed up the chain while the upstream is in the inventory.
 */
export function roleSourceCluster(ctx: HostContext): string {
  let cluster = ctx.cluster;
  const seen = new Set<string>();
  while (cluster?.upstream !== undefined && !seen.has(cluster.name)) {
    seen.add(cluster.name);
    const upstream = [...ctx.model.instances.values()].find((i) => i.address === cluster!.upstream || i.host.name === cluster!.upstream);
    const next = upstream ? ctx.model.clusters.get(upstream.cluster) : undefined;
    if (!next) break;
    cluster = next;
  }
  return cluster?.name ?? String(ctx.vars.pg_cluster ?? "");
}

/** The userlist entries of this instance, sorted by user name. */
export function userlistEntries(ctx: HostContext, existing: ExistingSecrets = new Map(), defer = false): UserlistEntry[] {
  const v = ctx.vars;
  const system = new Set([v.pg_dbsu, v.pg_admin_username, v.pg_monitor_username]);
  const byName = new Map<string, UserlistEntry>();
  const salt = roleSourceCluster(ctx);
  for (const r of present(ctx)) {
    const isSystem = system.has(r.name);
    if (!isSystem && (v.pgbouncer_auth_query || !r.pgbouncer)) continue;
    if (r.login === false) continue;
    if (r.password === undefined || r.password === "") {
      if (r.name === v.pg_dbsu) byName.set(r.name, { user: r.name, secret: "" });
      continue;
    }
    const password = r.password, known = existing.get(r.name);
    // plans defer the costly verifier: it is computed only when the file is really written
    const secret = defer && known === undefined && !isPasswordHash(password)
      ? deferredSecret(["scram", password, r.name, salt], () => pgbouncerSecret(password, r.name, salt))
      : pgbouncerSecret(password, r.name, salt, known);
    byName.set(r.name, { user: r.name, secret });
  }
  return [...byName.values()].sort((a, b) => (a.user < b.user ? -1 : a.user > b.user ? 1 : 0));
}

/** `"user" "secret"` lines of userlist.txt. */
export function userlistLines(entries: readonly UserlistEntry[]): string[] {
  return entries.map((e) => `${authField(e.user)} ${authField(e.secret)}`);
}

/** Lines of useropts.txt: present roles with a pool mode or connection limit, sorted by name. */
export function useroptsLines(ctx: HostContext): string[] {
  const rows = present(ctx)
    .filter((r) => r.login !== false && (r.poolMode !== undefined || r.poolConnlimit !== undefined))
    .map((r) => {
      const opts: string[] = [];
      if (r.poolMode !== undefined) opts.push(`pool_mode=${r.poolMode}`);
      // pgsty's -1 ("no limit") is pgbouncer's 0
      if (r.poolConnlimit !== undefined) opts.push(`max_user_connections=${Math.max(r.poolConnlimit, 0)}`);
      return { key: iniKey(r.name), opts: opts.join(" ") };
    })
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const width = Math.max(0, ...rows.map((r) => r.key.length));
  return rows.map((r) => `${r.key.padEnd(width)} = ${r.opts}`);
}
