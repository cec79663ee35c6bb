/**
 * Patroni's dynamic (DCS) configuration of a cluster as data: HA timings from `pg_rto`, failover
 * lag from `pg_rpo`, synchronous mode per template, the standby-cluster section of a cluster
 * whose primary has `pg_upstream`, and the tuned PostgreSQL parameters. Written into
 * `bootstrap.dcs` of patroni.yml (used once, when the cluster is created) and the body of a later
 * PATCH of the live `/config` (reference §5.2, §5.5). Pure; must not import I/O or template code.
 */
import type { HostContext } from "../context.js";
import type { RTO_PRESETS } from "../../model/schema/pg-bootstrap.js";
import { tuneParameters, tuningTemplate, type ParamValue } from "./tuning.js";

type RtoPreset = (typeof RTO_PRESETS)[number];

/** Patroni's HA loop timings, in seconds. */
export interface HaTimings {
  /** Leader lease: how long a dead primary keeps the leader key. */
  readonly ttl: number;
  readonly loop_wait: number;
  readonly retry_timeout: number;
  /** How long a crashed primary may take to restart before a failover. */
  readonly primary_start_timeout: number;
  /** Watchdog fires this many seconds before the lease expires. */
  readonly safety_margin: number;
}

/** The Patroni half of each `pg_rto` preset (the HAProxy half is in haproxy/timing.ts). */
const RTO_PLAN: Readonly<Record<RtoPreset, HaTimings>> = {
  fast: { ttl: 20, loop_wait: 5, retry_timeout: 5, primary_start_timeout: 15, safety_margin: 5 },
  norm: { ttl: 30, loop_wait: 5, retry_timeout: 10, primary_start_timeout: 25, safety_margin: 5 },
  safe: { ttl: 60, loop_wait: 10, retry_timeout: 20, primary_start_timeout: 45, safety_margin: 10 },
  wide: { ttl: 120, loop_wait: 20, retry_timeout: 30, primary_start_timeout: 95, safety_margin: 15 },
};

/**
 * Timings of a `pg_rto`: a preset's row; a number of seconds → TTL = pg_rto and a third of it
 * (rounded up) for loop_wait, retry_timeout and primary_start_timeout, as Pigsty v4 documents;
 * anything else → `norm`.
 */
export function haTimings(pgRto: unknown): HaTimings {
  if (typeof pgRto === "string" && pgRto in RTO_PLAN) return RTO_PLAN[pgRto as RtoPreset];
  if (typeof pgRto === "number" && Number.isInteger(pgRto) && pgRto > 0) {
    const third = Math.ceil(pgRto / 3);
    return { ttl: pgRto, loop_wait: third, retry_timeout: third, primary_start_timeout: third, safety_margin: Math.min(5, third) };
  }
  return RTO_PLAN.norm;
}

/**
 * Parameters Patroni takes from the DCS only (it ignores them in the local file, because they
 * must match across members or be set on its command line): Patroni's CMDLINE_OPTIONS.
 */
export const DCS_ONLY_PARAMETERS: ReadonlySet<string> = new Set([
  "listen_addresses",
  "port",
  "cluster_name",
  "wal_level",
  "hot_standby",
  "max_connections",
  "max_wal_senders",
  "wal_keep_segments",
  "wal_keep_size",
  "max_prepared_transactions",
  "max_locks_per_transaction",
  "track_commit_timestamp",
  "max_replication_slots",
  "max_worker_processes",
  "wal_log_hints",
]);

/** `standby_cluster` of the DCS: this cluster replicates from another one. */
export interface StandbyCluster {
  readonly host: string;
  readonly port: number;
  /** `pg_delay` of the standby leader: a number (milliseconds) or a duration such as `1h`. */
  readonly recovery_min_apply_delay?: string | number;
  readonly create_replica_methods: readonly string[];
}

/** The dynamic configuration Patroni keeps in `<namespace>/<scope>/config`. */
export interface PatroniDynamicConfig {
  readonly ttl: number;
  readonly loop_wait: number;
  readonly retry_timeout: number;
  readonly primary_start_timeout: number;
  readonly primary_stop_timeout: number;
  /** Bytes a replica may lag and still be promoted: `pg_rpo`. */
  readonly maximum_lag_on_failover: number;
  readonly maximum_lag_on_syncnode: number;
  readonly synchronous_mode: boolean;
  readonly synchronous_mode_strict: boolean;
  /** Keep the primary running while the DCS is down if every member still answers it. */
  readonly failsafe_mode: boolean;
  readonly postgresql: {
    readonly use_slots: boolean;
    readonly use_pg_rewind: boolean;
    readonly remove_data_directory_on_rewind_failure: boolean;
    readonly parameters: Readonly<Record<string, ParamValue>>;
  };
  readonly standby_cluster?: StandbyCluster;
}

function isDelay(d: unknown): d is string | number {
  return (typeof d === "number" && d > 0) || (typeof d === "string" && d.trim() !== "" && d.trim() !== "0");
}

/**
 * The standby-cluster section of a cluster whose primary has `pg_upstream` (the same on every
 * member, so whichever member bootstraps becomes the standby leader). The port is the upstream
 * instance's `pg_port` when the upstream is an instance of this inventory, else this cluster's.
 */
export function standbyCluster(ctx: HostContext): StandbyCluster | undefined {
  const upstream = ctx.cluster?.upstream;
  if (!upstream) return undefined;
  const source = [...ctx.model.instances.values()].find((i) => i.address === upstream || i.name === upstream);
  const port = (source?.host.vars.pg_port as number | undefined) ?? ctx.vars.pg_port;
  const delay = ctx.cluster?.primary?.host.vars.pg_delay;
  return {
    host: source?.address ?? upstream,
    port,
    ...(isDelay(delay) ? { recovery_min_apply_delay: delay } : {}),
    create_replica_methods: ["basebackup"],
  };
}

/** Dynamic configuration of this host's cluster, with parameters tuned for this host. */
export function patroniDynamicConfig(ctx: HostContext): PatroniDynamicConfig {
  const v = ctx.vars;
  const t = haTimings(v.pg_rto);
  const crit = tuningTemplate(v.pg_conf) === "crit";
  const standby = standbyCluster(ctx);
  return {
    ttl: t.ttl,
    loop_wait: t.loop_wait,
    retry_timeout: t.retry_timeout,
    primary_start_timeout: t.primary_start_timeout,
    primary_stop_timeout: 30,
    maximum_lag_on_failover: v.pg_rpo,
    maximum_lag_on_syncnode: -1,
    synchronous_mode: crit || v.pg_rpo === 0,
    synchronous_mode_strict: crit,
    failsafe_mode: true,
    postgresql: {
      use_slots: true,
      use_pg_rewind: true,
      remove_data_directory_on_rewind_failure: true,
      parameters: sortedRecord(tuneParameters(ctx)),
    },
    ...(standby ? { standby_cluster: standby } : {}),
  };
}

/** A copy with keys in code-point order: stable, diff-friendly output. */
export function sortedRecord<T>(r: Readonly<Record<string, T>>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const k of Object.keys(r).sort()) {
    if (k === "__proto__") Object.defineProperty(out, k, { value: r[k], enumerable: true, writable: true, configurable: true });
    else out[k] = r[k]!;
  }
  return out;
}
