#!/usr/bin/env node
/**
 * Real-cluster timings (issues #4 and #5), whole process through bin/pgsty: brings up three tini
 * test hosts (test/integration/testbed/up.sh, as root; packages installed by prepare.sh), then
 *   - the cold `pgsty apply --yes` of a 3-node pg-test with its 3-member etcd;
 *   - a no-op `pgsty plan` against the converged cluster, N times: wall time, and the round trips
 *     per host (PGSTY_TIMING's "live plan <host>: N round trips");
 *   - a no-op `pgsty apply --yes`, N times.
 * The test hosts are always torn down. Prints; asserts nothing.
 *   sudo node bench/cluster.mjs [--runs 5]     (after `npm ci`: needs dist/)
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { measure } from "./measure.mjs";

const { values } = parseArgs({ options: { runs: { type: "string", default: "5" } } });
const runs = Number(values.runs);
const ROOT = new URL("..", import.meta.url).pathname;
const TB = join(ROOT, "test/integration/testbed");
const env = { BASE: "/tmp/pgsty-testbed/bench", NET: "10.211.250", BRIDGE: "pgstybrbn", PREFIX: "bench-", N: "3", HOST_INIT: "tini" };
const ips = ["10.211.250.11", "10.211.250.12", "10.211.250.13"];
const dir = mkdtempSync(join(tmpdir(), "pgsty-bench-cluster-"));
const inv = join(dir, "pigsty.yml");
const pgsty = join(ROOT, "bin/pgsty");

const down = () => spawnSync(join(TB, "down.sh"), { env: { ...process.env, ...env }, stdio: "ignore" });
process.on("SIGINT", () => { down(); process.exit(130); });

try {
  execFileSync("bash", [join(TB, "prepare.sh")], { stdio: "inherit" });
  console.log(execFileSync(join(TB, "up.sh"), { env: { ...process.env, ...env }, encoding: "utf8" }).split("\n")[0]);
  writeFileSync(inv, `all:
  children:
    etcd:
      hosts: { ${ips.map((ip, i) => `${ip}: { etcd_seq: ${i + 1} }`).join(", ")} }
      vars: { etcd_cluster: etcd }
    pg-test:
      hosts:
        ${ips[0]}: { pg_seq: 1, pg_role: primary }
        ${ips[1]}: { pg_seq: 2, pg_role: replica }
        ${ips[2]}: { pg_seq: 3, pg_role: replica, pg_offline_query: true }
      vars:
        pg_cluster: pg-test
        pg_users: [ { name: test, password: Bench.Test.1, pgbouncer: true, roles: [dbrole_admin] } ]
        pg_databases: [ { name: test, owner: test, schemas: [app], extensions: [pg_trgm] } ]
  vars:
    admin_ip: 10.211.250.1
    ansible_user: root
    ansible_ssh_private_key_file: ${env.BASE}/id_ed25519
    pg_version: 15
    pg_locale: C.UTF-8
    pg_lc_collate: C
    pg_lc_ctype: C
    pgbackrest_method: local
    pg_admin_password: Bench.Admin.1
    pg_monitor_password: Bench.Monitor.1
    pg_replication_password: Bench.Repl.1
    patroni_password: Bench.Patroni.1
    etcd_root_password: Bench.Etcd.1
    haproxy_admin_password: Bench.Haproxy.1
`);
  const t0 = process.hrtime.bigint();
  const cold = spawnSync(pgsty, ["apply", "-i", inv, "--yes"], { encoding: "utf8" });
  const coldS = Number(process.hrtime.bigint() - t0) / 1e9;
  console.log(`cold apply of pg-test (3 hosts, packages installed)        ${coldS.toFixed(1)} s  exit ${cold.status}`);
  if (cold.status !== 0) throw new Error(`cold apply failed:\n${cold.stdout.slice(-3000)}`);

  measure("node startup (node -e 0)", ["node", "-e", "0"], { runs });
  measure("no-op pgsty plan (converged, 3 hosts)", [pgsty, "plan", "-i", inv], { runs });
  const timed = spawnSync(pgsty, ["plan", "-i", inv], { encoding: "utf8", env: { ...process.env, PGSTY_TIMING: "1" } });
  for (const line of timed.stderr.split("\n").filter((l) => /live plan \d/.test(l))) console.log(`  ${line.replace(/^timing: /, "")}`);
  if (!timed.stdout.includes("No changes.")) console.log(`  NOT EMPTY:\n${timed.stdout.slice(-2000)}`);
  measure("no-op pgsty apply --yes (converged)", [pgsty, "apply", "-i", inv, "--yes"], { runs });
} finally {
  down();
  rmSync(dir, { recursive: true, force: true });
}
