/**
 * Steps of the pgsql, pgbackrest, pgbouncer and haproxy modules: Patroni config and launch, HBA,
 * users and databases (on the primary of a cluster that is not a standby cluster), backups,
 * pgbouncer and HAProxy services. Pure.
 */
import type { TaskDraft } from "../plan/types.js";
import type { HostContext } from "./context.js";
import { fileTask } from "./file-task.js";
import { renderHaproxyServices } from "./haproxy/services.js";
import type { StepDef } from "./module.js";
import { dir, link, serviceTask } from "./node/layout.js";
import { HAPROXY_SERVICE_DIR, renderHaproxyDefaults } from "./haproxy/main-config.js";
import { backupCron } from "./pgbackrest/cron.js";
import { renderPgbackrest } from "./pgbackrest/pgbackrest.js";
import { renderPgbouncer } from "./pgbouncer/pgbouncer.js";
import { deferredSecret } from "./deferred-secret.js";
import { isPasswordHash, pgbouncerSecret } from "./pgbouncer/scram.js";
import { roleSourceCluster } from "./pgbouncer/userlist.js";
import { renderPgbHba, renderPgHba } from "./pgsql/hba.js";
import { desiredObjects } from "./pgsql/objects.js";
import { PATRONI_CONFIG_PATH, patroniDynamicConfig, renderPatroniConfig } from "./pgsql/patroni.js";
import { frozenValueId, internTaskIn } from "./intern.js";
import { sharedAcrossHosts } from "./memo.js";
import { isPgHost, servesHaproxy } from "./steps-node.js";

const patroniManaged = (ctx: HostContext) => isPgHost(ctx) && ctx.vars.patroni_enabled !== false;
/**
 * Users and databases: every member carries the tasks and the current leader converges them
 * (on a standby they are no-ops), so they follow a failover; a standby cluster replicates them
 * from upstream.
 */
const provisions = (ctx: HostContext) => isPgHost(ctx) && !ctx.cluster?.upstream;
/** The first backup is taken on the inventory's primary (its local repository). */
const backsUp = (ctx: HostContext) => provisions(ctx) && ctx.cluster?.primary === ctx.instance;


// Users and databases are the cluster's: one computation for its members (both steps read it),
// and the tasks themselves shared (decision 14), so a plan builds each change's summary once
// per cluster rather than once per member.
function objectsOf(ctx: HostContext): ReturnType<typeof desiredObjects> {
  return sharedAcrossHosts(ctx, "pgsql.objects", desiredObjects);
}

/** The server the pg.* ops talk to (local socket as the dbsu) and the cluster's system users. */
function pgTarget(ctx: HostContext) {
  const v = ctx.vars;
  return {
    dbsu: v.pg_dbsu,
    socketDir: v.pg_localhost,
    port: v.pg_port,
    systemUsers: { dbsu: v.pg_dbsu, replicator: v.pg_replication_username, admin: v.pg_admin_username, monitor: v.pg_monitor_username },
  };
}

/**
 * One task per declared role, then one for the cluster that drops the roles the server has and
 * the inventory does not declare (pg_users is the truth); last, so a role declared `state: absent`
 * has been dropped by its own task.
 */
function roleTasks(ctx: HostContext): TaskDraft[] {
  const cluster = roleSourceCluster(ctx);
  const target = pgTarget(ctx);
  const targetId = JSON.stringify(target);
  const roles = objectsOf(ctx).value.roles;
  // the cluster's name from the cluster, not the instance: reading the instance would tie the shared result to one host
  const undeclared: TaskDraft = { op: "pg.roles_undeclared", key: ctx.cluster!.name, args: { declared: roles.map((r) => r.name).sort(), target } };
  return [...roles.map((r): TaskDraft => {
    // the server must hold the very verifier pgbouncer's userlist has: pgbouncer logs in with it
    const plain = "password" in r && typeof r.password === "string" && r.password !== "" ? r.password : undefined;
    // A role without a password (a default role) holds nothing of its cluster's: one task for every
    // cluster with the same target, which a plan or render describes once (decision 14). A role
    // with a password is the cluster's: its verifier is.
    if (plain === undefined) return internTaskIn(targetId, `role\0${JSON.stringify(r)}`, () => ({ op: "pg.role", key: r.name, args: { ...r, target }, sensitive: ["password"] }));
    const password = isPasswordHash(plain) ? plain : deferredSecret(["scram", plain, r.name, cluster], () => pgbouncerSecret(plain, r.name, cluster));
    return { op: "pg.role", key: r.name, args: { ...r, password, target }, sensitive: ["password"] };
  }), undeclared];
}

function databaseTasks(ctx: HostContext): TaskDraft[] {
  const o = objectsOf(ctx).value;
  const target = pgTarget(ctx);
  const database = (d: (typeof o.databases)[number]): TaskDraft => ({ op: "pg.database", key: d.name, args: { ...d, target } });
  const targetId = JSON.stringify(target);
  const privileges = (p: (typeof o.defaultPrivileges)[number], databases: readonly string[], key: string): TaskDraft => {
    // The default privileges of the built-in databases (the dbsu's, the admin's) are the same in
    // every cluster: one draft for all of them, which the plan describes once (intern.ts). The id
    // holds every field of the args, the target as the scope; the grants by identity (one frozen
    // list per pg_default_privileges value, which clusters inherit).
    const id = ["privileges", key, databases.join(","), frozenValueId(p.grants)].join("\0");
    return internTaskIn(targetId, id, () => ({ op: "pg.default_privileges", key, args: { role: p.role, databases, grants: p.grants, target } }));
  };
  // Order: the built-in databases and their default privileges (template1's above all), then the
  // other databases and theirs. A new database copies template1's default privileges, so what it
  // holds (schemas made with it) is created under them, as in Pigsty, which sets them in
  // template1 at bootstrap; a database made from template0 (or recreated) gets them after.
  const builtin = new Set(o.databases.filter((d) => "builtin" in d && d.builtin === true).map((d) => d.name));
  const before: TaskDraft[] = [];
  const after: TaskDraft[] = [];
  for (const p of o.defaultPrivileges) {
    const own = p.databases.filter((d) => builtin.has(d));
    const rest = p.databases.filter((d) => !builtin.has(d));
    if (own.length) before.push(privileges(p, own, p.role));
    if (rest.length) after.push(privileges(p, rest, own.length ? `${p.role}@${rest.join(",")}` : p.role));
  }
  return [
    ...o.databases.filter((d) => builtin.has(d.name)).map(database),
    ...before,
    ...o.databases.filter((d) => !builtin.has(d.name)).map(database),
    ...after,
  ];
}

/**
 * What a started Patroni must reach before the next step: the primary runs and holds the leader
 * lock (bootstrap and post-bootstrap done, so roles can be made) — or runs as a replica, when another
 * member took over while it was down; a replica runs (cloned and replaying), so the next one
 * does not clone from a half-started member.
 */
function patroniReady(ctx: HostContext) {
  const leader = ctx.cluster?.primary === ctx.instance;
  return {
    address: `${ctx.ip}:${String(ctx.vars.patroni_port)}`,
    // /primary and /standby-leader need PostgreSQL running too (/leader only the lock, which a
    // restarted Patroni may still hold from before its crash)
    paths: leader ? [ctx.cluster?.upstream ? "/standby-leader" : "/primary", "/replica"] : ["/health"],
    // a replica's clone copies the whole primary: give it time
    timeoutSec: leader ? 300 : 3600,
    what: leader ? "PostgreSQL running and holding the leader lock" : "PostgreSQL running",
  };
}

/** How long apply waits, after its last step, for a replica it started to stream (Patroni's leader makes its slot within loop_wait, ≤ 10 s; the replica retries every 5 s). */
const STREAMING_TIMEOUT_SEC = 60;

/**
 * A replica's start is done when it streams WAL from its upstream: awaited at the end of the
 * apply (op.ts `Settle`), not in its wave. The standby leader of a standby cluster streams from
 * another cluster, whose readiness is not this apply's to wait for.
 */
function patroniStreaming(ctx: HostContext) {
  if (ctx.cluster?.primary === ctx.instance) return {};
  const { dbsu, socketDir, port } = pgTarget(ctx);
  return { streaming: { dbsu, socketDir, port, timeoutSec: STREAMING_TIMEOUT_SEC } };
}

export const PGSQL_STEPS: readonly StepDef[] = [
  {
    name: "pgsql.config",
    description: "Patroni's configuration (PostgreSQL parameters, HA timings, bootstrap)",
    applies: patroniManaged,
    tasks: (ctx) => [
      fileTask(renderPatroniConfig(ctx)),
      // the names Debian's packaged patroni.service (config.yml) and init script (postgres.yml) read
      link("/etc/patroni/config.yml", PATRONI_CONFIG_PATH),
      link("/etc/patroni/postgres.yml", PATRONI_CONFIG_PATH),
    ],
  },
  { name: "pgsql.hba", description: "PostgreSQL's pg_hba.conf for this instance", applies: patroniManaged, tasks: (ctx) => [fileTask(renderPgHba(ctx))] },
  {
    name: "pgsql.dcs",
    description: "Patroni's dynamic configuration in the DCS (HA timings, cluster-wide parameters)",
    applies: patroniManaged,
    // the primary patches; the replicas, a wave later, find it done (bootstrap.dcs only seeds it)
    waves: "primary-first",
    tasks: (ctx) => [{
      op: "patroni.config",
      key: String(ctx.instance!.cluster),
      args: {
        url: `http://${ctx.ip}:${String(ctx.vars.patroni_port)}`,
        username: ctx.vars.patroni_username,
        password: ctx.vars.patroni_password,
        config: sharedAcrossHosts(ctx, "patroni-dcs", patroniDynamicConfig),
        pgVersion: ctx.vars.pg_version,
      },
      sensitive: ["password"],
      service: "patroni",
    }],
  },
  {
    name: "pgsql.launch",
    description: "Patroni running: the primary first, then the replicas",
    applies: patroniManaged,
    waves: "primary-first",
    tasks: (ctx) => [serviceTask("patroni", { ready: patroniReady(ctx), ...patroniStreaming(ctx) })],
  },
  {
    name: "pgsql.user",
    description: "roles: default roles, system users, business users",
    applies: provisions,
    tasks: (ctx) => sharedAcrossHosts(ctx, "pgsql.user", roleTasks),
  },
  {
    name: "pgsql.db",
    description: "databases, their schemas and extensions, default privileges",
    applies: provisions,
    tasks: (ctx) => sharedAcrossHosts(ctx, "pgsql.db", databaseTasks),
  },
  {
    name: "pgbackrest.config",
    description: "pgBackRest configuration",
    applies: (ctx) => isPgHost(ctx) && ctx.vars.pgbackrest_enabled !== false,
    tasks: (ctx) => renderPgbackrest(ctx).map(fileTask),
  },
  {
    name: "pgbackrest.init",
    description: "the stanza and the first full backup, on the primary",
    applies: (ctx) => backsUp(ctx) && ctx.vars.pgbackrest_enabled !== false,
    tasks: (ctx) => [{
      op: "pgbackrest.stanza", key: String(ctx.instance!.cluster),
      args: { stanza: ctx.instance!.cluster, initialBackup: ctx.vars.pgbackrest_init_backup !== false },
    }],
  },
  {
    name: "pgbackrest.cron",
    description: "scheduled backups (pg_crontab)",
    applies: (ctx) => isPgHost(ctx) && backupCron(ctx) !== undefined,
    tasks: (ctx) => [fileTask(backupCron(ctx)!)],
  },
  {
    name: "pgbouncer.config",
    description: "pgbouncer configuration, databases, users",
    applies: (ctx) => isPgHost(ctx) && ctx.vars.pgbouncer_enabled !== false,
    tasks: (ctx) => renderPgbouncer(ctx, { deferSecrets: true }).map(fileTask),
  },
  {
    name: "pgbouncer.hba",
    description: "pgbouncer's HBA rules",
    applies: (ctx) => isPgHost(ctx) && ctx.vars.pgbouncer_enabled !== false,
    tasks: (ctx) => [fileTask(renderPgbHba(ctx))],
  },
  {
    name: "pgbouncer.launch",
    description: "pgbouncer running",
    applies: (ctx) => isPgHost(ctx) && ctx.vars.pgbouncer_enabled !== false,
    tasks: () => [serviceTask("pgbouncer")],
  },
  {
    name: "haproxy.config",
    description: "HAProxy and one listener per service",
    applies: servesHaproxy,
    tasks: (ctx) => [dir(HAPROXY_SERVICE_DIR, "root", "0755"), fileTask(renderHaproxyDefaults()), ...renderHaproxyServices(ctx).map(fileTask)],
  },
  { name: "haproxy.launch", description: "HAProxy running", applies: servesHaproxy, tasks: () => [serviceTask("haproxy")] },
];
