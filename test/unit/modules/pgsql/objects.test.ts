// Desired roles: default roles and system users, pg_users in every form, merging, expiry,
// settings, absent users, PG < 16 membership options; the bundle and its masking.
import { describe, expect, it } from "vitest";
import {
  desiredObjects,
  desiredRoles,
  maskObjects,
  type DesiredRole,
  type PresentRole,
} from "../../../../src/modules/pgsql/objects.js";
import { ctxOf, inventory, lineOf, present } from "./objects-helper.js";
import { contextFor } from "../context-helper.js";

const roles = (vars = "", globals?: string) => desiredRoles(ctxOf(vars, globals));
const role = (list: readonly DesiredRole[], name: string): PresentRole => present(list, name) as PresentRole;

describe("default roles and system users", () => {
  const { value, diagnostics } = roles();

  it("come in pg_default_roles order, without diagnostics", () => {
    expect(value.map((r) => r.name)).toEqual([
      "dbrole_readonly", "dbrole_offline", "dbrole_readwrite", "dbrole_admin", "postgres", "replicator", "dbuser_dba", "dbuser_monitor",
    ]);
    expect(diagnostics).toEqual([]);
  });

  it("dbrole_* are NOLOGIN groups with their memberships", () => {
    expect(role(value, "dbrole_readonly")).toEqual({
      name: "dbrole_readonly", state: "present", login: false, comment: "role for global read-only access",
      memberships: [], parameters: {}, resetParameters: [], pgbouncer: false,
    });
    expect(role(value, "dbrole_offline").login).toBe(false);
    expect(role(value, "dbrole_readwrite").memberships).toEqual([{ role: "dbrole_readonly", state: "present" }]);
    expect(role(value, "dbrole_admin").memberships).toEqual([
      { role: "dbrole_readwrite", state: "present" },
      { role: "pg_monitor", state: "present" },
    ]);
  });

  it("system users carry their kind and the password of their parameter", () => {
    expect(role(value, "replicator")).toMatchObject({
      systemUser: "replicator", replication: true, password: "DBUser.Replicator",
      memberships: [{ role: "dbrole_readonly", state: "present" }, { role: "pg_monitor", state: "present" }],
    });
    expect(role(value, "dbuser_dba")).toMatchObject({
      systemUser: "admin", superuser: true, password: "DBUser.DBA", pgbouncer: true, poolMode: "session", poolConnlimit: 16,
      memberships: [{ role: "dbrole_admin", state: "present" }],
    });
    expect(role(value, "dbuser_monitor")).toMatchObject({
      systemUser: "monitor", password: "DBUser.Monitor", pgbouncer: true, poolMode: "session", poolConnlimit: 8,
      parameters: { log_min_duration_statement: "1000" },
    });
    // pg_dbsu_password is empty by default: the dbsu's password is not managed
    expect(role(value, "postgres")).toMatchObject({ systemUser: "dbsu", superuser: true, comment: "system superuser" });
    expect(role(value, "postgres").password).toBeUndefined();
  });

  it("attributes a definition leaves out stay unmanaged", () => {
    const r = role(value, "dbuser_monitor");
    for (const k of ["login", "superuser", "createdb", "createrole", "inherit", "replication", "bypassrls", "connlimit", "validUntil"] as const) {
      expect(r[k]).toBeUndefined();
    }
  });

  it("a non-empty pg_dbsu_password is the dbsu's password", () => {
    expect(role(roles("", "pg_version: 16\npg_dbsu_password: Su.Secret").value, "postgres").password).toBe("Su.Secret");
  });
});

describe("configurable system user names (Appendix A 16)", () => {
  it("renames Pigsty's fixed names in pg_default_roles to the configured ones", () => {
    const { value, diagnostics } = roles("", `
      pg_version: 16
      pg_replication_username: repl
      pg_admin_username: dba
      pg_monitor_username: mon
      pg_replication_password: R.pw
    `);
    expect(value.map((r) => r.name)).toEqual([
      "dbrole_readonly", "dbrole_offline", "dbrole_readwrite", "dbrole_admin", "postgres", "repl", "dba", "mon",
    ]);
    expect(role(value, "repl")).toMatchObject({ systemUser: "replicator", replication: true, password: "R.pw", comment: "system replicator" });
    expect(role(value, "dba")).toMatchObject({ systemUser: "admin", superuser: true, poolConnlimit: 16 });
    expect(role(value, "mon")).toMatchObject({ systemUser: "monitor", parameters: { log_min_duration_statement: "1000" } });
    expect(diagnostics).toEqual([]);
  });

  it("keeps a default entry that already uses the configured name, and adds missing system users", () => {
    const { value } = roles(`
      pg_default_roles:
        - { name: dbrole_readonly, login: false }
        - { name: repl, replication: true, comment: our replicator }
        - { name: replicator, login: false }
    `, "pg_version: 16\npg_replication_username: repl");
    expect(value.map((r) => r.name)).toEqual(["dbrole_readonly", "repl", "replicator", "postgres", "dbuser_dba", "dbuser_monitor"]);
    expect(role(value, "repl")).toMatchObject({ systemUser: "replicator", comment: "our replicator" });
    expect(role(value, "replicator").systemUser).toBeUndefined();
    expect(role(value, "dbuser_dba")).toMatchObject({ systemUser: "admin", superuser: true, pgbouncer: true, password: "DBUser.DBA" });
    expect(role(value, "dbuser_monitor")).toMatchObject({ systemUser: "monitor", memberships: [{ role: "pg_monitor", state: "present" }] });
  });

  it("a system user cannot be absent: kept, with a warning", () => {
    const vars = `
      pg_default_roles:
        - { name: dbuser_monitor, state: absent }
    `;
    const { value, diagnostics } = roles(vars);
    expect(role(value, "dbuser_monitor").state).toBe("present");
    expect(diagnostics.map((d) => d.code)).toEqual(["objects.system-user"]);
    expect(diagnostics[0]!.source?.line).toBe(lineOf(inventory(vars), "state: absent"));
  });

  it("the password written for a system user in pg_users yields to its parameter, with a warning", () => {
    const vars = `
      pg_users:
        - { name: dbuser_dba, password: Other.pw, comment: dba }
    `;
    const { value, diagnostics } = roles(vars);
    expect(role(value, "dbuser_dba")).toMatchObject({ password: "DBUser.DBA", comment: "dba", superuser: true });
    expect(diagnostics.map((d) => d.code)).toEqual(["objects.system-password"]);
    expect(diagnostics[0]!.hint).toContain("pg_admin_password");
  });
});

describe("pg_users", () => {
  it("object-form memberships on PostgreSQL 16: admin, set, inherit, revoke", () => {
    const { value, diagnostics } = roles(`
      pg_users:
        - name: dbuser_app
          password: App.pw
          roles:
            - dbrole_readwrite
            - { name: dbrole_admin, admin: true }
            - { name: pg_monitor, set: false, inherit: false }
            - { name: pg_signal_backend, inherit: true, admin: false }
            - { name: old_role, state: absent }
            - { name: older_role, state: revoke, admin: true }
    `);
    expect(role(value, "dbuser_app").memberships).toEqual([
      { role: "dbrole_admin", state: "present", admin: true },
      { role: "dbrole_readwrite", state: "present" },
      { role: "old_role", state: "absent" },
      { role: "older_role", state: "absent" },
      { role: "pg_monitor", state: "present", inherit: false, set: false },
      { role: "pg_signal_backend", state: "present", admin: false, inherit: true },
    ]);
    expect(diagnostics).toEqual([]);
  });

  it("set/inherit before PostgreSQL 16 are flagged unsupported, with a warning at the item", () => {
    const vars = `
      pg_users:
        - name: dbuser_app
          password: App.pw
          roles:
            - { name: dbrole_admin, admin: true, set: true }
            - { name: pg_monitor, inherit: false }
    `;
    const { value, diagnostics } = roles(vars, "pg_version: 15");
    expect(role(value, "dbuser_app").memberships).toEqual([
      { role: "dbrole_admin", state: "present", admin: true, set: true, unsupported: ["set"] },
      { role: "pg_monitor", state: "present", inherit: false, unsupported: ["inherit"] },
    ]);
    expect(diagnostics.map((d) => [d.code, d.severity, d.source?.line])).toEqual([
      ["objects.membership-option", "warning", lineOf(inventory(vars), "name: dbrole_admin")],
      ["objects.membership-option", "warning", lineOf(inventory(vars), "name: pg_monitor")],
    ]);
    expect(diagnostics[0]!.summary).toContain("needs PostgreSQL 16; ignored on 15");
  });

  it("expire_at, expire_in (days from when applied) and their precedence", () => {
    const { value } = roles(`
      pg_users:
        - { name: u_at, password: x, expire_at: '2030-12-31' }
        - { name: u_inf, password: x, expire_at: infinity }
        - { name: u_in, password: x, expire_in: 30 }
        - { name: u_both, password: x, expire_in: 7, expire_at: '2030-01-01' }
        - { name: u_none, password: x }
    `);
    expect(role(value, "u_at").validUntil).toEqual({ kind: "at", value: "2030-12-31" });
    expect(role(value, "u_inf").validUntil).toEqual({ kind: "at", value: "infinity" });
    expect(role(value, "u_in").validUntil).toEqual({ kind: "in", expireInDays: 30 });
    expect(role(value, "u_both").validUntil).toEqual({ kind: "in", expireInDays: 7 });
    expect(role(value, "u_none").validUntil).toBeUndefined();
  });

  it("settings: text values, DEFAULT resets, null is skipped, sorted", () => {
    const { value } = roles(`
      pg_users:
        - name: u
          password: x
          parameters: { work_mem: 64MB, search_path: 'app, public', statement_timeout: DEFAULT, lock_timeout: default, x_null: null, jit: false, log_min_duration_statement: 1000 }
    `);
    const r = role(value, "u");
    expect(r.parameters).toEqual({ jit: "off", log_min_duration_statement: "1000", search_path: "app, public", work_mem: "64MB" });
    expect(Object.keys(r.parameters)).toEqual(["jit", "log_min_duration_statement", "search_path", "work_mem"]);
    expect(r.resetParameters).toEqual(["lock_timeout", "statement_timeout"]);
  });

  it("every attribute, the default comment, pgbouncer pool settings", () => {
    const { value } = roles(`
      pg_users:
        - { name: u, password: x, login: true, superuser: false, createdb: true, createrole: true, inherit: false, replication: true, bypassrls: true, connlimit: 5, pgbouncer: true, pool_mode: statement, pool_connlimit: 7 }
    `);
    expect(role(value, "u")).toEqual({
      name: "u", state: "present", login: true, superuser: false, createdb: true, createrole: true, inherit: false, replication: true,
      bypassrls: true, connlimit: 5, password: "x", comment: "business user u", memberships: [], parameters: {}, resetParameters: [],
      pgbouncer: true, poolMode: "statement", poolConnlimit: 7,
    });
  });

  it("state absent: only the name remains", () => {
    const { value } = roles("pg_users: [ { name: dbuser_old, state: absent, password: x, roles: [ dbrole_readonly ] } ]");
    expect(value.find((r) => r.name === "dbuser_old")).toEqual({ name: "dbuser_old", state: "absent" });
  });

  it("a later definition overrides an earlier one field by field, in first-definition order", () => {
    const vars = `
      pg_users:
        - { name: dbrole_offline, comment: offline role, roles: [ dbrole_readonly ] }
        - { name: u, password: a, expire_in: 10, parameters: { work_mem: 1MB, jit: off }, roles: [ { name: r1, admin: true }, r2 ] }
        - { name: u, expire_at: '2031-01-01', parameters: { work_mem: 2MB, jit: null }, roles: [ { name: r1, set: true }, { name: r2, state: absent } ] }
        - { name: gone, state: absent }
        - { name: gone, password: back }
    `;
    const { value, diagnostics } = roles(vars);
    expect(value.map((r) => r.name).slice(-3)).toEqual(["dbuser_monitor", "u", "gone"]);
    expect(role(value, "dbrole_offline")).toMatchObject({ login: false, comment: "offline role", memberships: [{ role: "dbrole_readonly", state: "present" }] });
    const u = role(value, "u");
    expect(u).toMatchObject({ password: "a", validUntil: { kind: "at", value: "2031-01-01" }, parameters: { jit: "off", work_mem: "2MB" } });
    expect(u.memberships).toEqual([{ role: "r1", state: "present", admin: true, set: true }, { role: "r2", state: "absent" }]);
    expect(role(value, "gone").password).toBe("back");
    expect(diagnostics.map((d) => d.code)).toEqual(["objects.duplicate-role", "objects.duplicate-role"]);
    expect(diagnostics[0]!.source?.line).toBe(lineOf(inventory(vars), "expire_at: '2031"));
  });
});

describe("desiredObjects and maskObjects", () => {
  const vars = `
    pg_users:
      - { name: dbuser_app, password: App.Secret, roles: [ dbrole_readwrite, dbrole_missing ] }
    pg_databases:
      - { name: app, owner: dbuser_app, schemas: [ { name: s, owner: nobody } ] }
  `;
  const { value, diagnostics } = desiredObjects(ctxOf(vars));

  it("bundles roles, databases, default privileges, system users and the field classification", () => {
    expect(value.cluster).toBe("pg-test");
    expect(value.pgVersion).toBe(16);
    expect(value.upstream).toBeUndefined();
    expect(value.systemUsers).toEqual({ dbsu: "postgres", replicator: "replicator", admin: "dbuser_dba", monitor: "dbuser_monitor" });
    expect(value.databases.map((d) => d.name)).toEqual(["template1", "postgres", "app"]);
    expect(value.defaultPrivileges.length).toBeGreaterThan(0);
    expect(value.databaseFields.createOnly).toContain("encoding");
  });

  it("warns about roles nothing declares (pg_* roles are predefined)", () => {
    expect(diagnostics.map((d) => d.summary)).toEqual([
      "role nobody (schemas of database app) is not declared in pg_default_roles or pg_users",
      "role dbrole_missing granted to dbuser_app is not declared in pg_default_roles or pg_users",
    ]);
    expect(diagnostics[1]!.source?.line).toBe(lineOf(inventory(vars), "dbrole_missing"));
  });

  it("masks every password and leaves the original alone", () => {
    const masked = maskObjects(value);
    const text = JSON.stringify(masked);
    for (const secret of ["App.Secret", "DBUser.DBA", "DBUser.Monitor", "DBUser.Replicator"]) expect(text).not.toContain(secret);
    expect(role(masked.roles, "dbuser_app").password).toBe("(sensitive)");
    expect(role(masked.roles, "postgres").password).toBeUndefined();
    expect(role(value.roles, "dbuser_app").password).toBe("App.Secret");
  });

  it("a standby cluster carries its upstream", () => {
    const ctx = contextFor(inventory("").replace("pg_role: primary }", "pg_role: primary, pg_upstream: 10.10.10.99 }"), "10.10.10.11");
    expect(desiredObjects(ctx).value.upstream).toBe("10.10.10.99");
  });
});
