/**
 * The node step's desired state besides packages: the database superuser (dbsu) and the
 * directory layout of a PostgreSQL node, as Pigsty lays it out (reference §1.6):
 * /data/postgres/<cluster>-<version> is the instance home, /pg links to it; backups live under
 * /data/backups/<cluster>-<version>/backup and /pg/backup links there. Drafts are interned
 * (modules/intern.ts): the same directory on many hosts is one frozen draft. Pure.
 */
import type { TaskDraft } from "../../plan/types.js";
import type { HostContext } from "../context.js";
import { internTask } from "../intern.js";

/** Debian's packages give `postgres` a system uid; Pigsty's default 26 is taken there, so 543 (§1.4.1). */
export function dbsuUid(ctx: HostContext): number {
  const uid = Number(ctx.vars.pg_dbsu_uid);
  return ctx.platform.family === "debian" && uid === 26 ? 543 : uid;
}

export function dbsuTasks(ctx: HostContext): TaskDraft[] {
  const v = ctx.vars;
  const name = String(v.pg_dbsu);
  const uid = dbsuUid(ctx);
  const home = String(v.pg_dbsu_home);
  return [internTask(`user\0${name}\0${uid}\0${home}`, () => ({ op: "os.user", key: name, args: { name, uid, group: name, home, shell: "/bin/bash" } }))];
}

export function dir(path: string, owner: string, mode: string): TaskDraft {
  return internTask(`dir\0${path}\0${owner}\0${mode}`, () => ({ op: "dir", key: path, args: { path, owner, group: owner, mode } }));
}

export function link(path: string, target: string): TaskDraft {
  return internTask(`link\0${path}\0${target}`, () => ({ op: "link", key: path, args: { path, target } }));
}

/** Where this instance's home and backup directories are. */
export function instanceHome(ctx: HostContext): { home: string; backup: string } {
  const v = ctx.vars;
  // the cluster's name from the cluster (there is one exactly when there is an instance): reading
  // the instance would tie what the members share (dirTasks) to one host
  const id = `${ctx.cluster?.name ?? "pg"}-${String(v.pg_version)}`;
  return { home: `${String(v.pg_fs_main)}/${id}`, backup: `${String(v.pg_fs_backup)}/${id}/backup` };
}

export function dirTasks(ctx: HostContext): TaskDraft[] {
  const v = ctx.vars;
  const dbsu = String(v.pg_dbsu);
  const ns = String(v.pg_namespace ?? "/pg").replace(/\/$/, "");
  const { home, backup } = instanceHome(ctx);
  const logs = [v.pg_log_dir, v.patroni_log_dir, v.pgbouncer_log_dir, v.pgbackrest_log_dir].filter((x): x is string => typeof x === "string");
  return [
    dir(String(v.pg_fs_main), "root", "0755"),
    dir(home, dbsu, "0700"),
    link(ns, home),
    dir(backup, dbsu, "0700"),
    link(`${ns}/backup`, backup),
    ...["bin", "conf", "tmp", "cert", "spool"].map((d) => dir(`${home}/${d}`, dbsu, "0700")),
    dir(`${home}/log`, dbsu, "0750"),
    ...logs.map((l) => dir(l, dbsu, "0750")),
    // the runtime directory systemd-tmpfiles would create; without systemd pgsty must (TESTBED pitfall 6)
    dir("/var/run/postgresql", dbsu, "2775"),
    dir("/etc/patroni", dbsu, "0750"),
    dir("/etc/pgbouncer", dbsu, "0750"),
    dir("/etc/pgbackrest", dbsu, "0750"),
  ];
}

/** A daemon that must be enabled and running (`extra`: more args, such as a readiness probe). */
export function serviceTask(unit: string, extra?: Readonly<Record<string, unknown>>): TaskDraft {
  if (extra === undefined) return internTask(`service\0${unit}`, () => ({ op: "service.running", key: unit, args: { unit, enabled: true } }));
  return { op: "service.running", key: unit, args: { unit, enabled: true, ...extra } };
}
