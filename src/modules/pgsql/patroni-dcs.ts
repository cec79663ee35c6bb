/**
 * Patroni's dynamic (DCS) configuration of a cluster as data: HA timings from `pg_rto`, failover
 * lag from `pg_rpo`, synchronous mode per template, the standby-cluster section of a cluster
 * whose primary has `pg_upstream`, and the tuned PostgreSQL parameters. Written into
 * `bootstrap.dcs` of patroni.yml (used once, when the cluster is created) and the body of a later
 * PATCH of the live `/config` (reference §5.2, §5.5). Pure; must not import I/O or template code.
 */
import type { HostContext } from "../context.js";
import { sharedAcrossHosts } from "../memo.js";
import { PRESET_OBJECTIVE, routingSeconds, rtoPreset, type RtoPreset } from "../haproxy/timing.js";
import { tuneParameters, tuningTemplate, type ParamValue } from "./tuning.js";

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

/** Watchdog safety margin of each preset, as Pigsty. */
const SAFETY_MARGIN: Readonly<Record<RtoPreset, number>> = { fast: 5, norm: 5, safe: 10, wide: 15 };

/** Patroni ≥ 3.0.3 raises a smaller `ttl` to 20 s (with only a log line), so no preset goes below. */
const MIN_TTL = 20;
/** Patroni's own default: a longer loop only delays reactions to configuration changes. */
const MAX_LOOP_WAIT = 10;
/** Seconds a replica takes to win the race for the leader key and promote. */
const PROMOTION_SECONDS = 2;

/**
 * Timings of a `pg_rto`, read as an objective: a failover, from a crashed primary to writes
 * through HAProxy resuming, should end within it (a preset's objective, or a number of seconds).
 * A crashed primary's leader key lives `ttl` after its last refresh, which happened up to
 * `loop_wait` before the crash; then a replica promotes and HAProxy's checks must see it rise. So
 * `ttl` is the objective less promotion and routing, never below Patroni's 20 s minimum;
 * `loop_wait` a third of it (at most 10 s) and `retry_timeout` what is left under Patroni's rule
 * `loop_wait + 2 × retry_timeout ≤ ttl`; `primary_start_timeout`, what the objective leaves a crashed
 * PostgreSQL to restart in place (two loops, then routing), at least 5 s.
 * Pigsty instead sets `ttl` to the objective itself, so its failovers overrun it by the routing
 * time (docs/architecture.md, decision 22).
 */
export function haTimings(pgRto: unknown): HaTimings {
  const preset = rtoPreset(pgRto);
  const objective = typeof pgRto === "number" && Number.isInteger(pgRto) && pgRto > 0 ? pgRto : PRESET_OBJECTIVE[preset];
  const routing = routingSeconds(pgRto);
  const ttl = Math.max(MIN_TTL, Math.floor(objective - routing - PROMOTION_SECONDS));
  const loop_wait = Math.min(MAX_LOOP_WAIT, Math.floor(ttl / 3));
  return {
    ttl,
    loop_wait,
    retry_timeout: Math.floor((ttl - loop_wait) / 2),
    primary_start_timeout: Math.max(5, Math.floor(objective - routing - 2 * loop_wait)),
    safety_margin: SAFETY_MARGIN[preset],
  };
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
      parameters: withStanza(ctx, sharedParameters(ctx)),
    },
    ...(standby ? { standby_cluster: standby } : {}),
  };
}

/**
 * Stands for the cluster's name in parameters that clusters share: only archive_command names the
 * cluster (its pgBackRest stanza), so 1,000 clusters of a few kinds tune, sort and freeze their
 * ~100 parameters a few times, and each puts its own name in (withStanza).
 */
const STANZA = "\u0000stanza\u0000";
const SHARED_ARCHIVE_COMMAND = `pgbackrest --stanza=${STANZA} archive-push %p`;

/** The tuned parameters, sorted, the stanza left open: shared (modules/memo.ts) by the clusters that read the same. */
export function sharedParameters(ctx: HostContext): Readonly<Record<string, ParamValue>> {
  return sharedAcrossHosts(ctx, "patroni-parameters", parameterTemplate);
}

function parameterTemplate(ctx: HostContext): Record<string, ParamValue> {
  return sortedRecord(tuneParameters(ctx, { stanza: STANZA }));
}

/**
 * `params` (from sharedParameters) with this cluster's stanza in archive_command, as
 * tuneParameters(ctx) writes it; `params` itself when the command is pg_parameters' own.
 */
export function withStanza(ctx: HostContext, params: Readonly<Record<string, ParamValue>>): Readonly<Record<string, ParamValue>> {
  if (params.archive_command !== SHARED_ARCHIVE_COMMAND || Object.hasOwn(ctx.vars.pg_parameters, "archive_command")) return params;
  const command = `pgbackrest --stanza=${ctx.vars.pg_cluster ?? ""} archive-push %p`;
  // copied key by key, keeping their (sorted) order: a spread of a 100-key record costs 3× more
  const out: Record<string, ParamValue> = {};
  for (const k of Object.keys(params)) setOwn(out, k, k === "archive_command" ? command : params[k]!);
  return out;
}

/** `r[k] = v`, also for a key named `__proto__` (a parameter name is user input). */
function setOwn<T>(r: Record<string, T>, k: string, v: T): void {
  if (k === "__proto__") Object.defineProperty(r, k, { value: v, enumerable: true, writable: true, configurable: true });
  else r[k] = v;
}

/** A copy with keys in code-point order: stable, diff-friendly output. */
export function sortedRecord<T>(r: Readonly<Record<string, T>>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const k of Object.keys(r).sort()) setOwn(out, k, r[k]!);
  return out;
}
