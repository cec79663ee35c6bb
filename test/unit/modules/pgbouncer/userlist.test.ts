// Who pgbouncer knows (src/modules/pgbouncer/userlist.ts): useropts.txt, userlist.txt users and
// secrets, key quoting, and the cluster whose verifiers a standby cluster holds.
import { describe, expect, it } from "vitest";
import { renderPgbouncer } from "../../../../src/modules/pgbouncer/pgbouncer.js";
import { derivedVerifier, verifyScram } from "../../../../src/modules/pgbouncer/scram.js";
import { iniKey, oneLine, roleSourceCluster, userlistEntries, useroptsLines } from "../../../../src/modules/pgbouncer/userlist.js";
import { contextFor } from "../context-helper.js";
import { ctxOf, fileOf, withVars } from "./helpers.js";

describe("useropts.txt", () => {
  it("has the default admin and monitor pool settings", () => {
    expect(useroptsLines(ctxOf())).toEqual(["dbuser_dba     = pool_mode=session max_user_connections=16", "dbuser_monitor = pool_mode=session max_user_connections=8"]);
  });
  it("adds business users with pool_mode or pool_connlimit, -1 as 0; not NOLOGIN roles or absent users", () => {
    const ctx = withVars(ctxOf(), {
      pg_users: [
        { name: "a", pool_mode: "statement" },
        { name: "b-x", pool_connlimit: -1 },
        { name: "c", login: false, pool_mode: "session" },
        { name: "d", state: "absent", pool_mode: "session" },
        { name: "e" },
      ],
    });
    expect(useroptsLines(ctx)).toEqual([
      "a              = pool_mode=statement",
      "b-x            = max_user_connections=0",
      "dbuser_dba     = pool_mode=session max_user_connections=16",
      "dbuser_monitor = pool_mode=session max_user_connections=8",
    ]);
  });
  it("is empty without pool settings", () => {
    const t = fileOf(ctxOf("pg_default_roles: []"), "useropts.txt").content;
    expect(t.split("\n").filter((l) => !l.startsWith(";") && l !== "")).toEqual([]);
  });
});

describe("userlist.txt", () => {
  const users = (vars: string, existing?: Map<string, string>) => userlistEntries(ctxOf(vars), existing);
  const names = (vars: string) => users(vars).map((e) => e.user);
  it("lists the dbsu (empty secret), admin, monitor and pgbouncer users with a password, sorted", () => {
    const vars = `pg_users:
  - { name: zed, password: Zed.Pass, pgbouncer: true }
  - { name: app, password: App.Pass, pgbouncer: true }
  - { name: nopool, password: X.Pass }
  - { name: nologin, password: X.Pass, pgbouncer: true, login: false }
  - { name: nopass, pgbouncer: true }
  - { name: gone, password: X.Pass, pgbouncer: true, state: absent }`;
    const list = users(vars);
    expect(list.map((e) => e.user)).toEqual(["app", "dbuser_dba", "dbuser_monitor", "postgres", "zed"]);
    expect(list.find((e) => e.user === "postgres")!.secret).toBe("");
    expect(list.find((e) => e.user === "app")!.secret).toBe(derivedVerifier("App.Pass", "app", "pg-test"));
    expect(verifyScram("Admin.Pass", list.find((e) => e.user === "dbuser_dba")!.secret)).toBe(true);
    expect(verifyScram("Mon.Pass", list.find((e) => e.user === "dbuser_monitor")!.secret)).toBe(true);
  });
  it("drops a user removed from the inventory", () => {
    expect(names("pg_users: [ { name: app, password: A.Pass, pgbouncer: true } ]")).toContain("app");
    expect(names("pg_users: []")).not.toContain("app");
  });
  it("gives the dbsu a verifier when pg_dbsu_password is set", () => {
    const e = users("pg_dbsu_password: Dbsu.Pass").find((x) => x.user === "postgres")!;
    expect(verifyScram("Dbsu.Pass", e.secret)).toBe(true);
  });
  it("leaves out system users without a password", () => {
    expect(names("pg_admin_password: ''")).toEqual(["dbuser_monitor", "postgres"]);
  });
  it("passes hashes written in the inventory through", () => {
    const md5 = "md504d6854b55cce9e2299d9c05c8625b18";
    expect(users(`pg_users: [ { name: legacy, password: ${md5}, pgbouncer: true } ]`).find((e) => e.user === "legacy")!.secret).toBe(md5);
  });
  it("keeps only system users with pgbouncer_auth_query", () => {
    expect(names("pgbouncer_auth_query: true\npg_users: [ { name: app, password: A.Pass, pgbouncer: true } ]")).toEqual([
      "dbuser_dba",
      "dbuser_monitor",
      "postgres",
    ]);
  });
  it("keeps an existing verifier that matches, replaces one that does not", () => {
    const old = derivedVerifier("A.Pass", "app", "other-cluster");
    const vars = "pg_users: [ { name: app, password: A.Pass, pgbouncer: true }, { name: b, password: B.Pass, pgbouncer: true } ]";
    const list = users(vars, new Map([["app", old], ["b", old]]));
    expect(list.find((e) => e.user === "app")!.secret).toBe(old);
    expect(list.find((e) => e.user === "b")!.secret).toBe(derivedVerifier("B.Pass", "b", "pg-test"));
  });
  it("writes quoted lines and never the plaintext", () => {
    const f = fileOf(withVars(ctxOf(), { pg_users: [{ name: 'we"ird', password: "Weird.Pass", pgbouncer: true }] }), "userlist.txt");
    const lines = f.content.trimEnd().split("\n");
    expect(lines).toHaveLength(4);
    expect(lines.every((l) => /^"([^"]|"")+" "[^"]*"$/.test(l))).toBe(true);
    expect(lines).toContain(`"postgres" ""`);
    expect(lines.some((l) => l.startsWith('"we""ird" "SCRAM-SHA-256$4096:'))).toBe(true);
    expect(f.content).not.toMatch(/Weird\.Pass|Admin\.Pass|Mon\.Pass/);
  });
  it("passes existing secrets given to renderPgbouncer", () => {
    const old = derivedVerifier("Admin.Pass", "dbuser_dba", "elsewhere");
    const f = renderPgbouncer(ctxOf(), { existingSecrets: new Map([["dbuser_dba", old]]) }).find((x) => x.path.endsWith("userlist.txt"))!;
    expect(f.content).toContain(`"dbuser_dba" "${old}"`);
  });
});

describe("helpers", () => {
  it("iniKey quotes all but _0-9A-Za-z.-", () => {
    expect(iniKey("a_B9.x-y")).toBe("a_B9.x-y");
    expect(iniKey("a$b")).toBe('"a$b"');
    expect(iniKey('a"b')).toBe('"a""b"');
  });
  it("oneLine refuses CR, LF and NUL", () => {
    expect(oneLine("ok", "x")).toBe("ok");
    for (const bad of ["a\nb", "a\rb", "a\0b"]) expect(() => oneLine(bad, "x")).toThrow(/line break/);
  });
});

describe("roleSourceCluster", () => {
  const inv = (delayUpstream: string, extra = "") => `all:
  vars: { admin_ip: 10.10.10.10 }
  children:
    pg-test: { hosts: { 10.10.10.11: { pg_seq: 1, pg_role: primary } }, vars: { pg_cluster: pg-test } }
    pg-delay: { hosts: { 10.10.10.15: { pg_seq: 1, pg_role: primary, pg_upstream: ${delayUpstream} } }, vars: { pg_cluster: pg-delay } }
${extra}`;
  it("is the cluster itself without an upstream", () => {
    expect(roleSourceCluster(contextFor(inv("10.10.10.11"), "10.10.10.11"))).toBe("pg-test");
  });
  it("is the upstream's cluster for a standby cluster, followed up a chain", () => {
    expect(roleSourceCluster(contextFor(inv("10.10.10.11"), "10.10.10.15"))).toBe("pg-test");
    const chain = inv("10.10.10.11", "    pg-far: { hosts: { 10.10.10.16: { pg_seq: 1, pg_role: primary, pg_upstream: 10.10.10.15 } }, vars: { pg_cluster: pg-far } }\n");
    expect(roleSourceCluster(contextFor(chain, "10.10.10.16"))).toBe("pg-test");
  });
  it("is the cluster itself when the upstream is outside the inventory", () => {
    expect(roleSourceCluster(contextFor(inv("192.168.1.1"), "10.10.10.15"))).toBe("pg-delay");
  });
  it("salts a standby cluster's verifiers like its upstream's", () => {
    const secret = (host: string) => userlistEntries(contextFor(inv("10.10.10.11"), host)).find((e) => e.user === "dbuser_dba")!.secret;
    expect(secret("10.10.10.15")).toBe(secret("10.10.10.11"));
  });
  it("stops on a cycle", () => {
    const ctx = contextFor(inv("10.10.10.11"), "10.10.10.11");
    const clusters = new Map(ctx.model.clusters);
    clusters.set("pg-test", { ...clusters.get("pg-test")!, upstream: "10.10.10.15" });
    expect(roleSourceCluster({ ...ctx, model: { ...ctx.model, clusters }, cluster: clusters.get("pg-test") })).toBe("pg-test");
  });
});
