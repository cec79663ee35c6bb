import { describe, expect, it } from "vitest";
import type { PresentDatabase } from "../../../src/modules/pgsql/objects/types.js";
import { pgDatabaseOp } from "../../../src/ops/pg-database.js";
import { recreateName } from "../../../src/ops/pg-database-parts.js";
import { planDatabase, type DatabaseState } from "../../../src/ops/pg-database-plan.js";
import type { SqlBatch } from "../../../src/ops/sql.js";
import type { TaskSpec } from "../../../src/plan/types.js";
import { facts, fakeConnector, liveDatabase, TARGET } from "./pg-helpers.js";

const db = (name: string, o: Partial<PresentDatabase> = {}): PresentDatabase => ({
  name, state: "create", builtin: false, parameters: {}, resetParameters: [], schemas: [], extensions: [], registerDatasource: true, pgbouncer: true, ...o,
});
const EMPTY = { schemas: [{ name: "public", owner: "pg_database_owner" }], extensions: [{ name: "plpgsql", version: "1.0", schema: "pg_catalog", relocatable: false }] };
const state = (o: Partial<DatabaseState> = {}): DatabaseState => ({ version: 150000, db: undefined, content: undefined, ...o });
const sqlOf = (batches: readonly SqlBatch[]) => batches.map((b) => `[${b.database}${b.transaction ? "" : " no-tx"}] ${b.statements.map((s) => s.display).join("; ")}`);

describe("pg.database: create", () => {
  it("CREATE DATABASE with every declared option, then plans the rest from the live catalog", () => {
    const p = planDatabase(db("meta", {
      owner: "dbuser_meta", template: "tpl", strategy: "FILE_COPY", encoding: "UTF8", locale: "C", lcCollate: "C", lcCtype: "C.UTF-8",
      localeProvider: "libc", tablespace: "fast", connlimit: 10, isTemplate: false, allowconn: false, comment: "meta",
      schemas: [{ name: "app", state: "present", owner: "dbuser_meta" }], extensions: [{ name: "postgis", state: "present", version: "3.4" }],
    }), state(), TARGET);
    expect(p).toMatchObject({ action: "create", reason: "missing", incomplete: true });
    expect(sqlOf(p.batches)).toEqual([
      `[postgres no-tx] SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = 'tpl' AND pid <> pg_backend_pid(); ` +
        `CREATE DATABASE "meta" OWNER "dbuser_meta" TEMPLATE "tpl" ENCODING 'UTF8' STRATEGY FILE_COPY LOCALE 'C' LC_COLLATE 'C' LC_CTYPE 'C.UTF-8' ` +
        `LOCALE_PROVIDER 'libc' TABLESPACE "fast" CONNECTION LIMIT 10 IS_TEMPLATE false`,
    ]);
    expect(p.fields.map((f) => f.field)).toEqual([
      "owner", "template", "strategy", "encoding", "locale", "lcCollate", "lcCtype", "localeProvider", "tablespace", "connlimit", "isTemplate",
      "allowconn", "comment", "schemas.app", "extensions.postgis",
    ]);
  });

  it("a clone of postgres is created from template1; options this version lacks are left out; baseline is noted", () => {
    const p = planDatabase(db("x", { template: "postgres", icuRules: "&a<b", unsupported: ["icuRules"], baseline: "cmdb.sql" }), state(), TARGET);
    expect(sqlOf(p.batches)).toEqual([
      `[template1 no-tx] SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = 'postgres' AND pid <> pg_backend_pid(); CREATE DATABASE "x" TEMPLATE "postgres"`,
    ]);
    expect(p.reason).toBe("missing; baseline cmdb.sql is not run by pgsty yet");
  });

  it("never creates a builtin database", () => {
    expect(planDatabase(db("template1", { builtin: true }), state(), TARGET)).toMatchObject({ action: "unknown" });
  });

  it("quotes hostile names", () => {
    const p = planDatabase(db("x'; drop table y; --", { owner: 'a"b', template: "template0" }), state(), TARGET);
    expect(sqlOf(p.batches)).toEqual([`[postgres no-tx] CREATE DATABASE "x'; drop table y; --" OWNER "a""b" TEMPLATE "template0"`]);
  });
});

describe("pg.database: existing database", () => {
  it("is a no-op when it matches (encoding and locale spelt differently)", () => {
    const live = liveDatabase("meta", { owner: "u", settings: new Map([["search_path", "app, public"]]), collate: "en_US.utf8", ctype: "en_US.utf8" });
    const d = db("meta", {
      owner: "u", encoding: "utf-8", locale: "en_US.UTF-8", template: "template0", strategy: "WAL_LOG", comment: "business database meta",
      parameters: { search_path: "app,public" }, schemas: [{ name: "public", state: "present" }], extensions: [{ name: "plpgsql", state: "present" }],
    });
    expect(planDatabase(d, state({ db: live, content: EMPTY }), TARGET)).toMatchObject({ action: "noop", batches: [] });
  });

  it("alters only the alterable fields that differ; content in one transaction inside the database", () => {
    const live = liveDatabase("meta", { owner: "postgres", connlimit: -1, isTemplate: true, comment: null, settings: new Map([["work_mem", "4MB"], ["old", "1"]]) });
    const p = planDatabase(db("meta", {
      owner: "u", connlimit: 5, isTemplate: false, comment: "it's meta", parameters: { work_mem: "64MB" }, resetParameters: ["old"],
      schemas: [{ name: "app", state: "present", owner: "u" }, { name: "public", state: "present", owner: "u" }, { name: "gone", state: "absent" }],
      extensions: [{ name: "pg_trgm", state: "present", schema: "public" }, { name: "plpgsql", state: "absent" }],
    }), state({ db: live, content: { ...EMPTY, schemas: [...EMPTY.schemas, { name: "gone", owner: "x" }] } }), TARGET);
    expect(p.action).toBe("update");
    expect(sqlOf(p.batches)).toEqual([
      `[postgres] ALTER DATABASE "meta" OWNER TO "u"; ALTER DATABASE "meta" CONNECTION LIMIT 5; ALTER DATABASE "meta" IS_TEMPLATE false; ` +
        `COMMENT ON DATABASE "meta" IS 'it''s meta'; ALTER DATABASE "meta" SET "work_mem" = '64MB'; ALTER DATABASE "meta" RESET "old"`,
      `[meta] CREATE SCHEMA IF NOT EXISTS "app" AUTHORIZATION "u"; ALTER SCHEMA "public" OWNER TO "u"; DROP SCHEMA IF EXISTS "gone" CASCADE; ` +
        `CREATE EXTENSION IF NOT EXISTS "pg_trgm" WITH SCHEMA "public" CASCADE; DROP EXTENSION IF EXISTS "plpgsql" CASCADE`,
    ]);
    expect(p.fields).toContainEqual({ field: "schemas.gone", before: "owner x" });
    expect(p.fields).toContainEqual({ field: "extensions.pg_trgm", after: "in public" });
  });

  it("extensions: updated to the declared version, moved when relocatable, unknown when not", () => {
    const content = { schemas: [], extensions: [{ name: "a", version: "1.0", schema: "public", relocatable: true }, { name: "b", version: "1.0", schema: "public", relocatable: false }] };
    const live = liveDatabase("meta");
    const p = planDatabase(db("meta", { extensions: [{ name: "a", state: "present", version: "1.1", schema: "app" }] }), state({ db: live, content }), TARGET);
    expect(sqlOf(p.batches)).toEqual([`[meta] ALTER EXTENSION "a" SET SCHEMA "app"; ALTER EXTENSION "a" UPDATE TO '1.1'`]);
    expect(p.fields).toEqual([{ field: "extensions.a", before: "version 1.0 in public", after: "version 1.1 in app" }]);
    const q = planDatabase(db("meta", { extensions: [{ name: "b", state: "present", schema: "app" }] }), state({ db: live, content }), TARGET);
    expect(q).toMatchObject({ action: "unknown", reason: "extension b is in schema public, not app, and cannot be moved: drop and create it again", batches: [] });
  });

  it("ALLOW_CONNECTIONS false comes last; a database that refuses connections is enabled, then read again", () => {
    const off = planDatabase(db("meta", { allowconn: false, schemas: [{ name: "app", state: "present" }] }), state({ db: liveDatabase("meta"), content: EMPTY }), TARGET);
    expect(sqlOf(off.batches)).toEqual([`[meta] CREATE SCHEMA IF NOT EXISTS "app"`, `[postgres] ALTER DATABASE "meta" ALLOW_CONNECTIONS false`]);
    const closed = liveDatabase("meta", { allowconn: false });
    expect(planDatabase(db("meta", { allowconn: false, schemas: [{ name: "app", state: "present" }] }), state({ db: closed }), TARGET).action).toBe("noop");
    const on = planDatabase(db("meta", { allowconn: true, schemas: [{ name: "app", state: "present" }] }), state({ db: closed }), TARGET);
    expect(on).toMatchObject({ action: "update", incomplete: true });
    expect(sqlOf(on.batches)).toEqual([`[postgres] ALTER DATABASE "meta" ALLOW_CONNECTIONS true`]);
  });

  it("revokeconn true: CONNECT from PUBLIC revoked, granted to the system users and the owner", () => {
    const live = liveDatabase("meta", { owner: "u" });
    const p = planDatabase(db("meta", { owner: "u", revokeconn: true }), state({ db: live, content: EMPTY }), TARGET);
    expect(sqlOf(p.batches)).toEqual([
      `[postgres] REVOKE CONNECT ON DATABASE "meta" FROM PUBLIC; GRANT CONNECT ON DATABASE "meta" TO "replicator"; ` +
        `GRANT CONNECT ON DATABASE "meta" TO "dbuser_monitor"; GRANT CONNECT ON DATABASE "meta" TO "dbuser_dba" WITH GRANT OPTION; ` +
        `GRANT CONNECT ON DATABASE "meta" TO "u" WITH GRANT OPTION`,
    ]);
    expect(p.fields).toEqual([{ field: "connect", before: ["PUBLIC", "postgres"], after: ["dbuser_dba*", "dbuser_monitor", "postgres", "replicator", "u*"] }]);
    const done = liveDatabase("meta", {
      owner: "u",
      acl: ["replicator", "dbuser_monitor"].map((g) => ({ grantee: g, privilege: "CONNECT", grantable: false }))
        .concat(["dbuser_dba", "u"].map((g) => ({ grantee: g, privilege: "CONNECT", grantable: true }))),
    });
    expect(planDatabase(db("meta", { owner: "u", revokeconn: true }), state({ db: done, content: EMPTY }), TARGET).action).toBe("noop");
  });

  it("revokeconn false: CONNECT granted back to PUBLIC; undefined: not managed", () => {
    const closed = liveDatabase("meta", { acl: [] });
    expect(sqlOf(planDatabase(db("meta", { revokeconn: false }), state({ db: closed, content: EMPTY }), TARGET).batches)).toEqual([
      `[postgres] GRANT CONNECT ON DATABASE "meta" TO PUBLIC`,
    ]);
    expect(planDatabase(db("meta"), state({ db: closed, content: EMPTY }), TARGET).action).toBe("noop");
  });
});

describe("pg.database: create-time fields", () => {
  const live = liveDatabase("meta", { collate: "C.UTF-8", ctype: "C.UTF-8" });

  it("a difference is unknown with the reason, never a change", () => {
    const p = planDatabase(db("meta", { lcCollate: "C", encoding: "UTF8", tablespace: "fast" }), state({ db: live, content: EMPTY }), TARGET);
    expect(p).toMatchObject({
      action: "unknown", batches: [],
      reason: "lc_collate differs (C.UTF-8 → C), tablespace differs (pg_default → fast): recreate is needed",
    });
    expect(p.fields).toEqual([{ field: "lc_collate", before: "C.UTF-8", after: "C" }, { field: "tablespace", before: "pg_default", after: "fast" }]);
  });

  it("fields this version lacks, template and strategy are never compared", () => {
    const d = db("meta", { localeProvider: "icu", icuLocale: "en", unsupported: ["localeProvider", "icuLocale"], template: "x", strategy: "WAL_LOG" });
    expect(planDatabase(d, state({ db: live, content: EMPTY }), TARGET).action).toBe("noop");
  });

  it("state recreate: built under a temporary name, the old one dropped, the new one renamed", () => {
    const tmp = recreateName("meta");
    expect(tmp).toMatch(/^pgsty_recreate_[0-9a-f]{16}$/);
    const p = planDatabase(db("meta", { state: "recreate", locale: "C", template: "template0" }), state({ db: { ...live, isTemplate: true }, content: EMPTY }), TARGET);
    expect(p).toMatchObject({ action: "create", incomplete: true, reason: "recreate: lc_collate differs (C.UTF-8 → C), lc_ctype differs (C.UTF-8 → C)" });
    expect(sqlOf(p.batches)).toEqual([
      `[postgres no-tx] DROP DATABASE IF EXISTS "${tmp}" WITH (FORCE)`,
      `[postgres no-tx] CREATE DATABASE "${tmp}" TEMPLATE "template0" LOCALE 'C'`,
      `[postgres no-tx] ALTER DATABASE "meta" IS_TEMPLATE false; DROP DATABASE IF EXISTS "meta" WITH (FORCE); ALTER DATABASE "${tmp}" RENAME TO "meta"`,
    ]);
    // once recreated it matches: nothing more
    expect(planDatabase(db("meta", { state: "recreate", locale: "C" }), state({ db: liveDatabase("meta", { collate: "C", ctype: "C" }), content: EMPTY }), TARGET).action).toBe("noop");
  });

  it("builtin databases are never recreated", () => {
    expect(planDatabase(db("postgres", { builtin: true, state: "recreate", lcCollate: "C" }), state({ db: live }), TARGET).action).toBe("unknown");
  });
});

describe("pg.database: state absent", () => {
  it("drops with FORCE (unmarking a template first); no-op when missing; never postgres/template0/template1", () => {
    expect(planDatabase({ name: "old", state: "absent" }, state(), TARGET)).toMatchObject({ action: "noop" });
    const p = planDatabase({ name: "old", state: "absent" }, state({ db: liveDatabase("old", { isTemplate: true }) }), TARGET);
    expect(sqlOf(p.batches)).toEqual([`[postgres no-tx] ALTER DATABASE "old" IS_TEMPLATE false; DROP DATABASE IF EXISTS "old" WITH (FORCE)`]);
    const v12 = planDatabase({ name: "old", state: "absent" }, state({ version: 120000, db: liveDatabase("old") }), TARGET);
    expect(sqlOf(v12.batches)[0]).toContain(`datname = 'old'`);
    for (const name of ["postgres", "template0", "template1"]) {
      expect(planDatabase({ name, state: "absent" }, state({ db: liveDatabase(name) }), TARGET).action).toBe("unknown");
    }
  });
});

describe("pg.database op", () => {
  const task = (args: object): TaskSpec => ({ step: "pgsql.db", op: "pg.database", key: (args as { name: string }).name, args: args as Record<string, unknown> });
  const dbsFact = (...dbs: ReturnType<typeof liveDatabase>[]) => ({ version: 150000, recovery: false, databases: new Map(dbs.map((d) => [d.name, d])) });
  const per = <T>(m: Record<string, T>, errors: Record<string, string> = {}) => ({ databases: new Map(Object.entries(m)), errors: new Map(Object.entries(errors)) });

  it("reads the database and what is inside it; a database that failed to read is unknown", () => {
    const t = task(db("meta", { schemas: [{ name: "app", state: "present" }] }));
    expect(pgDatabaseOp.needs(t).map((r) => r.fact)).toEqual(["pg.databases", "pg.schemas", "pg.extensions"]);
    const f = facts({ "pg.databases": dbsFact(liveDatabase("meta")), "pg.schemas": per({ meta: EMPTY.schemas }), "pg.extensions": per({ meta: EMPTY.extensions }) });
    expect(pgDatabaseOp.diff(t, pgDatabaseOp.observe(t, f))).toMatchObject({ action: "update", fields: [{ field: "schemas.app", after: "present" }] });
    const bad = facts({ "pg.databases": dbsFact(liveDatabase("meta")), "pg.schemas": per({}, { meta: "permission denied" }), "pg.extensions": per({}) });
    expect(pgDatabaseOp.diff(t, pgDatabaseOp.observe(t, bad))).toMatchObject({ action: "unknown", reason: "database meta could not be read: permission denied" });
    const down = facts({ "pg.databases": { down: true, reason: "no socket" } });
    expect(pgDatabaseOp.diff(t, pgDatabaseOp.observe(t, down)).reason).toBe("PostgreSQL not running yet (no socket)");
  });

  it("apply creates, reads again, then runs the rest inside the new database", async () => {
    const t = task(db("meta", { comment: "m", schemas: [{ name: "app", state: "present" }] }));
    const before = facts({ "pg.databases": dbsFact(), "pg.schemas": per({}), "pg.extensions": per({}) });
    const after = facts({ "pg.databases": dbsFact(liveDatabase("meta", { comment: null })), "pg.schemas": per({ meta: EMPTY.schemas }), "pg.extensions": per({ meta: [] }) });
    const reads = [before, after, facts({})];
    const conn = fakeConnector();
    await pgDatabaseOp.apply({ connector: conn, refresh: async () => reads.shift()! }, t, pgDatabaseOp.diff(t, pgDatabaseOp.observe(t, before)));
    expect(conn.calls.map((c) => [c.display.match(/PGDATABASE=(\S+)/)![1], c.stdin.split("\n").slice(1, -1).join(" ")])).toEqual([
      ["postgres", `CREATE DATABASE "meta";`],
      ["postgres", `BEGIN; COMMENT ON DATABASE "meta" IS 'm'; COMMIT;`],
      ["meta", `BEGIN; CREATE SCHEMA IF NOT EXISTS "app"; COMMIT;`],
    ]);
  });
});
