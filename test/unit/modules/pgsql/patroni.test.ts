// Patroni configuration (src/modules/pgsql/patroni.ts, patroni-dcs.ts): HA timings, sync mode,
// standby and cascading replication, citus, listen addresses, bin_dir, initdb, secrets; golden
// files for conf/ha/pg-test.yml.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import type { HostContext } from "../../../../src/modules/context.js";
import { EL9 } from "../../../../src/modules/context.js";
import { haTimings, patroniDynamicConfig, renderPatroniConfig } from "../../../../src/modules/pgsql/patroni.js";
import { contextFor } from "../context-helper.js";

type Vars = Record<string, unknown>;

/** etcd on .11-.13 (seq given out of address order) and pg-test on .11-.13 plus other groups. */
function inventory(vars: Vars = {}, hosts: Record<string, Vars> = {}, extraGroups: Record<string, unknown> = {}): string {
  return stringify({
    all: {
      vars: { admin_ip: "10.10.10.10", pg_version: 15, ...vars },
      children: {
        infra: { hosts: { "10.10.10.10": { infra_seq: 1 } } },
        etcd: { hosts: { "10.10.10.13": { etcd_seq: 3 }, "10.10.10.11": { etcd_seq: 1 }, "10.10.10.12": { etcd_seq: 2 } }, vars: { etcd_cluster: "etcd" } },
        "pg-test": {
          hosts: {
            "10.10.10.11": { pg_seq: 1, pg_role: "primary", ...hosts["10.10.10.11"] },
            "10.10.10.12": { pg_seq: 2, pg_role: "replica", ...hosts["10.10.10.12"] },
            "10.10.10.13": { pg_seq: 3, pg_role: "replica", ...hosts["10.10.10.13"] },
          },
          vars: { pg_cluster: "pg-test" },
        },
        ...extraGroups,
      },
    },
  });
}

const ctxOf = (host: string, vars: Vars = {}, hosts: Record<string, Vars> = {}, groups: Record<string, unknown> = {}) => contextFor(inventory(vars, hosts, groups), host);
/** The rendered file parsed back the way Patroni reads it (YAML 1.1). */
const conf = (ctx: HostContext) => parse(renderPatroniConfig(ctx).content, { version: "1.1" }) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const P = "10.10.10.11";

describe("HA timings and synchronous mode", () => {
  it.each([
    // the objective less HAProxy's routing and 2 s of promotion; never below Patroni's 20 s minimum
    ["fast", { ttl: 20, loop_wait: 6, retry_timeout: 7, primary_start_timeout: 5 }, 5],
    ["norm", { ttl: 24, loop_wait: 8, retry_timeout: 8, primary_start_timeout: 10 }, 5],
    ["safe", { ttl: 52, loop_wait: 10, retry_timeout: 21, primary_start_timeout: 34 }, 10],
    ["wide", { ttl: 110, loop_wait: 10, retry_timeout: 50, primary_start_timeout: 92 }, 15],
    // seconds: routing of the nearest preset (norm: 2 s down check + 2 × 1 s rising)
    [45, { ttl: 39, loop_wait: 10, retry_timeout: 14, primary_start_timeout: 21 }, 5],
    [10, { ttl: 20, loop_wait: 6, retry_timeout: 7, primary_start_timeout: 5 }, 5],
  ] as const)("pg_rto %s", (pgRto, dcs, margin) => {
    const c = conf(ctxOf(P, { pg_rto: pgRto }));
    expect(c.bootstrap.dcs).toMatchObject(dcs);
    expect(c.watchdog.safety_margin).toBe(margin);
  });

  it("anything else is norm", () => expect(haTimings("bogus")).toEqual(haTimings("norm")));

  it("every preset and many objectives keep Patroni's rules: ttl ≥ 20, loop_wait + 2 × retry_timeout ≤ ttl, retry_timeout ≥ 3", () => {
    for (const rto of ["fast", "norm", "safe", "wide", 1, 15, 16, 29, 30, 31, 59, 61, 119, 121, 3600]) {
      const t = haTimings(rto);
      expect(t.ttl, String(rto)).toBeGreaterThanOrEqual(20);
      expect(t.loop_wait + 2 * t.retry_timeout, String(rto)).toBeLessThanOrEqual(t.ttl);
      expect(t.retry_timeout, String(rto)).toBeGreaterThanOrEqual(3);
      expect(t.loop_wait, String(rto)).toBeGreaterThanOrEqual(1);
    }
  });

  it("maximum_lag_on_failover is pg_rpo; pg_rpo 0 turns on synchronous mode", () => {
    expect(conf(ctxOf(P)).bootstrap.dcs).toMatchObject({ maximum_lag_on_failover: 1048576, synchronous_mode: false, synchronous_mode_strict: false, failsafe_mode: true });
    expect(conf(ctxOf(P, { pg_rpo: 0 })).bootstrap.dcs).toMatchObject({ maximum_lag_on_failover: 0, synchronous_mode: true, synchronous_mode_strict: false });
  });

  it("crit: strict synchronous mode, watchdog automatic, checksums, more log files", () => {
    const c = conf(ctxOf(P, { pg_conf: "crit.yml", pg_checksum: false }));
    expect(c.bootstrap.dcs).toMatchObject({ synchronous_mode: true, synchronous_mode_strict: true });
    expect(c.watchdog.mode).toBe("automatic");
    expect(c.bootstrap.initdb[0]).toBe("data-checksums");
    expect(c.log.file_num).toBe(16);
    expect(conf(ctxOf(P, { pg_conf: "crit.yml", patroni_watchdog_mode: "required" })).watchdog.mode).toBe("required");
  });

  it("watchdog off stays the string off (not YAML 1.1 false)", () => {
    const text = renderPatroniConfig(ctxOf(P, { patroni_watchdog_mode: false })).content;
    expect(text).toContain('mode: "off"');
    expect(conf(ctxOf(P)).watchdog.mode).toBe("off");
  });

  it("patroniDynamicConfig is bootstrap.dcs as data", () => {
    const ctx = ctxOf(P, { pg_rto: "safe" });
    expect(JSON.parse(JSON.stringify(patroniDynamicConfig(ctx)))).toEqual(conf(ctx).bootstrap.dcs);
  });
});

describe("standby clusters, cascading replicas, citus", () => {
  const standby = {
    "pg-test2": {
      hosts: { "10.10.10.14": { pg_seq: 1, pg_role: "primary", pg_upstream: "10.10.10.11", pg_delay: "1d" }, "10.10.10.15": { pg_seq: 2, pg_role: "replica" } },
      vars: { pg_cluster: "pg-test2", pg_port: 5433 },
    },
  };

  it("a primary with pg_upstream leads a standby cluster, with the upstream's port and pg_delay", () => {
    const c = conf(ctxOf("10.10.10.14", {}, {}, standby));
    expect(c.bootstrap.dcs.standby_cluster).toEqual({ host: "10.10.10.11", port: 5432, recovery_min_apply_delay: "1d", create_replica_methods: ["basebackup"] });
    expect(c.tags.replicatefrom).toBeUndefined();
    // every member carries it: whichever bootstraps becomes the standby leader
    expect(conf(ctxOf("10.10.10.15", {}, {}, standby)).bootstrap.dcs.standby_cluster.host).toBe("10.10.10.11");
    expect(conf(ctxOf(P, {}, {}, standby)).bootstrap.dcs.standby_cluster).toBeUndefined();
  });

  it("no apply delay without pg_delay; an unknown upstream keeps this cluster's port", () => {
    const groups = { "pg-test2": { ...standby["pg-test2"], hosts: { "10.10.10.14": { pg_seq: 1, pg_role: "primary", pg_upstream: "10.20.0.1" } } } };
    expect(conf(ctxOf("10.10.10.14", {}, {}, groups)).bootstrap.dcs.standby_cluster).toEqual({ host: "10.20.0.1", port: 5433, create_replica_methods: ["basebackup"] });
  });

  it("a replica with pg_upstream cascades from that member, named as Patroni knows it", () => {
    expect(conf(ctxOf("10.10.10.13", {}, { "10.10.10.13": { pg_upstream: "10.10.10.12" } })).tags).toEqual({
      nofailover: false,
      clonefrom: true,
      noloadbalance: false,
      nosync: false,
      replicatefrom: "pg-test-2",
    });
    // not a member (the rules reject it): no tag, rather than one Patroni would silently ignore
    const ctx = ctxOf("10.10.10.13");
    const outside = { ...ctx, vars: Object.assign(Object.create(ctx.vars) as HostContext["vars"], { pg_upstream: "10.99.0.1" }) };
    expect(conf(outside).tags.replicatefrom).toBeUndefined();
    expect(conf(ctxOf("10.10.10.12")).tags.replicatefrom).toBeUndefined();
  });

  it("citus: scope is the shard, with group and database", () => {
    const c = conf(ctxOf(P, { pg_mode: "citus", pg_shard: "pg-citus", pg_group: 2, pg_primary_db: "citus", pg_libs: "citus, pg_stat_statements", pg_dbsu_password: "Su.Pass" }));
    expect([c.scope, c.name, c.citus]).toEqual(["pg-citus", "pg-test-1", { group: 2, database: "citus" }]);
    expect(c.postgresql.authentication.superuser).toEqual({ username: "postgres", password: "Su.Pass" });
    expect(c.bootstrap.dcs.postgresql.parameters.max_prepared_transactions).toBe(500);
    expect(conf(ctxOf(P)).citus).toBeUndefined();
  });
});

describe("postgresql section", () => {
  it("substitutes ${ip}, ${vip} and ${lo} in pg_listen", () => {
    const vars = { pg_listen: "${ip},${vip},${lo}", pg_vip_enabled: true, pg_vip_address: "10.10.10.2/24" };
    expect(conf(ctxOf(P, vars)).postgresql.listen).toBe("10.10.10.11,10.10.10.2,127.0.0.1:5432");
    expect(conf(ctxOf(P, { ...vars, pg_port: 5433 })).postgresql.listen).toBe("10.10.10.11,10.10.10.2,127.0.0.1:5433");
  });

  it("drops ${vip} when no VIP is enabled, never leaving it literally", () => {
    const ctx = ctxOf(P, { pg_listen: "${ip},${vip},${lo}" });
    expect(conf(ctx).postgresql.listen).toBe("10.10.10.11,127.0.0.1:5432");
    expect(renderPatroniConfig(ctx).content).not.toContain("${");
    expect(conf(ctxOf(P, { pg_listen: "${vip}" })).postgresql.listen).toBe("10.10.10.11:5432");
    expect(conf(ctxOf(P)).postgresql.listen).toBe("0.0.0.0:5432");
  });

  it("bin_dir: the versioned package directory unless pg_bin_dir is set", () => {
    expect(conf(ctxOf(P)).postgresql.bin_dir).toBe("/usr/lib/postgresql/15/bin");
    expect(conf(contextFor(inventory(), P, { platforms: new Map([[P, EL9]]) })).postgresql.bin_dir).toBe("/usr/pgsql-15/bin");
    // set explicitly, even to the default value: the user's choice wins
    expect(conf(ctxOf(P, { pg_bin_dir: "/usr/pgsql/bin" })).postgresql.bin_dir).toBe("/usr/pgsql/bin");
    expect(conf(ctxOf(P, { pg_mode: "ivory" })).postgresql.bin_dir).toBe("/usr/pgsql/bin");
  });

  it("tuned parameters go to the DCS; locally all but the DCS-only ones", () => {
    const c = conf(ctxOf(P));
    expect(c.bootstrap.dcs.postgresql.parameters).toMatchObject({ max_connections: 500, wal_level: "logical", shared_buffers: "2048MB" });
    expect(c.postgresql.parameters).toMatchObject({ shared_buffers: "2048MB", unix_socket_directories: "/var/run/postgresql", archive_mode: "on" });
    for (const k of ["max_connections", "wal_level", "max_worker_processes", "max_locks_per_transaction", "track_commit_timestamp"]) {
      expect(c.postgresql.parameters[k], k).toBeUndefined();
    }
  });

  it("initdb: checksums, locale, builtin provider on 17+, no trust", () => {
    expect(conf(ctxOf(P, { pg_locale: "C.UTF-8" })).bootstrap.initdb).toEqual([
      "data-checksums",
      { encoding: "UTF8" },
      { locale: "C.UTF-8" },
      { "lc-collate": "C" },
      { "lc-ctype": "C" },
      { "auth-local": "peer" },
      { "auth-host": "scram-sha-256" },
    ]);
    expect(conf(ctxOf(P, { pg_version: 17 })).bootstrap.initdb.slice(0, 5)).toEqual([
      "data-checksums",
      { encoding: "UTF8" },
      { locale: "C" },
      { "locale-provider": "builtin" },
      { "builtin-locale": "C" },
    ]);
    expect(conf(ctxOf(P, { pg_version: 18, pg_checksum: false })).bootstrap.initdb[0]).toBe("no-data-checksums");
    const v16 = conf(ctxOf(P, { pg_version: 16, pg_checksum: false, pg_locale: "en_US.UTF-8" })).bootstrap.initdb;
    expect(v16.slice(0, 2)).toEqual([{ encoding: "UTF8" }, { locale: "en_US.UTF-8" }]);
    expect(JSON.stringify(v16)).not.toContain("builtin");
  });

  it("bootstrap pg_hba lets members replicate before pgsty writes pg_hba.conf", () => {
    expect(conf(ctxOf(P)).bootstrap.pg_hba).toContain("host replication replicator 10.10.10.13/32 scram-sha-256");
  });

  it("replicas may be restored by pgBackRest from a remote repository", () => {
    expect(conf(ctxOf(P)).postgresql.create_replica_methods).toEqual(["basebackup"]);
    const c = conf(ctxOf(P, { pgbackrest_method: "minio" }));
    expect(c.postgresql.create_replica_methods).toEqual(["basebackup", "pgbackrest"]);
    expect(c.postgresql.pgbackrest.command).toBe("/usr/bin/pgbackrest --stanza=pg-test --delta restore");
  });
});

describe("DCS, REST API, secrets", () => {
  it("etcd3 hosts are the etcd members in etcd_seq order, plain HTTP", () => {
    expect(conf(ctxOf(P)).etcd3).toEqual({ protocol: "http", hosts: ["10.10.10.11:2379", "10.10.10.12:2379", "10.10.10.13:2379"] });
  });

  it("REST API on the node's IP with authentication and an allowlist", () => {
    expect(conf(ctxOf("10.10.10.12", { patroni_port: 8009 })).restapi).toEqual({
      listen: "10.10.10.12:8009",
      connect_address: "10.10.10.12:8009",
      authentication: { username: "postgres", password: "Patroni.API" },
      allowlist: ["10.10.10.10", "10.10.10.11", "10.10.10.12", "10.10.10.13"],
      allowlist_include_members: true,
    });
  });

  it("holds the passwords, so the file is 0600, owned by the dbsu and sensitive", () => {
    const f = renderPatroniConfig(ctxOf(P, { patroni_password: "Api.Secret", pg_replication_password: "Repl.Secret" }));
    expect(f.content).toContain("Api.Secret");
    expect(f.content).toContain("Repl.Secret");
    expect(f).toMatchObject({ path: "/etc/patroni/patroni.yml", owner: "postgres", group: "postgres", mode: "0600", sensitive: true, effect: "reload", service: "patroni" });
    expect(conf(ctxOf(P)).postgresql.authentication.superuser).toEqual({ username: "postgres" });
    expect(conf(ctxOf(P, { pg_dbsu: "dbsu" })).postgresql.authentication.superuser).toEqual({ username: "dbsu" });
  });

  it("is deterministic and has no timestamp", () => {
    expect(renderPatroniConfig(ctxOf(P)).content).toBe(renderPatroniConfig(ctxOf(P)).content);
  });
});

describe("golden files: conf/ha/pg-test.yml", () => {
  const text = readFileSync(new URL("../../../../conf/ha/pg-test.yml", import.meta.url), "utf8");
  it.each(["10.10.10.11", "10.10.10.12", "10.10.10.13"])("%s", async (host) => {
    await expect(renderPatroniConfig(contextFor(text, host)).content).toMatchFileSnapshot(`../../../golden/patroni/${host}.yml`);
  });
});
