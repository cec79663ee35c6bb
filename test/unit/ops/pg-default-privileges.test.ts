import { describe, expect, it } from "vitest";
import type { PgDefaultAcl } from "../../../src/facts/pg-objects.js";
import type { DefaultPrivilegeGrant, DesiredDefaultPrivileges } from "../../../src/modules/pgsql/objects/types.js";
import { effectivePrivileges, pgDefaultPrivilegesOp, planDefaultPrivileges, type GrantScope } from "../../../src/ops/pg-default-privileges.js";
import type { TaskSpec } from "../../../src/plan/types.js";
import { facts, fakeConnector } from "./pg-helpers.js";

type One = DefaultPrivilegeGrant & Pick<DesiredDefaultPrivileges, "role" | "databases">;
/** One creator with one grant (`o` overrides either part). */
const want = (o: Partial<One> = {}): DesiredDefaultPrivileges & GrantScope => {
  const { role = "postgres", databases = ["meta", "postgres"], ...g } = o;
  const grant: DefaultPrivilegeGrant = { objectType: "TABLES", grantee: "dbrole_readonly", action: "grant", privileges: ["SELECT"], grantOption: false, ...g };
  return { role, databases, grants: [grant], ...grant };
};
const creator = (grants: Partial<DefaultPrivilegeGrant>[], databases = ["meta"]): DesiredDefaultPrivileges => ({
  role: "postgres", databases, grants: grants.map((g) => ({ objectType: "TABLES", grantee: "dbrole_readonly", action: "grant", privileges: ["SELECT"], grantOption: false, ...g })),
});
const acl = (role: string, objectType: PgDefaultAcl["objectType"], items: [string, string, boolean?][], schema: string | null = null): PgDefaultAcl => ({
  role, schema, objectType, acl: items.map(([grantee, privilege, grantable]) => ({ grantee, privilege, grantable: grantable ?? false })),
});
const live = (m: Record<string, PgDefaultAcl[] | undefined>) => ({ databases: new Map(Object.entries(m)) });
const sqlOf = (p: ReturnType<typeof planDefaultPrivileges>) => p.batches.map((b) => `[${b.database}] ${b.statements.map((s) => s.display).join("; ")}`);

describe("pg.default_privileges: what the server applies", () => {
  it("without a global entry the built-in defaults hold: PUBLIC may EXECUTE functions and USE types", () => {
    expect(effectivePrivileges(want({ objectType: "FUNCTIONS", grantee: "PUBLIC", privileges: ["EXECUTE"] }), [])).toEqual([{ grantee: "PUBLIC", privilege: "EXECUTE", grantable: false }]);
    expect(effectivePrivileges(want({ objectType: "TYPES", grantee: "PUBLIC" }), [])).toHaveLength(1);
    expect(effectivePrivileges(want({ grantee: "PUBLIC" }), [])).toEqual([]);
    expect(effectivePrivileges(want({ grantee: "postgres" }), []).map((a) => a.privilege)).toContain("TRUNCATE");
  });

  it("a global entry replaces the defaults; a schema entry is read on its own", () => {
    const rows = [acl("postgres", "FUNCTIONS", [["postgres", "EXECUTE"]]), acl("postgres", "TABLES", [["dbrole_readonly", "SELECT"]], "app")];
    expect(effectivePrivileges(want({ objectType: "FUNCTIONS", grantee: "PUBLIC" }), rows)).toEqual([]);
    expect(effectivePrivileges(want({ schema: "app" }), rows)).toEqual([{ grantee: "dbrole_readonly", privilege: "SELECT", grantable: false }]);
    expect(effectivePrivileges(want(), rows)).toEqual([]);
    expect(effectivePrivileges(want({ role: "other", schema: "app" }), rows)).toEqual([]);
  });
});

describe("pg.default_privileges: plan", () => {
  it("grants what is missing, per database; created when none of it was there", () => {
    const p = planDefaultPrivileges(want({ privileges: ["INSERT", "SELECT", "UPDATE"] }), live({
      meta: [acl("postgres", "TABLES", [["dbrole_readonly", "SELECT"]])],
      postgres: [],
    }));
    expect(p.action).toBe("update");
    expect(sqlOf(p)).toEqual([
      `[meta] ALTER DEFAULT PRIVILEGES FOR ROLE "postgres" GRANT INSERT, UPDATE ON TABLES TO "dbrole_readonly"`,
      `[postgres] ALTER DEFAULT PRIVILEGES FOR ROLE "postgres" GRANT INSERT, SELECT, UPDATE ON TABLES TO "dbrole_readonly"`,
    ]);
    expect(p.fields).toEqual([
      { field: "meta: TABLES to dbrole_readonly", before: "SELECT", after: "INSERT, SELECT, UPDATE" },
      { field: "postgres: TABLES to dbrole_readonly", after: "INSERT, SELECT, UPDATE" },
    ]);
    expect(planDefaultPrivileges(want(), live({ meta: [], postgres: [] })).action).toBe("create");
  });

  it("a database not created yet has none: everything is granted (pgsql.db creates it first)", () => {
    const p = planDefaultPrivileges(want(), live({ meta: [], postgres: undefined }));
    expect(sqlOf(p)).toEqual([
      `[meta] ALTER DEFAULT PRIVILEGES FOR ROLE "postgres" GRANT SELECT ON TABLES TO "dbrole_readonly"`,
      `[postgres] ALTER DEFAULT PRIVILEGES FOR ROLE "postgres" GRANT SELECT ON TABLES TO "dbrole_readonly"`,
    ]);
  });

  it("is a no-op when granted everywhere; WITH GRANT OPTION needs the option", () => {
    const rows = [acl("postgres", "TABLES", [["dbrole_readonly", "SELECT"]])];
    expect(planDefaultPrivileges(want(), live({ meta: rows, postgres: rows }))).toEqual({ action: "noop", fields: [], batches: [] });
    const p = planDefaultPrivileges(want({ grantOption: true, databases: ["meta"] }), live({ meta: rows }));
    expect(sqlOf(p)).toEqual([`[meta] ALTER DEFAULT PRIVILEGES FOR ROLE "postgres" GRANT SELECT ON TABLES TO "dbrole_readonly" WITH GRANT OPTION`]);
    expect(p.fields).toEqual([{ field: "meta: TABLES to dbrole_readonly", before: "SELECT", after: "SELECT*" }]);
    const withOption = [acl("postgres", "TABLES", [["dbrole_readonly", "SELECT", true]])];
    expect(planDefaultPrivileges(want({ grantOption: true, databases: ["meta"] }), live({ meta: withOption })).action).toBe("noop");
    expect(planDefaultPrivileges(want({ databases: ["meta"] }), live({ meta: withOption })).action).toBe("noop");
  });

  it("revokes what is granted (the built-in EXECUTE of PUBLIC included), in a schema when asked", () => {
    const p = planDefaultPrivileges(want({ objectType: "FUNCTIONS", grantee: "PUBLIC", action: "revoke", privileges: ["EXECUTE"], databases: ["meta"] }), live({ meta: [] }));
    expect(sqlOf(p)).toEqual([`[meta] ALTER DEFAULT PRIVILEGES FOR ROLE "postgres" REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC`]);
    expect(p.fields).toEqual([{ field: "meta: FUNCTIONS to PUBLIC", before: "EXECUTE", after: "none" }]);
    const inSchema = want({ schema: "app", action: "revoke", databases: ["meta"] });
    expect(planDefaultPrivileges(inSchema, live({ meta: [] })).action).toBe("noop");
    expect(sqlOf(planDefaultPrivileges(inSchema, live({ meta: [acl("postgres", "TABLES", [["dbrole_readonly", "SELECT"]], "app")] })))).toEqual([
      `[meta] ALTER DEFAULT PRIVILEGES FOR ROLE "postgres" IN SCHEMA "app" REVOKE SELECT ON TABLES FROM "dbrole_readonly"`,
    ]);
  });

  it("quotes hostile names; refuses privileges that are not SQL keywords of the type", () => {
    const p = planDefaultPrivileges(want({ role: 'a"b', schema: "x'; drop table y; --", grantee: 'c"d', databases: ["meta"] }), live({ meta: [] }));
    expect(sqlOf(p)).toEqual([`[meta] ALTER DEFAULT PRIVILEGES FOR ROLE "a""b" IN SCHEMA "x'; drop table y; --" GRANT SELECT ON TABLES TO "c""d"`]);
    expect(() => planDefaultPrivileges(want({ privileges: ["SELECT; DROP TABLE x"] }), live({ meta: [] }))).toThrow(/is not a privilege on TABLES/);
    expect(() => planDefaultPrivileges(want({ objectType: "SCHEMAS", privileges: ["SELECT"] }), live({ meta: [] }))).toThrow(/is not a privilege on SCHEMAS/);
  });
});

describe("pg.default_privileges: one creator's grants together", () => {
  it("each database that lacks some gets one transaction of them all; a field per grantee and type that changes", () => {
    const p = planDefaultPrivileges(creator([
      { objectType: "FUNCTIONS", grantee: "dbrole_readonly", privileges: ["EXECUTE"] },
      { objectType: "SCHEMAS", grantee: "dbrole_readonly", privileges: ["USAGE"] },
      { objectType: "TABLES", grantee: "dbrole_readonly", privileges: ["SELECT"] },
    ], ["meta", "postgres"]), live({
      meta: [acl("postgres", "SCHEMAS", [["dbrole_readonly", "USAGE"]]), acl("postgres", "TABLES", [["dbrole_readonly", "SELECT"]])],
      postgres: [acl("postgres", "FUNCTIONS", [["dbrole_readonly", "EXECUTE"]]), acl("postgres", "SCHEMAS", [["dbrole_readonly", "USAGE"]]), acl("postgres", "TABLES", [["dbrole_readonly", "SELECT"]])],
    }));
    expect(sqlOf(p)).toEqual([`[meta] ALTER DEFAULT PRIVILEGES FOR ROLE "postgres" GRANT EXECUTE ON FUNCTIONS TO "dbrole_readonly"`]);
    expect(p.fields).toEqual([{ field: "meta: FUNCTIONS to dbrole_readonly", after: "EXECUTE" }]);
    // some of what the creator's grants ask for was there: an update, not a creation
    expect(p.action).toBe("update");
    const fresh = planDefaultPrivileges(creator([{ objectType: "SCHEMAS", privileges: ["USAGE"] }, { privileges: ["SELECT"] }], ["meta", "postgres"]), live({ meta: [], postgres: [] }));
    expect(fresh.action).toBe("create");
    expect(fresh.batches.map((b) => [b.database, b.transaction, b.statements.length])).toEqual([["meta", true, 2], ["postgres", true, 2]]);
  });

  it("the grants of one grantee and type are one field: applied in turn, each to what the one before left", () => {
    // what REVOKE INSERT after GRANT SELECT, INSERT, and UPDATE WITH GRANT OPTION leave (objects-privileges.test.ts)
    const p = planDefaultPrivileges(creator([
      { grantee: "r", privileges: ["SELECT"] },
      { grantee: "r", privileges: ["UPDATE"], grantOption: true },
      { grantee: "r", action: "revoke", privileges: ["INSERT"] },
    ]), live({ meta: [acl("postgres", "TABLES", [["r", "INSERT"], ["r", "SELECT"]])] }));
    expect(sqlOf(p)).toEqual([
      `[meta] ALTER DEFAULT PRIVILEGES FOR ROLE "postgres" GRANT UPDATE ON TABLES TO "r" WITH GRANT OPTION; ALTER DEFAULT PRIVILEGES FOR ROLE "postgres" REVOKE INSERT ON TABLES FROM "r"`,
    ]);
    expect(p.fields).toEqual([{ field: "meta: TABLES to r", before: "INSERT, SELECT", after: "SELECT, UPDATE*" }]);
    expect(p.action).toBe("update");
  });

  it("a revoke makes an update even where nothing was granted before", () => {
    const p = planDefaultPrivileges(creator([{ objectType: "FUNCTIONS", grantee: "PUBLIC", action: "revoke", privileges: ["EXECUTE"] }]), live({ meta: [] }));
    expect(p.action).toBe("update");
  });

  it("in a schema: labelled with it, apart from the same grant everywhere", () => {
    const p = planDefaultPrivileges(creator([{ grantee: "r" }, { grantee: "r", schema: "app" }]), live({ meta: [acl("postgres", "TABLES", [["r", "SELECT"]])] }));
    expect(p.fields).toEqual([{ field: "meta: TABLES in app to r", after: "SELECT" }]);
    expect(sqlOf(p)).toEqual([`[meta] ALTER DEFAULT PRIVILEGES FOR ROLE "postgres" IN SCHEMA "app" GRANT SELECT ON TABLES TO "r"`]);
  });
});

describe("pg.default_privileges op", () => {
  const task = (p: DesiredDefaultPrivileges): TaskSpec => ({ step: "pgsql.db", op: "pg.default_privileges", key: "k", args: { role: p.role, databases: p.databases, grants: p.grants } });
  const per = (m: Record<string, PgDefaultAcl[]>, errors: Record<string, string> = {}) => ({ databases: new Map(Object.entries(m)), errors: new Map(Object.entries(errors)) });
  const server = (recovery = false) => ({ version: 150000, recovery, databases: new Map() });

  it("unknown when a listed database could not be read or PostgreSQL is down", () => {
    const t = task(want());
    expect(pgDefaultPrivilegesOp.diff(t, pgDefaultPrivilegesOp.observe(t, facts({ "pg.databases": server(), "pg.default_privileges": per({}, { meta: "boom" }) })))).toMatchObject({
      action: "unknown", reason: "database meta could not be read: boom",
    });
    expect(pgDefaultPrivilegesOp.diff(t, pgDefaultPrivilegesOp.observe(t, facts({ "pg.databases": server(), "pg.default_privileges": { down: true, reason: "x" } }))).action).toBe("unknown");
  });

  it("on a standby: a no-op (the leader converges them), and apply does nothing", async () => {
    const t = task(want());
    const f = facts({ "pg.databases": server(true), "pg.default_privileges": per({ meta: [], postgres: [] }) });
    expect(pgDefaultPrivilegesOp.diff(t, pgDefaultPrivilegesOp.observe(t, f))).toMatchObject({ action: "noop", reason: expect.stringMatching(/standby/) });
    const conn = fakeConnector();
    await pgDefaultPrivilegesOp.apply({ connector: conn, refresh: async () => f }, t, { action: "create", effect: "none" });
    expect(conn.calls).toEqual([]);
  });

  it("apply runs one transaction per database that needs it", async () => {
    const t = task(want());
    const f = facts({ "pg.databases": server(), "pg.default_privileges": per({ meta: [acl("postgres", "TABLES", [["dbrole_readonly", "SELECT"]])], postgres: [] }) });
    const conn = fakeConnector();
    await pgDefaultPrivilegesOp.apply({ connector: conn, refresh: async () => f }, t, pgDefaultPrivilegesOp.diff(t, pgDefaultPrivilegesOp.observe(t, f)));
    expect(conn.calls.map((c) => c.display)).toEqual([expect.stringContaining("PGDATABASE=postgres ")]);
    expect(conn.calls[0]!.stdin).toBe(
      `SET standard_conforming_strings = on;\nBEGIN;\nALTER DEFAULT PRIVILEGES FOR ROLE "postgres" GRANT SELECT ON TABLES TO "dbrole_readonly";\nCOMMIT;\n`,
    );
  });
});
