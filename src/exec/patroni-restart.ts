/**
 * The `restart` handler of service `patroni`: restart PostgreSQL through Patroni, never the
 * Patroni daemon (stopping the daemon of the leader releases its lock: an unplanned failover).
 *
 * 1. reload Patroni, so it has the new configuration;
 * 2. read this member's `/patroni`: without `pending_restart` nothing is restarted (a DCS change
 *    reaches a member at its next HA loop: waited for up to `settleSec`);
 * 3. a replica: `patronictl restart`, then wait until it runs again;
 * 4. the member that leads NOW (read from `/cluster`, not from the inventory): a planned
 *    switchover to a healthy replica (preferring one already restarted), wait until the
 *    candidate is primary and this member runs as a replica — Patroni restarts it on demotion,
 *    which usually applies the change already — then restart it as in 3 if still pending;
 *    alone in its cluster, it restarts in place (downtime, said in the outcome's reason);
 * 5. if a replica restarted before still has a restart pending, a parameter a standby must
 *    match was lowered (see {@link primaryFirst}): the new leader reloads and restarts in
 *    place, then the replicas again.
 *
 * Works the same with and without systemd (patronictl talks to the REST API). Must not import
 * the apply engine (apply.ts) nor the connectors' implementations.
 */
import { execChecked, type Connector } from "./connector.js";
import {
  ctlReloadCommand, ctlRestartCommand, ctlSwitchoverCommand, isLeaderRole, pendingRestartCommand, restAddress, restGetCommand, waitRoleCommand,
  type ClusterMember, type PatroniStatus,
} from "../ops/patroni-ctl.js";

export interface PatroniRestartOptions {
  /** How long a member may take to show a pending restart after the reload (s); default 20. */
  readonly settleSec?: number;
  /** How long PostgreSQL may take to run again after a restart or a switchover (s); default 300. */
  readonly startSec?: number;
  readonly signal?: AbortSignal;
}

export type RestartOutcome = { readonly ran: true; readonly reason?: string } | { readonly ran: false; readonly reason: string };

const HEALTHY = new Set(["running", "streaming"]);

function parse<T>(what: string, stdout: string): T {
  try {
    return JSON.parse(stdout) as T;
  } catch {
    throw new Error(`${what}: not JSON: ${stdout.slice(0, 200)}`);
  }
}

type ExecOpts = { signal?: AbortSignal };

/** `GET path` of the REST API at `rest`, parsed; fails on no answer or no JSON. */
async function restGet<T>(conn: Connector, rest: string, path: "/patroni" | "/cluster", opts: ExecOpts): Promise<T> {
  return parse<T>(`http://${rest}${path}`, (await execChecked(conn, restGetCommand(rest, path), opts)).stdout);
}

/** `/patroni` of the member at `rest`, or undefined when it does not answer with JSON. */
async function statusIfAnswered(conn: Connector, rest: string, opts: ExecOpts = {}): Promise<PatroniStatus | undefined> {
  try {
    return await restGet<PatroniStatus>(conn, rest, "/patroni", opts);
  } catch {
    return undefined;
  }
}

/** Restarts a member's PostgreSQL with patronictl and waits until it runs again as one of `roles`. */
async function restartMember(conn: Connector, cluster: string, name: string, rest: string, roles: readonly string[], startSec: number, opts: ExecOpts): Promise<void> {
  await execChecked(conn, ctlRestartCommand(cluster, name), opts);
  await execChecked(conn, waitRoleCommand(rest, roles, startSec, `${name} running again after its restart`), opts);
}

/** Replicas the leader may hand over to: healthy, failover allowed; synchronous, restarted, least lag first. */
export function switchoverCandidates(members: readonly ClusterMember[], leader: string): ClusterMember[] {
  const lag = (m: ClusterMember) => (typeof m.lag === "number" ? m.lag : Number.MAX_SAFE_INTEGER);
  return members
    .filter((m) => m.name !== leader && !isLeaderRole(m.role) && HEALTHY.has(m.state) && m.tags?.nofailover !== true && restAddress(m.api_url) !== undefined)
    .sort((a, b) => Number(b.role === "sync_standby") - Number(a.role === "sync_standby") || Number(a.pending_restart === true) - Number(b.pending_restart === true) || lag(a) - lag(b));
}

/**
 * Which of these members lead their cluster now, each asked through its own connector (the
 * inventory's primary may have failed over since). A member that cannot be asked is left out:
 * its restart handler reads the cluster again anyway.
 */
export async function leadingNow(members: readonly { readonly conn: Connector; readonly rest: string }[]): Promise<Set<string>> {
  const leading = new Set<string>();
  await Promise.all(members.map(async ({ conn, rest }) => {
    // not known: the inventory's role stands
    if (isLeaderRole((await statusIfAnswered(conn, rest))?.role)) leading.add(rest);
  }));
  return leading;
}

/** Restarts the PostgreSQL of the member whose REST API is `rest` (host:port), safely. */
export async function restartThroughPatroni(conn: Connector, rest: string, o: PatroniRestartOptions = {}): Promise<RestartOutcome> {
  const opts = o.signal ? { signal: o.signal } : {};
  const startSec = o.startSec ?? 300;
  const status = async (settleSec: number): Promise<PatroniStatus> =>
    parse<PatroniStatus>(`http://${rest}/patroni`, (await execChecked(conn, pendingRestartCommand(rest, settleSec), opts)).stdout);

  const self = await status(o.settleSec ?? 20);
  if (self.pending_restart !== true) return { ran: false, reason: "PostgreSQL has no pending restart: the change took effect with the reload" };
  const cluster = self.patroni?.scope;
  if (!cluster) throw new Error(`http://${rest}/patroni names no cluster (scope)`);
  const members = (await restGet<{ members?: ClusterMember[] }>(conn, rest, "/cluster", opts)).members ?? [];
  const me = members.find((m) => restAddress(m.api_url) === rest);
  if (!me) throw new Error(`no member of cluster ${cluster} has the REST API http://${rest} (members: ${members.map((m) => m.name).join(", ") || "none"})`);
  const restart = (roles: readonly string[]) => restartMember(conn, cluster, me.name, rest, roles, startSec, opts);

  if (!isLeaderRole(me.role)) {
    await restart(["replica", "standby_leader"]);
    return { ran: true };
  }
  if (members.length === 1) {
    await restart(["master", "primary", "standby_leader"]);
    return { ran: true, reason: `${me.name} is the only member of ${cluster}: restarted in place, PostgreSQL was down meanwhile` };
  }
  const candidate = switchoverCandidates(members, me.name)[0];
  if (!candidate) {
    throw new Error(`cannot restart leader ${me.name} of ${cluster} without downtime: no healthy replica to switch over to (${members.map((m) => `${m.name} ${m.role} ${m.state}`).join(", ")}); restart it by hand when that is acceptable`);
  }
  const standby = me.role === "standby_leader";
  // replicas (restarted before their leader) that still wait for a restart could not take a
  // lowered value: asked live, as the DCS copy of their state lags by a loop
  const lowered = await anyPending(conn, members.filter((m) => m !== me), opts);
  await execChecked(conn, ctlSwitchoverCommand(cluster, me.name, candidate.name), opts);
  await execChecked(conn, waitRoleCommand(restAddress(candidate.api_url)!, standby ? ["standby_leader"] : ["master", "primary"], startSec, `${candidate.name} leading after the switchover`), opts);
  await execChecked(conn, waitRoleCommand(rest, ["replica"], startSec, `${me.name} running as a replica after the switchover`), opts);
  const after = await status(0);
  if (after.pending_restart === true) await restart(["replica"]);
  const first = lowered ? await primaryFirst(conn, cluster, restAddress(candidate.api_url)!, o.settleSec ?? 20, startSec, opts) : undefined;
  return {
    ran: true,
    reason: `switched over from ${me.name} to ${candidate.name}${after.pending_restart === true ? ", then restarted" : " (the demotion restarted it)"}${first ? `; ${first}` : ""}`,
  };
}

/** Whether any of these members' Patroni (asked directly) has a restart pending. */
async function anyPending(conn: Connector, members: readonly ClusterMember[], opts: ExecOpts): Promise<boolean> {
  for (const m of members) {
    const rest = restAddress(m.api_url);
    if (rest && (await statusIfAnswered(conn, rest, opts))?.pending_restart === true) return true;
  }
  return false;
}

/**
 * A standby must allow at least what its primary allows (max_connections, max_worker_processes,
 * max_wal_senders, max_prepared_transactions, max_locks_per_transaction), so Patroni starts a
 * replica with the larger of its setting and the primary's (read from pg_controldata) and leaves
 * the restart pending: a LOWERED value cannot be applied replicas first, and the leader that
 * took over still runs with the old one. Only the primary can go first. It restarts in place —
 * a short outage no switchover can avoid — its new values reach the replicas through WAL, and a
 * replica restarted after replaying them takes them (retried while it has not yet).
 * `leaderRest`: the REST API of the member leading now; `settleSec`: how long to wait for its
 * pending restart to show. Returns what it did, or nothing.
 */
async function primaryFirst(conn: Connector, cluster: string, leaderRest: string, settleSec: number, startSec: number, opts: ExecOpts): Promise<string | undefined> {
  const members = (await restGet<{ members?: ClusterMember[] }>(conn, leaderRest, "/cluster", opts)).members ?? [];
  const leader = members.find((m) => isLeaderRole(m.role) && restAddress(m.api_url) === leaderRest);
  if (!leader) throw new Error(`http://${leaderRest} does not lead ${cluster} after the switchover`);
  // promoted, it still runs with its replica's file (the larger values): a reload writes the
  // primary's, and only then does Patroni flag the restart
  await execChecked(conn, ctlReloadCommand(cluster, leader.name), opts);
  const pending = parse<PatroniStatus>(`http://${leaderRest}/patroni`, (await execChecked(conn, pendingRestartCommand(leaderRest, settleSec), opts)).stdout);
  if (pending.pending_restart !== true) return undefined;
  await restartMember(conn, cluster, leader.name, leaderRest, leader.role === "standby_leader" ? ["standby_leader"] : ["master", "primary"], startSec, opts);
  const restarted: string[] = [];
  for (const m of members) {
    const rest = restAddress(m.api_url);
    if (m === leader || !rest) continue;
    // asked live each time (the DCS copy lags by a loop); retried while it has not yet
    // replayed its leader's new values
    for (let restarts = 0; (await restGet<PatroniStatus>(conn, rest, "/patroni", opts)).pending_restart === true; restarts++) {
      if (restarts === 3) throw new Error(`${m.name} still has a restart pending after ${restarts} restarts following its leader ${leader.name}'s`);
      if (restarts > 0) await new Promise((res) => setTimeout(res, 2000));
      await restartMember(conn, cluster, m.name, rest, ["replica", "standby_leader"], startSec, opts);
      if (restarts === 0) restarted.push(m.name);
    }
  }
  return `a lowered value needs the primary first: ${leader.name} restarted in place (writes paused meanwhile)${restarted.length ? `, then ${restarted.join(", ")}` : ""}`;
}
