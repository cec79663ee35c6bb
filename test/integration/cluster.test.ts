/**
 * Real clusters end to end (issue #5, scenarios 1, 2, 3 and 5) on three tini test hosts over ssh:
 * a cold `pgsty apply` of pg-test (etcd, Patroni, PostgreSQL 15, users, databases, pgBackRest,
 * pgbouncer, HAProxy) from hosts that only have the packages; the services answer as they must;
 * the next plan is empty and a second apply restarts nothing; an HBA change reloads; drift by
 * hand is shown and repaired; a killed primary fails over while writes go on, nothing committed
 * is lost, and the old primary rejoins — with the default `pg_rto` and with the `fast` preset.
 * Times are printed (cold apply, no-op plan and apply, failover) for the issue's note.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Plan } from "../../src/plan/types.js";
import { buildDist, changesOf, cli, daemonsOf, PASSWORDS, patroniMembers, pgTestInventory, psqlAt, runBin, side } from "./cluster-kit.js";
import { startTestbed, TESTBED_START_TIMEOUT_MS, testbedSkipReason, type Testbed } from "./testbed/testbed.js";

const skip = testbedSkipReason();
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

describe.skipIf(!!skip)(`pg-test end to end on 3 test hosts${skip ? ` (skipped: ${skip})` : ""}`, () => {
  let tb: Testbed;
  const dir = mkdtempSync(join(tmpdir(), "pgsty-cluster-it-"));
  const inv = join(dir, "pigsty.yml");
  let ips: string[] = [];
  let extra = "";
  let withNew = false; // scenario 3 adds a user and a database: declared from then on
  const write = () => {
    const text = pgTestInventory(tb, { extraClusterVars: extra });
    writeFileSync(inv, !withNew ? text : text
      .replace("          - { name: dbuser_test_etl,", "          - { name: dbuser_new, password: New.It.Secret.1, pgbouncer: true, roles: [dbrole_readwrite] }\n          - { name: dbuser_test_etl,")
      .replace("        pg_databases:\n", "        pg_databases:\n          - { name: newdb, owner: dbuser_new }\n"));
  };
  const plan = async (...args: string[]): Promise<Plan> => {
    const r = await cli("plan", "-i", inv, "--json", ...args);
    expect(r.stderr).toBe("");
    return JSON.parse(r.stdout) as Plan;
  };
  const apply = async (...args: string[]) => {
    const t0 = performance.now();
    const r = await cli("apply", "-i", inv, "--yes", ...args);
    return { ...r, ms: performance.now() - t0 };
  };
  const leader = async () => (await patroniMembers(tb, ips[0]!)).find((m) => m.Role === "Leader")?.Host;

  beforeAll(async () => {
    buildDist();
    tb = await startTestbed({ hosts: 3, init: "tini" });
    ips = tb.hosts.map((h) => h.ip);
    extra = `        pg_hba_rules:
          - { user: dbuser_test_etl, db: all, addr: intra, auth: deny, role: primary, order: 150, title: 'no ETL on the primary' }`;
    write();
  }, TESTBED_START_TIMEOUT_MS);

  afterAll(async () => {
    await tb?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("scenario 1: a cold apply brings up a working HA cluster", async () => {
    const r = await apply();
    console.log(`cold apply of pg-test (3 hosts, packages installed): ${secs(r.ms)}`);
    expect(r.code, r.stdout.slice(-4000)).toBe(0);
    expect(r.stdout).toMatch(/Apply complete: \d+ changed, .* 0 failed on 3 hosts/);
    // apply returns once the replicas it started stream (their slots wait on the leader's HA loop)
    for (const n of [2, 3]) expect(r.stdout).toMatch(new RegExp(`✓ service\\.running\\s+patroni\\s+pg-test-${n}\\s+PostgreSQL streaming WAL from its upstream after`));
    for (const secret of Object.values(PASSWORDS)) expect(r.stdout).not.toContain(secret);

    const members = await patroniMembers(tb, ips[0]!);
    expect(members.map((m) => [m.Host, m.Role])).toEqual([[ips[0], "Leader"], [ips[1], "Replica"], [ips[2], "Replica"]]);
    expect(members.filter((m) => m.Role === "Replica").every((m) => ["running", "streaming"].includes(m.State))).toBe(true);
    expect(await side(tb, ips[0]!, "runuser -u postgres -- /usr/lib/postgresql/15/bin/psql -XAt -h /var/run/postgresql -c 'select count(*) from pg_stat_replication'")).toBe("2");

    // services through any member's HAProxy: 5433 primary, 5434 replica (both through the
    // members' pgbouncer, which reaches PostgreSQL over its socket: "local"), 5436 the primary
    // directly, 5438 the offline instance directly
    const via = (port: number, user = "dbuser_test_rw", pw: string = PASSWORDS.rw) =>
      psqlAt(ips[1]!, port, user, pw, "test", "select pg_is_in_recovery()::text || ' ' || coalesce(host(inet_server_addr()), 'local')");
    expect((await via(5433)).out).toBe("false local");
    expect((await via(5434)).out).toBe("true local");
    expect((await via(5436)).out).toBe(`false ${ips[0]}`);
    expect((await via(5438)).out).toBe(`true ${ips[2]}`);
    // pgbouncer on each member
    expect((await psqlAt(ips[2]!, 6432, "dbuser_test_ro", PASSWORDS.ro, "test", "select current_user")).out).toBe("dbuser_test_ro");

    // HBA: the right password gets in, a wrong one does not; the ETL user is refused on the primary only
    expect((await psqlAt(ips[0]!, 5432, "dbuser_test_ro", "wrong", "test", "select 1")).err).toMatch(/password authentication failed/);
    expect((await via(5436, "dbuser_test_etl", PASSWORDS.etl)).err).toMatch(/pg_hba.conf rejects connection/);
    expect((await via(5438, "dbuser_test_etl", PASSWORDS.etl)).out).toBe(`true ${ips[2]}`);

    // default privileges: what the database owner creates, dbrole_readonly may read
    const owner = await psqlAt(ips[0]!, 5433, "test", PASSWORDS.test, "test", "create table app.t1 (id int primary key, v text); insert into app.t1 values (1, 'one')");
    expect(owner.code, owner.err).toBe(0);
    // through a replica: replication is asynchronous, give it a moment
    let read = await psqlAt(ips[0]!, 5434, "dbuser_test_ro", PASSWORDS.ro, "test", "select v from app.t1");
    for (let i = 0; i < 20 && read.out !== "one"; i++) {
      await new Promise((res) => setTimeout(res, 250));
      read = await psqlAt(ips[0]!, 5434, "dbuser_test_ro", PASSWORDS.ro, "test", "select v from app.t1");
    }
    expect(read.out, read.err).toBe("one");
    expect((await psqlAt(ips[0]!, 5433, "dbuser_test_ro", PASSWORDS.ro, "test", "insert into app.t1 values (2, 'x')")).err).toMatch(/permission denied/);

    // the first backup
    const info = JSON.parse(await side(tb, ips[0]!, "runuser -u postgres -- pgbackrest --stanza=pg-test info --output=json")) as { backup: unknown[] }[];
    expect(info[0]!.backup.length).toBeGreaterThanOrEqual(1);
  }, 600_000);

  it("scenario 2: the next plan is empty; apply again changes and restarts nothing", async () => {
    const t0 = performance.now();
    const p = await plan("--detailed-exitcode");
    const planMs = performance.now() - t0;
    expect(changesOf(p)).toEqual([]);
    expect(p.summary).toMatchObject({ create: 0, update: 0, delete: 0, run: 0, unknown: 0 });
    const before = await Promise.all(ips.map((ip) => daemonsOf(tb, ip)));
    const r = await apply();
    console.log(`no-op plan of pg-test: ${secs(planMs)}; no-op apply: ${secs(r.ms)} (in process)`);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("No changes.");
    expect(await Promise.all(ips.map((ip) => daemonsOf(tb, ip)))).toEqual(before);
  }, 120_000);

  it("scenario 3: an HBA change reloads (no restart); drift by hand is shown and repaired", async () => {
    const before = await Promise.all(ips.map((ip) => daemonsOf(tb, ip)));
    extra = "        pg_hba_rules: []";
    write();
    const p = await plan();
    const hba = changesOf(p).filter((c) => c.key === "/pg/data/pg_hba.conf");
    // the rule is rendered everywhere (commented out but on the primary): every member reloads
    expect(hba.map((c) => c.host).sort()).toEqual([...ips].sort());
    expect(hba.every((c) => c.action === "update" && c.effect === "reload")).toBe(true);
    expect(p.summary.restarts).toBe(0);
    const r = await apply();
    expect(r.code, r.stdout.slice(-3000)).toBe(0);
    expect((await psqlAt(ips[1]!, 5436, "dbuser_test_etl", PASSWORDS.etl, "test", "select 1")).out).toBe("1");
    expect(await Promise.all(ips.map((ip) => daemonsOf(tb, ip)))).toEqual(before);

    // drift: a role attribute, a dropped extension, an edited pg_hba.conf on a replica
    const dbsu = (sql: string, db = "postgres") => side(tb, ips[0]!, `runuser -u postgres -- /usr/lib/postgresql/15/bin/psql -XAt -h /var/run/postgresql -d ${db} -c "${sql}"`);
    await dbsu("ALTER ROLE dbuser_test_rw NOLOGIN");
    await dbsu("DROP EXTENSION pg_trgm", "test");
    await dbsu("CREATE ROLE dbuser_by_hand LOGIN");
    await side(tb, ips[2]!, "echo 'host all all 0.0.0.0/0 trust' >> /pg/data/pg_hba.conf");
    const drift = changesOf(await plan());
    expect(drift.map((c) => `${c.host} ${c.op}[${c.key}] ${c.action}`).sort()).toEqual([
      `${ips[0]} pg.database[test] update`,
      `${ips[0]} pg.role[dbuser_test_rw] update`,
      `${ips[0]} pg.roles_undeclared[pg-test] delete`,
      `${ips[2]} file[/pg/data/pg_hba.conf] update`,
    ]);
    const fixed = await apply();
    expect(fixed.code, fixed.stdout.slice(-3000)).toBe(0);
    expect(changesOf(await plan())).toEqual([]);
    expect(await dbsu("select extversion is not null from pg_extension where extname = 'pg_trgm'", "test")).toBe("t");
    expect(await dbsu("select count(*) from pg_roles where rolname = 'dbuser_by_hand'")).toBe("0");
  }, 300_000);

  it("scenario 3: a new user and a new database through bin/pgsql-user and bin/pgsql-db", async () => {
    withNew = true;
    write();
    const user = await runBin("pgsql-user", ["-i", inv, "-y", "pg-test", "dbuser_new"]);
    expect(user.code, user.stdout.slice(-3000)).toBe(0);
    expect(user.stderr).toMatch(/\+ pgsty apply .*-t pg_user,pgbouncer_user/);
    const db = await runBin("pgsql-db", ["-i", inv, "-y", "pg-test", "newdb"]);
    expect(db.code, db.stdout.slice(-3000)).toBe(0);
    // through the primary service (pgbouncer: its user list and databases were reloaded)
    expect((await psqlAt(ips[1]!, 5433, "dbuser_new", "New.It.Secret.1", "newdb", "select current_user || ' ' || current_database()")).out).toBe("dbuser_new newdb");
    // an unknown user is refused before anything runs
    const unknown = await runBin("pgsql-user", ["-i", inv, "-y", "pg-test", "dbuser_nobody"]);
    expect(unknown.code).toBe(2);
    expect(changesOf(await plan())).toEqual([]);
  }, 300_000);

  /** Kills the leader's Patroni and PostgreSQL while a writer goes on; returns the failover time. */
  async function failover(label: string): Promise<number> {
    const old = (await leader())!;
    const made = await psqlAt(old, 5433, "test", PASSWORDS.test, "test", "create table if not exists app.w (id int primary key)");
    expect(made.code, made.err).toBe(0);
    /** Each acknowledged write, in order, and when: the last ones before the kill may not have reached a replica. */
    const ackedAt = new Map<number, number>();
    let n = 0, stop = false, killedAt = 0, resumedAt = 0;
    const writer = (async () => {
      while (!stop) {
        const id = ++n;
        const started = performance.now();
        const r = await psqlAt(ips[0]!, 5433, "dbuser_test_rw", PASSWORDS.rw, "test", `insert into app.w values (${id})`, 3000);
        if (r.code === 0) {
          ackedAt.set(id, performance.now());
          // only a write that started after the kill shows the service is back
          if (killedAt && started > killedAt && !resumedAt) resumedAt = performance.now();
        } else await new Promise((res) => setTimeout(res, 200));
      }
    })();
    // the service may still be settling (a reload just changed its checks): writes first
    for (let i = 0; i < 120 && ackedAt.size < 5; i++) await new Promise((res) => setTimeout(res, 250));
    expect(ackedAt.size, "no write succeeded before the kill").toBeGreaterThan(0);
    const t0 = performance.now();
    await side(tb, old, "kill -9 $(cat /run/patroni.pid) $(head -n 1 /pg/data/postmaster.pid)");
    killedAt = performance.now();
    const killMs = killedAt - t0;
    const deadline = Date.now() + 120_000;
    while (!resumedAt && Date.now() < deadline) await new Promise((res) => setTimeout(res, 250));
    await new Promise((res) => setTimeout(res, 1000));
    stop = true;
    await writer;
    expect(resumedAt, "writes never resumed").toBeGreaterThan(0);
    const ms = resumedAt - killedAt + killMs;
    // the new leader (patronictl reads etcd: the old key may linger until its TTL ends)
    let now = (await leader())!;
    for (let i = 0; i < 60 && now === old; i++) {
      await new Promise((res) => setTimeout(res, 1000));
      now = (await leader())!;
    }
    expect(now).not.toBe(old);
    // Replication is asynchronous (pg_rpo lets a replica up to 1 MiB behind be promoted): a write
    // the old primary acknowledged in its last moment may not have reached the new one. Every
    // write acknowledged a second before the kill, and every write after it, must be there.
    const missing = await psqlAt(now, 5432, "dbuser_test_rw", PASSWORDS.rw, "test", `select coalesce(string_agg(id::text, ',' order by id), '') from unnest('{${[...ackedAt.keys()].join(",")}}'::int[]) as a(id) where id not in (select id from app.w)`);
    expect(missing.code, missing.err).toBe(0);
    const lost = missing.out === "" ? [] : missing.out.split(",").map(Number);
    for (const id of lost) expect(t0 - ackedAt.get(id)!, `write ${id}, acknowledged before the last second, was lost`).toBeLessThan(1000);
    console.log(`failover (${label}): writes through 5433 resumed ${secs(ms)} after kill -9 of the primary; ${ackedAt.size - lost.length} of ${ackedAt.size} acknowledged rows present${lost.length ? ` (lost: ${lost.length}, acknowledged in the last second before the kill)` : ""}`);

    // the old primary rejoins as a replica when pgsty converges it again
    const r = await apply("-l", old);
    expect(r.code, r.stdout.slice(-3000)).toBe(0);
    const members = await patroniMembers(tb, now);
    expect(members.find((m) => m.Host === old)?.Role).toBe("Replica");
    return ms;
  }

  it("scenario 5: failover with the default pg_rto; the old primary rejoins", async () => {
    const ms = await failover("pg_rto default");
    expect(ms).toBeLessThan(60_000);
  }, 300_000);

  it("scenario 5: failover with pg_rto: fast", async () => {
    extra = "        pg_hba_rules: []\n        pg_rto: fast";
    write();
    const p = await plan();
    expect(changesOf(p).some((c) => c.op === "pg.patroni_config" || c.key.includes("patroni"))).toBe(true);
    const r = await apply();
    expect(r.code, r.stdout.slice(-3000)).toBe(0);
    const ms = await failover("pg_rto fast");
    expect(ms).toBeLessThan(60_000);
  }, 300_000);
});
