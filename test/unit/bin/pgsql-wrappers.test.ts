// bin/pgsql-*: argument errors, refusals of what the inventory does not know, and the exact pgsty
// commands run (printed on stderr as `+ pgsty …`). pgsty is a stub ($PGSTY_BIN) that records its
// argv and answers `inventory --list` from a fixture: no real apply ever runs here.
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const BIN = join(import.meta.dirname, "../../../bin");
const dir = mkdtempSync(join(tmpdir(), "pgsty-wrappers-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const member = (seq: number, role: string) => ({
  pg_cluster: "pg-test", pg_seq: seq, pg_role: role,
  pg_users: [{ name: "dbuser_app", password: "(sensitive)" }, { name: "dbuser_ro" }],
  pg_databases: [{ name: "app" }],
});
const INVENTORY = {
  _meta: {
    hostvars: {
      "10.10.10.10": { etcd_seq: 1, etcd_cluster: "etcd" },
      "10.10.10.11": member(1, "primary"),
      "10.10.10.12": member(2, "replica"),
      "pg-test-3": { ...member(3, "replica"), ansible_host: "10.10.10.13" },
      "10.10.10.21": { pg_cluster: "pg-other", pg_seq: 1, pg_role: "primary" },
    },
  },
};
writeFileSync(join(dir, "inventory.json"), JSON.stringify(INVENTORY));
const stub = join(dir, "pgsty");
writeFileSync(stub, `#!/usr/bin/env bash
printf '%s\\n' "$*" >> "$STUB_LOG"
if [ "$1" = inventory ]; then cat "$STUB_DIR/inventory.json"; exit 0; fi
exit "\${STUB_EXIT:-0}"
`);
chmodSync(stub, 0o755);

let n = 0;
function run(tool: string, args: string[], env: Record<string, string> = {}) {
  const log = join(dir, `log-${n++}`);
  writeFileSync(log, "");
  const r = spawnSync(join(BIN, tool), args, { encoding: "utf8", env: { ...process.env, PGSTY_BIN: stub, STUB_LOG: log, STUB_DIR: dir, ...env } });
  const calls = readFileSync(log, "utf8").split("\n").filter(Boolean);
  return {
    code: r.status,
    stderr: r.stderr,
    stdout: r.stdout,
    /** The pgsty calls besides reading the inventory. */
    applies: calls.filter((c) => !c.startsWith("inventory ")),
    printed: r.stderr.split("\n").filter((l) => l.startsWith("+ ")),
  };
}

describe("bin/pgsql-* wrappers", () => {
  it("every wrapper prints its usage with -h and exits 0; without a cluster, usage on stderr and 1", () => {
    for (const tool of ["pgsql-add", "pgsql-rm", "pgsql-user", "pgsql-db", "pgsql-svc", "pgsql-hba"]) {
      const h = run(tool, ["-h"]);
      expect(h.code).toBe(0);
      expect(h.stdout).toMatch(new RegExp(`^Usage: ${tool} \\[options\\] <cls>`));
      expect(h.stdout).toContain("-e pg_safeguard=false");
      const bare = run(tool, []);
      expect(bare.code).toBe(1);
      expect(bare.stderr).toContain(`Usage: ${tool}`);
      expect(bare.applies).toEqual([]);
    }
  });

  it("unknown options and options without a value are usage errors", () => {
    expect(run("pgsql-svc", ["--force", "pg-test"])).toMatchObject({ code: 1, stderr: "pgsql-svc: error: unknown option --force (see -h)\n", applies: [] });
    expect(run("pgsql-svc", ["-i"])).toMatchObject({ code: 1, stderr: "pgsql-svc: error: -i needs a value\n" });
  });

  it("refuses a cluster the inventory does not have, listing those it has; nothing applied", () => {
    const r = run("pgsql-add", ["pg-nope"]);
    expect(r).toMatchObject({ code: 2, stderr: "pgsql-add: error: no cluster pg-nope in the inventory (clusters: pg-other, pg-test)\n", applies: [] });
  });

  it("refuses an IP that is not a member of the cluster; nothing applied", () => {
    const r = run("pgsql-rm", ["pg-test", "10.10.10.12", "10.10.10.21"]);
    expect(r).toMatchObject({ code: 2, applies: [] });
    expect(r.stderr).toBe("pgsql-rm: error: 10.10.10.21 is not a member of pg-test (members: 10.10.10.11, 10.10.10.12, 10.10.10.13)\n");
  });

  it("pgsql-add: the cluster; or the new members, then the services of the whole cluster", () => {
    expect(run("pgsql-add", ["pg-test"]).applies).toEqual(["apply -l pg-test"]);
    const r = run("pgsql-add", ["-i", "inv.yml", "-y", "pg-test", "10.10.10.13", "10.10.10.12"]);
    expect(r.code).toBe(0);
    // an ansible_host is mapped to its inventory host name
    expect(r.applies).toEqual(["apply -i inv.yml -l pg-test-3,10.10.10.12 --yes", "apply -i inv.yml -l pg-test -t pg_service --yes"]);
    expect(r.printed).toEqual(["+ pgsty apply -i inv.yml -l pg-test-3,10.10.10.12 --yes", "+ pgsty apply -i inv.yml -l pg-test -t pg_service --yes"]);
    expect(run("pgsql-add", ["-i", "inv.yml", "-i", "more.yml", "pg-test"]).applies).toEqual(["apply -i inv.yml -i more.yml -l pg-test"]);
  });

  it("pgsql-add: a failed first apply stops there with its exit code", () => {
    const r = run("pgsql-add", ["pg-test", "10.10.10.12"], { STUB_EXIT: "1" });
    expect(r.code).toBe(1);
    expect(r.applies).toEqual(["apply -l 10.10.10.12"]);
  });

  it("pgsql-rm: the cluster; or the instances, then the services of the members left, quoted as typed", () => {
    expect(run("pgsql-rm", ["-e", "pg_safeguard=false", "pg-test"]).applies).toEqual(["apply -e pg_safeguard=false --playbook pgsql-rm -l pg-test"]);
    const r = run("pgsql-rm", ["--yes", "pg-test", "10.10.10.13"]);
    expect(r.applies).toEqual(["apply --playbook pgsql-rm -l pg-test-3 --yes", "apply -l pg-test,!pg-test-3 -t pg_service --yes"]);
    expect(r.printed).toEqual(["+ pgsty apply --playbook pgsql-rm -l pg-test-3 --yes", "+ pgsty apply -l 'pg-test,!pg-test-3' -t pg_service --yes"]);
    expect(r.stderr).toContain("now take pg-test-3 out of the inventory, then run bin/pgsql-svc pg-test");
  });

  it("pgsql-rm: every member given → no service refresh; a failed removal → no refresh, its exit code", () => {
    expect(run("pgsql-rm", ["pg-test", "10.10.10.11", "10.10.10.12", "10.10.10.13"]).applies).toEqual(["apply --playbook pgsql-rm -l 10.10.10.11,10.10.10.12,pg-test-3"]);
    const r = run("pgsql-rm", ["pg-test", "10.10.10.12"], { STUB_EXIT: "1" });
    expect(r).toMatchObject({ code: 1, applies: ["apply --playbook pgsql-rm -l 10.10.10.12"] });
  });

  it("pgsql-user / pgsql-db: declared names only, then the provisioning tags on the cluster", () => {
    expect(run("pgsql-user", ["pg-test", "dbuser_app", "dbuser_ro"]).applies).toEqual(["apply -l pg-test -t pg_user,pgbouncer_user"]);
    const u = run("pgsql-user", ["pg-test", "dbuser_app", "dbuser_x"]);
    expect(u).toMatchObject({ code: 2, stderr: "pgsql-user: error: user dbuser_x not declared in pg_users of pg-test (declared: dbuser_app, dbuser_ro)\n", applies: [] });
    expect(run("pgsql-user", ["pg-test"])).toMatchObject({ code: 1, applies: [] });
    expect(run("pgsql-db", ["pg-test", "app"]).applies).toEqual(["apply -l pg-test -t pg_db,pgbouncer_config"]);
    expect(run("pgsql-db", ["pg-other", "app"])).toMatchObject({ code: 2, stderr: "pgsql-db: error: database app not declared in pg_databases of pg-other (declared: none)\n", applies: [] });
  });

  it("pgsql-svc / pgsql-hba: the cluster or some members", () => {
    expect(run("pgsql-svc", ["pg-test"]).applies).toEqual(["apply -l pg-test -t pg_service"]);
    expect(run("pgsql-svc", ["pg-test", "10.10.10.12"]).applies).toEqual(["apply -l 10.10.10.12 -t pg_service"]);
    expect(run("pgsql-hba", ["-y", "pg-test"]).applies).toEqual(["apply -l pg-test -t pg_hba,pgbouncer_hba --yes"]);
    expect(run("pgsql-hba", ["pg-test", "10.10.10.13", "10.10.10.11"]).printed).toEqual(["+ pgsty apply -l pg-test-3,10.10.10.11 -t pg_hba,pgbouncer_hba"]);
  });

  it("reads the inventory with the same -i/-e options, once", () => {
    const log = join(dir, "log-inv");
    writeFileSync(log, "");
    spawnSync(join(BIN, "pgsql-rm"), ["-i", "a.yml", "-e", "x=1", "pg-test", "10.10.10.12"], { env: { ...process.env, PGSTY_BIN: stub, STUB_LOG: log, STUB_DIR: dir } });
    expect(readFileSync(log, "utf8").split("\n").filter((l) => l.startsWith("inventory"))).toEqual(["inventory --list -i a.yml -e x=1"]);
  });
});
