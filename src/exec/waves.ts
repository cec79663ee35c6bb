/**
 * Waves: the order in which apply takes the hosts of one step (ARCHITECTURE §3). Pure.
 *
 * - default ("parallel"): one wave, every host, at most `forks` at once.
 * - "etcd-members": one wave with every member at once, regardless of `forks`: a new etcd
 *   member waits for its peers to reach quorum (under systemd its start blocks until then), so
 *   members started a few at a time could wait on each other forever.
 * - "primary-first": the primary of each cluster (and hosts without a cluster), then the
 *   replicas; replicas of a cluster whose primary failed are not started (apply.ts).
 * - "replicas-first" (removal): the replicas (and hosts without a cluster), then the primaries;
 *   a primary whose cluster has a host that stopped is not started (apply.ts): stopping the
 *   leader while a replica could not be stopped would let that replica take over.
 * - rolling restarts (`rollingWaves`, for Patroni): the replicas one at a time per cluster, the
 *   clusters side by side, then the primaries last (the members leading now, asked by apply.ts;
 *   the restart handler switches over before restarting a leader: exec/patroni-restart.ts).
 */
import type { WaveOrder } from "../modules/module.js";

/** What apply needs to know of a host to order it. */
export interface HostRole {
  /** The PostgreSQL cluster the host belongs to. */
  readonly cluster?: string;
  /** The cluster's primary (for a standby cluster: its standby leader). */
  readonly primary?: boolean;
}

export interface Wave {
  readonly hosts: readonly string[];
  /**
   * "replicas": hosts whose cluster primary must not have failed; "last-primaries": primaries
   * whose cluster's other hosts must not have failed.
   */
  readonly kind: "all" | "primaries" | "replicas" | "last-primaries";
  /** Start every host at once, whatever `forks` says. */
  readonly unlimited?: boolean;
}

const isReplica = (h: string, roles: ReadonlyMap<string, HostRole>): boolean => {
  const r = roles.get(h);
  return r?.cluster !== undefined && r.primary !== true;
};

const isPrimary = (h: string, roles: ReadonlyMap<string, HostRole>): boolean => roles.get(h)?.primary === true;

/** The waves of one step over its hosts (in inventory order); empty waves are left out. */
export function wavesOf(order: WaveOrder | undefined, hosts: readonly string[], roles: ReadonlyMap<string, HostRole>): Wave[] {
  if (hosts.length === 0) return [];
  if (order === "etcd-members") return [{ hosts, kind: "all", unlimited: true }];
  if (order === "replicas-first") {
    const replicas = hosts.filter((h) => !isPrimary(h, roles));
    const primaries = hosts.filter((h) => isPrimary(h, roles));
    return [
      ...(replicas.length ? [{ hosts: replicas, kind: "all" } as const] : []),
      ...(primaries.length ? [{ hosts: primaries, kind: "last-primaries" } as const] : []),
    ];
  }
  if (order !== "primary-first") return [{ hosts, kind: "all" }];
  const first = hosts.filter((h) => !isReplica(h, roles));
  const then = hosts.filter((h) => isReplica(h, roles));
  return [
    ...(first.length ? [{ hosts: first, kind: "primaries" } as const] : []),
    ...(then.length ? [{ hosts: then, kind: "replicas" } as const] : []),
  ];
}

/**
 * Waves of a rolling restart: wave k holds the k-th replica of every cluster, the last wave the
 * primaries and the hosts without a cluster.
 */
export function rollingWaves(hosts: readonly string[], roles: ReadonlyMap<string, HostRole>): Wave[] {
  const replicas = new Map<string, string[]>();
  const last: string[] = [];
  for (const h of hosts) {
    if (!isReplica(h, roles)) {
      last.push(h);
      continue;
    }
    const c = roles.get(h)?.cluster ?? "";
    replicas.set(c, [...(replicas.get(c) ?? []), h]);
  }
  const depth = Math.max(0, ...[...replicas.values()].map((l) => l.length));
  const waves: Wave[] = [];
  for (let k = 0; k < depth; k++) {
    waves.push({ hosts: [...replicas.values()].flatMap((l) => l.slice(k, k + 1)), kind: "replicas" });
  }
  if (last.length) waves.push({ hosts: last, kind: "primaries" });
  return waves;
}

/** The primary of each cluster, by cluster name. */
export function primariesOf(roles: ReadonlyMap<string, HostRole>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [h, r] of roles) if (r.cluster !== undefined && r.primary) out.set(r.cluster, h);
  return out;
}
