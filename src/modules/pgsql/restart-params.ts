/**
 * Parameters of context `postmaster` per PostgreSQL major version: a change to one of them takes
 * effect only after a restart, so a plan that changes one must say `restart`, not `reload`.
 * Built from `postgres --describe-config` of each release (13 to 18). Data and one lookup; pure.
 */

/** [name, first major version it is a postmaster parameter in, last one (inclusive)]. */
type Entry = readonly [name: string, since?: number, until?: number];

const POSTMASTER: readonly Entry[] = [
  ["archive_mode"],
  ["autovacuum_freeze_max_age"],
  ["autovacuum_max_workers", undefined, 17], // 18 reloads it within autovacuum_worker_slots
  ["autovacuum_multixact_freeze_max_age"],
  ["autovacuum_worker_slots", 18],
  ["bonjour"],
  ["bonjour_name"],
  ["cluster_name"],
  ["commit_timestamp_buffers", 17],
  ["config_file"],
  ["data_directory"],
  ["data_sync_retry"],
  ["debug_io_direct", 16],
  ["dynamic_shared_memory_type"],
  ["event_source"],
  ["external_pid_file"],
  ["hba_file"],
  ["hot_standby"],
  ["huge_page_size", 14],
  ["huge_pages"],
  ["ident_file"],
  ["io_max_combine_limit", 18],
  ["io_max_concurrency", 18],
  ["io_method", 18],
  ["jit_provider"],
  ["listen_addresses"],
  ["logging_collector"],
  ["max_active_replication_origins", 18],
  ["max_connections"],
  ["max_files_per_process"],
  ["max_locks_per_transaction"],
  ["max_logical_replication_workers"],
  ["max_notify_queue_pages", 17],
  ["max_pred_locks_per_transaction"],
  ["max_prepared_transactions"],
  ["max_replication_slots"],
  ["max_wal_senders"],
  ["max_worker_processes"],
  ["min_dynamic_shared_memory", 14],
  ["multixact_member_buffers", 17],
  ["multixact_offset_buffers", 17],
  ["notify_buffers", 17],
  ["old_snapshot_threshold", undefined, 16],
  ["port"],
  ["recovery_target"],
  ["recovery_target_action"],
  ["recovery_target_inclusive"],
  ["recovery_target_lsn"],
  ["recovery_target_name"],
  ["recovery_target_time"],
  ["recovery_target_timeline"],
  ["recovery_target_xid"],
  ["reserved_connections", 16],
  ["serializable_buffers", 17],
  ["shared_buffers"],
  ["shared_memory_type"],
  ["shared_preload_libraries"],
  ["subtransaction_buffers", 17],
  ["superuser_reserved_connections"],
  ["track_activity_query_size"],
  ["track_commit_timestamp"],
  ["transaction_buffers", 17],
  ["unix_socket_directories"],
  ["unix_socket_group"],
  ["unix_socket_permissions"],
  ["wal_buffers"],
  ["wal_decode_buffer_size", 15],
  ["wal_level"],
  ["wal_log_hints"],
];

const cache = new Map<number, ReadonlySet<string>>();

/**
 * The postmaster-context parameters of PostgreSQL `version` (a major version, e.g. 15): changing
 * any of them needs a restart. Parameters of extensions (dotted names) are not included.
 */
export function restartParameters(version: number): ReadonlySet<string> {
  let set = cache.get(version);
  if (!set) {
    set = new Set(POSTMASTER.filter(([, since = 0, until = Infinity]) => version >= since && version <= until).map(([n]) => n));
    cache.set(version, set);
  }
  return set;
}
