/**
 * Issue #5, scenarios 4 and 6, through the bin/ wrappers on three tini test hosts: pg-test starts
 * with two members; `bin/pgsql-add pg-test <ip>` adds the third as a replica and the others'
 * HAProxy learn it; `bin/pgsql-rm pg-test <ip>` removes it, and once the inventory drops it,
 * `bin/pgsql-svc` makes the services forget it. Then `pg_safeguard: true` stops `pgsql-rm`
 * before any change, and removing the whole cluster removes what the pg_rm_* flags say and
 * nothing else (etcd, HAProxy and the packages stay).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildDist, PASSWORDS, patroniMembers, pgTestInventory, psqlAt, runBin, side } from "./cluster-kit.js";
import { startTestbed, TESTBED_START_TIMEOUT_MS, testbedSkipReason, type Testbed } from "./testbed/testbed.js";

const skip = testbedSkipReason();
const SERVICE = "/etc/haproxy/conf.d/pg-test-primary.cfg";

describe.skipIf(!!skip)(`scale and remove with bin/pgsql-*${skip ? ` (skipped: ${skip})` : ""}`, () => {
  let tb: Testbed;
  const dir = mkdtempSync(join(tmpdir(), "pgsty-scale-it-"));
  const inv = join(dir, "pigsty.yml");
  let ips: string[] = [];
  const write = (members: number, extraGlobalVars = "    pg_rm_pkg: false") => writeFileSync(inv, pgTestInventory(tb, { members, extraGlobalVars }));
  const wrapper = (name: string, ...args: string[]) => runBin(name, ["-i", inv, "-y", ...args]);

  beforeAll(async () => {
    buildDist();
    tb = await startTestbed({ hosts: 3, init: "tini" });
    ips = tb.hosts.map((h) => h.ip);
    write(2);
    // the DCS first, as Pigsty deploys it: the third etcd member is on a node of no cluster yet
    const etcd = await runBin("pgsty", ["apply", "-i", inv, "-l", "etcd", "--yes"]);
    if (etcd.code !== 0) throw new Error(`apply -l etcd failed:\n${etcd.stdout.slice(-3000)}`);
    const r = await wrapper("pgsql-add", "pg-test");
    expect(r.stderr).toContain("+ pgsty apply");
    if (r.code !== 0) throw new Error(`pgsql-add pg-test failed:\n${r.stdout.slice(-3000)}`);
  }, TESTBED_START_TIMEOUT_MS + 300_000);

  afterAll(async () => {
    await tb?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("scenario 4: pgsql-add adds a replica and the other members' services learn it", async () => {
    expect(await side(tb, ips[0]!, `grep -c ${ips[2]} ${SERVICE} || true`)).toBe("0");
    write(3);
    const r = await wrapper("pgsql-add", "pg-test", ips[2]!);
    expect(r.code, r.stdout.slice(-3000)).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`\\+ pgsty apply .*-l ${ips[2]!.replaceAll(".", "\\.")}`));
    expect(r.stderr).toMatch(/\+ pgsty apply .*-l pg-test -t pg_service/);
    const members = await patroniMembers(tb, ips[0]!);
    expect(members.find((m) => m.Host === ips[2])?.Role).toBe("Replica");
    for (const ip of ips) expect(await side(tb, ip, `grep -c 'server pg-test-3 ${ips[2]}:' ${SERVICE}`)).toBe("1");
    // reads through the replica service may land on it
    expect((await psqlAt(ips[2]!, 5434, "dbuser_test_ro", PASSWORDS.ro, "test", "select 1")).out).toBe("1");
  }, 300_000);

  it("scenario 4: pgsql-rm removes it; with the inventory updated, pgsql-svc drops it from the services", async () => {
    const r = await wrapper("pgsql-rm", "pg-test", ips[2]!);
    expect(r.code, r.stdout.slice(-3000)).toBe(0);
    // a stopped member's key may outlive it by a TTL
    let hosts = (await patroniMembers(tb, ips[0]!)).map((m) => m.Host);
    for (let i = 0; i < 60 && hosts.length > 2; i++) {
      await new Promise((res) => setTimeout(res, 1000));
      hosts = (await patroniMembers(tb, ips[0]!)).map((m) => m.Host);
    }
    expect(hosts).toEqual([ips[0], ips[1]]);
    expect(await side(tb, ips[2]!, "test -e /pg/data && echo present || echo gone")).toBe("gone");
    write(2);
    const svc = await wrapper("pgsql-svc", "pg-test");
    expect(svc.code, svc.stdout.slice(-3000)).toBe(0);
    for (const ip of ips.slice(0, 2)) expect(await side(tb, ip, `grep -c ${ips[2]} ${SERVICE} || true`)).toBe("0");
    expect((await psqlAt(ips[0]!, 5433, "dbuser_test_rw", PASSWORDS.rw, "test", "select pg_is_in_recovery()")).out).toBe("f");
  }, 300_000);

  it("scenario 6: pg_safeguard stops pgsql-rm before any change", async () => {
    write(2, "    pg_rm_pkg: false\n    pg_safeguard: true");
    const r = await wrapper("pgsql-rm", "pg-test");
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/pg_safeguard/);
    expect((await patroniMembers(tb, ips[0]!)).length).toBe(2);
  }, 120_000);

  it("scenario 6: removing the whole cluster removes what the flags say and nothing else", async () => {
    write(2, "    pg_rm_pkg: false\n    pg_rm_backup: false");
    const r = await wrapper("pgsql-rm", "pg-test");
    expect(r.code, r.stdout.slice(-3000)).toBe(0);
    for (const ip of ips.slice(0, 2)) {
      expect(await side(tb, ip, "test -e /pg && echo present || echo gone")).toBe("gone");
      expect(await side(tb, ip, "test -f /run/patroni.pid && echo running || echo stopped")).toBe("stopped");
      // kept: the backups (pg_rm_backup: false), the packages (pg_rm_pkg: false), etcd and HAProxy
      expect(await side(tb, ip, "test -d /data/backups/pg-test-15/backup && echo kept")).toBe("kept");
      expect(await side(tb, ip, "dpkg-query -W -f='${Status}' postgresql-15")).toBe("install ok installed");
      expect(await side(tb, ip, "start-stop-daemon --status --pidfile /run/etcd.pid && echo running")).toBe("running");
      expect(await side(tb, ip, "start-stop-daemon --status --pidfile /run/haproxy.pid && echo running")).toBe("running");
    }
    // the cluster's state in etcd is gone
    expect(await side(tb, ips[0]!, "ETCDCTL_API=3 etcdctl --endpoints=http://127.0.0.1:2379 get --prefix /pg/pg-test --keys-only | wc -l")).toBe("0");
    // a second run has nothing left to do
    const again = await runBin("pgsty", ["plan", "-i", inv, "--playbook", "pgsql-rm", "-l", "pg-test", "--detailed-exitcode"]);
    expect(again.code, again.stdout.slice(-3000)).toBe(0);
  }, 300_000);
});
