/**
 * PostgreSQL parameters tuned for one host: the template named by `pg_conf` (oltp, olap, crit,
 * tiny) applied to the node's size, `pg_max_conn`, `pg_shared_buffer_ratio`, `pg_libs`,
 * `pg_version`, `pg_storage_type` and the archive settings, with `pg_parameters` merged last
 * (reference §5.3). Only parameters that exist in the host's PostgreSQL major version are
 * produced. Pure: reads the host context only; must not import I/O or template code.
 */
import type { HostContext } from "../context.js";
import { FIXED_SETTINGS, type ParamValue, type TuningTemplate } from "./tuning-table.js";

export type { ParamValue, TuningTemplate } from "./tuning-table.js";
export const TUNING_TEMPLATES: readonly TuningTemplate[] = ["oltp", "olap", "crit", "tiny"];

/** The template a `pg_conf` value names: `oltp.yml` → oltp. Unknown names (own templates) → oltp. */
export function tuningTemplate(pgConf: unknown): TuningTemplate {
  const name = String(pgConf ?? "").replace(/\.ya?ml$/, "");
  return (TUNING_TEMPLATES as readonly string[]).includes(name) ? (name as TuningTemplate) : "oltp";
}

/** What the formulas read, computed once per host. */
export interface TuningInputs {
  readonly template: TuningTemplate;
  readonly version: number;
  readonly cpu: number;
  readonly memMb: number;
  /** Size of the data filesystem in units of 20 GiB, rounded up and clamped to 1..100. */
  readonly fsUnits: number;
  readonly maxConnections: number;
  readonly sharedBuffersMb: number;
  /** `pg_libs` as a list of library names. */
  readonly libs: readonly string[];
}

interface Profile {
  /** max_connections when `pg_max_conn` is `auto`. */
  maxConnAuto(serviceDest: unknown): number;
  maintenanceRatio: number;
  workMemMb: readonly [min: number, max: number];
  /** max_worker_processes before the 8 reserved for extensions' background workers. */
  workers(cpu: number): number;
  parallelWorkers(cpu: number): number;
  perGather(cpu: number): number;
  maintenanceWorkers(cpu: number): number;
  /** max_locks_per_transaction as a multiple of max_connections: with citus/timescaledb, without. */
  locks: readonly [withExtension: number, plain: number];
  tempFileLimitGb(units: number): number;
  ioWorkers(cpu: number): number;
  pgStatStatementsMax: number;
}

const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);
const ceil = Math.ceil;
const floor = Math.floor;

const OLTP: Profile = {
  maxConnAuto: (dest) => (dest === "pgbouncer" ? 500 : 1000),
  maintenanceRatio: 0.25,
  workMemMb: [64, 1024],
  workers: (cpu) => Math.max(cpu + 8, 16),
  parallelWorkers: (cpu) => Math.max(ceil(cpu * 0.5), 2),
  perGather: (cpu) => Math.min(Math.max(floor(cpu * 0.2), 2), 8),
  maintenanceWorkers: (cpu) => Math.max(ceil(cpu * 0.33), 2),
  locks: [2, 1],
  tempFileLimitGb: (t) => Math.min(t, 200),
  ioWorkers: (cpu) => clamp(ceil(cpu * 0.25), 4, 16),
  pgStatStatementsMax: 10000,
};

const PROFILES: Readonly<Record<TuningTemplate, Profile>> = {
  oltp: OLTP,
  olap: {
    ...OLTP,
    maxConnAuto: () => 500,
    maintenanceRatio: 0.5,
    workMemMb: [64, 8192],
    workers: (cpu) => Math.max(cpu + 12, 20),
    parallelWorkers: (cpu) => Math.max(ceil(cpu * 0.8), 2),
    perGather: (cpu) => Math.max(floor(cpu * 0.5), 2),
    locks: [4, 2],
    tempFileLimitGb: (t) => Math.min(4 * t, 2000),
    ioWorkers: (cpu) => clamp(ceil(cpu * 0.5), 4, 32),
  },
  crit: { ...OLTP, perGather: () => 0, ioWorkers: (cpu) => clamp(ceil(cpu * 0.25), 4, 8) },
  tiny: {
    ...OLTP,
    maxConnAuto: () => 250,
    workMemMb: [16, 256],
    workers: (cpu) => Math.max(cpu + 4, 12),
    parallelWorkers: (cpu) => Math.max(floor(cpu * 0.5), 1),
    perGather: () => 0,
    maintenanceWorkers: (cpu) => Math.max(floor(cpu * 0.33), 1),
    ioWorkers: () => 3,
    pgStatStatementsMax: 2500,
  },
};

/** Settings of preloaded libraries, set only when the library is in `pg_libs`. */
const LIBRARY_SETTINGS: Readonly<Record<string, (i: TuningInputs, p: Profile) => Record<string, ParamValue>>> = {
  auto_explain: () => ({
    "auto_explain.log_min_duration": "1s",
    "auto_explain.log_analyze": "on",
    "auto_explain.log_verbose": "on",
    "auto_explain.log_timing": "on",
    "auto_explain.log_nested_statements": "on",
  }),
  pg_stat_statements: (_i, p) => ({
    "pg_stat_statements.max": p.pgStatStatementsMax,
    "pg_stat_statements.track": "all",
    "pg_stat_statements.track_utility": "off",
    "pg_stat_statements.track_planning": "off",
  }),
  pg_wait_sampling: () => ({
    "pg_wait_sampling.profile_pid": "off",
    "pg_wait_sampling.profile_queries": "all",
    "pg_wait_sampling.history_size": 100000,
  }),
  timescaledb: (i, p) => ({ "timescaledb.telemetry_level": "off", "timescaledb.max_background_workers": p.workers(i.cpu) }),
  pg_duckdb: (i): Record<string, ParamValue> => (i.template === "crit" ? {} : { "duckdb.allow_community_extensions": "on" }),
};

/** `pg_libs` as a list of names ("citus, pg_cron" → ["citus", "pg_cron"]). */
export function libraryList(pgLibs: unknown): string[] {
  return String(pgLibs ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

/** max_connections: `pg_max_conn` when a number Patroni accepts (≥ 25), else the template's default. */
function maxConnections(v: HostContext["vars"], profile: Profile): number {
  const n = v.pg_max_conn;
  return typeof n === "number" && n >= 25 ? n : profile.maxConnAuto(v.pg_default_service_dest);
}

export function tuningInputs(ctx: HostContext): TuningInputs {
  const v = ctx.vars;
  const template = tuningTemplate(v.pg_conf);
  const profile = PROFILES[template];
  return {
    template,
    version: v.pg_version,
    cpu: ctx.node.cpu,
    memMb: ctx.node.memMb,
    fsUnits: clamp(ceil(ctx.node.fsBytes / (20 * 1024 ** 3)), 1, 100),
    maxConnections: maxConnections(v, profile),
    sharedBuffersMb: ceil(ctx.node.memMb * v.pg_shared_buffer_ratio),
    libs: libraryList(v.pg_libs),
  };
}

/** The settings whose values come from the node's size and the connection limit. */
function sizedParameters(i: TuningInputs, p: Profile): Record<string, ParamValue> {
  const sb = i.sharedBuffersMb;
  const heavy = i.libs.includes("citus") || i.libs.includes("timescaledb");
  const [lo, hi] = p.workMemMb;
  return {
    max_connections: i.maxConnections,
    max_prepared_transactions: i.libs.includes("citus") ? i.maxConnections : 0,
    max_locks_per_transaction: i.maxConnections * p.locks[heavy ? 0 : 1],
    shared_buffers: `${sb}MB`,
    maintenance_work_mem: `${ceil(sb * p.maintenanceRatio)}MB`,
    effective_cache_size: `${i.memMb - sb}MB`,
    work_mem: `${clamp(floor(sb / i.maxConnections), lo, hi)}MB`,
    max_worker_processes: p.workers(i.cpu) + 8,
    max_parallel_workers: p.parallelWorkers(i.cpu),
    max_parallel_workers_per_gather: p.perGather(i.cpu),
    max_parallel_maintenance_workers: p.maintenanceWorkers(i.cpu),
    temp_file_limit: `${p.tempFileLimitGb(i.fsUnits)}GB`,
    min_wal_size: `${Math.min(i.fsUnits, 200)}GB`,
    max_wal_size: `${Math.min(4 * i.fsUnits, 2000)}GB`,
    max_slot_wal_keep_size: `${Math.min(6 * i.fsUnits, 3000)}GB`,
  };
}

/** io_method of PostgreSQL 18+: `auto` picks io_uring on Debian, worker elsewhere (EL9 kernels). */
function ioMethod(ctx: HostContext): string {
  const m = ctx.vars.pg_io_method;
  if (m !== "auto") return m;
  return ctx.platform.family === "debian" ? "io_uring" : "worker";
}

function settingOf(value: unknown): ParamValue {
  if (typeof value === "boolean") return value ? "on" : "off";
  return typeof value === "number" ? value : String(value);
}

/**
 * Every PostgreSQL parameter pgsty sets for this host, keyed by name in a stable order: sized
 * values, fixed values, storage, logging, archive, preloaded libraries, then `pg_parameters`
 * (which win over everything computed here).
 */
export function tuneParameters(ctx: HostContext, o: { readonly stanza?: string } = {}): Record<string, ParamValue> {
  const v = ctx.vars;
  const i = tuningInputs(ctx);
  const p = PROFILES[i.template];
  const out: Record<string, ParamValue> = sizedParameters(i, p);
  if (i.version >= 18) {
    out.io_method = ioMethod(ctx);
    out.io_workers = p.ioWorkers(i.cpu);
  }
  for (const row of FIXED_SETTINGS) {
    if ((row.since !== undefined && i.version < row.since) || (row.until !== undefined && i.version > row.until)) continue;
    const value = typeof row.value === "object" ? row.value[i.template] : row.value;
    if (value !== undefined) out[row.name] = value;
  }
  out.password_encryption = v.pg_pwd_enc;
  if (v.pg_storage_type === "SSD") {
    out.random_page_cost = 1.1;
    out.effective_io_concurrency = 200;
    if (i.version >= 13) out.maintenance_io_concurrency = 100;
  }
  if (v.pg_mode !== "oracle" && v.pg_mode !== "polar") out.log_destination = "csvlog";
  out.log_directory = v.pg_log_dir;
  if (v.pgbackrest_enabled) {
    out.archive_mode = "on";
    out.archive_timeout = 300;
    // `o.stanza` (patroni-dcs.ts) leaves pg_cluster unread, so the result can be shared by clusters
    out.archive_command = `pgbackrest --stanza=${o.stanza ?? v.pg_cluster ?? ""} archive-push %p`;
  }
  if (i.libs.length > 0) out.shared_preload_libraries = i.libs.join(", ");
  for (const lib of i.libs) Object.assign(out, LIBRARY_SETTINGS[lib]?.(i, p));
  if (i.libs.includes("pgsodium")) {
    out["pgsodium.getkey_script"] = v.pgsodium_getkey_script ?? "/pg/bin/pgsodium_getkey";
    out["pgsodium.enable_event_trigger"] = "off";
  }
  if (i.libs.includes("pg_cron")) out["cron.database_name"] = v.pg_primary_db;
  for (const [name, value] of Object.entries(v.pg_parameters)) out[name] = settingOf(value);
  return out;
}
