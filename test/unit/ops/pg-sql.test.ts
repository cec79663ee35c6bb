import { PSQL_BINARY } from "../../../src/facts/pg-shell.js";
import { describe, expect, it } from "vitest";
import { deferredSecret } from "../../../src/modules/deferred-secret.js";
import {
  batchScript, psqlCommand, quoteGrantee, quoteIdent, quoteLiteral, runBatch, settingAssignment, settingEquals, settingName, splitList, sql, SqlSecret,
} from "../../../src/ops/sql.js";
import { fakeConnector, TARGET } from "./pg-helpers.js";

describe("SQL quoting", () => {
  it.each([
    ["plain", `"plain"`, `'plain'`],
    ['a"b', `"a""b"`, `'a"b'`],
    ["x'; drop table y; --", `"x'; drop table y; --"`, `'x''; drop table y; --'`],
    ["back\\slash", `"back\\slash"`, `'back\\slash'`],
    ["Ünïcode\nline", `"Ünïcode\nline"`, `'Ünïcode\nline'`],
  ])("%j", (value, ident, literal) => {
    expect(quoteIdent(value)).toBe(ident);
    expect(quoteLiteral(value)).toBe(literal);
  });

  it("rejects NUL bytes and empty identifiers", () => {
    expect(() => quoteIdent("a\0b")).toThrow(/NUL/);
    expect(() => quoteLiteral("a\0b")).toThrow(/NUL/);
    expect(() => quoteIdent("")).toThrow(/empty/);
  });

  it("PUBLIC as a grantee is the keyword", () => {
    expect(quoteGrantee("PUBLIC")).toBe("PUBLIC");
    expect(quoteGrantee("public")).toBe(`"public"`);
  });
});

describe("settings", () => {
  it("names are quoted part by part; list settings get one literal per element, never raw text", () => {
    expect(settingName("pg_stat_statements.max")).toBe(`"pg_stat_statements"."max"`);
    expect(settingAssignment("work_mem", "64MB")).toBe(`"work_mem" = '64MB'`);
    expect(settingAssignment("search_path", `"$user", public`)).toBe(`"search_path" = '$user', 'public'`);
    expect(settingAssignment("search_path", "app; drop table x")).toBe(`"search_path" = 'app; drop table x'`);
    expect(settingAssignment("search_path", "")).toBe(`"search_path" = ''`);
  });

  it("splits list values as PostgreSQL stores them", () => {
    expect(splitList(`"$user", public`)).toEqual(["$user", "public"]);
    expect(splitList(`a,b , "c,d" ,"e""f"`)).toEqual(["a", "b", "c,d", 'e"f']);
  });

  it("compares list settings element by element, others exactly", () => {
    expect(settingEquals("search_path", "$user,public", `"$user", public`)).toBe(true);
    expect(settingEquals("search_path", "public", `"$user", public`)).toBe(false);
    expect(settingEquals("work_mem", "64MB", "64MB")).toBe(true);
    expect(settingEquals("work_mem", "64MB", "65536kB")).toBe(false);
    expect(settingEquals("work_mem", "64MB", undefined)).toBe(false);
  });
});

describe("statements and batches", () => {
  it("a secret shows as (sensitive) and is materialized only when revealed", () => {
    let computed = 0;
    const token = deferredSecret(["pg-sql-test", String(Math.random())], () => (computed++, "SCRAM-SHA-256$4096:c2FsdA==$a:b"));
    const s = sql(`ALTER ROLE "u" PASSWORD `, new SqlSecret(token));
    expect(s.display).toBe(`ALTER ROLE "u" PASSWORD (sensitive)`);
    expect(JSON.stringify({ s })).toBe(`{"s":"ALTER ROLE \\"u\\" PASSWORD (sensitive)"}`);
    expect(String(s)).not.toContain("SCRAM");
    expect(computed).toBe(0);
    expect(s.reveal()).toBe(`ALTER ROLE "u" PASSWORD 'SCRAM-SHA-256$4096:c2FsdA==$a:b'`);
    expect(computed).toBe(1);
  });

  it("a batch sets standard_conforming_strings, wraps in a transaction, keeps secrets out of the log", () => {
    const b = { database: "postgres", transaction: true, statements: [sql(`ALTER ROLE "u" PASSWORD `, new SqlSecret("x'y"))] };
    const script = batchScript(b);
    expect(script.display).toBe(
      "SET standard_conforming_strings = on;\nBEGIN;\nSET LOCAL log_statement = 'none';\nSET LOCAL log_min_error_statement = 'panic';\n" +
        `ALTER ROLE "u" PASSWORD (sensitive);\nCOMMIT;\n`,
    );
    expect(script.text()).toContain(`ALTER ROLE "u" PASSWORD 'x''y';`);
    const plain = batchScript({ database: "postgres", transaction: false, statements: [sql(`CREATE DATABASE "x"`)] });
    expect(plain.display).toBe(`SET standard_conforming_strings = on;\nCREATE DATABASE "x";\n`);
  });

  it("psql runs as the dbsu over the socket; the database name is never a connection string", () => {
    const cmd = psqlCommand("postgres", "host=evil dbname=x", { socketDir: "/tmp/pg sock", port: 6543 });
    expect(cmd.become).toBe("postgres");
    expect(cmd.display).toBe(`PGHOST='/tmp/pg sock' PGPORT=6543 PGDATABASE='host=evil dbname=x' PGCLIENTENCODING=UTF8 PGAPPNAME=pgsty ${PSQL_BINARY} -X -v ON_ERROR_STOP=1 -q -At`);
    expect(psqlCommand("pg", "postgres").display).toContain("PGHOST=/var/run/postgresql PGPORT=5432 PGDATABASE=postgres ");
  });

  it("runBatch sends the SQL on stdin and returns psql's output", async () => {
    const conn = fakeConnector(() => ({ stdout: "t\n" }));
    const out = await runBatch(conn, TARGET, { database: "x'y", transaction: true, statements: [sql("SELECT true")] });
    expect(out).toBe("t\n");
    expect(conn.calls[0]!.display).toContain(`PGDATABASE='x'\\''y'`);
    expect(conn.calls[0]!.stdin).toBe("SET standard_conforming_strings = on;\nBEGIN;\nSELECT true;\nCOMMIT;\n");
  });
});
