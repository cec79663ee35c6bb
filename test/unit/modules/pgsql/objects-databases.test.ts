// Desired databases: builtins, every field of conf/full.yml, default schema/extension merging,
// version-gated create options, protected databases, the field classification.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  DATABASE_ALTERABLE_FIELDS,
  DATABASE_CREATE_ONLY_FIELDS,
  DATABASE_UNOBSERVABLE_FIELDS,
  desiredDatabases,
  desiredExtensions,
  desiredSchemas,
  type DesiredDatabase,
  type PresentDatabase,
} from "../../../../src/modules/pgsql/objects.js";
import { contextFor } from "../context-helper.js";
import { ctxOf, inventory, lineOf, present } from "./objects-helper.js";

const ROOT = join(import.meta.dirname, "..", "..", "..", "..");
const dbs = (vars = "", globals?: string) => desiredDatabases(ctxOf(vars, globals));
const db = (list: readonly DesiredDatabase[], name: string): PresentDatabase => present(list, name) as PresentDatabase;

describe("builtin databases", () => {
  const { value, diagnostics } = dbs();

  it("template1 and postgres get the default schemas and extensions, nothing else managed", () => {
    expect(value.map((d) => d.name)).toEqual(["template1", "postgres"]);
    expect(diagnostics).toEqual([]);
    const t1 = db(value, "template1");
    expect(t1).toMatchObject({ state: "create", builtin: true, pgbouncer: false, registerDatasource: false, parameters: {}, resetParameters: [] });
    expect(t1.comment).toBeUndefined();
    expect(t1.owner).toBeUndefined();
    expect(t1.schemas).toEqual([{ name: "monitor", state: "present" }]);
    expect(t1.extensions.map((e) => e.name)).toEqual([
      "pg_stat_statements", "pgstattuple", "pg_buffercache", "pageinspect", "pg_prewarm", "pg_visibility", "pg_freespacemap",
      "postgres_fdw", "file_fdw", "btree_gist", "btree_gin", "pg_trgm", "intagg", "intarray", "pg_repack",
    ]);
    expect(t1.extensions[0]).toEqual({ name: "pg_stat_statements", state: "present", schema: "monitor" });
    expect(t1.extensions.at(-1)).toEqual({ name: "pg_repack", state: "present" });
  });

  it("a declared builtin merges into it; absent/recreate on a protected database is ignored with a warning", () => {
    const vars = `
      pg_databases:
        - { name: postgres, state: absent, comment: the default db, parameters: { work_mem: 8MB } }
        - { name: template0, state: recreate }
    `;
    const { value: v, diagnostics: ds } = dbs(vars);
    expect(v.map((d) => d.name)).toEqual(["template1", "postgres", "template0"]);
    expect(db(v, "postgres")).toMatchObject({ state: "create", builtin: true, comment: "the default db", pgbouncer: true, parameters: { work_mem: "8MB" } });
    expect(db(v, "template0")).toMatchObject({ state: "create", builtin: false });
    expect(ds.map((d) => [d.code, d.source?.line])).toEqual([
      ["objects.protected-database", lineOf(inventory(vars), "name: postgres")],
      ["objects.protected-database", lineOf(inventory(vars), "name: template0")],
    ]);
  });
});

describe("conf/full.yml pg-test databases", () => {
  const ctx = contextFor(readFileSync(join(ROOT, "conf/full.yml"), "utf8"), "10.10.10.11");
  const { value, diagnostics } = desiredDatabases(ctx);

  it("lists builtins, then pg_databases in order, without diagnostics on PostgreSQL 15", () => {
    expect(value.map((d) => `${d.name}:${d.state}`)).toEqual([
      "template1:create", "postgres:create", "app:create", "app_template:create", "app_staging:recreate", "app_i18n:create",
      "batch:create", "archive:create", "old_reports:absent",
    ]);
    expect(diagnostics).toEqual([]);
    expect(value.at(-1)).toEqual({ name: "old_reports", state: "absent" });
  });

  it("maps every field of `app`", () => {
    const app = db(value, "app");
    const { schemas, extensions, ...rest } = app;
    expect(rest).toEqual({
      name: "app", state: "create", builtin: false, owner: "dbuser_app", comment: "main application database",
      template: "template1", encoding: "UTF8", locale: "C.UTF-8", localeProvider: "libc", lcCollate: "C", lcCtype: "C",
      tablespace: "pg_default", allowconn: true, revokeconn: true, connlimit: 400,
      parameters: { statement_timeout: "60s", work_mem: "32MB" }, resetParameters: [],
      registerDatasource: true, pgbouncer: true, poolAuthUser: "dbuser_monitor", poolMode: "transaction",
      poolSize: 64, poolSizeMin: 8, poolReserve: 16, poolConnlimit: 300,
    });
    expect(schemas).toEqual([
      { name: "monitor", state: "present" },
      { name: "app", state: "present" },
      { name: "reporting", state: "present", owner: "dbuser_app" },
      { name: "scratch", state: "absent" },
    ]);
    // pg_trgm is a default (schema public): the database's string form keeps that schema
    expect(extensions.find((e) => e.name === "pg_trgm")).toEqual({ name: "pg_trgm", state: "present", schema: "public" });
    expect(extensions.slice(-3)).toEqual([
      { name: "hstore", state: "present", schema: "app", version: "1.8" },
      { name: "pgcrypto", state: "present", schema: "app" },
      { name: "tablefunc", state: "absent" },
    ]);
  });

  it("maps the template, clone, ICU, unpooled and frozen databases", () => {
    expect(db(value, "app_template")).toMatchObject({ isTemplate: true, baseline: "app-template.sql", comment: "template of the per-branch staging databases" });
    expect(db(value, "app_staging")).toMatchObject({ state: "recreate", template: "app_template", strategy: "FILE_COPY", poolMode: "session", registerDatasource: false });
    expect(db(value, "app_i18n")).toMatchObject({ template: "template0", encoding: "UTF8", localeProvider: "icu", icuLocale: "en-US" });
    expect(db(value, "batch")).toMatchObject({ pgbouncer: false, registerDatasource: false });
    expect(db(value, "archive")).toMatchObject({ allowconn: false, pgbouncer: true, comment: "frozen archive" });
  });
});

describe("database fields", () => {
  it("default comment, lower-case strategy, older pool field names, DEFAULT settings", () => {
    const { value } = dbs(`
      pg_databases:
        - { name: d, strategy: wal_log, pool_size_reserve: 3, pool_max_db_conn: 9, parameters: { timezone: DEFAULT, search_path: 'a,public', x: null } }
    `);
    expect(db(value, "d")).toMatchObject({
      comment: "business database d", strategy: "WAL_LOG", poolReserve: 3, poolConnlimit: 9, pgbouncer: true, registerDatasource: true,
      parameters: { search_path: "a,public" }, resetParameters: ["timezone"],
    });
  });

  it("create-time options the version lacks are flagged unsupported, with warnings", () => {
    const vars = `
      pg_databases:
        - { name: d, strategy: FILE_COPY, locale_provider: icu, icu_locale: en-US, icu_rules: '&a < b', builtin_locale: C.UTF-8 }
    `;
    const at14 = dbs(vars, "pg_version: 14");
    expect(db(at14.value, "d").unsupported).toEqual(["strategy", "localeProvider", "icuLocale", "icuRules", "builtinLocale"]);
    expect(at14.diagnostics.map((d) => d.code)).toEqual(Array(5).fill("objects.database-option"));
    expect(at14.diagnostics[0]!.summary).toBe("`strategy` of database d needs PostgreSQL 15; ignored on 14");
    expect(at14.diagnostics[0]!.source?.line).toBe(lineOf(inventory(vars, "pg_version: 14"), "name: d"));
    expect(db(dbs(vars, "pg_version: 16").value, "d").unsupported).toEqual(["builtinLocale"]);
    expect(db(dbs(vars, "pg_version: 17").value, "d").unsupported).toBeUndefined();
  });

  it("the classification is consistent", () => {
    const createOnly: readonly string[] = DATABASE_CREATE_ONLY_FIELDS;
    expect(DATABASE_ALTERABLE_FIELDS.filter((f) => createOnly.includes(f))).toEqual([]);
    expect(DATABASE_UNOBSERVABLE_FIELDS.every((f) => createOnly.includes(f))).toBe(true);
    expect(createOnly).toEqual(expect.arrayContaining(["template", "strategy", "encoding", "locale", "tablespace"]));
    expect(DATABASE_ALTERABLE_FIELDS).toEqual(expect.arrayContaining(["owner", "connlimit", "allowconn", "isTemplate", "comment", "parameters"]));
  });
});

describe("schema and extension merging", () => {
  it("later items override earlier ones of the same name field by field", () => {
    expect(desiredSchemas(["monitor", { name: "app" }], [{ name: "monitor", owner: "o" }, { name: "app", state: "absent" }, "x"])).toEqual([
      { name: "monitor", state: "present", owner: "o" },
      { name: "app", state: "absent" },
      { name: "x", state: "present" },
    ]);
    expect(desiredExtensions([{ name: "a", schema: "s", version: "1" }, "b"], ["a", { name: "b", state: "absent" }, { name: "a", version: "2" }])).toEqual([
      { name: "a", state: "present", schema: "s", version: "2" },
      { name: "b", state: "absent" },
    ]);
  });

  it("custom pg_default_schemas / pg_default_extensions reach every database", () => {
    const { value } = dbs(`
      pg_default_schemas: [ monitor, { name: ops, owner: dbuser_dba } ]
      pg_default_extensions: [ pg_stat_statements ]
      pg_databases: [ { name: d, extensions: [ { name: pg_stat_statements, state: absent } ] } ]
    `);
    expect(db(value, "postgres").schemas).toEqual([{ name: "monitor", state: "present" }, { name: "ops", state: "present", owner: "dbuser_dba" }]);
    expect(db(value, "template1").extensions).toEqual([{ name: "pg_stat_statements", state: "present" }]);
    expect(db(value, "d").extensions).toEqual([{ name: "pg_stat_statements", state: "absent" }]);
  });
});
