#!/usr/bin/env node
/**
 * Failover times (issue #5) on real test hosts, whole process through bin/pgsty: brings up three
 * tini test hosts (as root; packages installed by prepare.sh), applies a 3-node pg-test with its
 * 3-member etcd, then for each `pg_rto` asked for, N times: a writer inserts through HAProxy's
 * primary service (5433) in a loop; the leader's Patroni and PostgreSQL are killed with -9; the
 * time until a write started after the kill is acknowledged is the failover time. It reports how
 * many acknowledged rows are on the new primary: replication is asynchronous (pg_rpo), so the
 * writes the old primary acknowledged in its last moment may be missing. The old primary is
 * brought back by `pgsty apply -l <it>` and must be a replica before the next round.
 * The test hosts are always torn down. Prints; asserts nothing.
 *   sudo node bench/failover.mjs [--runs 5] [--rto norm,fast]     (after `npm ci`: needs dist/)
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { parseArgs } from "node:util";
import { benchTestbed, PGSTY as pgsty } from "./testbed.mjs";

const { values } = parseArgs({ options: { runs: { type: "string", default: "5" }, rto: { type: "string", default: "norm,fast" } } });
const runs = Number(values.runs);
const tb = benchTestbed("fo", "10.211.251");
const { env, ips } = tb;
const PSQL = "/usr/lib/postgresql/15/bin/psql";
const PASSWORD = "Bench.Test.1";
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** Row ids, unique across rounds (one table for all of them). */
let nextId = 0;

function apply(...args) {
  const r = spawnSync(pgsty, ["apply", "-i", tb.inv, "--yes", ...args], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`pgsty apply ${args.join(" ")} failed:\n${r.stdout.slice(-3000)}${r.stderr.slice(-2000)}`);
}

/** HTTP status of Patroni's REST endpoint `path` on `ip` (0: no answer). */
async function patroni(ip, path) {
  try {
    return (await fetch(`http://${ip}:8008${path}`, { signal: AbortSignal.timeout(1000) })).status;
  } catch {
    return 0;
  }
}

async function leader() {
  for (let i = 0; i < 120; i++) {
    for (const ip of ips) if ((await patroni(ip, "/primary")) === 200) return ip;
    await sleep(500);
  }
  throw new Error("no leader");
}

/** One statement through psql; the password goes through the environment, never argv. */
function sql(host, port, statement) {
  return new Promise((resolve) => {
    const p = spawn(PSQL, [`host=${host} port=${port} user=test dbname=test connect_timeout=3`, "-XAtqc", statement], {
      env: { ...process.env, PGPASSWORD: PASSWORD }, stdio: ["ignore", "pipe", "ignore"],
    });
    let out = "";
    p.stdout.on("data", (d) => (out += d));
    const timer = setTimeout(() => p.kill("SIGKILL"), 5000);
    p.on("close", (code) => { clearTimeout(timer); resolve({ code, out: out.trim() }); });
  });
}

async function failover() {
  const old = await leader();
  let stop = false, killedAt = 0, resumedAt = 0;
  const acked = [];
  const writer = (async () => {
    while (!stop) {
      const id = ++nextId;
      const started = performance.now();
      if ((await sql(ips[0], 5433, `insert into w values (${id})`)).code === 0) {
        acked.push(id);
        if (killedAt && started > killedAt && !resumedAt) resumedAt = performance.now();
      } else await sleep(200);
    }
  })();
  for (let i = 0; i < 120 && acked.length < 5; i++) await sleep(250);
  if (acked.length === 0) throw new Error("no write succeeded before the kill");
  const t0 = performance.now();
  execFileSync("ssh", ["-i", `${env.BASE}/id_ed25519`, "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", `root@${old}`,
    "kill -9 $(cat /run/patroni.pid) $(head -n 1 /pg/data/postmaster.pid)"]);
  killedAt = performance.now();
  const deadline = Date.now() + 120_000;
  while (!resumedAt && Date.now() < deadline) await sleep(100);
  await sleep(500);
  stop = true;
  await writer;
  if (!resumedAt) throw new Error("writes never resumed");
  const seconds = (resumedAt - t0) / 1000;
  const now = await leader();
  const present = await sql(now, 5432, `select count(*) from w where id = any('{${acked.join(",")}}'::int[])`);
  // the old primary rejoins through pgsty and must be a replica again before the next round
  apply("-l", old);
  for (let i = 0; i < 120 && (await patroni(old, "/replica")) !== 200; i++) await sleep(500);
  return { seconds, old, now, acked: acked.length, present: Number(present.out) };
}

try {
  tb.up();
  for (const rto of values.rto.split(",")) {
    tb.writeInventory([
      `pg_rto: ${rto}`,
      `pg_users: [ { name: test, password: ${PASSWORD}, pgbouncer: true, roles: [dbrole_admin] } ]`,
      "pg_databases: [ { name: test, owner: test } ]",
    ]);
    apply();
    if ((await sql(await leader(), 5432, "create table if not exists w (id int primary key)")).code !== 0) throw new Error("cannot create the table");
    const times = [];
    for (let i = 0; i < runs; i++) {
      const r = await failover();
      times.push(r.seconds);
      console.log(`pg_rto ${rto} #${i + 1}: writes resumed ${r.seconds.toFixed(1)} s after kill -9 of ${r.old}; new primary ${r.now}; ${r.present}/${r.acked} acknowledged rows present`);
    }
    times.sort((a, b) => a - b);
    console.log(`pg_rto ${rto}: median ${times[Math.floor(times.length / 2)].toFixed(1)} s (min ${times[0].toFixed(1)}, max ${times.at(-1).toFixed(1)}, ${runs} runs)`);
  }
} finally {
  tb.down();
}
