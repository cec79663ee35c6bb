/**
 * Steps of the pgsql-rm playbook: remove the selected PostgreSQL instances (or whole clusters)
 * as Pigsty's pgsql-rm.yml does (reference §1.8), each task a declarative removal, so a second
 * run on removed hosts plans nothing. Pure: the ops do the work.
 *
 * Order (playbooks/pgsql-rm.yml): the cluster's HAProxy services on the removed hosts (files
 * gone, HAProxy reloaded) → pgbouncer stopped, its files gone → the backup cron file gone →
 * Patroni stopped, replicas before the primary (PostgreSQL stops with it; a server left running
 * is stopped with pg_ctl), its config gone → the cluster's etcd keys (whole cluster only) →
 * backups (pg_rm_backup: the stanza when the whole cluster goes, the local backup directory,
 * pgBackRest's config) → data (pg_rm_data: the instance home, the /pg link) → packages
 * (pg_rm_pkg). Every step carries the removal preflight (modules/pgsql/remove.ts).
 *
 * Decisions:
 * - Only what pgsty laid out or wrote goes: the files its renderers write (not /etc/pgbouncer or
 *   /etc/patroni as directories, which Debian's packages own), the instance home and links of
 *   node/layout.ts, pg_data when it is not under the home. Logs outside the home, the dbsu, the
 *   directories pgsty made for every instance (pg_fs_main, /var/run/postgresql) stay.
 * - The whole cluster goes exactly when its primary is removed (the preflight refuses a primary
 *   whose replicas stay): the primary's tasks delete the etcd keys and the stanza.
 * - HAProxy is not stopped: it may serve other clusters; only this cluster's service files go.
 *   Services that a provider group serves (pg_service_provider) are not touched on the
 *   provider's hosts: re-apply `-t pg_service` there.
 * - pg_rm_pkg removes the packages pgsty installed for PostgreSQL (packagesFor), never etcd's or
 *   HAProxy's, which the node may still need.
 */
import type { TaskDraft } from "../plan/types.js";
import type { HostContext } from "./context.js";
import { cronPath } from "./pgbackrest/cron.js";
import { PGBACKREST_CONF } from "./pgbackrest/pgbackrest.js";
import { PGBOUNCER_DIR } from "./pgbouncer/pgbouncer.js";
import { servicesServedBy } from "./haproxy/services.js";
import { HAPROXY_SERVICE_DIR } from "./haproxy/main-config.js";
import type { StepDef } from "./module.js";
import { instanceHome } from "./node/layout.js";
import { PACKAGE_MAPS, packagesFor, resolvePackages } from "./node/packages.js";
import { etcdEndpoints, pgBinDir, PATRONI_CONFIG_PATH } from "./pgsql/patroni.js";
import { dcsPrefix, removalPreflight } from "./pgsql/remove.js";
import { isPgHost } from "./steps-node.js";

/** Files the pgbouncer steps write (renderPgbouncer, renderPgbHba). */
export const PGBOUNCER_FILES = ["pgbouncer.ini", "database.txt", "useropts.txt", "userlist.txt", "pgb_hba.conf"].map((f) => `${PGBOUNCER_DIR}/${f}`);
/** What pgsql.config writes: patroni.yml and the two links Debian's units read. */
export const PATRONI_FILES = [PATRONI_CONFIG_PATH, "/etc/patroni/config.yml", "/etc/patroni/postgres.yml"];
/** The marker of ops/pgbackrest-stanza.ts (markerPath): present once pgsty created the stanza. */
export const stanzaMarker = (stanza: string): string => `/etc/pgbackrest/pgsty-${stanza}.done`;

type PathType = "dir" | "file" | "link";
const absent = (path: string, type: PathType, more: Partial<TaskDraft> = {}): TaskDraft => ({ op: "path.absent", key: path, args: { path, type }, ...more });
const stopped = (unit: string, ctx: HostContext): TaskDraft => ({ op: "service.stopped", key: unit, args: { unit, user: String(ctx.vars.pg_dbsu) } });

const isPrimary = (ctx: HostContext): boolean => ctx.cluster?.primary === ctx.instance;
const linkRoot = (ctx: HostContext): string => String(ctx.vars.pg_namespace ?? "/pg").replace(/\/$/, "");
const underLink = (ctx: HostContext, p: string): boolean => p === linkRoot(ctx) || p.startsWith(`${linkRoot(ctx)}/`);

function haproxyTasks(ctx: HostContext): TaskDraft[] {
  const own = servicesServedBy(ctx).filter((s) => s.cluster === ctx.instance!.cluster);
  return own.map((s) => absent(`${HAPROXY_SERVICE_DIR}/${s.name}.cfg`, "file", { effect: "reload", service: "haproxy" }));
}

/** A server still running once Patroni is stopped (Patroni killed, or not managing it) is stopped too. */
function pgStopTask(ctx: HostContext): TaskDraft {
  const pgCtl = `${pgBinDir(ctx)}/pg_ctl`;
  const data = String(ctx.vars.pg_data);
  return {
    op: "command",
    key: "pg_ctl stop",
    args: {
      cmd: [pgCtl, "stop", "-D", data, "-m", "fast", "-w"],
      // runs only while a server answers for the data directory (no pg_ctl or no data: nothing to stop)
      unless: ["bash", "-c", '! "$0" status -D "$1" >/dev/null 2>&1', pgCtl, data],
      user: String(ctx.vars.pg_dbsu),
    },
  };
}

function patroniTasks(ctx: HostContext): TaskDraft[] {
  return [stopped("patroni", ctx), pgStopTask(ctx), ...PATRONI_FILES.map((p) => absent(p, p === PATRONI_CONFIG_PATH ? "file" : "link"))];
}

function dcsTasks(ctx: HostContext): TaskDraft[] {
  const prefix = dcsPrefix(ctx);
  return [{ op: "dcs.absent", key: prefix, args: { prefix, endpoints: etcdEndpoints(ctx) } }];
}

function backupTasks(ctx: HostContext): TaskDraft[] {
  const cluster = ctx.instance!.cluster;
  const { backup } = instanceHome(ctx);
  const marker = stanzaMarker(cluster);
  const stanza: TaskDraft[] = isPrimary(ctx) ? [{
    op: "command",
    key: `stanza-delete ${cluster}`,
    args: {
      // stop first (stanza-delete requires it), then delete; the marker goes last, only on success
      cmd: ["bash", "-c", 'pgbackrest --stanza="$0" --force stop && pgbackrest --stanza="$0" --force stanza-delete && rm -f -- "$1"', cluster, marker],
      // pgsty's marker says it created the stanza: without it there is nothing of pgsty's to delete
      unless: ["test", "!", "-e", marker],
      user: String(ctx.vars.pg_dbsu),
    },
  }] : [];
  return [
    ...stanza,
    absent(`${linkRoot(ctx)}/backup`, "link"),
    // the cluster's backup directory (<pg_fs_backup>/<cluster>-<version>), with the local repository in it
    absent(backup.replace(/\/backup$/, ""), "dir"),
    absent(PGBACKREST_CONF, "file"),
    absent(marker, "file"),
  ];
}

function dataTasks(ctx: HostContext): TaskDraft[] {
  const { home } = instanceHome(ctx);
  const data = String(ctx.vars.pg_data);
  return [
    // a pg_data outside the home (the default /pg/data is inside it, through the link)
    ...(underLink(ctx, data) || data === home || data.startsWith(`${home}/`) ? [] : [absent(data, "dir")]),
    absent(linkRoot(ctx), "link"),
    absent(home, "dir"),
  ];
}

/** The packages pgsty installed for PostgreSQL on this node: not etcd's, not HAProxy's. */
export function pgPackages(ctx: HostContext): string[] {
  const map = PACKAGE_MAPS[ctx.platform.id];
  const keep = new Set(["etcd", "haproxy"].flatMap((a) => resolvePackages(a, map, ctx.vars.pg_version)));
  return packagesFor(ctx).names.filter((n) => !keep.has(n));
}

const removes = (ctx: HostContext, flag: "pg_rm_data" | "pg_rm_backup" | "pg_rm_pkg"): boolean => isPgHost(ctx) && ctx.vars[flag] !== false;

const STEPS: StepDef[] = [
  {
    name: "remove.haproxy",
    description: "this cluster's HAProxy services on the removed hosts: service files removed, HAProxy reloaded",
    applies: (ctx) => isPgHost(ctx) && ctx.vars.haproxy_enabled !== false,
    tasks: haproxyTasks,
  },
  {
    name: "remove.pgbouncer",
    description: "pgbouncer stopped and disabled, its configuration files removed",
    applies: isPgHost,
    tasks: (ctx) => [stopped("pgbouncer", ctx), ...PGBOUNCER_FILES.map((p) => absent(p, "file"))],
  },
  {
    name: "remove.cron",
    description: "the cluster's scheduled backups (pg_crontab) removed",
    applies: isPgHost,
    tasks: (ctx) => [absent(cronPath(ctx.instance!.cluster), "file")],
  },
  {
    name: "remove.patroni",
    description: "Patroni stopped and disabled (PostgreSQL with it), replicas before the primary; its configuration removed",
    applies: isPgHost,
    waves: "replicas-first",
    tasks: patroniTasks,
  },
  {
    name: "remove.dcs",
    description: "the cluster's keys in etcd (Patroni's leader, config, members), when the whole cluster goes",
    applies: (ctx) => isPgHost(ctx) && isPrimary(ctx) && ctx.vars.patroni_enabled !== false && etcdEndpoints(ctx).length > 0,
    tasks: dcsTasks,
  },
  {
    name: "remove.backup",
    description: "backups (pg_rm_backup): the pgBackRest stanza when the whole cluster goes, the local backup directory, pgBackRest's configuration",
    applies: (ctx) => removes(ctx, "pg_rm_backup"),
    tasks: backupTasks,
  },
  {
    name: "remove.data",
    description: "data (pg_rm_data): the instance home with the data directory, the /pg link",
    applies: (ctx) => removes(ctx, "pg_rm_data"),
    tasks: dataTasks,
  },
  {
    name: "remove.pkg",
    description: "packages (pg_rm_pkg): those pgsty installed for PostgreSQL, Patroni, pgbouncer and pgBackRest",
    applies: (ctx) => removes(ctx, "pg_rm_pkg"),
    tasks: (ctx) => {
      const names = pgPackages(ctx);
      return names.length ? [{ op: "pkg.removed", key: "packages", args: { names } }] : [];
    },
  },
];

export const PGSQL_RM_STEPS: readonly StepDef[] = STEPS.map((s) => ({ ...s, preflight: removalPreflight }));
