#!/usr/bin/env node
/**
 * Write a large synthetic inventory (Pigsty/Ansible shape) for the benchmarks.
 *
 *   node bench/gen-inventory.mjs [--clusters N] [--out FILE] [--seed S]
 *   node bench/gen-inventory.mjs --clusters 1000 --out /tmp/inv-1000.yml
 *
 * N clusters (default 1000) of 3 hosts each (primary + 2 replicas), every host
 * a unique 10.x.y.z address, each cluster with 2–4 users, 1–2 databases with
 * schemas and extensions, 1–2 HBA rules, sometimes an extra service, and some
 * host vars (pg_offline_query, pg_weight); plus a 3-member etcd group and a
 * dozen realistic globals. Deterministic: the same arguments give the same
 * bytes (seeded PRNG, no clock). Built as plain strings for speed; no deps.
 * Prints the file size and host count to stdout. Without --out, writes
 * /tmp/inv-<N>.yml.
 */
import { Buffer } from "node:buffer";
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";

const { values: args } = parseArgs({
  options: {
    clusters: { type: "string", default: "1000" },
    out: { type: "string" },
    seed: { type: "string", default: "20240601" },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (args.help) {
  process.stdout.write("usage: node bench/gen-inventory.mjs [--clusters N] [--out FILE] [--seed S]\n");
  process.exit(0);
}
const clusters = Number(args.clusters);
// ipOf() has room for 8192 clusters per second octet, second octets 20..254.
if (!Number.isInteger(clusters) || clusters < 1 || clusters > 235 * 8192) {
  process.stderr.write(`--clusters must be an integer in 1..${235 * 8192}\n`);
  process.exit(1);
}
const out = args.out ?? `/tmp/inv-${clusters}.yml`;

/** mulberry32: small, fast, good enough for synthetic data; deterministic per seed. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = prng(Number(args.seed) || 1);
const int = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1)); // inclusive
const pick = (xs) => xs[Math.floor(rand() * xs.length)];
const chance = (p) => rand() < p;
/** k distinct items of xs, in xs order (stable output for a given draw). */
function sample(xs, k) {
  const idx = new Set();
  while (idx.size < Math.min(k, xs.length)) idx.add(Math.floor(rand() * xs.length));
  return [...idx].sort((a, b) => a - b).map((i) => xs[i]);
}

/**
 * Host address of member m (0..2) of cluster c: each cluster owns a slot of 8
 * addresses (32 slots per third octet, 8192 clusters per second octet), using
 * .1-.3 of its slot, so the last octet is never 0 or 255.
 */
function ipOf(c, m) {
  return `10.${20 + (c >> 13)}.${(c >> 5) & 255}.${((c & 31) << 3) + m + 1}`;
}

const APPS = ["orders", "billing", "users", "catalog", "search", "ledger", "events", "auth", "media", "report", "crm", "iot"];
const SCHEMAS = ["app", "api", "audit", "staging", "reporting", "core", "archive"];
// contrib extensions shipped in Debian's postgresql-15 package
const EXTENSIONS = ["pg_trgm", "btree_gin", "btree_gist", "hstore", "pgcrypto", "citext", "uuid-ossp", "postgres_fdw", "tablefunc", "intarray"];
const POOL_MODES = ["transaction", "session"];
const CIDRS = ["10.0.0.0/8", "10.10.0.0/16", "172.16.0.0/12", "192.168.0.0/16"];

const lines = [];
const push = (s) => lines.push(s);

push("# Synthetic benchmark inventory written by bench/gen-inventory.mjs");
push(`# clusters: ${clusters}, seed: ${args.seed}. Do not edit: regenerate.`);
push("all:");
push("  children:");
push("    etcd:");
push("      hosts:");
for (let i = 1; i <= 3; i++) push(`        10.0.0.${10 + i}: { etcd_seq: ${i} }`);
push("      vars: { etcd_cluster: etcd }");

const width = String(clusters - 1).length;
let hosts = 3; // etcd members
for (let c = 0; c < clusters; c++) {
  const cls = `pg-c${String(c).padStart(width, "0")}`;
  const app = pick(APPS);
  push(`    ${cls}:`);
  push("      hosts:");
  push(`        ${ipOf(c, 0)}: { pg_seq: 1, pg_role: primary }`);
  for (let m = 1; m < 3; m++) {
    const extra = [];
    if (m === 2 && chance(0.4)) extra.push("pg_offline_query: true");
    if (chance(0.15)) extra.push(`pg_weight: ${pick([50, 80, 120, 200])}`);
    push(`        ${ipOf(c, m)}: { pg_seq: ${m + 1}, pg_role: replica${extra.map((e) => `, ${e}`).join("")} }`);
  }
  hosts += 3;

  push("      vars:");
  push(`        pg_cluster: ${cls}`);

  // users: owner, then 1–3 of rw / ro / etl
  const users = [`{ name: ${app}_owner, password: Bench.${app}.${c}.Owner, pgbouncer: true, roles: [dbrole_admin], comment: owner of ${app} }`];
  const more = sample(["rw", "ro", "etl"], int(1, 3));
  for (const kind of more) {
    if (kind === "rw") users.push(`{ name: ${app}_rw, password: Bench.${app}.${c}.RW, pgbouncer: true, pool_mode: ${pick(POOL_MODES)}, roles: [dbrole_readwrite] }`);
    if (kind === "ro") users.push(`{ name: ${app}_ro, password: Bench.${app}.${c}.RO, pgbouncer: true, roles: [dbrole_readonly], parameters: { statement_timeout: '${pick([5, 15, 30])}s' } }`);
    if (kind === "etl") users.push(`{ name: ${app}_etl, password: Bench.${app}.${c}.ETL, connlimit: ${int(2, 10)}, roles: [dbrole_offline], comment: nightly etl }`);
  }
  push("        pg_users:");
  for (const u of users) push(`          - ${u}`);

  // databases: 1–2, with schemas and extensions (string and object forms)
  push("        pg_databases:");
  const ndb = int(1, 2);
  for (let d = 0; d < ndb; d++) {
    const db = d === 0 ? app : `${app}_hist`;
    const schemas = sample(SCHEMAS, int(1, 3)).join(", ");
    const exts = sample(EXTENSIONS, int(1, 3)).map((e, i) => (i === 0 && chance(0.5) ? `{ name: ${e}, schema: public }` : e));
    const pool = chance(0.3) ? `, pool_size: ${pick([16, 32, 64, 128])}` : "";
    push(`          - { name: ${db}, owner: ${app}_owner, schemas: [${schemas}], extensions: [${exts.join(", ")}]${pool} }`);
  }

  // HBA: 1–2 rules
  push("        pg_hba_rules:");
  push(`          - { user: all, db: all, addr: ${pick(["intra", CIDRS[int(0, 3)]])}, auth: pwd, order: 800, title: 'intranet access' }`);
  if (chance(0.5)) {
    if (more.includes("etl")) {
      push(`          - { user: ${app}_etl, db: ${app}, addr: '${pick(CIDRS)}', auth: ssl, role: offline, order: 810, title: 'etl on offline instances' }`);
    } else {
      push(`          - { user: ${app}_owner, db: ${app}, addr: world, auth: ssl, role: primary, order: 810, title: 'owner via ssl on the primary' }`);
    }
  }

  // sometimes an extra service
  if (chance(0.25)) {
    push("        pg_services:");
    push("          - { name: standby, port: 5435, dest: default, check: /sync, selector: '[]', backup: '[? pg_role == `primary`]' }");
  }
  if (chance(0.2)) push("        pg_conf: tiny.yml");
}

push("  vars:");
push("    admin_ip: 10.0.0.10");
push("    pg_version: 15");
push("    pg_conf: oltp.yml");
push("    pg_locale: C.UTF-8");
push("    pg_lc_collate: C");
push("    pg_lc_ctype: C");
push("    pg_libs: 'pg_stat_statements, auto_explain'");
push("    pg_default_service_dest: pgbouncer");
push("    pgbouncer_poolmode: transaction");
push("    pgbackrest_method: local");
push("    pg_admin_password: Bench.DBA.Password");
push("    pg_monitor_password: Bench.Monitor.Password");
push("    pg_replication_password: Bench.Replicator.Password");
push("    patroni_password: Bench.Patroni.Password");
push("    pg_crontab: ['00 01 * * * /pg/bin/pg-backup full']");
push("");

const text = lines.join("\n");
writeFileSync(out, text);
const bytes = Buffer.byteLength(text);
process.stdout.write(`${out}: ${clusters} clusters, ${hosts} hosts, ${bytes} bytes (${(bytes / 1048576).toFixed(2)} MiB)\n`);
