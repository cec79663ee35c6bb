/**
 * Scheduled jobs of a cluster (`pg_crontab`, reference §1.4.8, §7.4) as a file in /etc/cron.d,
 * written on every member (backup scripts act only on the primary). Pure: lays the lines out
 * through templates/pgbackrest/crontab.njk; must not import I/O modules.
 *
 * Decisions:
 * - A file of pgsty's own, `/etc/cron.d/pgsty-<pg_cluster>`, instead of overwriting the dbsu's
 *   crontab spool (Pigsty's way), so jobs the dbsu added by hand survive. cron.d lines carry a
 *   user field: an entry whose first word after the schedule is the dbsu or `root` keeps it;
 *   every other entry runs as the dbsu (pg_crontab entries are written without a user).
 * - Comments and `NAME=value` lines pass through. An entry with a line break is refused (it would
 *   smuggle a second job in).
 * - Debian's cron skips /etc/cron.d files whose names hold anything but letters, digits, `_` and
 *   `-`: other characters of the cluster name become `_`.
 * - root-owned 0644 (cron ignores group- or world-writable files); effect "none": cron rereads
 *   changed files by itself.
 */
import { pgBinDir } from "../pgsql/patroni.js";
import { renderTemplate } from "../../template.js";
import type { HostContext } from "../context.js";
import { sharedAcrossHosts } from "../memo.js";
import type { RenderedFile } from "../types.js";

/** Schedule (five fields or an @keyword), then the rest of the line. */
const ENTRY = /^(@[a-z]+|(?:\S+\s+){4}\S+)\s+(\S.*)$/;
const ENV_LINE = /^[A-Za-z_][A-Za-z0-9_]*\s*=/;

/** The path of the cron file of `cluster`. */
export function cronPath(cluster: string): string {
  return `/etc/cron.d/pgsty-${cluster.replace(/[^A-Za-z0-9_-]/g, "_")}`;
}

/** One pg_crontab entry as a cron.d line (with a user field). */
export function cronLine(entry: string, dbsu: string): string {
  if (/[\r\n\0]/.test(entry)) throw new Error(`pg_crontab entry ${JSON.stringify(entry)} contains a line break`);
  const line = entry.trim();
  if (line === "" || line.startsWith("#") || ENV_LINE.test(line)) return line;
  const m = ENTRY.exec(line);
  if (!m) throw new Error(`pg_crontab entry ${JSON.stringify(entry)} has no schedule and command`);
  const schedule = m[1]!.split(/\s+/).join(" ");
  const rest = m[2]!;
  const first = rest.split(/\s+/, 1)[0]!;
  const hasUser = (first === dbsu || first === "root") && rest.length > first.length;
  return `${schedule} ${hasUser ? rest : `${dbsu} ${rest}`}`;
}

/** The cron file of this host's cluster; undefined when it runs no PostgreSQL or pg_crontab is empty. */
export function backupCron(ctx: HostContext): RenderedFile | undefined {
  const v = ctx.vars;
  if (!ctx.instance || v.pg_crontab.length === 0) return undefined;
  // the same file on every member: rendered once for them (decision 14); the cluster's name and
  // the binary directory are arguments, since reading them reads the instance and the host
  return sharedAcrossHosts(ctx, "cron", cronFile, ctx.cluster?.name ?? ctx.instance.cluster, pgBinDir(ctx));
}

function cronFile(ctx: HostContext, cluster: string, binDir: string): RenderedFile {
  const v = ctx.vars;
  const path = cronPath(cluster);
  const pathVar = [binDir, "/pg/bin", "/usr/local/bin", "/usr/bin", "/usr/sbin", "/bin", "/sbin"].join(":");
  const lines = v.pg_crontab.map((e) => cronLine(e, v.pg_dbsu)).filter((l) => l !== "");
  return {
    path,
    content: renderTemplate("pgbackrest/crontab.njk", { path, cluster, pathVar, lines }),
    owner: "root",
    group: "root",
    mode: "0644",
    sensitive: false,
    effect: "none",
    service: "cron",
  };
}
