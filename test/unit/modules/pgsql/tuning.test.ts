// Tuning (src/modules/pgsql/tuning.ts): the four templates at the reference's worked sizes (B.2),
// pg_max_conn, pg_libs, version gating, storage, archive, pg_parameters; restart parameters.
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import type { NodeSize, Platform } from "../../../../src/modules/context.js";
import { EL9 } from "../../../../src/modules/context.js";
import { restartParameters } from "../../../../src/modules/pgsql/restart-params.js";
import { libraryList, tuneParameters, tuningTemplate } from "../../../../src/modules/pgsql/tuning.js";
import { contextFor } from "../context-helper.js";

const GiB = 1024 ** 3;
const HOST = "10.10.10.11";

/** One primary of pg-test with these cluster vars, on a node of this size (cpu, mem GiB, disk GiB). */
function tune(vars: Record<string, unknown>, size: [number, number, number] = [4, 8, 100], platform?: Platform) {
  const inv = {
    all: {
      vars: { admin_ip: "10.10.10.10", pg_version: 18, ...vars },
      children: { "pg-test": { hosts: { [HOST]: { pg_seq: 1, pg_role: "primary" } }, vars: { pg_cluster: "pg-test" } } },
    },
  };
  const node: NodeSize = { cpu: size[0], memMb: size[1] * 1024, fsBytes: size[2] * GiB };
  return tuneParameters(
    contextFor(stringify(inv), HOST, { nodeSizes: new Map([[HOST, node]]), ...(platform ? { platforms: new Map([[HOST, platform]]) } : {}) }),
  );
}

// [template, cpu, mem GiB, disk GiB] → the sized values, as in the reference's Appendix B.2 (PG 18,
// pgbouncer destination, default pg_libs); olap and tiny at 4C/8G/100G and tiny at 64C/512G/4T by the formulas.
const SIZED: [string, [number, number, number], Record<string, string | number>][] = [
  ["oltp", [1, 2, 20], { max_connections: 500, shared_buffers: "512MB", maintenance_work_mem: "128MB", work_mem: "64MB", effective_cache_size: "1536MB", max_worker_processes: 24, max_parallel_workers: 2, max_parallel_workers_per_gather: 2, max_parallel_maintenance_workers: 2, max_locks_per_transaction: 500, min_wal_size: "1GB", max_wal_size: "4GB", max_slot_wal_keep_size: "6GB", temp_file_limit: "1GB", io_workers: 4 }],
  ["oltp", [4, 8, 100], { max_connections: 500, shared_buffers: "2048MB", maintenance_work_mem: "512MB", work_mem: "64MB", effective_cache_size: "6144MB", max_worker_processes: 24, max_parallel_workers: 2, max_parallel_workers_per_gather: 2, max_parallel_maintenance_workers: 2, max_locks_per_transaction: 500, min_wal_size: "5GB", max_wal_size: "20GB", max_slot_wal_keep_size: "30GB", temp_file_limit: "5GB", io_workers: 4 }],
  ["oltp", [16, 64, 1000], { shared_buffers: "16384MB", maintenance_work_mem: "4096MB", work_mem: "64MB", effective_cache_size: "49152MB", max_worker_processes: 32, max_parallel_workers: 8, max_parallel_workers_per_gather: 3, max_parallel_maintenance_workers: 6, min_wal_size: "50GB", max_wal_size: "200GB", max_slot_wal_keep_size: "300GB", temp_file_limit: "50GB", io_workers: 4 }],
  ["oltp", [64, 512, 4000], { max_connections: 500, shared_buffers: "131072MB", maintenance_work_mem: "32768MB", work_mem: "262MB", effective_cache_size: "393216MB", max_worker_processes: 80, max_parallel_workers: 32, max_parallel_workers_per_gather: 8, max_parallel_maintenance_workers: 22, max_locks_per_transaction: 500, min_wal_size: "100GB", max_wal_size: "400GB", max_slot_wal_keep_size: "600GB", temp_file_limit: "100GB", io_workers: 16 }],
  ["olap", [4, 8, 100], { max_connections: 500, shared_buffers: "2048MB", maintenance_work_mem: "1024MB", work_mem: "64MB", effective_cache_size: "6144MB", max_worker_processes: 28, max_parallel_workers: 4, max_parallel_workers_per_gather: 2, max_parallel_maintenance_workers: 2, max_locks_per_transaction: 1000, min_wal_size: "5GB", max_wal_size: "20GB", max_slot_wal_keep_size: "30GB", temp_file_limit: "20GB", io_workers: 4 }],
  ["olap", [16, 64, 1000], { max_connections: 500, shared_buffers: "16384MB", maintenance_work_mem: "8192MB", work_mem: "64MB", max_worker_processes: 36, max_parallel_workers: 13, max_parallel_workers_per_gather: 8, max_parallel_maintenance_workers: 6, max_locks_per_transaction: 1000, temp_file_limit: "200GB", io_workers: 8 }],
  ["olap", [64, 512, 4000], { max_connections: 500, shared_buffers: "131072MB", maintenance_work_mem: "65536MB", work_mem: "262MB", effective_cache_size: "393216MB", max_worker_processes: 84, max_parallel_workers: 52, max_parallel_workers_per_gather: 32, max_parallel_maintenance_workers: 22, max_locks_per_transaction: 1000, min_wal_size: "100GB", max_wal_size: "400GB", max_slot_wal_keep_size: "600GB", temp_file_limit: "400GB", io_workers: 32 }],
  ["crit", [4, 8, 100], { max_connections: 500, shared_buffers: "2048MB", maintenance_work_mem: "512MB", work_mem: "64MB", effective_cache_size: "6144MB", max_worker_processes: 24, max_parallel_workers: 2, max_parallel_workers_per_gather: 0, max_parallel_maintenance_workers: 2, max_locks_per_transaction: 500, temp_file_limit: "5GB", io_workers: 4 }],
  ["crit", [64, 512, 4000], { shared_buffers: "131072MB", maintenance_work_mem: "32768MB", work_mem: "262MB", max_worker_processes: 80, max_parallel_workers: 32, max_parallel_workers_per_gather: 0, max_parallel_maintenance_workers: 22, temp_file_limit: "100GB", io_workers: 8 }],
  ["tiny", [1, 2, 20], { max_connections: 250, shared_buffers: "512MB", maintenance_work_mem: "128MB", work_mem: "16MB", effective_cache_size: "1536MB", max_worker_processes: 20, max_parallel_workers: 1, max_parallel_workers_per_gather: 0, max_parallel_maintenance_workers: 1, max_locks_per_transaction: 250, temp_file_limit: "1GB", io_workers: 3 }],
  ["tiny", [4, 8, 100], { max_connections: 250, shared_buffers: "2048MB", maintenance_work_mem: "512MB", work_mem: "16MB", effective_cache_size: "6144MB", max_worker_processes: 20, max_parallel_workers: 2, max_parallel_workers_per_gather: 0, max_parallel_maintenance_workers: 1, max_locks_per_transaction: 250, min_wal_size: "5GB", max_wal_size: "20GB", temp_file_limit: "5GB", io_workers: 3 }],
  ["tiny", [16, 64, 1000], { max_connections: 250, shared_buffers: "16384MB", maintenance_work_mem: "4096MB", work_mem: "65MB", max_worker_processes: 28, max_parallel_workers: 8, max_parallel_maintenance_workers: 5, temp_file_limit: "50GB", io_workers: 3 }],
  ["tiny", [64, 512, 4000], { max_connections: 250, shared_buffers: "131072MB", maintenance_work_mem: "32768MB", work_mem: "256MB", effective_cache_size: "393216MB", max_worker_processes: 76, max_parallel_workers: 32, max_parallel_workers_per_gather: 0, max_parallel_maintenance_workers: 21, max_locks_per_transaction: 250, min_wal_size: "100GB", max_wal_size: "400GB", max_slot_wal_keep_size: "600GB", temp_file_limit: "100GB", io_workers: 3 }],
];

describe("tuneParameters: sized values per template", () => {
  it.each(SIZED)("%s at %j", (template, size, expected) => {
    const p = tune({ pg_conf: `${template}.yml` }, size);
    expect(p).toMatchObject(expected);
  });

  it("caps the disk units at 100 × 20 GiB and floors them at one", () => {
    expect(tune({}, [4, 8, 100_000])).toMatchObject({ min_wal_size: "100GB", max_wal_size: "400GB", temp_file_limit: "100GB" });
    expect(tune({}, [4, 8, 1])).toMatchObject({ min_wal_size: "1GB", max_wal_size: "4GB", max_slot_wal_keep_size: "6GB" });
  });

  it("follows pg_shared_buffer_ratio", () => {
    expect(tune({ pg_shared_buffer_ratio: 0.4 })).toMatchObject({ shared_buffers: "3277MB", effective_cache_size: "4915MB", maintenance_work_mem: "820MB" });
  });

  it("differs per template in the fixed settings", () => {
    expect(tune({ pg_conf: "olap.yml" })).toMatchObject({ enable_partitionwise_join: "on", default_statistics_target: 1000, vacuum_cost_limit: 10000 });
    expect(tune({ pg_conf: "olap.yml" }).parallel_setup_cost).toBeUndefined();
    expect(tune({ pg_conf: "crit.yml" })).toMatchObject({ idle_in_transaction_session_timeout: "1min", wal_writer_delay: "10ms", track_activity_query_size: 32768, log_disconnections: "on" });
    const tiny = tune({ pg_conf: "tiny.yml" });
    expect(tiny).toMatchObject({ "pg_stat_statements.max": 2500, autovacuum_max_workers: 2, default_statistics_target: 200 });
    expect(tiny.autovacuum_vacuum_scale_factor).toBeUndefined();
    expect(tiny.log_connections).toBeUndefined();
  });
});

describe("tuneParameters: connections and libraries", () => {
  it("takes pg_max_conn when set, recomputing what depends on it", () => {
    expect(tune({ pg_max_conn: 1000 })).toMatchObject({ max_connections: 1000, max_locks_per_transaction: 1000, work_mem: "64MB" });
    expect(tune({ pg_max_conn: 100 }, [64, 512, 4000])).toMatchObject({ max_connections: 100, work_mem: "1024MB" });
    expect(tune({ pg_max_conn: 100, pg_conf: "tiny.yml" }, [64, 512, 4000])).toMatchObject({ work_mem: "256MB" });
  });

  it("uses the template default below Patroni's minimum of 25 and for auto", () => {
    expect(tune({ pg_max_conn: 10 }).max_connections).toBe(500);
    expect(tune({ pg_max_conn: "auto", pg_default_service_dest: "postgres" }).max_connections).toBe(1000);
    expect(tune({ pg_conf: "olap.yml", pg_default_service_dest: "postgres" }).max_connections).toBe(500);
  });

  it("citus raises prepared transactions and locks", () => {
    const p = tune({ pg_libs: "citus, pg_stat_statements, auto_explain" });
    expect(p).toMatchObject({ max_prepared_transactions: 500, max_locks_per_transaction: 1000, shared_preload_libraries: "citus, pg_stat_statements, auto_explain" });
    expect(tune({ pg_conf: "olap.yml", pg_libs: "citus" })).toMatchObject({ max_locks_per_transaction: 2000 });
  });

  it("timescaledb raises locks and gets its background workers", () => {
    const p = tune({ pg_libs: "timescaledb, pg_stat_statements" }, [16, 64, 1000]);
    expect(p).toMatchObject({ max_prepared_transactions: 0, max_locks_per_transaction: 1000, "timescaledb.telemetry_level": "off", "timescaledb.max_background_workers": 24 });
    expect(p.max_worker_processes).toBe(32);
    expect(p["auto_explain.log_analyze"]).toBeUndefined();
  });

  it("sets library options only for loaded libraries; pg_cron gets its database", () => {
    const p = tune({ pg_libs: "pg_cron, pg_wait_sampling", pg_primary_db: "meta" });
    expect(p).toMatchObject({ "cron.database_name": "meta", "pg_wait_sampling.history_size": 100000 });
    expect(Object.keys(p).filter((k) => k.startsWith("pg_stat_statements."))).toEqual([]);
    expect(tune({ pg_libs: "" }).shared_preload_libraries).toBeUndefined();
    expect(libraryList(" a ,b,, c ")).toEqual(["a", "b", "c"]);
  });
});

describe("tuneParameters: versions, platform, storage, archive, overrides", () => {
  it("gates parameters by PostgreSQL major version", () => {
    const v13 = tune({ pg_version: 13 });
    expect(v13.hash_mem_multiplier).toBe(8);
    for (const k of ["wal_compression", "sync_replication_slots", "io_method", "io_workers", "idle_replication_slot_timeout", "log_lock_failures"]) {
      expect(v13[k], k).toBeUndefined();
    }
    expect(tune({ pg_version: 15 }).wal_compression).toBe("lz4");
    expect(tune({ pg_version: 16 }).sync_replication_slots).toBeUndefined();
    expect(tune({ pg_version: 17 })).toMatchObject({ sync_replication_slots: "on" });
    expect(tune({ pg_version: 17 }).io_method).toBeUndefined();
    expect(tune({ pg_version: 18 })).toMatchObject({ io_method: "worker", io_workers: 4, idle_replication_slot_timeout: "7d", log_connections: "authorization", log_lock_failures: "on" });
  });

  it("crit: vacuum_defer_cleanup_age up to 15, log_connections on before 18", () => {
    expect(tune({ pg_conf: "crit.yml", pg_version: 15 })).toMatchObject({ vacuum_defer_cleanup_age: 500000, log_connections: "on" });
    expect(tune({ pg_conf: "crit.yml", pg_version: 16 }).vacuum_defer_cleanup_age).toBeUndefined();
    expect(tune({ pg_conf: "crit.yml", pg_version: 18 })).toMatchObject({ log_connections: "receipt,authentication,authorization", track_cost_delay_timing: "on" });
  });

  it("pg_io_method auto: io_uring on Debian, worker on EL9", () => {
    expect(tune({ pg_io_method: "auto" }).io_method).toBe("io_uring");
    expect(tune({ pg_io_method: "auto" }, [4, 8, 100], EL9).io_method).toBe("worker");
    expect(tune({ pg_io_method: "sync" }).io_method).toBe("sync");
  });

  it("SSD settings only on SSD; archive only with pgBackRest", () => {
    expect(tune({})).toMatchObject({ random_page_cost: 1.1, effective_io_concurrency: 200, maintenance_io_concurrency: 100 });
    expect(tune({ pg_storage_type: "HDD" }).random_page_cost).toBeUndefined();
    expect(tune({})).toMatchObject({ archive_mode: "on", archive_timeout: 300, archive_command: "pgbackrest --stanza=pg-test archive-push %p" });
    expect(tune({ pgbackrest_enabled: false }).archive_mode).toBeUndefined();
  });

  it("merges pg_parameters last, writing booleans as on/off", () => {
    const p = tune({ pg_parameters: { work_mem: "128MB", track_io_timing: false, "custom.x": 1, max_connections: 800 } });
    expect(p).toMatchObject({ work_mem: "128MB", track_io_timing: "off", "custom.x": 1, max_connections: 800 });
  });

  it("maps pg_conf names to templates", () => {
    expect(["oltp.yml", "olap.yml", "crit.yml", "tiny.yml", "tiny", "mine.yml", undefined].map(tuningTemplate)).toEqual(["oltp", "olap", "crit", "tiny", "tiny", "oltp", "oltp"]);
  });
});

describe("restartParameters", () => {
  it("lists postmaster parameters of each version", () => {
    const v15 = restartParameters(15);
    for (const k of ["shared_buffers", "max_connections", "shared_preload_libraries", "max_worker_processes", "wal_level", "archive_mode", "autovacuum_max_workers", "old_snapshot_threshold", "wal_decode_buffer_size"]) {
      expect(v15.has(k), k).toBe(true);
    }
    for (const k of ["work_mem", "io_method", "archive_command", "max_wal_size"]) expect(v15.has(k), k).toBe(false);
    expect(restartParameters(13).has("wal_decode_buffer_size")).toBe(false);
    expect(restartParameters(17).has("old_snapshot_threshold")).toBe(false);
    expect(restartParameters(17).has("transaction_buffers")).toBe(true);
    const v18 = restartParameters(18);
    expect([v18.has("io_method"), v18.has("autovacuum_worker_slots"), v18.has("autovacuum_max_workers"), v18.has("io_workers")]).toEqual([true, true, false, false]);
  });
});
