/**
 * The three tini test hosts of the real-cluster benches (test/integration/testbed, as root) and
 * the 3-node pg-test (with its 3-member etcd) they apply. Shared by cluster.mjs and failover.mjs;
 * each bench takes its own network, so they never meet.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const ROOT = new URL("..", import.meta.url).pathname;
export const PGSTY = join(ROOT, "bin/pgsty");
const TB = join(ROOT, "test/integration/testbed");

/**
 * `name`: the bench (names its bridge, host prefix and state directory); `net`: its /24 (`10.211.250`).
 * `up()` installs what is missing and starts the hosts; `down()` removes them and the inventory's
 * directory (also on Ctrl-C); `writeInventory(vars)` writes pg-test with `vars` as lines of its
 * cluster vars and returns the file.
 */
export function benchTestbed(name, net) {
  const env = { BASE: `/tmp/pgsty-testbed/${name}`, NET: net, BRIDGE: `pgb${name.slice(0, 7)}`, PREFIX: `${name}-`, N: "3", HOST_INIT: "tini" };
  const ips = [`${net}.11`, `${net}.12`, `${net}.13`];
  const dir = mkdtempSync(join(tmpdir(), `pgsty-bench-${name}-`));
  const inv = join(dir, "pigsty.yml");
  const down = () => {
    spawnSync(join(TB, "down.sh"), { env: { ...process.env, ...env }, stdio: "ignore" });
    rmSync(dir, { recursive: true, force: true });
  };
  process.on("SIGINT", () => { down(); process.exit(130); });
  return {
    env, ips, inv, down,
    up() {
      execFileSync("bash", [join(TB, "prepare.sh")], { stdio: "inherit" });
      console.log(execFileSync(join(TB, "up.sh"), { env: { ...process.env, ...env }, encoding: "utf8" }).split("\n")[0]);
    },
    writeInventory(clusterVars) {
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
${clusterVars.map((l) => `        ${l}`).join("\n")}
  vars:
    admin_ip: ${net}.1
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
      return inv;
    },
  };
}
