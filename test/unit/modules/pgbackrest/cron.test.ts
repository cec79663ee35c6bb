// pg_crontab as /etc/cron.d/pgsty-<cluster> (src/modules/pgbackrest/cron.ts).
import { describe, expect, it } from "vitest";
import { backupCron, cronLine, cronPath } from "../../../../src/modules/pgbackrest/cron.js";
import { contextFor } from "../context-helper.js";

function inventory(vars = ""): string {
  const v = vars.split("\n").map((l) => `        ${l}`).join("\n");
  return `all:
  vars: { admin_ip: 10.10.10.10, pg_version: 15 }
  children:
    etcd: { hosts: { 10.10.10.20: { etcd_seq: 1 } } }
    pg-test:
      hosts:
        10.10.10.11: { pg_seq: 1, pg_role: primary }
      vars:
        pg_cluster: pg-test
${v}
`;
}
const ctxOf = (vars = "", host = "10.10.10.11") => contextFor(inventory(vars), host);

describe("backupCron", () => {
  it("writes a root-owned cron.d file whose entries run as the dbsu", () => {
    const f = backupCron(ctxOf("pg_crontab: [ '00 01 * * 1 /pg/bin/pg-backup full', '00 01 * * 2-7 /pg/bin/pg-backup' ]"))!;
    expect([f.path, f.owner, f.group, f.mode, f.sensitive, f.effect, f.service]).toEqual(["/etc/cron.d/pgsty-pg-test", "root", "root", "0644", false, "none", "cron"]);
    const body = f.content.split("\n").filter((l) => l !== "" && !l.startsWith("#"));
    expect(body).toEqual([
      "SHELL=/bin/bash",
      "PATH=/usr/lib/postgresql/15/bin:/pg/bin:/usr/local/bin:/usr/bin:/usr/sbin:/bin:/sbin",
      'MAILTO=""',
      "00 01 * * 1 postgres /pg/bin/pg-backup full",
      "00 01 * * 2-7 postgres /pg/bin/pg-backup",
    ]);
  });
  it("is undefined without entries or without PostgreSQL", () => {
    expect(backupCron(ctxOf())).toBeUndefined();
    expect(backupCron(ctxOf("pg_crontab: [ '@daily /bin/true' ]", "10.10.10.20"))).toBeUndefined();
  });
  it("drops blank entries", () => {
    const f = backupCron(ctxOf("pg_crontab: [ '  ', '@daily /bin/true' ]"))!;
    expect(f.content.split("\n").filter((l) => l.startsWith("@"))).toEqual(["@daily postgres /bin/true"]);
  });
  it("uses a custom dbsu", () => {
    expect(backupCron(ctxOf("pg_dbsu: pgdba\npg_crontab: [ '@hourly /x' ]"))!.content).toContain("@hourly pgdba /x\n");
  });
});

describe("cronLine", () => {
  it.each([
    ["00 01 * * * /pg/bin/pg-backup full", "00 01 * * * postgres /pg/bin/pg-backup full"],
    ["00   01 * *   *   /x   a  b", "00 01 * * * postgres /x   a  b"],
    ["00 01 * * * postgres /pg/bin/pg-backup", "00 01 * * * postgres /pg/bin/pg-backup"],
    ["00 01 * * * root /usr/sbin/logrotate", "00 01 * * * root /usr/sbin/logrotate"],
    ["00 01 * * * root", "00 01 * * * postgres root"],
    ["00 01 * * * dbuser /x", "00 01 * * * postgres dbuser /x"],
    ["@reboot /pg/bin/pg-warm", "@reboot postgres /pg/bin/pg-warm"],
    ["@daily root /x", "@daily root /x"],
    ["# weekly full backup", "# weekly full backup"],
    ["MAILTO=dba@example.com", "MAILTO=dba@example.com"],
    ["  ", ""],
  ])("%j → %j", (entry, line) => expect(cronLine(entry, "postgres")).toBe(line));
  it("refuses line breaks and entries without a command", () => {
    expect(() => cronLine("00 01 * * * /x\n* * * * * root /evil", "postgres")).toThrow(/line break/);
    expect(() => cronLine("00 01 * * *", "postgres")).toThrow(/no schedule and command/);
    expect(() => cronLine("/pg/bin/pg-backup", "postgres")).toThrow(/no schedule and command/);
  });
});

describe("cronPath", () => {
  it("keeps names cron accepts and replaces other characters", () => {
    expect(cronPath("pg-test_1")).toBe("/etc/cron.d/pgsty-pg-test_1");
    expect(cronPath("pg.test")).toBe("/etc/cron.d/pgsty-pg_test");
  });
});
