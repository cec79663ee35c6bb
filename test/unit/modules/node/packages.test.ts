// Package resolution (src/modules/node/packages.ts): alias expansion, `$v`, pass-through names,
// the HA stack per host, platforms; the conf/ inventories on Debian 12.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { EL9 } from "../../../../src/modules/context.js";
import { PACKAGE_MAPS, packagesFor, resolvePackages } from "../../../../src/modules/node/packages.js";
import { contextFor } from "../context-helper.js";

const DEB = PACKAGE_MAPS.debian12;

function inventory(vars = "", extra = ""): string {
  const v = vars.split("\n").map((l) => `        ${l}`).join("\n");
  return `all:
  vars: { admin_ip: 10.10.10.10, pg_version: 15 }
  children:
    etcd: { hosts: { 10.10.10.11: { etcd_seq: 1 }, 10.10.10.20: { etcd_seq: 2 } } }
    pg-test:
      hosts:
        10.10.10.11: { pg_seq: 1, pg_role: primary }
        10.10.10.12: { pg_seq: 2, pg_role: replica }
      vars:
        pg_cluster: pg-test
${v}
${extra}`;
}
const names = (vars = "", host = "10.10.10.12", o: { el9?: boolean; extra?: string } = {}) =>
  packagesFor(contextFor(inventory(vars, o.extra), host, o.el9 ? { platforms: new Map([[host, EL9]]) } : {})).names;

const DEB_MAIN_15 = [
  "patroni",
  "pgbackrest",
  "pgbouncer",
  "postgresql-15",
  "postgresql-15-repack",
  "postgresql-15-wal2json",
  "postgresql-client-15",
  "postgresql-plperl-15",
  "postgresql-plpython3-15",
  "postgresql-pltcl-15",
  "python3-etcd",
];

describe("resolvePackages", () => {
  it("splits on spaces and commas and replaces aliases once", () => {
    expect(resolvePackages(" pgsql-client,, postgis  pg-exporter ", DEB, 15)).toEqual(["postgresql-client-15", "postgresql-15-postgis-3", "pg-exporter"]);
  });
  it("replaces $v and ${pg_version} in aliases and in raw names", () => {
    expect(resolvePackages("postgresql-$v-cron postgresql-${pg_version}-hll pgvector", DEB, 16)).toEqual([
      "postgresql-16-cron",
      "postgresql-16-hll",
      "postgresql-16-pgvector",
    ]);
  });
  it("does not resolve a mapped value again", () => {
    expect(resolvePackages("pgsql-common", { "pgsql-common": "patroni", patroni: "nope" }, 15)).toEqual(["patroni"]);
  });
  it("keeps unknown names, ignores inherited object keys", () => {
    expect(resolvePackages("sqlcmd toString constructor", DEB, 15)).toEqual(["sqlcmd", "toString", "constructor"]);
  });
  it("maps contrib extensions to the server package", () => {
    expect(resolvePackages("pg_trgm postgres_fdw uuid-ossp", DEB, 15)).toEqual(["postgresql-15", "postgresql-15", "postgresql-15"]);
    expect(resolvePackages("pg_trgm", PACKAGE_MAPS.el9, 15)).toEqual(["postgresql15-contrib"]);
  });
  it("resolves extension aliases to Debian's package names", () => {
    expect(resolvePackages("postgis pgvector pg_cron pg_partman pgq pg_auto_failover", DEB, 15)).toEqual([
      "postgresql-15-postgis-3",
      "postgresql-15-pgvector",
      "postgresql-15-cron",
      "postgresql-15-partman",
      "postgresql-15-pgq3",
      "postgresql-15-auto-failover",
    ]);
  });
  it("has no alias of either platform resolving to an empty name", () => {
    for (const map of Object.values(PACKAGE_MAPS)) for (const alias of Object.keys(map)) expect(resolvePackages(alias, map, 15).every((n) => n.length > 0)).toBe(true);
  });
});

describe("packagesFor", () => {
  it("installs the default packages and the HA stack on a replica (Debian 12)", () => {
    expect(names()).toEqual([...DEB_MAIN_15, "haproxy"].sort());
  });
  it("adds etcd on etcd members", () => {
    expect(names("", "10.10.10.11")).toEqual([...DEB_MAIN_15, "etcd-client", "etcd-server", "haproxy"].sort());
  });
  it("gives an etcd-only host etcd and haproxy but no PostgreSQL", () => {
    expect(names("", "10.10.10.20")).toEqual(["etcd-client", "etcd-server", "haproxy"]);
  });
  it("adds pg_extensions, deduplicated and sorted", () => {
    expect(names("pg_extensions: [ 'postgis, pg_trgm', pgvector ]")).toEqual(
      [...DEB_MAIN_15, "haproxy", "postgresql-15-pgvector", "postgresql-15-postgis-3"].sort(),
    );
  });
  it("keeps the HA stack when pg_packages leaves it out, and drops what is disabled", () => {
    expect(names("pg_packages: [ pgsql-mini ]")).toEqual(
      ["haproxy", "patroni", "pgbackrest", "pgbouncer", "postgresql-15", "postgresql-client-15", "python3-etcd"].sort(),
    );
    expect(names("pg_packages: [ pgsql-mini ]\npatroni_enabled: false\npgbouncer_enabled: false\npgbackrest_enabled: false\nhaproxy_enabled: false")).toEqual([
      "postgresql-15",
      "postgresql-client-15",
    ]);
  });
  it("adds vip-manager with a VIP", () => {
    expect(names("pg_vip_enabled: true\npg_vip_address: 10.10.10.3/24")).toContain("vip-manager");
  });
  it("follows pg_version", () => {
    expect(names("pg_version: 16\npg_packages: [ pgsql-client ]\nhaproxy_enabled: false")).toEqual(["patroni", "pgbackrest", "pgbouncer", "postgresql-client-16", "python3-etcd"]);
  });
  it("uses PGDG names on EL9", () => {
    expect(names("pg_extensions: [ postgis ]", "10.10.10.11", { el9: true })).toEqual(
      [
        "etcd",
        "haproxy",
        "patroni",
        "patroni-etcd",
        "pg_repack_15",
        "pgbackrest",
        "pgbouncer",
        "pgvector_15",
        "postgis35_15",
        "postgresql15",
        "postgresql15-contrib",
        "postgresql15-libs",
        "postgresql15-plperl",
        "postgresql15-plpython3",
        "postgresql15-pltcl",
        "postgresql15-server",
        "wal2json_15",
      ].sort(),
    );
  });
});

describe("conf/ inventories on Debian 12", () => {
  it.each([
    ["conf/pgsql.yml", "127.0.0.1"],
    ["conf/ha/pg-test.yml", "10.10.10.11"],
    ["conf/ha/pg-test.yml", "10.10.10.13"],
  ])("%s %s: the default stack of Debian 12's PostgreSQL 15", (file, host) => {
    const text = readFileSync(new URL(`../../../../${file}`, import.meta.url), "utf8");
    expect(packagesFor(contextFor(text, host)).names).toEqual([...DEB_MAIN_15, "etcd-client", "etcd-server", "haproxy"].sort());
  });
});
