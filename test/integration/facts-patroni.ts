/**
 * For the facts integration test: a one-member Patroni cluster (etcd on loopback, PostgreSQL 15)
 * started by hand on a tini test host, daemons under the pidfiles the `service` fact knows.
 */
import { performance } from "node:perf_hooks";

type Side = (cmd: string) => Promise<{ code: number; stdout: string; stderr: string }>;

export const PATRONI_UP_TIMEOUT_MS = 90_000;

const etcd = `install -d -o etcd -g etcd -m 750 /var/log/etcd /var/lib/etcd
start-stop-daemon --start --quiet --background --make-pidfile --pidfile /run/etcd.pid \\
  --chuid etcd:etcd --chdir /var/lib/etcd --output /var/log/etcd/etcd.log --startas /usr/bin/etcd -- \\
  --name f1 --data-dir /var/lib/etcd/facts --listen-client-urls http://127.0.0.1:2379 \\
  --advertise-client-urls http://127.0.0.1:2379 --listen-peer-urls http://127.0.0.1:2380 \\
  --initial-advertise-peer-urls http://127.0.0.1:2380 --initial-cluster f1=http://127.0.0.1:2380`;

const patroni = (ip: string) => `install -d -m 755 /etc/patroni
cat > /etc/patroni/facts.yml <<YML
scope: facts
name: f1
restapi: {listen: "${ip}:8008", connect_address: "${ip}:8008"}
etcd3: {hosts: "127.0.0.1:2379"}
bootstrap:
  dcs: {ttl: 30, loop_wait: 2, retry_timeout: 10}
  initdb: [{encoding: UTF8}, {locale: C.UTF-8}]
  pg_hba: ["local all all trust", "host all all 127.0.0.1/32 trust", "host all all ${ip}/32 trust"]
postgresql:
  use_unix_socket: true
  listen: "${ip}:5432"
  connect_address: "${ip}:5432"
  data_dir: /var/lib/postgresql/facts-data
  bin_dir: /usr/lib/postgresql/15/bin
  pgpass: /tmp/pgpass-facts
  authentication:
    superuser: {username: postgres, password: facts-test-only}
    replication: {username: replicator, password: facts-test-only}
  parameters: {unix_socket_directories: /var/run/postgresql, shared_buffers: 16MB}
watchdog: {mode: "off"}
YML
chown root:postgres /etc/patroni/facts.yml; chmod 640 /etc/patroni/facts.yml
start-stop-daemon --start --quiet --background --make-pidfile --pidfile /run/patroni.pid \\
  --chuid postgres:postgres --chdir /var/lib/postgresql --output /tmp/patroni.log \\
  --startas /usr/bin/env -- HOME=/var/lib/postgresql LANG=C.UTF-8 /usr/bin/patroni /etc/patroni/facts.yml`;

async function waitFor(side: Side, cmd: string, what: string, log: string): Promise<void> {
  const end = performance.now() + PATRONI_UP_TIMEOUT_MS;
  while ((await side(cmd)).code !== 0) {
    if (performance.now() > end) throw new Error(`${what} did not come up:\n${(await side(`tail -60 ${log}`)).stdout}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Starts etcd and Patroni on the host behind `side` (restapi on `ip`:8008); resolves when it leads. */
export async function patroniUp(side: Side, ip: string): Promise<void> {
  const e = await side(etcd);
  if (e.code !== 0) throw new Error(`etcd: ${e.stderr}`);
  await waitFor(side, "ETCDCTL_API=3 etcdctl --endpoints=127.0.0.1:2379 endpoint health", "etcd", "/var/log/etcd/etcd.log");
  const p = await side(patroni(ip));
  if (p.code !== 0) throw new Error(`patroni: ${p.stderr}`);
  await waitFor(side, `[ "$(curl -s -o /dev/null -w '%{http_code}' http://${ip}:8008/primary)" = 200 ]`, "patroni", "/tmp/patroni.log");
}
