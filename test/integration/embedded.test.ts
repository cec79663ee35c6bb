/**
 * Issue #5, scenario 7, on a systemd test host (the production path): the README's main command,
 * `pgsty apply` on the embedded default inventory conf/pgsql.yml (pg-meta on 127.0.0.1 through
 * the local connector), run on the host itself; then again: no changes. Prints both times.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildDist } from "./cluster-kit.js";
import { startTestbed, TESTBED_START_TIMEOUT_MS, testbedSkipReason, type Testbed } from "./testbed/testbed.js";

const skip = testbedSkipReason();
const ROOT = new URL("../../", import.meta.url).pathname;

describe.skipIf(!!skip)(`the embedded default on a systemd test host${skip ? ` (skipped: ${skip})` : ""}`, () => {
  let tb: Testbed;
  let host = "";
  const run = async (cmd: string) => {
    const t0 = Date.now();
    const r = await tb.exec(host, `cd ${ROOT} && ${cmd}`, { timeoutMs: 600_000 });
    return { ...r, ms: Date.now() - t0 };
  };

  beforeAll(async () => {
    buildDist();
    // the checkout may be under /tmp, which the host's own /tmp hides: shared read-only
    tb = await startTestbed({ hosts: 1, init: "systemd", share: [ROOT.replace(/\/$/, "")] });
    host = tb.hosts[0]!.name;
  }, TESTBED_START_TIMEOUT_MS);

  afterAll(async () => {
    await tb?.stop();
  });

  it("brings up pg-meta on the host and prints how to connect; the second run changes nothing", async () => {
    const first = await run("./bin/pgsty apply --yes");
    console.log(`embedded default, first apply: ${(first.ms / 1000).toFixed(1)} s`);
    expect(first.code, first.stdout.slice(-3000) + first.stderr).toBe(0);
    expect(first.stdout).toMatch(/Apply complete: \d+ changed, .* 0 failed on 1 host/);
    expect(first.stdout).toContain("psql postgres://dbuser_meta@127.0.0.1:5433/meta");
    expect(first.stdout).not.toContain("Meta.Example.ChangeMe");
    for (const unit of ["etcd", "patroni", "pgbouncer", "haproxy"]) {
      expect((await tb.exec(host, `systemctl is-active ${unit}`)).stdout.trim()).toBe("active");
    }
    // Debian's own 15/main cluster never takes the port
    expect((await tb.exec(host, "systemctl is-active postgresql@15-main || true")).stdout.trim()).not.toBe("active");
    const sql = await tb.exec(host, "PGPASSWORD=Meta.Example.ChangeMe psql -X -At -h 127.0.0.1 -p 5433 -U dbuser_meta -d meta -c 'select pg_is_in_recovery()'");
    expect(sql.stdout.trim(), sql.stderr).toBe("f");

    const second = await run("./bin/pgsty apply --yes");
    console.log(`embedded default, second apply: ${(second.ms / 1000).toFixed(1)} s`);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain("No changes.");
  }, 900_000);
});
