/**
 * Identity rules (Pigsty's `pg_id` assertions, made complete): cluster names, `pg_seq` and
 * `pg_role` present and unique, exactly one primary, upstreams, citus identity, node addresses.
 * Pure.
 */
import { error, warning, type Diagnostic } from "../../diagnostics.js";
import { positionOf } from "../../inventory/source.js";
import { varPosition } from "../resolve.js";
import { ipVersion } from "../net.js";
import { listSample, type Rule } from "./rule.js";

const CLUSTER_NAME = /^[a-z][a-z0-9-]*$/;

export const clusterName: Rule = {
  name: "cluster-name",
  description: "pg_cluster is lower-case letters, digits and dashes, starts with a letter, is not `root`",
  check(model) {
    const out: Diagnostic[] = [];
    for (const c of model.clusters.values()) {
      const host = c.members[0]!.host;
      if (!CLUSTER_NAME.test(c.name) || c.name.length > 63) {
        out.push(error("rule.cluster-name", `cluster name \`${c.name}\` is not valid`, {
          source: varPosition(host, "pg_cluster"),
          detail: "the name becomes an etcd namespace, a systemd-safe file name and part of every instance and service name",
          hint: "use lower-case letters, digits and `-`, starting with a letter, at most 63 characters (e.g. `pg-test`)",
        }));
      } else if (c.name === "root") {
        out.push(error("rule.cluster-name", "cluster name `root` is reserved", {
          source: varPosition(host, "pg_cluster"),
          detail: "`root` is the etcd superuser, whose password would be reset for the cluster",
          hint: "choose another name, e.g. `pg-root`",
        }));
      }
    }
    return out;
  },
};

export const instanceIdentity: Rule = {
  name: "instance-identity",
  description: "every PostgreSQL host has an integer pg_seq unique in its cluster and a pg_role",
  check(model) {
    const out: Diagnostic[] = [];
    for (const c of model.clusters.values()) {
      const bySeq = new Map<number, string>();
      for (const m of c.members) {
        const v = m.host.vars as Record<string, unknown>;
        if (v.pg_seq === undefined) {
          out.push(error("rule.instance-identity", `host \`${m.host.name}\` of \`${c.name}\` has no \`pg_seq\``, {
            source: positionOf(m.host.ref), address: m.host.name,
            hint: "give every instance a number unique in its cluster: `{ pg_seq: 1, pg_role: primary }`",
          }));
        } else if (!Number.isNaN(m.seq)) {
          const other = bySeq.get(m.seq);
          if (other) {
            out.push(error("rule.instance-identity", `\`pg_seq: ${m.seq}\` is used twice in \`${c.name}\` (hosts \`${other}\` and \`${m.host.name}\`)`, {
              source: varPosition(m.host, "pg_seq"), related: [varPosition(model.hosts.get(other)!, "pg_seq")], address: m.host.name,
              hint: `pg_seq must be unique in a cluster: the next free one is ${Math.max(...bySeq.keys(), m.seq) + 1}`,
            }));
          } else bySeq.set(m.seq, m.host.name);
        }
        if (v.pg_role === undefined) {
          out.push(error("rule.instance-identity", `host \`${m.host.name}\` of \`${c.name}\` has no \`pg_role\``, {
            source: positionOf(m.host.ref), address: m.host.name,
            hint: "set `pg_role` to primary, replica, offline, standby or delayed",
          }));
        }
      }
    }
    return out;
  },
};

export const onePrimary: Rule = {
  name: "one-primary",
  description: "a cluster has exactly one primary (a standby cluster's leader is its primary with pg_upstream)",
  check(model) {
    const out: Diagnostic[] = [];
    for (const c of model.clusters.values()) {
      const primaries = c.members.filter((m) => m.role === "primary");
      if (primaries.length === 1) continue;
      const roles = listSample(c.members.map((m) => `${m.host.name} (seq ${Number.isNaN(m.seq) ? "?" : m.seq}, ${m.role ?? "no role"})`));
      if (primaries.length === 0 && c.members.every((m) => m.role !== undefined)) {
        out.push(error("rule.one-primary", `cluster \`${c.name}\` has no primary`, {
          source: varPosition(c.members[0]!.host, "pg_cluster"), detail: `members: ${roles}`,
          hint: "set `pg_role: primary` on exactly one member (for a standby cluster, on its leader, with `pg_upstream`)",
        }));
      } else if (primaries.length > 1) {
        out.push(error("rule.one-primary", `cluster \`${c.name}\` has ${primaries.length} primaries: ${listSample(primaries.map((p) => p.host.name))}`, {
          source: varPosition(primaries[1]!.host, "pg_role"), related: primaries.map((p) => varPosition(p.host, "pg_role")), detail: `members: ${roles}`,
          hint: "keep `pg_role: primary` on one member and make the others `replica`",
        }));
      }
    }
    return out;
  },
};

export const upstream: Rule = {
  name: "upstream",
  description: "pg_upstream of a replica names a member of its cluster; of a primary, an IP outside it",
  check(model) {
    const out: Diagnostic[] = [];
    for (const c of model.clusters.values()) {
      for (const m of c.members) {
        const up = (m.host.vars as Record<string, unknown>).pg_upstream;
        if (typeof up !== "string" || up === "") continue;
        const source = varPosition(m.host, "pg_upstream");
        if (m.role === "primary") {
          if (c.addresses.includes(up)) {
            out.push(error("rule.upstream", `the primary of \`${c.name}\` replicates from \`${up}\`, a member of its own cluster`, {
              source, address: m.host.name,
              hint: "on a primary, pg_upstream makes a standby cluster: point it at the primary of another cluster",
            }));
          } else if (ipVersion(up) === 0 && !model.hosts.has(up)) {
            out.push(error("rule.upstream", `pg_upstream \`${up}\` is not an IP address`, { source, address: m.host.name, hint: "write the upstream primary's IP address" }));
          }
        } else if (!c.addresses.includes(up) && !c.members.some((x) => x.host.name === up)) {
          out.push(error("rule.upstream", `pg_upstream \`${up}\` of \`${m.name}\` is not a member of \`${c.name}\``, {
            source, address: m.host.name, detail: `members: ${listSample(c.addresses)}`,
            hint: "a replica's pg_upstream names the member it cascades from; remove it to replicate from the primary",
          }));
        } else if (up === m.address) {
          out.push(error("rule.upstream", `\`${m.name}\` cannot replicate from itself`, { source, address: m.host.name, hint: "remove pg_upstream or name another member" }));
        }
      }
      const delayHost = c.members.find((m) => { const d = (m.host.vars as Record<string, unknown>).pg_delay; return d !== undefined && d !== 0 && d !== "0"; });
      if (delayHost && (delayHost.role !== "primary" || !c.upstream)) {
        out.push(warning("rule.upstream", `pg_delay on \`${delayHost.name}\` has no effect`, {
          source: varPosition(delayHost.host, "pg_delay"), address: delayHost.host.name,
          hint: "a delay applies to the leader of a standby cluster: set pg_delay together with pg_upstream on its primary",
        }));
      }
    }
    return out;
  },
};

export const citusIdentity: Rule = {
  name: "citus-identity",
  description: "pg_mode: citus needs pg_shard and pg_group",
  check(model) {
    const out: Diagnostic[] = [];
    for (const c of model.clusters.values()) {
      const m = c.members[0]!;
      const v = m.host.vars as Record<string, unknown>;
      if (v.pg_mode !== "citus") continue;
      for (const k of ["pg_shard", "pg_group"] as const) {
        if (v[k] === undefined || v[k] === "") {
          out.push(error("rule.citus-identity", `citus cluster \`${c.name}\` has no \`${k}\``, {
            source: varPosition(m.host, "pg_mode"), address: m.host.name,
            hint: k === "pg_shard" ? "set pg_shard to the shard group's name (e.g. pg-citus) on every cluster of the group" : "set pg_group: 0 on the coordinator and 1, 2, … on the workers",
          }));
        }
      }
    }
    return out;
  },
};

export const nodeAddress: Rule = {
  name: "node-address",
  description: "a PostgreSQL host is an IP address, or a name with ansible_host set to one",
  check(model) {
    const out: Diagnostic[] = [];
    for (const m of model.instances.values()) {
      if (ipVersion(m.address) !== 0) continue;
      out.push(error("rule.node-address", `host \`${m.host.name}\` has no IP address`, {
        source: positionOf(m.host.ref), address: m.host.name,
        detail: "the address goes into Patroni, HBA, HAProxy and etcd configs, which need an IP",
        hint: `key the host by its IP, or add \`ansible_host: <ip>\` to \`${m.host.name}\``,
      }));
    }
    return out;
  },
};
