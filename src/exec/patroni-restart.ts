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
 *    alone in its cluster, it restarts in place (downtime, said in the outcome's reason).
 *
 * Works the same with and without systemd (patronictl talks to the REST API). Must not import
 * the apply engine (apply.ts) nor the connectors' implementations.
 */
import { execChecked, type Connector } from "./connector.js";
import {
  ctlRestartCommand, ctlSwitchoverCommand, isLeaderRole, pendingRestartCommand, restAddress, restGetCommand, waitRoleCommand,
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

/** Replicas the leader may hand over to: healthy, failover allowed; synchronous, restarted, least lag first. */
export function switchoverCandidates(members: readonly ClusterMember[], leader: string): ClusterMember[] {
  const lag = (m: ClusterMember) => (typeof m.lag === "number" ? m.lag : Number.MAX_SAFE_INTEGER);
  return members
    .filter((m) => m.name !== leader && !isLeaderRole(m.role) && HEALTHY.has(m.state) && m.tags?.nofailover !== true && restAddress(m.api_url) !== undefined)
    .sort((a, b) => Number(b.role === "sync_standby") - Number(a.role === "sync_standby") || Number(a.pending_restart === true) - Number(b.pending_restart === true) || lag(a) - lag(b));
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
  const members = parse<{ members?: ClusterMember[] }>(`http://${rest}/cluster`, (await execChecked(conn, restGetCommand(rest, "/cluster"), opts)).stdout).members ?? [];
  const me = members.find((m) => restAddress(m.api_url) === rest);
  if (!me) throw new Error(`no member of cluster ${cluster} has the REST API http://${rest} (members: ${members.map((m) => m.name).join(", ") || "none"})`);

  const restart = async (role: readonly string[], what: string): Promise<void> => {
    await execChecked(conn, ctlRestartCommand(cluster, me.name), opts);
    await execChecked(conn, waitRoleCommand(rest, role, startSec, what), opts);
  };

  if (!isLeaderRole(me.role)) {
    await restart(["replica", "standby_leader"], `${me.name} running again after its restart`);
    return { ran: true };
  }
  if (members.length === 1) {
    await restart(["master", "primary", "standby_leader"], `${me.name} running again after its restart`);
    return { ran: true, reason: `${me.name} is the only member of ${cluster}: restarted in place, PostgreSQL was down meanwhile` };
  }
  const candidate = switchoverCandidates(members, me.name)[0];
  if (!candidate) {
    throw new Error(`cannot restart leader ${me.name} of ${cluster} without downtime: no healthy replica to switch over to (${members.map((m) => `${m.name} ${m.role} ${m.state}`).join(", ")}); restart it by hand when that is acceptable`);
  }
  const standby = me.role === "standby_leader";
  await execChecked(conn, ctlSwitchoverCommand(cluster, me.name, candidate.name), opts);
  await execChecked(conn, waitRoleCommand(restAddress(candidate.api_url)!, standby ? ["standby_leader"] : ["master", "primary"], startSec, `${candidate.name} leading after the switchover`), opts);
  await execChecked(conn, waitRoleCommand(rest, ["replica"], startSec, `${me.name} running as a replica after the switchover`), opts);
  const after = await status(0);
  if (after.pending_restart === true) await restart(["replica"], `${me.name} running again after its restart`);
  return { ran: true, reason: `switched over from ${me.name} to ${candidate.name}${after.pending_restart === true ? ", then restarted" : " (the demotion restarted it)"}` };
}
