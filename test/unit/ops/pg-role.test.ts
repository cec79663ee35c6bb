import { PSQL_BINARY } from "../../../src/facts/pg-shell.js";
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { deferredSecret } from "../../../src/modules/deferred-secret.js";
import { scramVerifier } from "../../../src/modules/pgbouncer/scram.js";
import type { PresentRole } from "../../../src/modules/pgsql/objects/types.js";
import { pgRoleOp } from "../../../src/ops/pg-role.js";
import { planRole, type RoleState } from "../../../src/ops/pg-role-plan.js";
import type { SqlBatch } from "../../../src/ops/sql.js";
import type { TaskSpec } from "../../../src/plan/types.js";
import { facts, fakeConnector, fingerprint, KEY, liveRole, TARGET } from "./pg-helpers.js";

const role = (name: string, o: Partial<PresentRole> = {}): PresentRole => ({
  name, state: "present", comment: `business user ${name}`, memberships: [], parameters: {}, resetParameters: [], pgbouncer: false, ...o,
});
const NOW = 1_800_000_000;
const state = (o: Partial<RoleState> = {}): RoleState => ({ version: 150000, now: NOW, role: undefined, databases: ["postgres", "template1", "test"], ...o });
const sqlOf = (batches: readonly SqlBatch[]) => batches.map((b) => `[${b.database}${b.transaction ? "" : " no-tx"}] ${b.statements.map((s) => s.display).join("; ")}`);

const SALT = Buffer.alloc(16, 7);
const VERIFIER = scramVerifier("Secret.Pw", { salt: SALT });

describe("pg.role: create", () => {
  it("creates with every declared attribute, LOGIN by default, then comment, settings, memberships", () => {
    const p = planRole(role("dbuser_x", {
      superuser: false, createdb: true, connlimit: 5, password: VERIFIER, validUntil: { kind: "at", value: "2030-01-02" },
      parameters: { search_path: "app, public", statement_timeout: "30s" }, memberships: [{ role: "dbrole_readonly", state: "present" }, { role: "g", state: "present", admin: true }],
    }), state(), TARGET);
    expect(p.action).toBe("create");
    expect(sqlOf(p.batches)).toEqual([
      `[postgres] CREATE ROLE "dbuser_x" WITH LOGIN NOSUPERUSER CREATEDB CONNECTION LIMIT 5 PASSWORD (sensitive); ` +
        `ALTER ROLE "dbuser_x" VALID UNTIL '2030-01-02'; COMMENT ON ROLE "dbuser_x" IS 'business user dbuser_x'; ` +
        `ALTER ROLE "dbuser_x" SET "search_path" = 'app', 'public'; ALTER ROLE "dbuser_x" SET "statement_timeout" = '30s'; ` +
        `GRANT "dbrole_readonly" TO "dbuser_x"; GRANT "g" TO "dbuser_x" WITH ADMIN OPTION`,
    ]);
    expect(p.fields).toContainEqual({ field: "password", after: "(sensitive)" });
    expect(p.fields).toContainEqual({ field: "roles.g", after: "granted (admin=true)" });
    expect(JSON.stringify(p)).not.toContain("SCRAM-SHA-256$");
  });

  it("declared NOLOGIN wins; memberships on 16 carry INHERIT/SET; expire_in is computed by the server", () => {
    const p = planRole(role("dbrole_x", {
      login: false, validUntil: { kind: "in", expireInDays: 30 },
      memberships: [{ role: "pg_monitor", state: "present", admin: false, inherit: false, set: true }],
    }), state({ version: 160002 }), TARGET);
    expect(sqlOf(p.batches)).toEqual([
      `[postgres] CREATE ROLE "dbrole_x" WITH NOLOGIN; ` +
        `DO 'BEGIN EXECUTE format(''ALTER ROLE %I VALID UNTIL %L'', ''dbrole_x'', to_char(current_date + 30, ''YYYY-MM-DD'')); END'; ` +
        `COMMENT ON ROLE "dbrole_x" IS 'business user dbrole_x'; GRANT "pg_monitor" TO "dbrole_x" WITH ADMIN FALSE, INHERIT FALSE, SET TRUE`,
    ]);
    expect(p.fields).toContainEqual({ field: "validUntil", after: "in 30 days" });
  });

  it("leaves INHERIT/SET out before 16 and where flagged unsupported", () => {
    const m = { role: "g", state: "present" as const, inherit: false, set: false };
    expect(sqlOf(planRole(role("u", { memberships: [m] }), state(), TARGET).batches)[0]).toMatch(/; GRANT "g" TO "u"$/);
    const v16 = planRole(role("u", { memberships: [{ ...m, unsupported: ["set"] }] }), state({ version: 160000 }), TARGET);
    expect(sqlOf(v16.batches)[0]).toMatch(/GRANT "g" TO "u" WITH INHERIT FALSE$/);
  });

  it("quotes hostile names by construction", () => {
    const p = planRole(role('a"b', { comment: "x'; drop table y; --", memberships: [{ role: "x'; drop table y; --", state: "present" }], parameters: { 'we"ird.set': "v'" } }), state(), TARGET);
    expect(sqlOf(p.batches)).toEqual([
      `[postgres] CREATE ROLE "a""b" WITH LOGIN; COMMENT ON ROLE "a""b" IS 'x''; drop table y; --'; ` +
        `ALTER ROLE "a""b" SET "we""ird"."set" = 'v'''; GRANT "x'; drop table y; --" TO "a""b"`,
    ]);
  });
});

describe("pg.role: existing role", () => {
  it("is a no-op when everything declared matches (password checked through the fingerprint)", () => {
    const live = liveRole("u", { password: fingerprint(VERIFIER), connlimit: 5, createdb: true, settings: new Map([["search_path", '"$user", public']]) });
    const p = planRole(role("u", { password: VERIFIER, connlimit: 5, createdb: true, parameters: { search_path: "$user,public" } }), state({ role: live }), TARGET);
    expect(p).toEqual({ action: "noop", fields: [], batches: [] });
  });

  it("a plaintext password matches the verifier made from it with the live salt", () => {
    const live = liveRole("u", { password: fingerprint(VERIFIER) });
    expect(planRole(role("u", { password: "Secret.Pw" }), state({ role: live }), TARGET).action).toBe("noop");
    expect(planRole(role("u", { password: "Other.Pw" }), state({ role: live }), TARGET).action).toBe("update");
  });

  it("compares a deferred token by its value, computed in memory only", () => {
    const token = deferredSecret(["pg-role-test", "u"], () => VERIFIER);
    expect(planRole(role("u", { password: token }), state({ role: liveRole("u", { password: fingerprint(VERIFIER) }) }), TARGET).action).toBe("noop");
    const other = scramVerifier("Secret.Pw", { salt: Buffer.alloc(16, 9) }); // same password, another salt: pgbouncer needs this exact one
    const p = planRole(role("u", { password: token }), state({ role: liveRole("u", { password: fingerprint(other) }) }), TARGET);
    expect(p.fields).toEqual([{ field: "password", before: "(sensitive)", after: "(sensitive)" }]);
    expect(sqlOf(p.batches)).toEqual([`[postgres] ALTER ROLE "u" PASSWORD (sensitive)`]);
    expect(p.batches[0]!.statements[0]!.reveal()).toBe(`ALTER ROLE "u" PASSWORD '${VERIFIER}'`);
    expect(JSON.stringify(p)).not.toContain(VERIFIER);
  });

  it("md5: a hash must be stored as is; a plaintext matches md5(password + name)", () => {
    const md5 = `md5${createHash("md5").update("pw" + "u").digest("hex")}`;
    const live = state({ role: liveRole("u", { password: fingerprint(md5) }) });
    expect(planRole(role("u", { password: md5 }), live, TARGET).action).toBe("noop");
    expect(planRole(role("u", { password: "pw" }), live, TARGET).action).toBe("noop");
    expect(planRole(role("u", { password: "other" }), live, TARGET).action).toBe("update");
  });

  it("alters only the fields that differ", () => {
    const live = liveRole("u", {
      login: true, superuser: true, connlimit: 3, comment: "old", settings: new Map([["work_mem", "4MB"], ["gone", "x"]]),
      memberships: [{ role: "a", admin: true, inherit: null, set: null }, { role: "b", admin: false, inherit: null, set: null }, { role: "c", admin: false, inherit: null, set: null }],
    });
    const p = planRole(role("u", {
      login: true, superuser: false, inherit: true, connlimit: 10, comment: "new", parameters: { work_mem: "64MB" }, resetParameters: ["gone", "never"],
      memberships: [{ role: "a", state: "present", admin: false }, { role: "b", state: "present", admin: true }, { role: "c", state: "absent" }, { role: "d", state: "absent" }],
    }), state({ role: live }), TARGET);
    expect(p.action).toBe("update");
    expect(p.fields.map((f) => f.field)).toEqual(["superuser", "connlimit", "comment", "parameters.work_mem", "parameters.gone", "roles.a", "roles.b", "roles.c"]);
    expect(sqlOf(p.batches)).toEqual([
      `[postgres] ALTER ROLE "u" WITH NOSUPERUSER CONNECTION LIMIT 10; COMMENT ON ROLE "u" IS 'new'; ` +
        `ALTER ROLE "u" SET "work_mem" = '64MB'; ALTER ROLE "u" RESET "gone"; ` +
        `REVOKE ADMIN OPTION FOR "a" FROM "u"; GRANT "b" TO "u" WITH ADMIN OPTION; REVOKE "c" FROM "u"`,
    ]);
    expect(p.fields).toContainEqual({ field: "roles.c", before: "granted" });
    expect(p.fields).toContainEqual({ field: "roles.a", before: "granted (admin=true)", after: "granted (admin=false)" });
  });

  it("login is on unless declared off: NOLOGIN made by hand is drift; other attributes left out are not managed", () => {
    const p = planRole(role("u"), state({ role: liveRole("u", { login: false, createdb: true }) }), TARGET);
    expect(p.fields.map((f) => [f.field, f.before, f.after])).toEqual([["login", false, true]]);
    expect(sqlOf(p.batches)).toEqual([`[postgres] ALTER ROLE "u" WITH LOGIN`]);
    expect(planRole(role("u", { login: false }), state({ role: liveRole("u", { login: false }) }), TARGET).action).toBe("noop");
  });

  it("PostgreSQL 16: options set to true are granted together, false ones revoked one by one", () => {
    const live = liveRole("u", { memberships: [{ role: "g", admin: false, inherit: true, set: true }] });
    const p = planRole(role("u", { memberships: [{ role: "g", state: "present", admin: true, inherit: false, set: false }] }), state({ version: 160000, role: live }), TARGET);
    expect(sqlOf(p.batches)).toEqual([
      `[postgres] GRANT "g" TO "u" WITH ADMIN TRUE; REVOKE INHERIT OPTION FOR "g" FROM "u"; REVOKE SET OPTION FOR "g" FROM "u"`,
    ]);
  });

  it("VALID UNTIL: a date must match exactly; expire_in tolerates a day either way", () => {
    const at = role("u", { validUntil: { kind: "at", value: "2030-01-02" } });
    expect(planRole(at, state({ role: liveRole("u", { validUntil: "2030-01-02 00:00:00" }) }), TARGET).action).toBe("noop");
    const p = planRole(at, state({ role: liveRole("u", { validUntil: "2030-01-03 00:00:00" }) }), TARGET);
    expect(p.fields).toEqual([{ field: "validUntil", before: "2030-01-03 00:00:00", after: "2030-01-02" }]);
    const inf = role("u", { validUntil: { kind: "at", value: "infinity" } });
    expect(planRole(inf, state({ role: liveRole("u", { validUntil: "infinity" }) }), TARGET).action).toBe("noop");
    const in30 = role("u", { validUntil: { kind: "in", expireInDays: 30 } });
    const left = (days: number) => state({ role: liveRole("u", { validUntil: "x", validUntilEpoch: NOW + days * 86_400 }) });
    expect(planRole(in30, left(29.5), TARGET).action).toBe("noop");
    expect(planRole(in30, left(30.9), TARGET).action).toBe("noop");
    expect(planRole(in30, left(28.5), TARGET).action).toBe("update");
    expect(planRole(in30, left(32), TARGET).action).toBe("update");
    expect(planRole(in30, state({ role: liveRole("u", { validUntil: "infinity" }) }), TARGET).action).toBe("update");
  });

  it("an empty password is never set", () => {
    expect(planRole(role("u", { password: "" }), state({ role: liveRole("u") }), TARGET).action).toBe("noop");
  });
});

describe("pg.role: state absent", () => {
  const absent = { name: "dbuser_old", state: "absent" as const };

  it("is a no-op when the role does not exist", () => {
    expect(planRole(absent, state(), TARGET)).toMatchObject({ action: "noop", reason: "absent" });
  });

  it("drops safely: NOLOGIN, sessions ended, REASSIGN/DROP OWNED per database, DROP ROLE", () => {
    const p = planRole(absent, state({ role: liveRole("dbuser_old"), databases: ["postgres", "template1", "x'y"], version: 150000 }), TARGET);
    expect(p.action).toBe("delete");
    expect(sqlOf(p.batches)).toEqual([
      `[postgres] ALTER ROLE "dbuser_old" NOLOGIN; SELECT count(pg_terminate_backend(pid, 10000)) FROM pg_stat_activity WHERE usename = 'dbuser_old' AND pid <> pg_backend_pid()`,
      `[postgres] REASSIGN OWNED BY "dbuser_old" TO "postgres"; DROP OWNED BY "dbuser_old"`,
      `[template1] REASSIGN OWNED BY "dbuser_old" TO "postgres"; DROP OWNED BY "dbuser_old"`,
      `[x'y] REASSIGN OWNED BY "dbuser_old" TO "postgres"; DROP OWNED BY "dbuser_old"`,
      `[postgres] DROP ROLE IF EXISTS "dbuser_old"`,
    ]);
  });

  it.each([
    ["postgres", "postgres is a system user"],
    ["dbuser_dba", "dbuser_dba is a system user"],
    ["replicator", "replicator is a system user"],
    ["pg_monitor", "pg_monitor is a built-in role"],
  ])("refuses to drop %s", (name, why) => {
    const p = planRole({ name, state: "absent" }, state({ role: liveRole(name) }), TARGET);
    expect(p).toMatchObject({ action: "unknown", reason: `refusing to drop role ${name}: ${why}`, batches: [] });
  });

  it("refuses Pigsty's fixed names even when the system users are renamed", () => {
    const renamed = { ...TARGET, systemUsers: { ...TARGET.systemUsers, admin: "dba" } };
    expect(planRole({ name: "dbuser_dba", state: "absent" }, state({ role: liveRole("dbuser_dba") }), renamed).reason).toContain("Pigsty's protected users");
    expect(planRole({ name: "boot", state: "absent" }, state({ role: liveRole("boot", { oid: 10 }) }), renamed).reason).toContain("built-in role");
  });
});

describe("pg.role op", () => {
  const task = (a: object): TaskSpec => ({ step: "pgsql.user", op: "pg.role", key: String((a as { name: string }).name), args: { ...a }, sensitive: ["password"] });
  const rolesFact = (roles: ReturnType<typeof liveRole>[], o: object = {}) => ({ version: 150000, now: NOW, recovery: false, roles: new Map(roles.map((r) => [r.name, r])), ...o });

  it("needs pg.roles (and pg.databases to drop), keyed by the task's server", () => {
    expect(pgRoleOp.needs(task(role("u")))).toEqual([{ fact: "pg.roles", key: KEY }]);
    expect(pgRoleOp.needs(task({ name: "u", state: "absent" })).map((r) => r.fact)).toEqual(["pg.roles", "pg.databases"]);
    const custom = task({ ...role("u"), target: { dbsu: "pg", socketDir: "/tmp/s", port: 6000 } });
    expect(pgRoleOp.needs(custom)).toEqual([{ fact: "pg.roles", key: '["pg","/tmp/s",6000]' }]);
  });

  it("is unknown, never a change, when PostgreSQL is down or the fact failed; a no-op on a standby", () => {
    const t = task(role("u"));
    const down = pgRoleOp.observe(t, facts({ "pg.roles": { down: true, reason: "psql: error: no socket" } }));
    expect(pgRoleOp.diff(t, down)).toEqual({ action: "unknown", effect: "none", reason: "PostgreSQL not running yet (psql: error: no socket)" });
    expect(pgRoleOp.diff(t, pgRoleOp.observe(t, facts({}, { "pg.roles": "timeout" }))).reason).toBe("pg.roles could not be read: timeout");
    expect(pgRoleOp.diff(t, pgRoleOp.observe(t, facts({})))).toMatchObject({ action: "unknown", reason: "pg.roles was not read" });
    const standby = pgRoleOp.observe(t, facts({ "pg.roles": rolesFact([], { recovery: true }) }));
    expect(pgRoleOp.diff(t, standby)).toMatchObject({ action: "noop", reason: expect.stringMatching(/standby: objects are converged on the leader/) });
  });

  it("apply re-reads the facts, sends the SQL on stdin as the dbsu, and shows no password", async () => {
    const t = task(role("u", { password: "Plain'Secret" }));
    const conn = fakeConnector();
    const f = facts({ "pg.roles": rolesFact([]) });
    const d = pgRoleOp.diff(t, pgRoleOp.observe(t, f));
    expect(d).toMatchObject({ action: "create", effect: "none" });
    await pgRoleOp.apply({ connector: conn, refresh: async () => f }, t, d);
    expect(conn.calls).toHaveLength(1);
    const [call] = conn.calls;
    expect(call!.become).toBe("postgres");
    expect(call!.display).toBe("PGHOST=/var/run/postgresql PGPORT=5432 PGDATABASE=postgres PGCLIENTENCODING=UTF8 PGAPPNAME=pgsty " + PSQL_BINARY + " -X -v ON_ERROR_STOP=1 -q -At");
    expect(call!.text).not.toContain("Secret");
    expect(call!.stdin).toContain(`PASSWORD 'Plain''Secret'`);
    expect(call!.stdin).toMatch(/^SET standard_conforming_strings = on;\nBEGIN;\nSET LOCAL log_statement = 'none';\nSET LOCAL log_min_error_statement = 'panic';\nCREATE ROLE/);
  });

  it("a failed apply reports the masked SQL and psql's error with the secret scrubbed", async () => {
    const t = task(role("u", { password: "Plain.Secret" }));
    const conn = fakeConnector(() => ({ code: 3, stderr: "ERROR:  syntax error\nLINE 1: CREATE ROLE \"u\" WITH LOGIN PASSWORD 'Plain.Secret'" }));
    const f = facts({ "pg.roles": rolesFact([]) });
    const err = await pgRoleOp.apply({ connector: conn, refresh: async () => f }, t, pgRoleOp.diff(t, pgRoleOp.observe(t, f))).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect(String((err as Error).message)).toContain("PASSWORD (sensitive)");
    expect(JSON.stringify(err) + String((err as Error).message)).not.toContain("Plain.Secret");
  });

  it("apply refuses what the plan cannot do (a protected role)", async () => {
    const t = task({ name: "postgres", state: "absent" });
    const f = facts({ "pg.roles": rolesFact([liveRole("postgres", { oid: 10 })]), "pg.databases": { version: 150000, recovery: false, databases: new Map() } });
    await expect(pgRoleOp.apply({ connector: fakeConnector(), refresh: async () => f }, t, pgRoleOp.diff(t, pgRoleOp.observe(t, f)))).rejects.toThrow(/refusing to drop role postgres/);
  });
});
