// Parsers of the PostgreSQL facts against outputs recorded from a real PostgreSQL 15
// (test/integration/pg-ops.test.ts with PGSTY_RECORD_FACTS=1), and the fragments they parse.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { PgDatabasesFact, PgRolesFact, PgSettingsFact } from "../../../src/facts/pg-catalog.js";
import {
  PG_FACTS, isPgDown, parseDatabases, parseDefaultAcl, parseExtensions, parsePatroniConfig, parsePgTargetKey, parseRoles, parseSchemas,
  parseSettings, patroniConfigScript, pgTargetKey, splitSections, type PgDefaultAclFact, type PgExtensionsFact, type PgSchemasFact,
} from "../../../src/facts/pg-index.js";

const KEY = pgTargetKey({ dbsu: "postgres", socketDir: "/var/run/postgresql", port: 5432 });
const fixture = (name: string) => readFileSync(new URL(`../../fixtures/facts/${name}.txt`, import.meta.url), "utf8");
const HOSTILE_DB = "x'; drop table y; --";

describe("pg.roles", () => {
  const fact = parseRoles(fixture("pg-roles"), [KEY]).get(KEY) as PgRolesFact;

  it("reads every role but the predefined ones, with attributes, memberships, settings, comments", () => {
    expect(fact.version).toBe(150018);
    expect(fact.recovery).toBe(false);
    expect(fact.now).toBeGreaterThan(1.7e9);
    expect([...fact.roles.keys()]).toEqual(expect.arrayContaining(['a"b', "dbrole_admin", "dbuser_dba", "postgres", "replicator", "test"]));
    expect([...fact.roles.keys()].some((n) => n.startsWith("pg_"))).toBe(false);
    const hostile = fact.roles.get('a"b')!;
    expect(hostile).toMatchObject({
      login: true, superuser: false, connlimit: 2, comment: "hostile 'name'", validUntil: "2031-02-03 00:00:00", validUntilEpoch: expect.any(Number),
      memberships: [{ role: "dbrole_readonly", admin: true, inherit: null, set: null }],
    });
    expect(hostile.settings.get("search_path")).toBe('"$user", public');
    expect(fact.roles.get("postgres")).toMatchObject({ oid: 10, superuser: true, comment: "system superuser", password: null });
    expect(fact.roles.get("dbuser_monitor")!.settings.get("log_min_duration_statement")).toBe("1000");
    expect(fact.roles.get("replicator")!.memberships.map((m) => m.role)).toEqual(["dbrole_readonly", "pg_monitor"]);
  });

  it("holds a fingerprint of the verifier, never the verifier, and never shows it", () => {
    const raw = fixture("pg-roles");
    expect(raw).not.toMatch(/\$[A-Za-z0-9+/]{43}=:[A-Za-z0-9+/]{43}=/);
    const pw = fact.roles.get("dbuser_dba")!.password!;
    expect(pw.reveal()).toMatch(/^SCRAM-SHA-256\$4096:[A-Za-z0-9+/=]+\$sha256:[0-9a-f]{64}$/);
    expect(JSON.stringify(fact.roles.get("dbuser_dba"))).toContain('"password":"(sensitive)"');
    expect(String(pw)).toBe("(sensitive)");
  });
});

describe("pg.databases", () => {
  const fact = parseDatabases(fixture("pg-databases"), [KEY]).get(KEY) as PgDatabasesFact;

  it("reads owner, encoding, locale, limits, settings and the decoded ACL of every database", () => {
    expect([...fact.databases.keys()]).toEqual(["postgres", "template0", "template1", "test", HOSTILE_DB]);
    expect(fact.databases.get(HOSTILE_DB)).toMatchObject({
      owner: 'a"b', encoding: "UTF8", collate: "C.UTF-8", ctype: "C.UTF-8", localeProvider: "libc", icuLocale: null, connlimit: -1,
      allowconn: true, isTemplate: false, tablespace: "pg_default", comment: null,
    });
    expect(fact.databases.get(HOSTILE_DB)!.settings.get("work_mem")).toBe("64MB");
    expect(fact.databases.get("template0")).toMatchObject({ allowconn: false, isTemplate: true });
    expect(fact.databases.get("postgres")!.acl).toContainEqual({ grantee: "PUBLIC", privilege: "CONNECT", grantable: false });
    expect(fact.databases.get("test")).toMatchObject({ owner: "test", comment: "test database", collate: "C" });
  });
});

describe("per-database facts", () => {
  it("pg.schemas: every connectable database, hostile names included", () => {
    const f = parseSchemas(fixture("pg-schemas"), [KEY]).get(KEY) as PgSchemasFact;
    expect([...f.databases.keys()]).toEqual(["postgres", "template1", "test", HOSTILE_DB]);
    expect(f.databases.get("test")).toEqual([{ name: "app", owner: "postgres" }, { name: "monitor", owner: "postgres" }, { name: "public", owner: "pg_database_owner" }]);
    expect(f.errors.size).toBe(0);
  });

  it("pg.extensions: name, version, schema, relocatable", () => {
    const f = parseExtensions(fixture("pg-extensions"), [KEY]).get(KEY) as PgExtensionsFact;
    expect(f.databases.get("test")).toContainEqual({ name: "btree_gin", version: expect.any(String), schema: "app", relocatable: true });
    expect(f.databases.get("template1")).toContainEqual(expect.objectContaining({ name: "pg_stat_statements", schema: "monitor" }));
  });

  it("pg.default_privileges: pg_default_acl decoded per role, schema, object type", () => {
    const f = parseDefaultAcl(fixture("pg-default-privileges"), [KEY]).get(KEY) as PgDefaultAclFact;
    const hostile = f.databases.get(HOSTILE_DB)!.filter((e) => e.role === 'a"b');
    expect(hostile).toEqual([
      { role: 'a"b', schema: null, objectType: "FUNCTIONS", acl: [{ grantee: 'a"b', privilege: "EXECUTE", grantable: false }] },
      { role: 'a"b', schema: "public", objectType: "TABLES", acl: [{ grantee: 'a"b', privilege: "SELECT", grantable: true }] },
    ]);
    const test = f.databases.get("test")!;
    expect(test.find((e) => e.role === "test" && e.objectType === "TABLES")!.acl).toContainEqual({ grantee: "dbrole_readonly", privilege: "SELECT", grantable: false });
  });

  it("a database that fails is recorded; the others still count", () => {
    const out = `### 0\nrc=0\n{"items": [], "database": "a"}\ndb-error ${Buffer.from("b\nc").toString("hex")} FATAL:  too many connections\n`;
    const f = parseSchemas(out, [KEY]).get(KEY) as PgSchemasFact;
    expect(f.databases.get("a")).toEqual([]);
    expect(f.errors.get("b\nc")).toBe("FATAL:  too many connections");
  });
});

describe("PostgreSQL not reachable", () => {
  it("every parser returns the down marker with psql's message", () => {
    const out = fixture("pg-down");
    for (const parse of [parseRoles, parseDatabases, parseSettings, parseSchemas, parseExtensions, parseDefaultAcl]) {
      const v = parse(out, [KEY]).get(KEY);
      expect(isPgDown(v)).toBe(true);
      expect((v as { reason: string }).reason).toMatch(/^psql: error: connection to server on socket ".*" failed: No such file or directory/);
    }
  });

  it("output that is not what the query prints is a marker too, never an exception", () => {
    expect(parseRoles("### 0\nrc=0\nnot json\n", [KEY]).get(KEY)).toEqual({ down: true, reason: "unexpected output of the roles query" });
    expect(parseRoles("garbage", [KEY]).size).toBe(0);
  });
});

describe("pg.settings", () => {
  it("lists parameters pending a restart", () => {
    expect(parseSettings(fixture("pg-settings"), [KEY]).get(KEY)).toEqual({ version: 150018, pendingRestart: [] });
    const out = `### 0\nrc=0\n{"version": 160001, "pendingRestart": [{"name": "shared_buffers", "setting": "16384"}]}\n`;
    expect((parseSettings(out, [KEY]).get(KEY) as PgSettingsFact).pendingRestart).toEqual([{ name: "shared_buffers", setting: "16384" }]);
  });
});

describe("fragments", () => {
  it("keys are targets; values in the fragment are shell-quoted; sections follow the keys", () => {
    const odd = pgTargetKey({ dbsu: "post'gres", socketDir: "/tmp/a dir", port: 6000 });
    expect(parsePgTargetKey(odd)).toEqual({ dbsu: "post'gres", socketDir: "/tmp/a dir", port: 6000 });
    expect(parsePgTargetKey("nonsense")).toBeUndefined();
    const script = PG_FACTS.get("pg.roles")!.script([KEY, odd, "nonsense"]);
    expect(script).toContain(`__pgsty_psql 'post'\\''gres' '/tmp/a dir' 6000 postgres`);
    expect(script).toContain(`printf '### 2\\nrc=2\\ninvalid PostgreSQL target key\\n'`);
    const split = splitSections("### 1\nrc=0\nB\n### 0\nrc=3\nA\n", [KEY, odd]);
    expect(split.get(KEY)).toEqual({ rc: 3, body: "A\n" });
    expect(split.get(odd)).toEqual({ rc: 0, body: "B\n" });
  });

  it("per-database fragments pass database names through PGDATABASE, hex-decoded", () => {
    const script = PG_FACTS.get("pg.schemas")!.script([KEY]);
    expect(script).toContain(`"PGDATABASE=$4"`);
    expect(script).toContain(`encode(convert_to(datname, 'UTF8'), 'hex')`);
    expect(script).toContain(`__pgsty_psql postgres /var/run/postgresql 5432 "$__pgsty_db"`);
  });

  it("registers every fact under its name", () => {
    expect([...PG_FACTS.keys()].sort()).toEqual(["patroni.config", "pg.databases", "pg.default_privileges", "pg.extensions", "pg.roles", "pg.schemas", "pg.settings"]);
  });
});

describe("patroni.config", () => {
  const URL_ = "http://10.10.10.11:8008";

  it("parses GET /config; a failed curl or a non-object is the down marker", () => {
    expect(parsePatroniConfig(`### 0\nrc=0\n{"ttl": 30, "postgresql": {"parameters": {}}}\n`, [URL_]).get(URL_)).toEqual({ config: { ttl: 30, postgresql: { parameters: {} } } });
    expect(parsePatroniConfig(`### 0\nrc=7\ncurl: (7) Failed to connect to 10.10.10.11 port 8008\n`, [URL_]).get(URL_)).toEqual({
      down: true, reason: "curl: (7) Failed to connect to 10.10.10.11 port 8008",
    });
    expect(isPgDown(parsePatroniConfig(`### 0\nrc=0\n[1]\n`, [URL_]).get(URL_))).toBe(true);
  });

  it("only http(s)://host:port keys reach curl; https is verified with Pigsty's CA when present", () => {
    const script = patroniConfigScript([URL_, "https://h:8008", "http://h:1/$(reboot)"]);
    expect(script).toContain("curl -sS -f -m 5  http://10.10.10.11:8008/config");
    expect(script).toContain("--cacert /etc/pki/ca.crt");
    expect(script).toContain(`printf '### 2\\nrc=2\\ninvalid Patroni REST API URL\\n'`);
    expect(script).not.toContain("reboot");
  });
});
