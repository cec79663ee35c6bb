/**
 * What every renderer reads about one host: the model, the host's resolved vars, its PostgreSQL
 * identity, the node's size (facts, or inventory overrides offline) and its platform (Debian 12
 * or EL9: package names and paths differ). Pure.
 */
import { hostAddress, type Cluster, type Instance } from "../model/identity.js";
import type { Model } from "../model/model.js";
import type { Host } from "../model/resolve.js";
import type { HostVars } from "../model/schema/index.js";

export type PlatformId = "debian12" | "el9";

export interface Platform {
  readonly id: PlatformId;
  readonly family: "debian" | "el";
}

export const DEBIAN12: Platform = { id: "debian12", family: "debian" };
export const EL9: Platform = { id: "el9", family: "el" };

/** The node's size, as tuning formulas need it. */
export interface NodeSize {
  readonly cpu: number;
  readonly memMb: number;
  readonly fsBytes: number;
}

/** Used offline when the inventory does not give the node's size (Pigsty's worked example size). */
export const OFFLINE_NODE_SIZE: NodeSize = { cpu: 4, memMb: 8192, fsBytes: 100 * 1024 ** 3 };

export interface HostContext {
  readonly model: Model;
  readonly host: Host;
  /** `host.vars`, typed. */
  readonly vars: Readonly<HostVars> & Readonly<Record<string, unknown>>;
  /** The node's address (IP): `ansible_host` or the inventory hostname. */
  readonly ip: string;
  /** Present when the host runs PostgreSQL (has pg_cluster). */
  readonly instance?: Instance;
  readonly cluster?: Cluster;
  readonly node: NodeSize;
  readonly platform: Platform;
}

export interface ContextOptions {
  /** Node sizes read from the hosts (live plans); offline, inventory overrides or OFFLINE_NODE_SIZE. */
  readonly nodeSizes?: ReadonlyMap<string, NodeSize>;
  readonly platforms?: ReadonlyMap<string, Platform>;
}

export function hostContext(model: Model, hostName: string, o: ContextOptions = {}): HostContext {
  const host = model.hosts.get(hostName);
  if (!host) throw new Error(`unknown host ${hostName}`);
  const v = host.vars as Record<string, unknown>;
  const instance = model.instances.get(hostName);
  const fact = o.nodeSizes?.get(hostName);
  const node: NodeSize = {
    cpu: typeof v.node_cpu === "number" ? v.node_cpu : fact?.cpu ?? OFFLINE_NODE_SIZE.cpu,
    memMb: typeof v.node_mem_mb === "number" ? v.node_mem_mb : fact?.memMb ?? OFFLINE_NODE_SIZE.memMb,
    fsBytes: typeof v.node_fs_bytes === "number" ? v.node_fs_bytes : fact?.fsBytes ?? OFFLINE_NODE_SIZE.fsBytes,
  };
  return {
    model,
    host,
    vars: host.vars,
    ip: hostAddress(host),
    instance,
    cluster: instance ? model.clusters.get(instance.cluster) : undefined,
    node,
    platform: o.platforms?.get(hostName) ?? DEBIAN12,
  };
}
