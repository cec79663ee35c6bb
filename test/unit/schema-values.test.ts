// Parameter values: documented defaults against the seed, the seed's complete examples of users,
// databases, services and HBA rules, and wrong values failing at the issue path the validator shows.
import { describe, expect, test } from "vitest";
import { parse } from "yaml";
import type * as z from "zod";
import { PARAMETERS, type PgUser } from "../../src/model/schema/index.js";

/** Read YAML as the inventory loader does (YAML 1.1, like Ansible). */
const yaml = (text: string): unknown => parse(text, { version: "1.1" });

function spec(name: string) {
  const s = PARAMETERS.get(name);
  if (!s) throw new Error(`unknown parameter ${name}`);
  return s;
}

function issues(name: string, value: unknown): z.core.$ZodIssue[] {
  const r = spec(name).schema.safeParse(value);
  return r.success ? [] : r.error.issues;
}

describe("documented defaults", () => {
  test.each<[string, unknown]>([
    ["pg_mode", "pgsql"],
    ["pg_version", 18],
    ["pg_port", 5432],
    ["pgbouncer_port", 6432],
    ["patroni_port", 8008],
    ["pg_exporter_port", 9630],
    ["pgbouncer_exporter_port", 9631],
    ["pgbackrest_exporter_port", 9854],
    ["pg_dbsu", "postgres"],
    ["pg_dbsu_uid", 26],
    ["pg_dbsu_sudo", "limit"],
    ["pg_dbsu_home", "/var/lib/pgsql"],
    ["pg_data", "/pg/data"],
    ["pg_fs_main", "/data/postgres"],
    ["pg_fs_backup", "/data/backups"],
    ["pg_localhost", "/var/run/postgresql"],
    ["pg_namespace", "/pg"],
    ["pg_conf", "oltp.yml"],
    ["pg_max_conn", "auto"],
    ["pg_shared_buffer_ratio", 0.25],
    ["pg_io_method", "worker"],
    ["pg_rto", "norm"],
    ["pg_rpo", 1048576],
    ["pg_libs", "pg_stat_statements, auto_explain"],
    ["pg_packages", ["pgsql-main pgsql-common"]],
    ["pg_extensions", []],
    ["pg_default_schemas", ["monitor"]],
    ["pgbouncer_ignore_param", ["extra_float_digits", "application_name", "TimeZone", "DateStyle", "IntervalStyle", "search_path"]],
    ["pg_replication_username", "replicator"],
    ["pg_replication_password", "DBUser.Replicator"],
    ["pg_admin_username", "dbuser_dba"],
    ["pg_admin_password", "DBUser.DBA"],
    ["pg_monitor_username", "dbuser_monitor"],
    ["pg_monitor_password", "DBUser.Monitor"],
    ["pg_dbsu_password", ""],
    ["patroni_username", "postgres"],
    ["patroni_password", "Patroni.API"],
    ["patroni_watchdog_mode", "off"],
    ["pg_vip_address", "127.0.0.1/24"],
    ["pg_vip_interface", "eth0"],
    ["pg_default_service_dest", "pgbouncer"],
    ["pgbackrest_method", "local"],
    ["pg_safeguard", false],
    ["pg_rm_pkg", true],
    ["etcd_port", 2379],
    ["etcd_peer_port", 2380],
    ["etcd_root_password", "Etcd.Root"],
    ["haproxy_exporter_port", 9101],
    ["haproxy_client_timeout", "24h"],
    ["haproxy_services", []],
    ["node_firewall_intranet", ["10.0.0.0/8", "192.168.0.0/16", "172.16.0.0/12"]],
  ])("%s = %j", (name, value) => {
    expect(spec(name).default).toEqual(value);
  });

  test("pg_default_services: primary/replica/default/offline with their ports, checks, selectors, backups", () => {
    const services = spec("pg_default_services").default as { name: string; port: number; dest: string; check: string; selector: string; backup?: string }[];
    expect(services.map((s) => [s.name, s.port, s.dest, s.check])).toEqual([
      ["primary", 5433, "default", "/primary"],
      ["replica", 5434, "default", "/read-only"],
      ["default", 5436, "postgres", "/primary"],
      ["offline", 5438, "postgres", "/replica"],
    ]);
    expect(services.map((s) => s.selector)).toEqual(["[]", "[]", "[]", "[? pg_role == `offline` || pg_offline_query ]"]);
    expect(services.map((s) => s.backup)).toEqual([
      undefined,
      "[? pg_role == `primary` || pg_role == `offline` ]",
      undefined,
      "[? pg_role == `replica` && !pg_offline_query]",
    ]);
  });

  test("HBA defaults: 12 postgres rules (orders 100-650), 7 pgbouncer rules (100-400)", () => {
    const pg = spec("pg_default_hba_rules").default as Record<string, unknown>[];
    const pgb = spec("pgb_default_hba_rules").default as Record<string, unknown>[];
    expect(pg).toHaveLength(12);
    expect(pg.map((r) => r["order"])).toEqual([100, 150, 200, 250, 300, 350, 400, 450, 500, 550, 600, 650]);
    expect(pg[0]).toEqual({ user: "${dbsu}", db: "all", addr: "local", auth: "ident", title: "dbsu access via local os user ident", order: 100 });
    expect(pg[8]).toEqual({ user: "${admin}", db: "all", addr: "world", auth: "ssl", title: "admin @ everywhere with ssl & pwd", order: 500 });
    expect(pg[11]).toMatchObject({ user: "+dbrole_offline", addr: "intra", auth: "pwd" });
    expect(pgb).toHaveLength(7);
    expect(pgb.map((r) => r["order"])).toEqual([100, 150, 200, 250, 300, 350, 400]);
    expect(pgb[0]).toEqual({ user: "${dbsu}", db: "pgbouncer", addr: "local", auth: "peer", title: "dbsu local admin access with os ident", order: 100 });
    expect(pgb[3]).toMatchObject({ user: "${monitor}", addr: "world", auth: "deny" });
  });

  test("provisioning lists: 8 default roles, 17 privileges, 15 extensions", () => {
    const roles = spec("pg_default_roles").default as PgUser[];
    const names = ["dbrole_readonly", "dbrole_offline", "dbrole_readwrite", "dbrole_admin", "postgres", "replicator", "dbuser_dba", "dbuser_monitor"];
    expect(roles.map((r) => r.name)).toEqual(names);
    expect(roles[6]).toMatchObject({ superuser: true, roles: ["dbrole_admin"], pgbouncer: true, pool_mode: "session", pool_connlimit: 16 });
    expect(roles[7]).toMatchObject({ parameters: { log_min_duration_statement: 1000 }, pool_mode: "session", pool_connlimit: 8 });
    expect(spec("pg_default_privileges").default).toHaveLength(17);
    const exts = spec("pg_default_extensions").default as { name: string; schema?: string }[];
    expect(exts).toHaveLength(15);
    expect(exts[0]).toEqual({ name: "pg_stat_statements", schema: "monitor" });
    expect(exts[14]).toEqual({ name: "pg_repack" });
  });

  test("pgbackrest_repo: local and minio repositories, keys in seed order", () => {
    const repo = spec("pgbackrest_repo").default as Record<string, Record<string, unknown>>;
    expect(Object.keys(repo)).toEqual(["local", "minio"]);
    expect(repo["local"]).toEqual({ path: "/pg/backup", retention_full_type: "count", retention_full: 2 });
    expect(Object.keys(repo["minio"] ?? {})).toEqual([
      "type", "s3_endpoint", "s3_region", "s3_bucket", "s3_key", "s3_key_secret", "s3_uri_style", "path", "storage_port",
      "storage_ca_file", "block", "bundle", "bundle_limit", "bundle_size", "cipher_type", "cipher_pass", "retention_full_type", "retention_full",
    ]);
    expect(repo["minio"]).toMatchObject({ s3_key_secret: "S3User.Backup", cipher_pass: "pgBackRest", retention_full: 14 });
  });
});

const SEED_USER = `
- name: dbuser_meta
  state: create
  password: DBUser.Meta
  login: true
  superuser: false
  createdb: false
  createrole: false
  inherit: true
  replication: false
  bypassrls: false
  pgbouncer: true
  connlimit: -1
  expire_in: 3650
  expire_at: '2030-12-31'
  comment: pigsty admin user
  roles: [dbrole_admin]
  parameters:
    search_path: public
  pool_mode: transaction
  pool_connlimit: -1
- name: dbuser_app
  roles:
    - dbrole_readwrite
    - { name: dbrole_admin, admin: true }
    - { name: pg_monitor, set: false }
    - { name: pg_execute_server_program, inherit: false }
    - { name: old_role, state: absent }
  parameters: { work_mem: DEFAULT, statement_timeout: '30s' }
  expire_at: infinity
- { name: dbuser_remove, state: absent }
`;

const SEED_DATABASE = `
- name: meta
  baseline: cmdb.sql
  pgbouncer: true
  schemas: [pigsty]
  extensions:
    - { name: postgis, schema: public }
    - { name: timescaledb }
  comment: pigsty meta database
  owner: postgres
  template: template1
  encoding: UTF8
  locale: C
  lc_collate: C
  lc_ctype: C
  tablespace: pg_default
  allowconn: true
  revokeconn: false
  register_datasource: true
  connlimit: -1
  pool_auth_user: dbuser_meta
  pool_mode: transaction
  pool_size: 64
  pool_size_reserve: 32
  pool_size_min: 0
  pool_max_db_conn: 100
- name: myapp
  schemas: [app, api, { name: core, owner: dbuser_app }, { name: old_schema, state: absent }]
  extensions: [postgis, pg_trgm, { name: vector, schema: public, version: '0.5.1', state: absent }]
  pool_reserve: 32
  pool_connlimit: 100
  parameters: { search_path: 'app,public' }
- { name: app_staging, template: app_template, strategy: FILE_COPY, owner: dbuser_app }
- { name: shared_template, is_template: true, owner: dbuser_app }
- { name: myapp_icu, template: template0, locale_provider: icu, icu_locale: en-US, encoding: UTF8 }
- { name: testdb, state: recreate, owner: dbuser_test, baseline: test_init.sql }
- { name: olddb, state: absent }
`;

const SEED_SERVICE = `
- name: standby
  port: 5435
  ip: "*"
  selector: "[]"
  backup: "[? pg_role == \`primary\`]"
  dest: default
  check: /sync
  maxconn: 5000
  balance: roundrobin
  options: 'inter 3s fastinter 1s downinter 5s rise 3 fall 3 on-marked-down shutdown-sessions slowstart 30s maxconn 3000 maxqueue 128 weight 100'
- { name: direct, port: 5440, dest: 5432, selector: "[]" }
`;

const SEED_HBA = `
- title: allow intranet password access
  role: common
  rules:
    - host all all 10.0.0.0/8 md5
    - host all all 172.16.0.0/12 md5
    - host all all 192.168.0.0/16 md5
- addr: 'intra'
  auth: 'pwd'
  user: 'all'
  db: 'all'
  rules: []
  title: allow intranet password access
- {user: writer, db: all, addr: intra, auth: pwd, role: primary, title: 'writer only on primary'}
- {user: '+dbrole_offline', db: all, addr: '172.20.0.0/16', auth: ssl, role: offline, title: 'offline dedicated'}
- {user: all, db: all, addr: '10.1.1.100/32', auth: deny, order: 0, title: 'blacklist bad ip'}
`;

describe("seed examples parse", () => {
  test.each([
    ["pg_users", SEED_USER],
    ["pg_default_roles", SEED_USER],
    ["pg_databases", SEED_DATABASE],
    ["pg_services", SEED_SERVICE],
    ["pg_hba_rules", SEED_HBA],
    ["pgb_hba_rules", SEED_HBA],
  ])("%s", (name, text) => {
    expect(issues(name, yaml(text))).toEqual([]);
  });

  test("YAML 1.1 spellings Pigsty accepts: unquoted off, y flags, unquoted dates", () => {
    expect(issues("patroni_watchdog_mode", yaml("off"))).toEqual([]);
    expect(issues("pgbackrest_repo", yaml("minio: { type: s3, block: y, bundle: y, hardlink: n }"))).toEqual([]);
    expect(issues("pg_users", yaml("[{ name: u, expire_at: 2030-12-31 }]"))).toEqual([]);
  });

  test("pg_rto takes a preset or seconds; pg_max_conn takes auto or a number", () => {
    for (const v of ["fast", "norm", "safe", "wide", 45]) expect(issues("pg_rto", v)).toEqual([]);
    for (const v of ["auto", 1000]) expect(issues("pg_max_conn", v)).toEqual([]);
  });
});

describe("wrong values fail at the expected path", () => {
  test.each<[string, string, (string | number)[], string]>([
    ["pg_users", "[{ name: u, roles: [a, { name: b, admin: 'yes' }] }]", [0, "roles", 1, "admin"], "invalid_type"],
    ["pg_users", "[{ name: u, roles: [a, { name: b, state: gone }] }]", [0, "roles", 1, "state"], "invalid_value"],
    ["pg_users", "[{ name: u, roles: [a, 3] }]", [0, "roles", 1], "invalid_type"],
    ["pg_users", "[{ name: u, expire_at: '2030/12/31' }]", [0, "expire_at"], "invalid_format"],
    ["pg_users", "[{ name: u, pool_mode: pooled }]", [0, "pool_mode"], "invalid_value"],
    ["pg_users", "[{ password: x }]", [0, "name"], "invalid_type"],
    ["pg_users", "[{ name: u, passwrod: x }]", [0], "unrecognized_keys"],
    ["pg_databases", "[{ name: d, strategy: COPY }]", [0, "strategy"], "invalid_value"],
    ["pg_databases", "[{ name: d, schemas: [a, { name: b, state: gone }] }]", [0, "schemas", 1, "state"], "invalid_value"],
    ["pg_databases", "[{ name: d, extensions: [{ name: vector, version: 0.5 }] }]", [0, "extensions", 0, "version"], "invalid_type"],
    ["pg_databases", "[{ name: d, state: present }]", [0, "state"], "invalid_value"],
    ["pg_services", "[{ name: s, port: 70000 }]", [0, "port"], "too_big"],
    ["pg_services", "[{ name: s, port: 5440, dest: pgpool }]", [0, "dest"], "invalid_union"],
    ["pg_services", "[{ name: s, port: 5440, balance: fastest }]", [0, "balance"], "invalid_value"],
    ["pg_hba_rules", "[{ addr: intra, role: master }]", [0, "role"], "invalid_value"],
    ["pg_hba_rules", "[{ addr: intra, rules: host all all 0.0.0.0/0 trust }]", [0, "rules"], "invalid_type"],
    ["pgbackrest_repo", "minio: { type: s4 }", ["minio", "type"], "invalid_value"],
    ["pgbackrest_repo", "minio: { storage_port: '9000' }", ["minio", "storage_port"], "invalid_type"],
    ["pg_seq", "-1", [], "too_small"],
    ["pg_seq", "'1'", [], "invalid_type"],
    ["pg_role", "leader", [], "invalid_value"],
    ["pg_port", "0", [], "too_small"],
    ["pg_rto", "slow", [], "invalid_union"],
    ["pg_mode", "mongo", [], "invalid_value"],
    ["pg_dbsu_sudo", "some", [], "invalid_value"],
    ["pgbouncer_sslmode", "on", [], "invalid_value"],
    ["pg_weight", "256", [], "too_big"],
  ])("%s = %s → %j %s", (name, text, path, code) => {
    const found = issues(name, yaml(text));
    expect(found.length, JSON.stringify(found)).toBeGreaterThan(0);
    expect(found[0]?.path).toEqual(path);
    expect(found[0]?.code).toBe(code);
  });
});
