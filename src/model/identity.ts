/**
 * Derived identity (Pigsty's `pg_id`): instances, clusters, the primary, service names, and the
 * other modules' memberships (etcd, infra). Membership always comes from the whole inventory,
 * never from the `-l` limit. Pure; tolerant of invalid input (rules report the problems).
 */
import type { Host } from "./resolve.js";
import { PG_ROLES, type PgRole } from "./schema/index.js";

export interface Instance {
  readonly host: Host;
  readonly cluster: string;
  /** `pg_seq`; NaN when missing or invalid (reported by the rules). */
  readonly seq: number;
  readonly role: PgRole | undefined;
  /** `pg_instance`: `<cluster>-<seq>`. */
  readonly name: string;
  /** The node's address: `ansible_host` when set, else the inventory hostname (an IP in Pigsty). */
  readonly address: string;
}

export interface Cluster {
  readonly name: string;
  /** Members in inventory order. */
  readonly members: readonly Instance[];
  /** The single primary, when there is exactly one. */
  readonly primary: Instance | undefined;
  /** Member addresses sorted as strings (Pigsty's `pg_cluster_members`: HBA `cluster`, allowlists). */
  readonly addresses: readonly string[];
  /** `pg_upstream` of the primary: this is a standby cluster replicating from there. */
  readonly upstream: string | undefined;
  /** `pg_shard` (defaults to the cluster name) and `pg_group` (defaults to 0), for citus. */
  readonly shard: string;
  readonly group: number;
}

export interface Identity {
  readonly instances: ReadonlyMap<string, Instance>;
  readonly clusters: ReadonlyMap<string, Cluster>;
  /** etcd members by `etcd_cluster`, sorted by `etcd_seq`. */
  readonly etcd: ReadonlyMap<string, readonly Host[]>;
  /** Hosts of the `infra` group (HBA `infra` alias). */
  readonly infra: readonly Host[];
}

export function hostAddress(h: Host): string {
  const a = h.vars.ansible_host;
  return typeof a === "string" && a !== "" ? a : h.name;
}

export function deriveIdentity(hosts: ReadonlyMap<string, Host>): Identity {
  const instances = new Map<string, Instance>();
  const byCluster = new Map<string, Instance[]>();
  const etcd = new Map<string, Host[]>();
  const infra: Host[] = [];
  for (const h of hosts.values()) {
    const v = h.vars as Record<string, unknown>;
    if (h.groups.includes("infra")) infra.push(h);
    if (typeof v.etcd_cluster === "string" && v.etcd_seq !== undefined) {
      const list = etcd.get(v.etcd_cluster) ?? [];
      list.push(h);
      etcd.set(v.etcd_cluster, list);
    }
    if (typeof v.pg_cluster !== "string") continue;
    const seq = typeof v.pg_seq === "number" && Number.isInteger(v.pg_seq) ? v.pg_seq : Number.NaN;
    const role = (PG_ROLES as readonly string[]).includes(v.pg_role as string) ? (v.pg_role as PgRole) : undefined;
    const inst: Instance = { host: h, cluster: v.pg_cluster, seq, role, name: `${v.pg_cluster}-${Number.isNaN(seq) ? "?" : seq}`, address: hostAddress(h) };
    instances.set(h.name, inst);
    const list = byCluster.get(inst.cluster) ?? [];
    list.push(inst);
    byCluster.set(inst.cluster, list);
  }
  const clusters = new Map<string, Cluster>();
  for (const [name, members] of [...byCluster].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const primaries = members.filter((m) => m.role === "primary");
    const primary = primaries.length === 1 ? primaries[0] : undefined;
    const pv = (primary?.host.vars ?? {}) as Record<string, unknown>;
    const first = members[0]!.host.vars as Record<string, unknown>;
    clusters.set(name, {
      name,
      members,
      primary,
      addresses: [...new Set(members.map((m) => m.address))].sort(),
      upstream: typeof pv.pg_upstream === "string" && pv.pg_upstream !== "" ? pv.pg_upstream : undefined,
      shard: typeof first.pg_shard === "string" ? first.pg_shard : name,
      group: typeof first.pg_group === "number" ? first.pg_group : 0,
    });
  }
  for (const list of etcd.values()) list.sort((a, b) => Number(a.vars.etcd_seq) - Number(b.vars.etcd_seq));
  return { instances, clusters, etcd, infra };
}

/** Service names of a cluster: `<cluster>-<service name>` for default and cluster services. */
export function serviceNames(cluster: Cluster): string[] {
  const v = (cluster.primary ?? cluster.members[0])?.host.vars as Record<string, unknown> | undefined;
  const list = [...asArray(v?.pg_default_services), ...asArray(v?.pg_services)];
  return list.map((s) => `${cluster.name}-${String((s as { name?: unknown }).name)}`);
}

function asArray(x: unknown): unknown[] {
  return Array.isArray(x) ? x : [];
}
