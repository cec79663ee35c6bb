/**
 * What the end-to-end cluster scenarios share: the pgsty CLI run in process, a pg-test inventory
 * for test hosts, SQL through a host's services (the machine's psql, passwords in the
 * environment only), and readings of daemons that must not restart. Test code; no assertions.
 */
import { spawn, spawnSync } from "node:child_process";
import type { Plan } from "../../src/plan/types.js";
import type { CliResult } from "../run-cli.js";
import type { Testbed } from "./testbed/testbed.js";

export { runCli as cli, type CliResult } from "../run-cli.js";


export const changesOf = (p: Plan) => p.steps.flatMap((s) => s.changes);

/** Passwords of the test inventory: known to the test, never printed by pgsty. */
export const PASSWORDS = {
  admin: "Admin.It.Secret.1",
  monitor: "Monitor.It.Secret.1",
  replication: "Repl.It.Secret.1",
  patroni: "Patroni.It.Secret.1",
  haproxy: "Haproxy.It.Secret.1",
  etcd: "Etcd.It.Secret.1",
  test: "Test.It.Secret.1",
  rw: "TestRW.It.Secret.1",
  ro: "TestRO.It.Secret.1",
  etl: "TestETL.It.Secret.1",
} as const;

/**
 * pg-test on the first `members` hosts of the test bed (the first one primary, the last one
 * also serving offline queries), a 3-member etcd on the first three. HBA: Pigsty's defaults
 * only, so an offline-only user is refused on the other instances.
 */
export function pgTestInventory(tb: Testbed, o: { members?: number; extraClusterVars?: string; extraGlobalVars?: string } = {}): string {
  const hosts = tb.hosts.slice(0, o.members ?? 3);
  const net = hosts[0]!.ip.replace(/\.\d+$/, "");
  const etcd = tb.hosts.slice(0, 3).map((h, i) => `        ${h.ip}: { etcd_seq: ${i + 1} }`).join("\n");
  const members = hosts.map((h, i) => {
    const role = i === 0 ? "primary" : "replica";
    const offline = i === hosts.length - 1 && i > 0 ? ", pg_offline_query: true" : "";
    return `        ${h.ip}: { pg_seq: ${i + 1}, pg_role: ${role}${offline} }`;
  }).join("\n");
  return `all:
  children:
    etcd:
      hosts:
${etcd}
      vars:
        etcd_cluster: etcd
    pg-test:
      hosts:
${members}
      vars:
        pg_cluster: pg-test
        pg_users:
          - { name: test, password: ${PASSWORDS.test}, pgbouncer: true, roles: [dbrole_admin], comment: owner of the test database }
          - { name: dbuser_test_rw, password: ${PASSWORDS.rw}, pgbouncer: true, roles: [dbrole_readwrite] }
          - { name: dbuser_test_ro, password: ${PASSWORDS.ro}, pgbouncer: true, roles: [dbrole_readonly] }
          - { name: dbuser_test_etl, password: ${PASSWORDS.etl}, roles: [dbrole_offline] }
        pg_databases:
          - { name: test, owner: test, schemas: [app], extensions: [pg_trgm, { name: btree_gin, schema: app }] }
${o.extraClusterVars ?? ""}
  vars:
    admin_ip: ${net}.1
    ansible_user: root
    ansible_ssh_private_key_file: ${tb.sshKeyFile}
    pg_version: 15
    pg_locale: C.UTF-8
    pg_lc_collate: C
    pg_lc_ctype: C
    pgbackrest_method: local
    pg_admin_password: ${PASSWORDS.admin}
    pg_monitor_password: ${PASSWORDS.monitor}
    pg_replication_password: ${PASSWORDS.replication}
    patroni_password: ${PASSWORDS.patroni}
    etcd_root_password: ${PASSWORDS.etcd}
    haproxy_admin_password: ${PASSWORDS.haproxy}
${o.extraGlobalVars ?? ""}`;
}

/**
 * One host that is a one-member etcd cluster and the primary of pg-test, over ssh as root;
 * passwords carry this process's pid. `globalVars` / `children`: more lines for all.vars / all.children.
 */
export function oneHostInventory(tb: Testbed, ip: string, o: { globalVars?: string; children?: string } = {}): string {
  return `all:
  vars:
    ansible_user: root
    ansible_ssh_private_key_file: ${tb.sshKeyFile}
    pg_admin_password: Admin.Test.${process.pid}
    pg_monitor_password: Monitor.Test.${process.pid}
    pg_replication_password: Repl.Test.${process.pid}
    patroni_password: Patroni.Test.${process.pid}
    haproxy_admin_password: Haproxy.Test.${process.pid}
    etcd_root_password: Etcd.Test.${process.pid}
${o.globalVars ?? ""}  children:
    etcd:
      hosts:
        ${ip}: { etcd_seq: 1 }
      vars:
        etcd_cluster: etcd
    pg-test:
      hosts:
        ${ip}: { pg_seq: 1, pg_role: primary }
      vars:
        pg_cluster: pg-test
        pg_version: 15
${o.children ?? ""}`;
}

export interface SqlResult {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/** One statement through host:port as user (password in PGPASSWORD), tuples only. */
export function psqlAt(ip: string, port: number, user: string, password: string, database: string, sql: string, timeoutMs = 10_000): Promise<SqlResult> {
  return new Promise((resolve) => {
    const env = { ...process.env, PGPASSWORD: password, PGCONNECT_TIMEOUT: "3", PGAPPNAME: "pgsty-it", PGSSLMODE: "disable" };
    const p = spawn("psql", ["-X", "-At", "-v", "ON_ERROR_STOP=1", "-h", ip, "-p", String(port), "-U", user, "-d", database, "-c", sql], { env });
    let out = "", err = "";
    p.stdout.on("data", (d: Buffer) => (out += d.toString()));
    p.stderr.on("data", (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => p.kill("SIGKILL"), timeoutMs);
    p.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, out: out.trim(), err: err.trim() });
    });
  });
}

/** Runs `cmd` on the host as root through the test bed's side channel; throws on failure. */
export async function side(tb: Testbed, host: string, cmd: string): Promise<string> {
  const r = await tb.exec(host, cmd);
  if (r.code !== 0) throw new Error(`${host}: \`${cmd}\` exited ${r.code}: ${r.stderr}`);
  return r.stdout.trim();
}

/** What must not change across a no-op apply: postmaster start, Patroni and pgbouncer PIDs. */
export async function daemonsOf(tb: Testbed, host: string): Promise<string> {
  return side(tb, host, [
    "cat /run/patroni.pid",
    "cat /var/run/postgresql/pgbouncer.pid",
    "runuser -u postgres -- /usr/lib/postgresql/15/bin/psql -XAt -h /var/run/postgresql -c 'select pg_postmaster_start_time()'",
  ].join(" && "));
}

/** `patronictl list` of the cluster as JSON rows (Member, Host, Role, State, TL, Lag in MB). */
export async function patroniMembers(tb: Testbed, host: string): Promise<{ Member: string; Host: string; Role: string; State: string }[]> {
  return JSON.parse(await side(tb, host, "patronictl -c /etc/patroni/patroni.yml list -f json")) as { Member: string; Host: string; Role: string; State: string }[];
}

const ROOT = new URL("../../", import.meta.url).pathname;

/**
 * Builds dist/ (what bin/pgsty and the bin/ wrappers run) when a source is newer — checked and
 * built under a lock, so test files running side by side never rewrite it under each other.
 */
export function buildDist(): void {
  const stale = 'if [ ! -e dist/main.mjs ] || [ -n "$(find src -newer dist/main.mjs -print -quit)" ]; then npm run -s build; fi';
  const r = spawnSync("flock", ["/tmp/pgsty-build.lock", "bash", "-c", stale], { cwd: ROOT, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`npm run build failed: ${r.stderr}`);
}

/** Runs a bin/ wrapper (or bin/pgsty) of this repository. */
export function runBin(name: string, args: readonly string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const p = spawn(`${ROOT}bin/${name}`, args, { env: { ...process.env, ...env } });
    let stdout = "", stderr = "";
    p.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    p.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    p.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}
