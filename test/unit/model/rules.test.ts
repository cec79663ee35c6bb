import { describe, expect, it } from "vitest";
import { codes, find, model, PG_TEST, yaml } from "../helpers.js";

/** PG_TEST with extra lines under pg-test.vars (indented to fit). */
const withVars = (lines: string) => PG_TEST.replace("        pg_cluster: pg-test\n", `        pg_cluster: pg-test\n${lines.split("\n").filter(Boolean).map((l) => `        ${l}`).join("\n")}\n`);
/** Line numbers of PG_TEST: hosts at lines 7-9, pg_cluster at 11, extra lines from 12. */
const FIRST_EXTRA_LINE = 12;

describe("rules", () => {
  it("accepts the reference cluster", () => {
    expect(codes(model(PG_TEST).diagnostics, "error")).toEqual([]);
  });

  it.each([
    ["PG-Test", "rule.cluster-name"], ["1pg", "rule.cluster-name"], ["pg_test", "rule.cluster-name"], ["root", "rule.cluster-name"],
  ])("cluster name %s is rejected", (name, code) => {
    const r = model(PG_TEST.replace("pg_cluster: pg-test", `pg_cluster: ${name}`));
    expect(find(r.diagnostics, code)[0]!.source!.line).toBe(11);
  });

  it("pg_seq must be unique in its cluster, pg_seq and pg_role present", () => {
    const r = model(PG_TEST.replace("{ pg_seq: 2, pg_role: replica }", "{ pg_seq: 1, pg_role: replica }").replace("pg_seq: 3, pg_role: replica, ", ""));
    const dup = find(r.diagnostics, "rule.instance-identity", "used twice")[0]!;
    expect(dup.source!.line).toBe(8);
    expect(dup.related![0]!.line).toBe(7);
    expect(find(r.diagnostics, "rule.instance-identity", "no `pg_seq`")[0]!.source!.line).toBe(9);
    expect(find(r.diagnostics, "rule.instance-identity", "no `pg_role`")[0]!.source!.line).toBe(9);
  });

  it("pg_seq must be a non-negative integer and pg_role a known role", () => {
    const r = model(PG_TEST.replace("pg_seq: 2", "pg_seq: two").replace("pg_role: replica }", "pg_role: replcia }"));
    const errs = find(r.diagnostics, "param.invalid");
    expect(errs.map((d) => d.source!.line)).toEqual([8, 8]);
    expect(errs.find((d) => d.summary.includes("pg_role"))!.hint).toContain("did you mean `replica`");
  });

  it("a cluster has exactly one primary", () => {
    const none = model(PG_TEST.replace("pg_role: primary", "pg_role: replica"));
    expect(find(none.diagnostics, "rule.one-primary", "no primary")[0]!.source!.line).toBe(11);
    const two = model(PG_TEST.replace("pg_seq: 2, pg_role: replica", "pg_seq: 2, pg_role: primary"));
    const d = find(two.diagnostics, "rule.one-primary")[0]!;
    expect(d.summary).toContain("2 primaries");
    expect(d.source!.line).toBe(8);
  });

  it("a cluster of thousands of members is named by a sample of them, not all", () => {
    const hosts = Array.from({ length: 2000 }, (_, i) => `        10.9.${i >> 8}.${i & 255}: { pg_seq: ${i + 1}, pg_role: replica }`).join("\n");
    const r = model(`all:\n  children:\n    pg-big:\n      hosts:\n${hosts}\n      vars: { pg_cluster: pg-big }\n`);
    const d = find(r.diagnostics, "rule.one-primary", "no primary")[0]!;
    expect(d.detail).toBe(`members: ${Array.from({ length: 10 }, (_, i) => `10.9.0.${i} (seq ${i + 1}, replica)`).join(", ")}, … (2000 in all)`);
  });

  it("a standby cluster: the primary's pg_upstream points outside, a replica's inside", () => {
    const ok = model(PG_TEST.replace("{ pg_seq: 1, pg_role: primary }", "{ pg_seq: 1, pg_role: primary, pg_upstream: 10.10.10.99 }"));
    expect(codes(ok.diagnostics, "error")).toEqual([]);
    const self = model(PG_TEST.replace("{ pg_seq: 1, pg_role: primary }", "{ pg_seq: 1, pg_role: primary, pg_upstream: 10.10.10.12 }"));
    expect(find(self.diagnostics, "rule.upstream")[0]!.source!.line).toBe(7);
    const outside = model(PG_TEST.replace("{ pg_seq: 2, pg_role: replica }", "{ pg_seq: 2, pg_role: replica, pg_upstream: 10.10.10.99 }"));
    expect(find(outside.diagnostics, "rule.upstream", "not a member")[0]!.source).toMatchObject({ line: 8, column: 66 });
    const cascade = model(PG_TEST.replace("{ pg_seq: 3, pg_role: replica,", "{ pg_seq: 3, pg_role: replica, pg_upstream: 10.10.10.12,"));
    expect(codes(cascade.diagnostics, "error")).toEqual([]);
  });

  it("pg_delay without a standby leader is a warning", () => {
    const r = model(withVars("pg_delay: 1h"));
    expect(find(r.diagnostics, "rule.upstream", "no effect")[0]!.severity).toBe("warning");
  });

  it("citus clusters need pg_shard and pg_group", () => {
    const r = model(withVars("pg_mode: citus"));
    expect(find(r.diagnostics, "rule.citus-identity").map((d) => d.summary)).toEqual([
      "citus cluster `pg-test` has no `pg_group`", "citus cluster `pg-test` has no `pg_shard`",
    ]);
    expect(codes(model(withVars("pg_mode: citus\npg_shard: pg-test\npg_group: 0")).diagnostics, "error")).toEqual([]);
  });

  it("PostgreSQL hosts need an IP: a name without ansible_host is an error", () => {
    const r = model(PG_TEST.replace("10.10.10.13: {", "db3: {"));
    expect(find(r.diagnostics, "rule.node-address")[0]!.source!.line).toBe(9);
    expect(codes(model(PG_TEST.replace("10.10.10.13: {", "db3: { ansible_host: 10.10.10.13,")).diagnostics, "error")).toEqual([]);
  });

  it("user names follow ^[a-z_][a-z0-9_]{0,62}$ and their roles are identifiers", () => {
    const r = model(withVars("pg_users:\n  - { name: dbuser_ok, password: x }\n  - { name: Bad-User, password: x, roles: [dbrole_readonly, 'bad role'] }"));
    expect(find(r.diagnostics, "rule.user-name").map((d) => d.source!.line)).toEqual([FIRST_EXTRA_LINE + 2, FIRST_EXTRA_LINE + 2]);
  });

  it("object-form roles with admin/set/inherit/state are valid, a wrong type is not", () => {
    const ok = model(withVars("pg_users:\n  - name: dbuser_app\n    password: x\n    roles: [dbrole_readwrite, { name: dbrole_admin, admin: true }, { name: pg_monitor, set: false }, { name: old_role, state: absent }]"));
    expect(codes(ok.diagnostics, "error")).toEqual([]);
    const bad = model(withVars("pg_users:\n  - name: dbuser_app\n    password: x\n    roles: [{ name: dbrole_admin, admin: 'yes please' }]"));
    const d = find(bad.diagnostics, "param.invalid")[0]!;
    expect(d.summary).toContain("pg_users[0].roles[0]");
    expect(d.source!.line).toBe(FIRST_EXTRA_LINE + 3);
  });

  it("system users cannot be removed", () => {
    const r = model(withVars("pg_users:\n  - { name: dbuser_dba, state: absent }\n  - { name: dbuser_old, state: absent }"));
    const ds = find(r.diagnostics, "rule.protected-user");
    expect(ds.map((d) => d.summary)).toEqual(["system user `dbuser_dba` cannot be removed"]);
    expect(ds[0]!.source!.line).toBe(FIRST_EXTRA_LINE + 1);
  });

  it("warns about login users without a password and default passwords", () => {
    const r = model(withVars("pg_users: [{ name: dbuser_nopass }, { name: dbrole_x, login: false }]"));
    expect(find(r.diagnostics, "rule.login-without-password").map((d) => d.summary)).toEqual(["user `dbuser_nopass` can log in but has no password"]);
    const defaults = find(r.diagnostics, "rule.default-password");
    expect(defaults).toHaveLength(1);
    expect(defaults[0]!.summary).toContain("pg_admin_password");
    expect(defaults.every((d) => d.severity === "warning" && d.hint!.includes("before production"))).toBe(true);
    expect(defaults[0]!.source!.line).toBe(1); // never written: the top of the inventory (`all:`), not a host
    const written = find(model(withVars("pg_admin_password: DBUser.DBA")).diagnostics, "rule.default-password");
    expect(written[0]!.source!.line).toBe(FIRST_EXTRA_LINE); // written out: where it is written
  });

  it("database, owner, schema and extension names are checked", () => {
    const r = model(withVars("pg_databases:\n  - name: 'bad db'\n  - name: app\n    owner: 'x y'\n    schemas: [ok, 'not ok']\n    extensions: [{ name: 'bad ext!' }]\n  - name: app"));
    const lines = find(r.diagnostics, "rule.database-name").map((d) => d.source!.line);
    expect(lines).toEqual([FIRST_EXTRA_LINE + 1, FIRST_EXTRA_LINE + 3, FIRST_EXTRA_LINE + 4, FIRST_EXTRA_LINE + 5, FIRST_EXTRA_LINE + 6]);
  });

  it.each([
    ["addr: intranet2", "not an address alias"],
    ["addr: 10.0.0.0/33", "not an address alias"],
    ["addr: 300.1.1.1", "not an address alias"],
    ["auth: scram", "unknown auth"],
    ["role: leader", "unknown role"],
    ["addr: world, auth: peer", "only for local"],
    ["addr: local, auth: cert", "needs SSL"],
  ])("HBA rule with %s is rejected", (fields, text) => {
    const base = { addr: "intra", auth: "pwd", user: "all", db: "all" } as Record<string, string>;
    for (const f of fields.split(", ")) { const [k, v] = f.split(": "); base[k!] = v!; }
    const rule = `{ ${Object.entries(base).map(([k, v]) => `${k}: ${v}`).join(", ")} }`;
    const r = model(withVars(`pg_hba_rules:\n  - ${rule}`));
    const d = find(r.diagnostics, "rule.hba")[0] ?? find(r.diagnostics, "param.invalid")[0];
    expect(d?.summary).toContain(text);
    expect(d!.source!.line).toBe(FIRST_EXTRA_LINE + 1);
  });

  it.each([
    ["{ user: all, db: all, addr: 10.10.10.10, auth: pwd }"],
    ["{ user: all, db: all, addr: 'fd00::/8', auth: pwd }"],
    ["{ user: all, db: all, addr: '::1', auth: pwd }"],
    ["{ user: all, db: all, addr: cluster, auth: ssl, role: primary, order: 120 }"],
    ["{ user: '${dbsu}', db: all, addr: local, auth: peer }"],
    ["{ title: raw, role: offline, rules: ['host all all 10.0.0.0/8 scram-sha-256'] }"],
  ])("HBA rule %s is accepted", (rule) => {
    const r = model(withVars(`pg_hba_rules:\n  - ${rule}`));
    expect(r.diagnostics.filter((d) => d.code === "rule.hba" || d.code === "param.invalid")).toEqual([]);
  });

  it("pgbouncer rules cannot serve replication", () => {
    const r = model(withVars("pgb_hba_rules: [{ user: all, db: replication, addr: intra, auth: pwd }]"));
    expect(find(r.diagnostics, "rule.hba", "replication")[0]!.source!.line).toBe(FIRST_EXTRA_LINE);
  });

  it("service ports are unique per HAProxy node and selectors are JMESPath", () => {
    const r = model(withVars("pg_services:\n  - { name: standby, port: 5435, selector: '[]' }\n  - { name: other, port: 5433, selector: '[? pg_role == ' }"));
    const ds = find(r.diagnostics, "rule.service");
    expect(ds.map((d) => d.summary)).toContain("port 5433 of service `pg-test-other` is already used on `10.10.10.11` by `pg-test-primary`");
    expect(ds.some((d) => d.summary.startsWith("selector of service `pg-test-other` is not valid JMESPath"))).toBe(true);
    expect(ds.map((d) => d.source!.line)).toEqual([FIRST_EXTRA_LINE + 2, FIRST_EXTRA_LINE + 2]);
  });

  it("services delegated to a provider group share its ports across clusters", () => {
    const text = yaml`
      all:
        children:
          proxy: { hosts: { 10.10.10.2: {} } }
          pg-a:
            hosts: { 10.10.10.11: { pg_seq: 1, pg_role: primary } }
            vars: { pg_cluster: pg-a, pg_service_provider: proxy }
          pg-b:
            hosts: { 10.10.10.21: { pg_seq: 1, pg_role: primary } }
            vars: { pg_cluster: pg-b, pg_service_provider: proxy }
    `;
    const ds = find(model(text).diagnostics, "rule.service");
    expect(ds.length).toBeGreaterThan(0);
    expect(ds[0]!.summary).toMatch(/already used on `10.10.10.2` by `pg-a-/);
    expect(find(model(text.replace("pg_service_provider: proxy", "pg_service_provider: nope")).diagnostics, "rule.service", "not a group")).toHaveLength(1);
  });

  it("pg_vip_address must be a CIDR when the VIP is enabled", () => {
    const r = model(withVars("pg_vip_enabled: true\npg_vip_address: 10.10.10.3"));
    expect(find(r.diagnostics, "rule.vip")[0]!.source!.line).toBe(FIRST_EXTRA_LINE + 1);
    expect(find(model(withVars("pg_vip_enabled: true\npg_vip_address: 10.10.10.3/24")).diagnostics, "rule.vip")).toEqual([]);
  });

  it("ports must be in range", () => {
    const r = model(withVars("pg_port: 70000"));
    expect(find(r.diagnostics, "param.invalid")[0]!.source!.line).toBe(FIRST_EXTRA_LINE);
  });

  it("unknown keys: did-you-mean for near misses, silence for other modules' keys", () => {
    const r = model(withVars("pg_verison: 16\nredis_cluster: x\npg_whatever_this_is: 1"));
    const ds = find(r.diagnostics, "param.unknown");
    expect(ds.map((d) => [d.source!.line, d.hint])).toEqual([
      [FIRST_EXTRA_LINE, "did you mean `pg_version`?"],
      [FIRST_EXTRA_LINE + 2, "see docs/parameters.md for the parameters pgsty knows"],
    ]);
    expect(ds.every((d) => d.severity === "warning")).toBe(true);
  });

  it("unknown fields in objects are warnings with a suggestion", () => {
    const r = model(withVars("pg_users: [{ name: dbuser_x, password: x, superuesr: true }]"));
    const d = find(r.diagnostics, "param.unknown-field")[0]!;
    expect(d.severity).toBe("warning");
    expect(d.hint).toBe("did you mean `superuser`?");
  });

  it("reports every problem at once", () => {
    const r = model(withVars("pg_port: 70000\npg_users: [{ name: Bad }]\npg_hba_rules: [{ addr: nowhere }]"));
    expect(new Set(codes(r.diagnostics, "error"))).toEqual(new Set(["param.invalid", "rule.user-name", "rule.hba"]));
  });
});
