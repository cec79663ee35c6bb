// pg.roles_undeclared: which live roles are drift, the diff in every state, apply's SQL (fake connector).
import { describe, expect, it } from "vitest";
import type { FactSet } from "../../../src/facts/fact.js";
import type { PgRole } from "../../../src/facts/pg-catalog.js";
import { pgRolesUndeclaredOp, undeclaredRoles } from "../../../src/ops/pg-roles-undeclared.js";
import type { TaskSpec } from "../../../src/plan/types.js";
import { facts, fakeConnector, KEY, liveDatabase, liveRole, TARGET } from "./pg-helpers.js";

const DECLARED = ["dbrole_readonly", "dbuser_app", "dbuser_dba", "dbuser_monitor", "dbuser_old", "postgres", "replicator"];
const task = (o: Record<string, unknown> = {}): TaskSpec => ({
  step: "pgsql.user", op: "pg.roles_undeclared", key: "pg-test", args: { declared: DECLARED, target: TARGET, ...o },
});
const rolesFact = (names: (string | PgRole)[], o: object = {}) => ({
  version: 150000, now: 1_800_000_000, recovery: false,
  roles: new Map(names.map((n) => (typeof n === "string" ? liveRole(n) : n)).map((r) => [r.name, r])), ...o,
});
const DATABASES = {
  version: 150000, recovery: false,
  databases: new Map([
    ["postgres", liveDatabase("postgres")], ["template0", liveDatabase("template0", { allowconn: false })],
    ["template1", liveDatabase("template1")], ["app", liveDatabase("app")],
  ]),
};
const SYSTEM = ["postgres", "replicator", "dbuser_dba", "dbuser_monitor"];
/** Facts of whatever server a task names (a renamed dbsu changes the fact key). */
const anyServer = (values: Record<string, unknown>): FactSet => ({ get: <T>(fact: string) => values[fact] as T | undefined, failed: () => undefined });
const diffOf = (t: TaskSpec, f: FactSet) => pgRolesUndeclaredOp.diff(t, pgRolesUndeclaredOp.observe(t, f));

describe("pg.roles_undeclared: diff", () => {
  it("needs pg.roles and pg.databases of the task's server", () => {
    expect(pgRolesUndeclaredOp.needs(task())).toEqual([{ fact: "pg.roles", key: KEY }, { fact: "pg.databases", key: KEY }]);
  });

  it("is a no-op when every role on the server is declared (pg.databases is not even read)", () => {
    expect(diffOf(task(), facts({ "pg.roles": rolesFact([...SYSTEM, "dbrole_readonly", "dbuser_app"]) }))).toEqual({ action: "noop", effect: "none" });
  });

  it("lists the roles nobody declared as a delete, sorted, with the dbsu that gets their objects", () => {
    const d = diffOf(task(), facts({ "pg.roles": rolesFact([...SYSTEM, "dbuser_app", "zz_by_hand", "dbuser_by_hand"]), "pg.databases": DATABASES }));
    expect(d).toEqual({
      action: "delete",
      effect: "none",
      reason: "not in the inventory: dropped safely (objects reassigned to postgres)",
      fields: [{ field: "role", before: "dbuser_by_hand" }, { field: "role", before: "zz_by_hand" }],
    });
    const custom = task({ target: { ...TARGET, dbsu: "pgdba", systemUsers: { ...TARGET.systemUsers, dbsu: "pgdba" } }, declared: [...DECLARED, "pgdba"] });
    expect(diffOf(custom, anyServer({ "pg.roles": rolesFact(["pgdba", "x"]), "pg.databases": DATABASES })).reason).toContain("reassigned to pgdba");
  });

  it("never lists built-in roles, the bootstrap superuser, the system users (also renamed) or Pigsty's fixed names", () => {
    const renamed = { ...TARGET, dbsu: "pgdba", systemUsers: { dbsu: "pgdba", replicator: "repl", admin: "dba", monitor: "mon" } };
    const live = [liveRole("pg_monitor_x"), liveRole("boot", { oid: 10 }), "pgdba", "repl", "dba", "mon", ...SYSTEM];
    // nothing declared at all: the system users still stay (Patroni's authentication users are these)
    expect(undeclaredRoles(rolesFact(live).roles.values(), new Set(), renamed)).toEqual([]);
    expect(diffOf(task({ declared: [], target: renamed }), anyServer({ "pg.roles": rolesFact(live) }))).toMatchObject({ action: "noop" });
  });

  it("a role declared absent is pg.role's business, not listed again", () => {
    expect(diffOf(task(), facts({ "pg.roles": rolesFact([...SYSTEM, "dbuser_old"]) })).action).toBe("noop");
  });

  it("is a no-op on a standby, even with undeclared roles", () => {
    const d = diffOf(task(), facts({ "pg.roles": rolesFact(["by_hand"], { recovery: true }) }));
    expect(d).toMatchObject({ action: "noop", reason: expect.stringMatching(/standby: objects are converged on the leader/) });
  });

  it("is unknown, never a drop, when a fact cannot be read or the declared names are missing", () => {
    expect(diffOf(task(), facts({ "pg.roles": { down: true, reason: "no socket" } }))).toMatchObject({ action: "unknown", reason: "PostgreSQL not running yet (no socket)" });
    expect(diffOf(task(), facts({ "pg.roles": rolesFact(["by_hand"]) }, { "pg.databases": "timeout" }))).toMatchObject({ action: "unknown", reason: "pg.databases could not be read: timeout" });
    expect(diffOf(task({ declared: undefined }), facts({ "pg.roles": rolesFact(["by_hand"]), "pg.databases": DATABASES }))).toMatchObject({
      action: "unknown", reason: "the task does not list the declared roles",
    });
  });
});

describe("pg.roles_undeclared: apply", () => {
  it("re-reads the facts, then drops each undeclared role as state: absent does, in every connectable database", async () => {
    const t = task();
    const f = facts({ "pg.roles": rolesFact([...SYSTEM, "b_hand", "a_hand"]), "pg.databases": DATABASES });
    const conn = fakeConnector();
    let refreshed = 0;
    await pgRolesUndeclaredOp.apply({ connector: conn, refresh: async () => (refreshed++, f) }, t, diffOf(t, f));
    expect(refreshed).toBe(1);
    const sent = conn.calls.map((c) => `${/PGDATABASE=(\S+)/.exec(c.display)![1]}: ${c.stdin.split("\n").filter((l) => l && !/^(SET|BEGIN|COMMIT)/.test(l)).join(" ")}`);
    const drop = (r: string) => [
      `postgres: ALTER ROLE "${r}" NOLOGIN; SELECT count(pg_terminate_backend(pid, 10000)) FROM pg_stat_activity WHERE usename = '${r}' AND pid <> pg_backend_pid();`,
      ...["app", "postgres", "template1"].map((db) => `${db}: REASSIGN OWNED BY "${r}" TO "postgres"; DROP OWNED BY "${r}";`),
      `postgres: DROP ROLE IF EXISTS "${r}";`,
    ];
    expect(sent).toEqual([...drop("a_hand"), ...drop("b_hand")]);
    expect(conn.calls.every((c) => c.become === "postgres")).toBe(true);
  });

  it("judges the state at apply time: nothing left to drop sends nothing; a standby sends nothing", async () => {
    const t = task();
    const conn = fakeConnector();
    await pgRolesUndeclaredOp.apply({ connector: conn, refresh: async () => facts({ "pg.roles": rolesFact(SYSTEM) }) }, t, { action: "delete", effect: "none" });
    await pgRolesUndeclaredOp.apply({ connector: conn, refresh: async () => facts({ "pg.roles": rolesFact(["x"], { recovery: true }) }) }, t, { action: "delete", effect: "none" });
    expect(conn.calls).toEqual([]);
  });

  it("refuses when the state cannot be read", async () => {
    const t = task();
    await expect(pgRolesUndeclaredOp.apply({ connector: fakeConnector(), refresh: async () => facts({}, { "pg.roles": "timeout" }) }, t, { action: "delete", effect: "none" }))
      .rejects.toThrow("pg.roles_undeclared pg-test: pg.roles could not be read: timeout");
  });
});
