/**
 * The fixed part of the tuning templates: settings that do not depend on the node's size, with
 * their value per template (oltp, olap, crit, tiny; absent = not set by that template) and the
 * PostgreSQL major versions they exist in (reference §5.3). Data only; no logic beyond `per()`.
 */

export type TuningTemplate = "oltp" | "olap" | "crit" | "tiny";

/** A PostgreSQL setting as written in the configuration: booleans are written `on`/`off`. */
export type ParamValue = string | number;

/** One fixed setting: its value per template (absent = not set there) and the versions it exists in. */
export interface FixedSetting {
  readonly name: string;
  readonly value: ParamValue | Partial<Record<TuningTemplate, ParamValue>>;
  readonly since?: number;
  readonly until?: number;
}

/** Values per template, in the order oltp, olap, crit, tiny; `undefined` = not set by that template. */
const per = (oltp: ParamValue | undefined, olap: ParamValue | undefined, crit: ParamValue | undefined, tiny: ParamValue | undefined) =>
  Object.fromEntries(Object.entries({ oltp, olap, crit, tiny }).filter(([, v]) => v !== undefined)) as Partial<Record<TuningTemplate, ParamValue>>;

/** Settings that do not depend on the node's size: the same for all templates unless given per template. */
export const FIXED_SETTINGS: readonly FixedSetting[] = [
  { name: "superuser_reserved_connections", value: 10 },
  { name: "track_commit_timestamp", value: "on" },
  { name: "wal_level", value: "logical" },
  { name: "wal_log_hints", value: "on" },
  { name: "wal_compression", value: "lz4", since: 15 },
  { name: "max_wal_senders", value: 50 },
  { name: "max_replication_slots", value: 50 },
  { name: "hash_mem_multiplier", value: 8, since: 13 },
  { name: "huge_pages", value: "try" },
  { name: "bgwriter_delay", value: "10ms" },
  { name: "bgwriter_lru_maxpages", value: 800 },
  { name: "bgwriter_lru_multiplier", value: 5 },
  { name: "wal_buffers", value: "16MB" },
  { name: "wal_writer_delay", value: per("20ms", "20ms", "10ms", "20ms") },
  { name: "wal_writer_flush_after", value: per("1MB", "1MB", 0, "1MB") },
  { name: "commit_delay", value: 20 },
  { name: "commit_siblings", value: 10 },
  { name: "checkpoint_timeout", value: "15min" },
  { name: "checkpoint_completion_target", value: 0.95 },
  { name: "sync_replication_slots", value: "on", since: 17 },
  { name: "idle_replication_slot_timeout", value: per("7d", "7d", "3d", "7d"), since: 18 },
  { name: "max_standby_archive_delay", value: "10min" },
  { name: "max_standby_streaming_delay", value: "3min" },
  { name: "wal_receiver_status_interval", value: "1s" },
  { name: "hot_standby_feedback", value: "on" },
  { name: "wal_receiver_timeout", value: "60s" },
  { name: "max_logical_replication_workers", value: 8 },
  { name: "max_sync_workers_per_subscription", value: 6 },
  { name: "vacuum_defer_cleanup_age", value: per(undefined, undefined, 500000, undefined), until: 15 },
  { name: "parallel_setup_cost", value: per(2000, undefined, 2000, undefined) },
  { name: "parallel_tuple_cost", value: per(0.2, undefined, 0.2, undefined) },
  { name: "min_parallel_table_scan_size", value: per("32MB", undefined, "32MB", undefined) },
  { name: "min_parallel_index_scan_size", value: per("2MB", undefined, "2MB", undefined) },
  { name: "enable_partitionwise_join", value: per(undefined, "on", undefined, undefined) },
  { name: "enable_partitionwise_aggregate", value: per(undefined, "on", undefined, undefined) },
  { name: "vacuum_cost_delay", value: per("20ms", "10ms", "20ms", "20ms") },
  { name: "vacuum_cost_limit", value: per(2000, 10000, 2000, 2000) },
  { name: "default_statistics_target", value: per(400, 1000, 400, 200) },
  { name: "idle_in_transaction_session_timeout", value: per("10min", 0, "1min", "10min") },
  { name: "track_activity_query_size", value: per(8192, 8192, 32768, 8192) },
  { name: "track_io_timing", value: "on" },
  { name: "track_functions", value: "all" },
  { name: "track_cost_delay_timing", value: per(undefined, "on", "on", undefined), since: 18 },
  { name: "autovacuum_max_workers", value: per(3, 3, 3, 2) },
  { name: "autovacuum_naptime", value: "1min" },
  { name: "autovacuum_vacuum_threshold", value: per(500, 1000, 500, 500) },
  { name: "autovacuum_analyze_threshold", value: per(250, 500, 250, 250) },
  { name: "autovacuum_vacuum_scale_factor", value: per(0.08, 0.08, 0.08, undefined) },
  { name: "autovacuum_analyze_scale_factor", value: per(0.04, 0.04, 0.04, undefined) },
  { name: "autovacuum_vacuum_cost_delay", value: -1 },
  { name: "autovacuum_vacuum_cost_limit", value: -1 },
  { name: "autovacuum_freeze_max_age", value: 1000000000 },
  { name: "deadlock_timeout", value: "50ms" },
  { name: "logging_collector", value: "on" },
  { name: "log_timezone", value: "UTC" },
  { name: "log_filename", value: "postgresql-%a.log" },
  { name: "log_file_mode", value: "0640" },
  { name: "log_rotation_age", value: "1d" },
  { name: "log_rotation_size", value: 0 },
  { name: "log_truncate_on_rotation", value: "on" },
  { name: "log_checkpoints", value: "on" },
  { name: "log_lock_waits", value: "on" },
  { name: "log_lock_failures", value: per("on", undefined, "on", undefined), since: 18 },
  { name: "log_temp_files", value: 1024 },
  { name: "log_replication_commands", value: "on" },
  { name: "log_statement", value: "ddl" },
  { name: "log_min_duration_statement", value: per(100, 1000, 100, 100) },
  { name: "log_autovacuum_min_duration", value: "1s" },
  { name: "log_connections", value: per(undefined, undefined, "on", undefined), until: 17 },
  { name: "log_connections", value: per("authorization", "authorization", "receipt,authentication,authorization", undefined), since: 18 },
  { name: "log_disconnections", value: per(undefined, undefined, "on", undefined) },
];
