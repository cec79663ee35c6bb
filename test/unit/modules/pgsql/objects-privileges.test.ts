// Default privileges: every default entry parses, the grammar's variants and rejections, the
// in-order fold (REVOKE after GRANT), the object creators and databases, diagnostics not throws.
import { describe, expect, it } from "vitest";
import { DEFAULTS } from "../../../../src/model/schema/index.js";
import {
  desiredDefaultPrivileges,
  parseDefaultPrivilege,
  type DefaultPrivilegeRule,
} from "../../../../src/modules/pgsql/objects.js";
import { ctxOf, inventory, lineOf } from "./objects-helper.js";

const rule = (action: "grant" | "revoke", privileges: string[], objectType: DefaultPrivilegeRule["objectType"], grantee: string, more: Partial<DefaultPrivilegeRule> = {}): DefaultPrivilegeRule =>
  ({ action, schemas: [], objectType, privileges, grantees: [grantee], grantOption: false, ...more });

const DEFAULT_ENTRIES: [string, DefaultPrivilegeRule][] = [
  ["GRANT USAGE ON SCHEMAS TO dbrole_readonly", rule("grant", ["USAGE"], "SCHEMAS", "dbrole_readonly")],
  ["GRANT SELECT ON TABLES TO dbrole_readonly", rule("grant", ["SELECT"], "TABLES", "dbrole_readonly")],
  ["GRANT SELECT ON SEQUENCES TO dbrole_readonly", rule("grant", ["SELECT"], "SEQUENCES", "dbrole_readonly")],
  ["GRANT EXECUTE ON FUNCTIONS TO dbrole_readonly", rule("grant", ["EXECUTE"], "FUNCTIONS", "dbrole_readonly")],
  ["GRANT USAGE ON SCHEMAS TO dbrole_offline", rule("grant", ["USAGE"], "SCHEMAS", "dbrole_offline")],
  ["GRANT SELECT ON TABLES TO dbrole_offline", rule("grant", ["SELECT"], "TABLES", "dbrole_offline")],
  ["GRANT SELECT ON SEQUENCES TO dbrole_offline", rule("grant", ["SELECT"], "SEQUENCES", "dbrole_offline")],
  ["GRANT EXECUTE ON FUNCTIONS TO dbrole_offline", rule("grant", ["EXECUTE"], "FUNCTIONS", "dbrole_offline")],
  ["GRANT INSERT ON TABLES TO dbrole_readwrite", rule("grant", ["INSERT"], "TABLES", "dbrole_readwrite")],
  ["GRANT UPDATE ON TABLES TO dbrole_readwrite", rule("grant", ["UPDATE"], "TABLES", "dbrole_readwrite")],
  ["GRANT DELETE ON TABLES TO dbrole_readwrite", rule("grant", ["DELETE"], "TABLES", "dbrole_readwrite")],
  ["GRANT USAGE ON SEQUENCES TO dbrole_readwrite", rule("grant", ["USAGE"], "SEQUENCES", "dbrole_readwrite")],
  ["GRANT UPDATE ON SEQUENCES TO dbrole_readwrite", rule("grant", ["UPDATE"], "SEQUENCES", "dbrole_readwrite")],
  ["GRANT TRUNCATE ON TABLES TO dbrole_admin", rule("grant", ["TRUNCATE"], "TABLES", "dbrole_admin")],
  ["GRANT REFERENCES ON TABLES TO dbrole_admin", rule("grant", ["REFERENCES"], "TABLES", "dbrole_admin")],
  ["GRANT TRIGGER ON TABLES TO dbrole_admin", rule("grant", ["TRIGGER"], "TABLES", "dbrole_admin")],
  ["GRANT CREATE ON SCHEMAS TO dbrole_admin", rule("grant", ["CREATE"], "SCHEMAS", "dbrole_admin")],
];

describe("parseDefaultPrivilege", () => {
  it("the table covers every default entry", () => {
    expect(DEFAULT_ENTRIES.map(([t]) => t)).toEqual(DEFAULTS.pg_default_privileges);
  });

  it.each(DEFAULT_ENTRIES)("%s", (text, expected) => {
    expect(parseDefaultPrivilege(text)).toEqual({ ok: true, rule: expected });
  });

  it.each<[string, DefaultPrivilegeRule]>([
    ["GRANT DELETE, insert,UPDATE ON TABLES TO dbrole_admin", rule("grant", ["INSERT", "UPDATE", "DELETE"], "TABLES", "dbrole_admin")],
    ["grant select on tables to Reporting;", rule("grant", ["SELECT"], "TABLES", "reporting")],
    ['GRANT SELECT ON TABLES TO "Mixed ""Case"""', rule("grant", ["SELECT"], "TABLES", 'Mixed "Case"')],
    ["GRANT USAGE ON TYPES TO public", rule("grant", ["USAGE"], "TYPES", "PUBLIC")],
    ["GRANT EXECUTE ON ROUTINES TO GROUP a, b", { ...rule("grant", ["EXECUTE"], "FUNCTIONS", "a"), grantees: ["a", "b"] }],
    ["IN SCHEMA app, \"Ops\" GRANT SELECT ON SEQUENCES TO r WITH GRANT OPTION", rule("grant", ["SELECT"], "SEQUENCES", "r", { schemas: ["app", "Ops"], grantOption: true })],
    ["GRANT ALL ON SEQUENCES TO r", rule("grant", ["SELECT", "UPDATE", "USAGE"], "SEQUENCES", "r")],
    ["GRANT ALL PRIVILEGES ON TABLES TO r", rule("grant", ["INSERT", "SELECT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"], "TABLES", "r")],
    ["REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC CASCADE", rule("revoke", ["EXECUTE"], "FUNCTIONS", "PUBLIC")],
    ["REVOKE GRANT OPTION FOR SELECT ON TABLES FROM r RESTRICT", rule("revoke", ["SELECT"], "TABLES", "r", { grantOption: true })],
  ])("variant: %s", (text, expected) => {
    expect(parseDefaultPrivilege(text, 16)).toEqual({ ok: true, rule: expected });
  });

  it("ALL and MAINTAIN follow the version", () => {
    const all17 = parseDefaultPrivilege("GRANT ALL ON TABLES TO r", 17);
    expect(all17.ok && all17.rule.privileges.at(-1)).toBe("MAINTAIN");
    expect(parseDefaultPrivilege("GRANT MAINTAIN ON TABLES TO r", 17).ok).toBe(true);
    expect(parseDefaultPrivilege("GRANT MAINTAIN ON TABLES TO r", 16)).toEqual({ ok: false, problem: "MAINTAIN needs PostgreSQL 17 (pg_version is 16)" });
  });

  it.each<[string, string]>([
    ["", "expected GRANT or REVOKE, found nothing"],
    ["SELECT ON TABLES TO r", "expected GRANT or REVOKE, found `SELECT`"],
    ["FOR ROLE x GRANT SELECT ON TABLES TO r", "FOR ROLE is not part of the entry: pgsty adds it for each object creator"],
    ["GRANT SELECT ON TABLE TO r", "expected TABLES, SEQUENCES, FUNCTIONS, ROUTINES, TYPES or SCHEMAS, found `TABLE`"],
    ["GRANT EXECUTE ON TABLES TO r", "EXECUTE is not a privilege on TABLES (INSERT, SELECT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER, MAINTAIN)"],
    ["GRANT SELECT ON TABLES", "expected TO and the grantee"],
    ["GRANT SELECT ON TABLES TO", "expected a grantee (a role name or PUBLIC)"],
    ["GRANT SELECT TABLES TO r", "expected ON, found `TABLES`"],
    ["GRANT ON TABLES TO r", "expected a privilege (SELECT, INSERT, USAGE, EXECUTE, …)"],
    ["GRANT SELECT ON TABLES TO r extra", "unexpected `extra` after the grantee"],
    ["GRANT SELECT ON TABLES FROM r", "expected TO and the grantee"],
    ["REVOKE SELECT ON TABLES TO r", "expected FROM and the grantee"],
    ["GRANT SELECT ON TABLES TO r WITH ADMIN OPTION", "expected WITH GRANT OPTION"],
    ["IN SCHEMA app GRANT USAGE ON SCHEMAS TO r", "IN SCHEMA cannot be used with ON SCHEMAS"],
    ["IN app GRANT USAGE ON TYPES TO r", "expected SCHEMA after IN"],
    ['GRANT SELECT ON TABLES TO "r', "unterminated quoted name at column 27"],
  ])("rejects %j", (text, problem) => {
    expect(parseDefaultPrivilege(text)).toEqual({ ok: false, problem });
  });
});

describe("desiredDefaultPrivileges", () => {
  it("defaults: 12 grants per creator (dbsu, admin, dbrole_admin) in template1 and postgres, one list for all", () => {
    const { value, diagnostics } = desiredDefaultPrivileges(ctxOf());
    expect(diagnostics).toEqual([]);
    expect(value.map((p) => `${p.role}: ${p.databases.join(",")}`)).toEqual(["dbrole_admin: postgres,template1", "dbuser_dba: postgres,template1", "postgres: postgres,template1"]);
    const mine = value.find((p) => p.role === "postgres")!;
    expect(mine.grants.map((g) => `${g.objectType} ${g.grantee} ${g.privileges.join(",")}`)).toEqual([
      "FUNCTIONS dbrole_offline EXECUTE",
      "FUNCTIONS dbrole_readonly EXECUTE",
      "SCHEMAS dbrole_admin CREATE",
      "SCHEMAS dbrole_offline USAGE",
      "SCHEMAS dbrole_readonly USAGE",
      "SEQUENCES dbrole_offline SELECT",
      "SEQUENCES dbrole_readonly SELECT",
      "SEQUENCES dbrole_readwrite UPDATE,USAGE",
      "TABLES dbrole_admin TRUNCATE,REFERENCES,TRIGGER",
      "TABLES dbrole_offline SELECT",
      "TABLES dbrole_readonly SELECT",
      "TABLES dbrole_readwrite INSERT,UPDATE,DELETE",
    ]);
    expect(mine.grants[0]).toEqual({ objectType: "FUNCTIONS", grantee: "dbrole_offline", action: "grant", privileges: ["EXECUTE"], grantOption: false });
    // the creators share the folded list: a cluster's grants are parsed and kept once
    expect(value.every((p) => p.grants === mine.grants)).toBe(true);
  });

  it("database owners get them in the databases they own; configured admin name; absent databases excluded", () => {
    const { value } = desiredDefaultPrivileges(ctxOf(`
      pg_users: [ { name: app, password: x }, { name: other, password: y } ]
      pg_databases:
        - { name: a1, owner: app }
        - { name: a2, owner: app }
        - { name: p1, owner: postgres }
        - { name: gone, owner: other, state: absent }
      pg_default_privileges: [ GRANT SELECT ON TABLES TO dbrole_readonly ]
    `, "pg_version: 16\npg_admin_username: dba"));
    expect(value.map((p) => `${p.role}: ${p.databases.join(",")}`)).toEqual([
      "app: a1,a2",
      "dba: a1,a2,p1,postgres,template1",
      "dbrole_admin: a1,a2,p1,postgres,template1",
      "postgres: a1,a2,p1,postgres,template1",
    ]);
  });

  it("entries apply in order: a later REVOKE cancels a GRANT; grant options are tracked", () => {
    const { value } = desiredDefaultPrivileges(ctxOf(`
      pg_default_privileges:
        - GRANT SELECT, INSERT ON TABLES TO r
        - REVOKE INSERT ON TABLES FROM r
        - GRANT UPDATE ON TABLES TO r WITH GRANT OPTION
        - GRANT USAGE ON SEQUENCES TO r WITH GRANT OPTION
        - REVOKE GRANT OPTION FOR USAGE ON SEQUENCES FROM r
        - REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC
        - IN SCHEMA app GRANT SELECT ON TABLES TO r
    `));
    const mine = value.find((p) => p.role === "postgres")!.grants;
    expect(mine).toEqual([
      { objectType: "FUNCTIONS", grantee: "PUBLIC", action: "revoke", privileges: ["EXECUTE"], grantOption: false },
      { objectType: "SEQUENCES", grantee: "r", action: "grant", privileges: ["USAGE"], grantOption: false },
      { objectType: "TABLES", grantee: "r", action: "grant", privileges: ["SELECT"], grantOption: false },
      { objectType: "TABLES", grantee: "r", action: "grant", privileges: ["UPDATE"], grantOption: true },
      { objectType: "TABLES", grantee: "r", action: "revoke", privileges: ["INSERT"], grantOption: false },
      { schema: "app", objectType: "TABLES", grantee: "r", action: "grant", privileges: ["SELECT"], grantOption: false },
    ]);
  });

  it("an entry that does not parse is an error diagnostic at its position; the others still apply", () => {
    const vars = `
      pg_default_privileges:
        - GRANT SELECT ON TABLES TO r
        - GRANT SELEC ON TABLES TO r
    `;
    const { value, diagnostics } = desiredDefaultPrivileges(ctxOf(vars));
    expect(value.find((p) => p.role === "postgres")!.grants).toHaveLength(1);
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({
      severity: "error",
      code: "objects.default-privilege",
      summary: "default privilege `GRANT SELEC ON TABLES TO r` does not parse: SELEC is not a privilege on TABLES (INSERT, SELECT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER)",
      source: { line: lineOf(inventory(vars), "SELEC ON") },
    });
  });

  it("dbrole_admin is a creator only when declared", () => {
    const { value } = desiredDefaultPrivileges(ctxOf("pg_default_roles: [ { name: dbrole_readonly, login: false } ]"));
    expect([...new Set(value.map((p) => p.role))]).toEqual(["dbuser_dba", "postgres"]);
  });

  it("an empty pg_default_privileges means none", () => {
    expect(desiredDefaultPrivileges(ctxOf("pg_default_privileges: []")).value).toEqual([]);
  });
});
