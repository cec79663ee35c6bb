/**
 * The rendered configs against the real programs of Debian 12:
 * - every PostgreSQL host of every conf/*.yml and conf/ha/*.yml: `patroni --validate-config` of
 *   its patroni.yml (Patroni 3.0.2), run in a private network namespace where the etcd endpoints
 *   are loopback addresses with a listener (the validator connects to them; nothing may reach
 *   the inventories' real 10.10.10.x addresses);
 * - the tuned parameters of those hosts against the installed PostgreSQL of the same major
 *   version (`postgres -C` rejects unknown parameters and invalid values without starting);
 * - etcd 3.4 started with a rendered single-member config: healthy, and the gRPC gateway answers;
 * - Patroni bootstrapping a primary from a rendered patroni.yml (paths moved into a temp root,
 *   shared_buffers made small for a test machine), in private network and PID namespaces.
 * Skips with a reason when a program is missing; never skips when CI is set.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Document, parse, stringify } from "yaml";
import { loadInventory } from "../../src/inventory/load.js";
import { buildModel } from "../../src/model/model.js";
import { hostContext } from "../../src/modules/context.js";
import { renderEtcdConfig, ETCD_CONFIG_PATH } from "../../src/modules/etcd/config.js";
import { renderPatroniConfig } from "../../src/modules/pgsql/patroni.js";
import { freePort } from "./pg-server.js";

const ROOT = new URL("../../", import.meta.url).pathname;
const has = (cmd: string) => spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;
const isRoot = process.getuid?.() === 0;

function skipReason(needs: string[], root: boolean): string | undefined {
  const missing = needs.filter((c) => !has(c));
  const reason = missing.length ? `missing ${missing.join(", ")} (run test/setup.sh as root)` : root && !isRoot ? "needs root (network namespace, postgres user)" : undefined;
  return reason && !process.env["CI"] ? reason : undefined;
}

/** Every conf/*.yml and conf/ha/*.yml with its PostgreSQL hosts' rendered patroni.yml. */
function inventories(): { file: string; hosts: { host: string; text: string; version: number }[] }[] {
  const files = ["conf", "conf/ha"].flatMap((d) => readdirSync(join(ROOT, d)).filter((f) => f.endsWith(".yml")).map((f) => `${d}/${f}`));
  return files.sort().map((file) => {
    const loaded = loadInventory([{ file, text: readFileSync(join(ROOT, file), "utf8") }]);
    const { model } = buildModel(loaded.inventory);
    const hosts = [...model.instances.keys()].map((host) => {
      const ctx = hostContext(model, host);
      return { host, text: renderPatroniConfig(ctx).content, version: ctx.vars.pg_version };
    });
    return { file, hosts };
  });
}

/**
 * Runs inside `unshare -n`: binds a listener on every etcd endpoint, validates every file in
 * parallel, prints {file: [exit code, output]} as JSON.
 */
const HARNESS = `
import json, socket, subprocess, sys
files, endpoints = json.loads(sys.argv[1]), json.loads(sys.argv[2])
socks = []
for hp in endpoints:
    h, p = hp.rsplit(":", 1)
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind((h, int(p))); s.listen(64); socks.append(s)
procs = {f: subprocess.Popen(["patroni", "--validate-config", f], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for f in files}
print(json.dumps({f: [p.wait(timeout=120), p.stdout.read()] for f, p in procs.items()}))
`;

/** Validator complaints that only mean "this inventory's node is 127.0.0.1" (conf/pgsql.yml). */
const LOOPBACK_ONLY = /^(restapi|postgresql)\.connect_address 127\.0\.0\.1:\d+ didn't pass validation: 'must not contain/;

describe.skipIf(skipReason(["patroni", "unshare", "ip", "python3"], true))(`patroni --validate-config ${skipReason(["patroni", "unshare", "ip", "python3"], true) ?? ""}`, () => {
  let dir = "";
  beforeAll(() => void (dir = mkdtempSync(join(tmpdir(), "pgsty-patroni-"))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** A copy of `text` runnable here: a bin_dir or data_dir this machine lacks or holds is replaced by a temp one. */
  function localCopy(text: string, name: string): string {
    const doc = parse(text, { version: "1.1" }) as { postgresql: { bin_dir: string; data_dir: string } };
    let out = text;
    const { bin_dir: bin, data_dir: data } = doc.postgresql;
    if (!existsSync(join(bin, "postgres"))) {
      const stub = join(dir, "stub-bin");
      mkdirSync(stub, { recursive: true });
      for (const p of ["pg_ctl", "initdb", "pg_controldata", "pg_basebackup", "postgres", "pg_isready"]) writeFileSync(join(stub, p), "#!/bin/sh\n", { mode: 0o755 });
      out = out.replace(`bin_dir: ${bin}\n`, `bin_dir: ${stub}\n`);
    }
    if (existsSync(data)) out = out.replace(`data_dir: ${data}\n`, `data_dir: ${join(dir, "no-such-data")}\n`);
    const path = join(dir, name);
    writeFileSync(path, out, { mode: 0o600 });
    return path;
  }

  it.each(inventories())("$file", ({ file, hosts }) => {
    expect(hosts.length).toBeGreaterThan(0);
    const paths = hosts.map((h) => localCopy(h.text, `${file.replaceAll("/", "_")}-${h.host}.yml`));
    const endpoints = [...new Set(hosts.flatMap((h) => (parse(h.text, { version: "1.1" }) as { etcd3: { hosts: string[] } }).etcd3.hosts))];
    const addrs = [...new Set(endpoints.map((e) => e.split(":")[0]!))].filter((a) => !a.startsWith("127."));
    const py = existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
    const setup = ["ip link set lo up", ...addrs.map((a) => `ip addr add ${a}/32 dev lo`), `exec ${py} -c "$0" "$1" "$2"`].join(" && ");
    const out = execFileSync("unshare", ["-n", "--", "sh", "-c", setup, HARNESS, JSON.stringify(paths), JSON.stringify(endpoints)], { encoding: "utf8", timeout: 150_000 });
    const results = JSON.parse(out) as Record<string, [number, string]>;
    hosts.forEach((h, i) => {
      const [code, text] = results[paths[i]!]!;
      const errors = text.split("\n").filter((l) => l.trim() !== "");
      if (h.host.startsWith("127.")) {
        // a single-node inventory on this machine: Patroni's validator refuses loopback connect
        // addresses (other members could not reach them); nothing else may be wrong
        expect(errors.filter((l) => !LOOPBACK_ONLY.test(l)), `${file} ${h.host}`).toEqual([]);
      } else {
        expect([code, errors], `${file} ${h.host}`).toEqual([0, []]);
      }
    });
  }, 180_000);
});

/** Tuned parameters of every rendered config whose PostgreSQL version is installed here. */
const PG_SKIP = skipReason(["runuser"], true) ?? (existsSync("/usr/lib/postgresql") ? undefined : process.env["CI"] ? undefined : "no PostgreSQL installed");

describe.skipIf(PG_SKIP)(`tuned parameters accepted by the installed PostgreSQL ${PG_SKIP ?? ""}`, () => {
  const dataDirs = new Map<number, string>();
  let dir = "";
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "pgsty-pgparams-"));
    execFileSync("chown", ["postgres", dir]);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function dataDir(version: number): string {
    const known = dataDirs.get(version);
    if (known) return known;
    const d = join(dir, String(version));
    execFileSync("runuser", ["-u", "postgres", "--", `/usr/lib/postgresql/${version}/bin/initdb`, "-D", d, "-A", "peer", "--no-sync"], { stdio: "ignore" });
    dataDirs.set(version, d);
    return d;
  }

  const cases = inventories().flatMap(({ file, hosts }) => hosts.map((h) => ({ name: `${file} ${h.host}`, text: h.text, version: h.version })));
  it.each(cases)("$name", ({ text, version }) => {
    const c = parse(text, { version: "1.1" }) as { bootstrap: { dcs: { postgresql: { parameters: Record<string, unknown> } } }; postgresql: { parameters: Record<string, unknown> } };
    const bin = `/usr/lib/postgresql/${version}/bin/postgres`;
    if (!existsSync(bin)) return; // a version not installed here: nothing to check it against
    const params = { ...c.bootstrap.dcs.postgresql.parameters, ...c.postgresql.parameters };
    const args = Object.entries(params).flatMap(([k, v]) => ["-c", `${k}=${String(v)}`]);
    const r = spawnSync("runuser", ["-u", "postgres", "--", bin, "-D", dataDir(version), ...args, "-C", "max_connections"], { encoding: "utf8" });
    expect([r.status, r.stderr.trim()]).toEqual([0, ""]);
    expect(r.stdout.trim()).toBe(String(params.max_connections));
  }, 60_000);
});

const ETCD_SKIP = skipReason(["etcd", "etcdctl", "curl"], false);

describe.skipIf(ETCD_SKIP)(`etcd --config-file ${ETCD_SKIP ?? ""}`, () => {
  let dir = "";
  let etcd: ChildProcess | undefined;
  let log = "";
  beforeAll(() => void (dir = mkdtempSync(join(tmpdir(), "pgsty-etcd-"))));
  afterAll(async () => {
    if (etcd && etcd.exitCode === null) {
      const exited = new Promise((r) => etcd!.once("exit", r));
      etcd.kill("SIGTERM");
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it("starts a single member that is healthy and serves the gRPC gateway", async () => {
    const [client, peer] = [await freePort(), await freePort()];
    const inv = stringify({
      all: { children: { etcd: { hosts: { "127.0.0.1": { etcd_seq: 1 } }, vars: { etcd_cluster: "pgsty-it", etcd_port: client, etcd_peer_port: peer, etcd_data: join(dir, "data") } } } },
    });
    const loaded = loadInventory([{ file: "etcd.yml", text: inv }]);
    const file = renderEtcdConfig(hostContext(buildModel(loaded.inventory).model, "127.0.0.1")).find((f) => f.path === ETCD_CONFIG_PATH)!;
    const path = join(dir, "etcd.conf.yml");
    writeFileSync(path, file.content);
    // the variables Debian's unit sets: ignored when a config file is given
    const env = { ...process.env, ETCD_NAME: "wrong-name", ETCD_DATA_DIR: join(dir, "wrong-dir") };
    etcd = spawn("etcd", ["--config-file", path], { env, stdio: ["ignore", "pipe", "pipe"] });
    etcd.stdout!.on("data", (b: Buffer) => (log += b.toString()));
    etcd.stderr!.on("data", (b: Buffer) => (log += b.toString()));
    const endpoint = `http://127.0.0.1:${client}`;
    let healthy = false;
    for (let i = 0; i < 100 && !healthy && etcd.exitCode === null; i++) {
      healthy = spawnSync("etcdctl", ["--endpoints", endpoint, "--command-timeout=1s", "endpoint", "health"], { env: { ...process.env, ETCDCTL_API: "3" } }).status === 0;
      if (!healthy) await new Promise((r) => setTimeout(r, 100));
    }
    expect(healthy, log).toBe(true);
    const range = spawnSync("curl", ["-s", "-X", "POST", `${endpoint}/v3/kv/range`, "-d", '{"key":"Zm9v"}'], { encoding: "utf8" });
    expect(range.status).toBe(0);
    expect(JSON.parse(range.stdout)).toMatchObject({ header: { member_id: expect.any(String) } });
    const members = spawnSync("etcdctl", ["--endpoints", endpoint, "member", "list"], { encoding: "utf8", env: { ...process.env, ETCDCTL_API: "3" } });
    expect(members.stdout).toContain("pgsty-it-1");
    expect(existsSync(join(dir, "data", "member"))).toBe(true);
    expect(existsSync(join(dir, "wrong-dir"))).toBe(false);
  }, 30_000);
});

const BOOT_SKIP = skipReason(["patroni", "etcd", "unshare", "ip", "curl", "runuser", "psql"], true) ?? (existsSync("/usr/lib/postgresql/15/bin/postgres") || process.env["CI"] ? undefined : "no PostgreSQL 15");

/** Inside `unshare -n -p -m`: etcd, then Patroni as postgres; waits for the leader, queries it, stops both. */
const BOOT_SCRIPT = `set -u
T=$1 IP=$2
ip link set lo up && ip addr add $IP/32 dev lo
# PostgreSQL's shared memory segments in a /dev/shm of this namespace's own: one it leaves behind
# (killed with the namespace before its shutdown ends) goes with it, not into this machine's memory
mount -t tmpfs -o mode=1777,size=256m boot-shm /dev/shm
etcd --config-file $T/etcd.yml > $T/etcd.log 2>&1 & EP=$!
runuser -u postgres -- env HOME=$T /usr/bin/patroni $T/patroni.yml > $T/patroni.out 2>&1 & PP=$!
code=000
for i in $(seq 1 120); do code=$(curl -s -o /dev/null -w '%{http_code}' http://$IP:18008/primary); [ "$code" = 200 ] && break; sleep 0.5; done
echo "primary=$code"
runuser -u postgres -- psql -h $T/run -p 15432 -d postgres -Atc "select current_setting('max_connections'), current_setting('wal_level'), current_setting('work_mem'), (select count(*) from pg_roles where rolname = 'replicator')"
kill $PP; wait $PP; kill $EP; wait $EP`;

describe.skipIf(BOOT_SKIP)(`Patroni bootstraps a primary ${BOOT_SKIP ?? ""}`, () => {
  let dir = "";
  beforeAll(() => void (dir = mkdtempSync(join(tmpdir(), "pgsty-boot-"))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("from a rendered config, with initdb, roles and tuned parameters", () => {
    const ip = "10.210.99.1"; // exists only inside the test's network namespace
    const inv = stringify({
      all: {
        vars: { admin_ip: ip, pg_version: 15, pg_locale: "C.UTF-8", pg_lc_collate: "C", pg_lc_ctype: "C", patroni_port: 18008, pg_port: 15432 },
        children: {
          etcd: { hosts: { [ip]: { etcd_seq: 1 } }, vars: { etcd_cluster: "etcd", etcd_port: 23790, etcd_peer_port: 23800, etcd_data: join(dir, "etcd") } },
          "pg-it": { hosts: { [ip]: { pg_seq: 1, pg_role: "primary" } }, vars: { pg_cluster: "pg-it" } },
        },
      },
    });
    const { model } = buildModel(loadInventory([{ file: "boot.yml", text: inv }]).inventory);
    const ctx = hostContext(model, ip);
    writeFileSync(join(dir, "etcd.yml"), renderEtcdConfig(ctx).find((f) => f.path === ETCD_CONFIG_PATH)!.content);
    type Conf = { log: { dir: string }; bootstrap: { dcs: { postgresql: { parameters: Record<string, unknown> } } }; postgresql: Record<string, unknown> & { parameters: Record<string, unknown> } };
    const c = parse(renderPatroniConfig(ctx).content, { version: "1.1" }) as Conf;
    // the temp root: this machine has no /pg; a test machine may not have 2 GB for shared_buffers
    Object.assign(c.postgresql, { data_dir: join(dir, "data"), config_dir: join(dir, "data"), pgpass: join(dir, "pgpass") });
    c.log.dir = join(dir, "log");
    for (const ps of [c.bootstrap.dcs.postgresql.parameters, c.postgresql.parameters]) Object.assign(ps, { log_directory: join(dir, "pglog"), shared_buffers: "128MB" });
    c.postgresql.parameters.unix_socket_directories = join(dir, "run");
    writeFileSync(join(dir, "patroni.yml"), new Document(c, { version: "1.1" }).toString(), { mode: 0o600 });
    for (const d of ["log", "run", "pglog"]) mkdirSync(join(dir, d));
    execFileSync("chmod", ["755", dir]);
    execFileSync("chown", ["postgres:postgres", dir, join(dir, "log"), join(dir, "run"), join(dir, "pglog"), join(dir, "patroni.yml")]);
    const r = spawnSync("unshare", ["-n", "-p", "-f", "-m", "--mount-proc", "--kill-child", "bash", "-c", BOOT_SCRIPT, "boot", dir, ip], { encoding: "utf8", timeout: 110_000 });
    const logs = () => ["patroni.out", "log/patroni.log", "etcd.log"].map((f) => (existsSync(join(dir, f)) ? `--- ${f}\n${readFileSync(join(dir, f), "utf8").slice(-3000)}` : "")).join("\n");
    expect(r.stdout, `${r.stderr}\n${logs()}`).toContain("primary=200");
    expect(r.stdout).toContain("500|logical|64MB|1");
  }, 120_000);
});
