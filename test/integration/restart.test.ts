/**
 * Day 2 on real test hosts: a PostgreSQL parameter change that needs a restart (a postmaster
 * parameter). The plan says `restart`; apply restarts the replicas through Patroni, switches the
 * leader over to a restarted replica and restarts the old leader; every member then runs with
 * the new value, no acknowledged write through HAProxy is lost, and the next plan is empty.
 * Prints how long writes were interrupted.
 *
 * Two parameters, one per path: `max_pred_locks_per_transaction` is in patroni.yml's local
 * postgresql.parameters (and the DCS), `max_connections` only in Patroni's dynamic configuration
 * (step pgsql.dcs PATCHes it): both changes end in one rolling restart. Then `max_connections`
 * is lowered again, which a replica cannot take before its primary: the leader restarts in place
 * after the rolling round, then the replicas. Last, the parameter is removed from `pg_parameters`:
 * it goes from the DCS too, and every member restarts onto the default.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ApplyEvent } from "../../src/exec/events.js";
import type { Plan } from "../../src/plan/types.js";
import { changesOf, cli, PASSWORDS, patroniMembers, pgTestInventory, psqlAt, side } from "./cluster-kit.js";
import { startTestbed, TESTBED_START_TIMEOUT_MS, testbedSkipReason, type Testbed } from "./testbed/testbed.js";

const skip = testbedSkipReason();
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const PARAM = "max_pred_locks_per_transaction";
const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));

describe.skipIf(!!skip)(`a restart-needing parameter change restarts pg-test safely${skip ? ` (skipped: ${skip})` : ""}`, () => {
  let tb: Testbed;
  const dir = mkdtempSync(join(tmpdir(), "pgsty-restart-it-"));
  const inv = join(dir, "pigsty.yml");
  let ips: string[] = [];
  /** What the first change set, for the second. */
  let raised: { readonly locks: number; readonly conns: number } | undefined;
  let lowered: number | undefined;
  const write = (extra = "") => writeFileSync(inv, pgTestInventory(tb, { extraClusterVars: extra }));
  const plan = async (): Promise<Plan> => {
    const r = await cli("plan", "-i", inv, "--json");
    expect(r.stderr).toBe("");
    return JSON.parse(r.stdout) as Plan;
  };
  /**
   * `patronictl list` once every member shows running or streaming (up to 30 s): it reads each
   * member's state from the DCS, which a member updates once per loop, so a member apply saw
   * running may still be listed as starting for a few seconds.
   */
  const settled = async (ip: string) => {
    let members = await patroniMembers(tb, ip);
    for (let i = 0; i < 30 && !members.every((m) => ["running", "streaming"].includes(m.State)); i++) {
      await sleep(1000);
      members = await patroniMembers(tb, ip);
    }
    return members;
  };
  /**
   * Inserts into app.w through HAProxy's primary service in a loop (ids after `lastId`) until
   * `stop()`, which says how long writes were interrupted at most and how many attempts failed.
   */
  const startWriter = (lastId: number) => {
    const acked: number[] = [];
    let n = lastId, stopped = false, lastOk = 0, gap = 0, failures = 0;
    const loop = (async () => {
      while (!stopped) {
        const id = ++n;
        const r = await psqlAt(ips[1]!, 5433, "dbuser_test_rw", PASSWORDS.rw, "test", `insert into app.w values (${id})`, 3000);
        const now = performance.now();
        if (r.code === 0) {
          acked.push(id);
          if (lastOk) gap = Math.max(gap, now - lastOk);
          lastOk = now;
        } else {
          failures++;
          await sleep(100);
        }
      }
    })();
    return {
      acked,
      stop: async () => {
        stopped = true;
        await loop;
        return { gap, failures };
      },
    };
  };
  /** Counts the rows `acked` on `leader`. */
  const countOn = (leader: string, acked: readonly number[]) =>
    psqlAt(leader, 5432, "dbuser_test_rw", PASSWORDS.rw, "test", `select count(*) from app.w where id = any('{${acked.join(",")}}'::int[])`);
  /** `pgsty apply --json`, timed; prints the Patroni handlers' outcomes and the steps and tasks over 1 s. */
  const applyJson = async () => {
    const t0 = performance.now();
    const r = await cli("apply", "-i", inv, "--yes", "--json");
    const ms = performance.now() - t0;
    if (r.code !== 0) console.log(r.stdout.slice(-6000), r.stderr);
    const events = r.stdout.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as ApplyEvent);
    const handlers = events.filter((e): e is Extract<ApplyEvent, { type: "handler_finish" }> => e.type === "handler_finish" && e.service === "patroni");
    console.log(handlers.map((h) => `${h.host} ${h.action} ${h.status} ${secs(h.ms)}${h.reason ? ` (${h.reason})` : ""}`).join("\n"));
    console.log(`steps over 1 s: ${events.flatMap((e) => (e.type === "step_finish" && e.ms > 1000 ? [`${e.step} ${secs(e.ms)}`] : [])).join(", ")}`);
    console.log(`tasks over 1 s: ${events.flatMap((e) => (e.type === "task_finish" && e.ms > 1000 ? [`${e.address} ${e.status} ${secs(e.ms)}${e.reason ? ` (${e.reason})` : ""}`] : [])).join("\n")}`);
    return { code: r.code, ms, handlers };
  };
  const dbsu = (ip: string, sql: string) => side(tb, ip, `runuser -u postgres -- /usr/lib/postgresql/15/bin/psql -XAt -h /var/run/postgresql -c "${sql}"`);

  beforeAll(async () => {
    tb = await startTestbed({ hosts: 3, init: "tini" });
    ips = tb.hosts.map((h) => h.ip);
    write();
  }, TESTBED_START_TIMEOUT_MS);

  afterAll(async () => {
    await tb?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("a cold apply brings up pg-test", async () => {
    const t0 = performance.now();
    const r = await cli("apply", "-i", inv, "--yes");
    console.log(`cold apply of pg-test: ${secs(performance.now() - t0)}`);
    expect(r.code, r.stdout.slice(-4000)).toBe(0);
    expect((await patroniMembers(tb, ips[0]!)).map((m) => [m.Host, m.Role])).toEqual([[ips[0], "Leader"], [ips[1], "Replica"], [ips[2], "Replica"]]);
  }, 600_000);

  it(`${PARAM} and max_connections: replicas restart, the leader switches over; no write lost`, async () => {
    const old = ips[0]!;
    const made = await psqlAt(old, 5433, "test", PASSWORDS.test, "test", "create table if not exists app.w (id int primary key)");
    expect(made.code, made.err).toBe(0);
    const before = Number(await dbsu(old, `show ${PARAM}`));

    // an increase: a replica must allow at least as many as its primary (Patroni keeps the higher
    // value on a replica, so a decrease needs the primary restarted first)
    const CONNS = Number(await dbsu(old, "show max_connections")) + 100;
    write(`        pg_parameters: { ${PARAM}: ${before * 2}, max_connections: ${CONNS} }`);
    const p = await plan();
    const restarts = changesOf(p).filter((c) => c.key === "/etc/patroni/patroni.yml");
    expect(restarts.map((c) => [c.host, c.effect]).sort()).toEqual(ips.map((ip) => [ip, "restart"]).sort());
    expect(changesOf(p).filter((c) => c.op === "patroni.config").map((c) => c.effect)).toContain("restart");
    expect(p.summary.restarts).toBeGreaterThan(0);

    const writer = startWriter(0);
    await sleep(2000);
    expect(writer.acked.length, "no write succeeded before apply").toBeGreaterThan(0);
    const { code, ms: applyMs, handlers } = await applyJson();
    await sleep(2000);
    const { gap, failures } = await writer.stop();
    expect(code).toBe(0);

    // the handlers: the replicas first, then the old leader, after a switchover
    expect(handlers.map((h) => [h.host, h.action, h.status])).toEqual([[ips[1], "restart", "changed"], [ips[2], "restart", "changed"], [old, "restart", "changed"]]);
    expect(handlers[2]!.reason).toMatch(/^switched over from pg-test-1 to pg-test-[23]/);

    // every member runs with the new value and nothing is pending any more
    for (const ip of ips) {
      expect(Number(await dbsu(ip, `show ${PARAM}`)), ip).toBe(before * 2);
      expect(Number(await dbsu(ip, "show max_connections")), ip).toBe(CONNS);
      expect(await dbsu(ip, "select count(*) from pg_settings where pending_restart"), ip).toBe("0");
    }
    // the leader is a former replica, the old one a replica; all members healthy
    const members = await settled(ips[1]!);
    const leader = members.find((m) => m.Role === "Leader")?.Host;
    expect([ips[1], ips[2]]).toContain(leader);
    expect(members.find((m) => m.Host === old)?.Role).toBe("Replica");
    expect(members.every((m) => ["running", "streaming"].includes(m.State))).toBe(true);

    // no acknowledged write is lost
    const acked = writer.acked;
    const rows = await countOn(leader!, acked);
    expect(Number(rows.out), rows.err).toBe(acked.length);
    console.log(`restart of pg-test for ${PARAM} and max_connections: apply ${secs(applyMs)}; writes through 5433 interrupted at most ${secs(gap)} (${failures} failed attempts); ${acked.length} acknowledged rows all present`);

    expect(changesOf(await plan())).toEqual([]);
    raised = { locks: before * 2, conns: CONNS };
  }, 600_000);

  it("max_connections lowered: after the rolling round the leader restarts in place, then the replicas; no write lost", async () => {
    expect(raised, "the increase ran first").toBeDefined();
    const conns = raised!.conns - 50;
    write(`        pg_parameters: { ${PARAM}: ${raised!.locks}, max_connections: ${conns} }`);
    const leaderBefore = (await patroniMembers(tb, ips[0]!)).find((m) => m.Role === "Leader")!.Host;

    const writer = startWriter(1_000_000);
    await sleep(1000);
    const { code, ms: applyMs, handlers } = await applyJson();
    await sleep(2000);
    await writer.stop();
    expect(code).toBe(0);
    // the member leading now goes last, whatever the inventory says
    expect(handlers.at(-1)?.host).toBe(leaderBefore);
    expect(handlers.at(-1)?.reason).toMatch(/a lowered value needs the primary first: pg-test-\d restarted in place/);

    for (const ip of ips) {
      expect(Number(await dbsu(ip, "show max_connections")), ip).toBe(conns);
      expect(await dbsu(ip, "select count(*) from pg_settings where pending_restart"), ip).toBe("0");
    }
    const members = await settled(ips[0]!);
    expect(members.every((m) => ["running", "streaming"].includes(m.State))).toBe(true);
    const leader = members.find((m) => m.Role === "Leader")!.Host;
    const acked = writer.acked;
    const rows = await countOn(leader, acked);
    expect(Number(rows.out), rows.err).toBe(acked.length);
    console.log(`max_connections lowered on pg-test: apply ${secs(applyMs)}; ${acked.length} acknowledged rows all present`);
    expect(changesOf(await plan())).toEqual([]);
    lowered = conns;
  }, 600_000);

  it(`${PARAM} removed from pg_parameters: removed from the DCS too, and every member restarts onto the default`, async () => {
    expect(lowered, "the decrease ran first").toBeDefined();
    write(`        pg_parameters: { max_connections: ${lowered} }`);
    const p = await plan();
    const dcs = changesOf(p).find((c) => c.op === "patroni.config");
    expect(dcs?.fields?.map((f) => f.field)).toContain(`postgresql.parameters.${PARAM}`);
    expect(dcs?.effect).toBe("restart");
    const t0 = performance.now();
    const r = await cli("apply", "-i", inv, "--yes");
    expect(r.code, r.stdout.slice(-4000)).toBe(0);
    for (const ip of ips) {
      expect(await dbsu(ip, `select setting = boot_val from pg_settings where name = '${PARAM}'`), ip).toBe("t");
      expect(await dbsu(ip, "select count(*) from pg_settings where pending_restart"), ip).toBe("0");
    }
    console.log(`${PARAM} removed on pg-test: apply ${secs(performance.now() - t0)}`);
    expect(changesOf(await plan())).toEqual([]);
  }, 600_000);
});
