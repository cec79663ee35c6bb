// pgbouncer files (src/modules/pgbouncer/pgbouncer.ts): which hosts get them, the ini's values,
// listen addresses, database.txt routing, the restart/reload rule.
import { describe, expect, it } from "vitest";
import { databaseLines, pgbouncerIniEffect, pgbouncerListen, renderPgbouncer } from "../../../../src/modules/pgbouncer/pgbouncer.js";
import { ctxOf, fileOf, ini, withVars } from "./helpers.js";

const setting = (text: string, key: string) => new RegExp(`^${key} = (.*)$`, "m").exec(text)?.[1];

describe("renderPgbouncer", () => {
  it("writes four files owned by the dbsu, reloading pgbouncer; only the userlist is secret", () => {
    const files = renderPgbouncer(ctxOf());
    expect(files.map((f) => [f.path, f.mode, f.sensitive, f.effect, f.service, f.owner, f.group])).toEqual([
      ["/etc/pgbouncer/pgbouncer.ini", "0640", false, "reload", "pgbouncer", "postgres", "postgres"],
      ["/etc/pgbouncer/database.txt", "0640", false, "reload", "pgbouncer", "postgres", "postgres"],
      ["/etc/pgbouncer/useropts.txt", "0640", false, "reload", "pgbouncer", "postgres", "postgres"],
      ["/etc/pgbouncer/userlist.txt", "0600", true, "reload", "pgbouncer", "postgres", "postgres"],
    ]);
  });
  it("writes nothing where pgbouncer is disabled or no PostgreSQL runs", () => {
    expect(renderPgbouncer(ctxOf("pgbouncer_enabled: false"))).toEqual([]);
    expect(renderPgbouncer(ctxOf("", "10.10.10.20"))).toEqual([]);
  });
  it("owns the files as a custom dbsu", () => {
    expect(fileOf(ctxOf("pg_dbsu: pgdba"), "userlist.txt")).toMatchObject({ owner: "pgdba", group: "pgdba" });
  });
  it("renders the same bytes twice", () => {
    expect(renderPgbouncer(ctxOf())).toEqual(renderPgbouncer(ctxOf()));
  });
});

describe("pgbouncer.ini", () => {
  it("has the fixed layout: includes, hba auth, admin and stats users, a quick login retry", () => {
    const t = ini();
    expect(t).toContain("[databases]\n%include /etc/pgbouncer/database.txt\n");
    expect(t).toContain("[users]\n%include /etc/pgbouncer/useropts.txt\n");
    expect(setting(t, "listen_port")).toBe("6432");
    expect(setting(t, "unix_socket_dir")).toBe("/var/run/postgresql");
    expect(setting(t, "pidfile")).toBe("/var/run/postgresql/pgbouncer.pid");
    expect(setting(t, "logfile")).toBe("/pg/log/pgbouncer/pgbouncer.log");
    expect(setting(t, "auth_type")).toBe("hba");
    expect(setting(t, "auth_hba_file")).toBe("/etc/pgbouncer/pgb_hba.conf");
    expect(setting(t, "auth_file")).toBe("/etc/pgbouncer/userlist.txt");
    expect(setting(t, "admin_users")).toBe("postgres, dbuser_dba");
    expect(setting(t, "stats_users")).toBe("postgres, dbuser_monitor");
    expect(setting(t, "pool_mode")).toBe("transaction");
    expect(setting(t, "server_login_retry")).toBe("1");
    expect(setting(t, "ignore_startup_parameters")).toBe("extra_float_digits, application_name, TimeZone, DateStyle, IntervalStyle, search_path");
    expect(t).not.toMatch(/auth_query|auth_user|client_tls|max_prepared_statements/);
    expect(t).not.toMatch(/\d{4}-\d{2}-\d{2}/);
  });
  it("follows the parameters", () => {
    const t = ini(
      "pgbouncer_port: 7432\npgbouncer_poolmode: session\npgbouncer_log_dir: /var/log/pgb\npg_localhost: /tmp/sock\npgbouncer_ignore_param: []\npg_admin_username: dba\npg_monitor_username: mon",
    );
    expect([setting(t, "listen_port"), setting(t, "pool_mode"), setting(t, "logfile"), setting(t, "unix_socket_dir")]).toEqual([
      "7432",
      "session",
      "/var/log/pgb/pgbouncer.log",
      "/tmp/sock",
    ]);
    expect(setting(t, "ignore_startup_parameters")).toBeUndefined();
    expect(setting(t, "admin_users")).toBe("postgres, dba");
    expect(setting(t, "stats_users")).toBe("postgres, mon");
  });
  it("lists a user once when the dbsu is also the admin", () => {
    expect(setting(ini("pg_admin_username: postgres"), "admin_users")).toBe("postgres");
  });
  it("asks PostgreSQL for unlisted users with pgbouncer_auth_query", () => {
    const t = ini("pgbouncer_auth_query: true");
    expect(setting(t, "auth_user")).toBe("postgres");
    expect(setting(t, "auth_query")).toBe("SELECT username, password FROM monitor.pgbouncer_auth($1)");
  });
  it("turns client TLS on with pgbouncer_sslmode", () => {
    const t = ini("pgbouncer_sslmode: require");
    expect(setting(t, "client_tls_sslmode")).toBe("require");
    expect(setting(t, "client_tls_key_file")).toBe("/pg/cert/server.key");
    expect(setting(t, "client_tls_cert_file")).toBe("/pg/cert/server.crt");
    expect(setting(t, "client_tls_ca_file")).toBe("/pg/cert/ca.crt");
  });
  it("refuses values that would break out of their line", () => {
    const ctx = withVars(ctxOf(), { pgbouncer_log_dir: "/x\nlisten_addr = *" });
    expect(() => renderPgbouncer(ctx)).toThrow(/line break/);
  });
});

describe("pgbouncerListen", () => {
  const listen = (vars: string, hostVars = "") => pgbouncerListen(ctxOf(vars, "10.10.10.11", hostVars));
  it("defaults to 0.0.0.0", () => expect(listen("")).toEqual(["0.0.0.0"]));
  it("replaces ${ip} and ${lo}, deduplicated", () => {
    expect(listen("pg_listen: '${ip},${lo}, ${ip} ,127.0.0.1'")).toEqual(["10.10.10.11", "127.0.0.1"]);
  });
  it("uses ansible_host for ${ip}", () => {
    expect(listen("pg_listen: '${ip}'", ", ansible_host: 192.168.0.11")).toEqual(["192.168.0.11"]);
  });
  it("replaces ${vip} with the VIP when enabled", () => {
    expect(listen("pg_listen: '${ip},${vip}'\npg_vip_enabled: true\npg_vip_address: 10.10.10.3/24")).toEqual(["10.10.10.11", "10.10.10.3"]);
  });
  it("drops ${vip} without a usable VIP", () => {
    expect(listen("pg_listen: '${ip},${vip}'")).toEqual(["10.10.10.11"]);
    expect(listen("pg_listen: '${ip},${vip}'\npg_vip_enabled: true\npg_vip_address: 127.0.0.1/24")).toEqual(["10.10.10.11"]);
    const noMask = withVars(ctxOf("pg_listen: '${ip},${vip}'\npg_vip_enabled: true"), { pg_vip_address: "10.10.10.3" });
    expect(pgbouncerListen(noMask)).toEqual(["10.10.10.11"]);
  });
  it("falls back to the node's IP when nothing is left", () => {
    expect(listen("pg_listen: '${vip}'")).toEqual(["10.10.10.11"]);
  });
  it("joins the addresses with commas in the ini", () => {
    expect(setting(ini("pg_listen: '${ip},${lo}'"), "listen_addr")).toBe("10.10.10.11,127.0.0.1");
  });
});

describe("database.txt", () => {
  const lines = (vars: string) => databaseLines(ctxOf(vars));
  it("routes each pooled database to the local socket on pg_port, by name", () => {
    expect(lines("pg_port: 5433\npg_databases: [ { name: meta }, { name: app } ]")).toEqual([
      "app  = host=/var/run/postgresql port=5433 dbname=app",
      "meta = host=/var/run/postgresql port=5433 dbname=meta",
    ]);
  });
  it("writes the pool options that are set, in a fixed order; -1 connections is unlimited (0)", () => {
    const vars =
      "pg_databases: [ { name: app, pool_connlimit: -1, pool_reserve: 3, pool_size_min: 2, pool_size: 10, pool_mode: session, pool_auth_user: dbuser_monitor } ]";
    expect(lines(vars)).toEqual([
      "app = host=/var/run/postgresql port=5432 dbname=app auth_user=dbuser_monitor pool_mode=session pool_size=10 min_pool_size=2 reserve_pool=3 max_db_connections=0",
    ]);
  });
  it("accepts the older field names", () => {
    expect(lines("pg_databases: [ { name: app, pool_size_reserve: 4, pool_max_db_conn: 50 } ]")).toEqual([
      "app = host=/var/run/postgresql port=5432 dbname=app reserve_pool=4 max_db_connections=50",
    ]);
  });
  it("leaves out databases with pgbouncer: false, absent ones and the reserved name pgbouncer", () => {
    const vars = "pg_databases: [ { name: a, pgbouncer: false }, { name: b, state: absent }, { name: pgbouncer }, { name: c } ]";
    expect(lines(vars)).toEqual(["c = host=/var/run/postgresql port=5432 dbname=c"]);
  });
  it("lists postgres only when declared", () => {
    expect(lines("pg_databases: [ { name: postgres } ]")).toEqual(["postgres = host=/var/run/postgresql port=5432 dbname=postgres"]);
    expect(lines("pg_databases: []")).toEqual([]);
  });
  it("quotes names and values that need it", () => {
    expect(lines("pg_localhost: '/run/my pg'\npg_databases: [ { name: 'my-db' }, { name: 'a$b' } ]")).toEqual([
      `"a$b" = host='/run/my pg' port=5432 dbname='a$b'`,
      `my-db = host='/run/my pg' port=5432 dbname=my-db`,
    ]);
    const odd = withVars(ctxOf(), { pg_databases: [{ name: "it's" }] });
    expect(databaseLines(odd)).toEqual([`"it's" = host=/var/run/postgresql port=5432 dbname='it''s'`]);
  });
  it("has a header and one line per database in the file", () => {
    const t = fileOf(ctxOf("pg_databases: [ { name: meta } ]"), "database.txt").content;
    expect(t.split("\n").filter((l) => !l.startsWith(";") && l !== "")).toEqual(["meta = host=/var/run/postgresql port=5432 dbname=meta"]);
  });
});

describe("pgbouncerIniEffect", () => {
  const base = ini();
  it("is none without a change and restart for a new file", () => {
    expect(pgbouncerIniEffect(base, base)).toBe("none");
    expect(pgbouncerIniEffect(undefined, base)).toBe("restart");
  });
  it("is reload for settings RELOAD applies", () => {
    expect(pgbouncerIniEffect(base, ini("pgbouncer_poolmode: session"))).toBe("reload");
    expect(pgbouncerIniEffect(base, base.replace("; Host", "; host"))).toBe("reload");
  });
  it("is restart for listen and socket settings", () => {
    expect(pgbouncerIniEffect(base, ini("pgbouncer_port: 7432"))).toBe("restart");
    expect(pgbouncerIniEffect(base, ini("pg_listen: '${ip}'"))).toBe("restart");
    expect(pgbouncerIniEffect(base, ini("pg_localhost: /tmp"))).toBe("restart");
  });
  it("skips comments, includes and lines without a setting", () => {
    const a = "[pgbouncer]\n# c\n; c\n%include /x\nnonsense\n=nokey\nlisten_port = 1\n";
    expect(pgbouncerIniEffect(a, a.replace("# c", "# d").replace("nonsense", "other").replace("=nokey", "=x"))).toBe("reload");
  });
  it("reads keys case-insensitively inside [pgbouncer] only", () => {
    const a = "[pgbouncer]\nLISTEN_PORT = 1\n[databases]\nlisten_port = 2\n";
    expect(pgbouncerIniEffect(a, a.replace("listen_port = 2", "listen_port = 3"))).toBe("reload");
    expect(pgbouncerIniEffect(a, a.replace("LISTEN_PORT = 1", "listen_port=1"))).toBe("reload");
    expect(pgbouncerIniEffect(a, a.replace("LISTEN_PORT = 1", "listen_port = 9"))).toBe("restart");
  });
});

