/**
 * What removing PostgreSQL instances (playbook pgsql-rm) refuses and where it finds what pgsty
 * laid out: the preflight (pg_safeguard; a primary whose replicas stay), the cluster's Patroni
 * key prefix in etcd, the files pgsty wrote for an instance. Pure; must not import I/O modules.
 *
 * Decision: the primary is the inventory's (pg_role: primary), not Patroni's current leader:
 * the preflight runs before any host is read. Removing a cluster's primary is refused unless
 * every member is removed with it, so "the primary is removed" means "the whole cluster goes":
 * its DCS keys and its pgBackRest stanza are deleted from the primary's tasks.
 */
import { error, type Diagnostic } from "../../diagnostics.js";
import type { Instance } from "../../model/identity.js";
import type { Model } from "../../model/model.js";
import { varPosition } from "../../model/resolve.js";
import type { HostContext } from "../context.js";

const label = (i: Instance): string => `${i.name} (${i.address})`;

function list(names: readonly string[]): string {
  return names.length <= 4 ? names.join(", ") : `${names.slice(0, 4).join(", ")} and ${names.length - 4} more`;
}

/** pg_safeguard on a selected instance, one error per cluster. */
function safeguard(model: Model, hosts: readonly string[]): Diagnostic[] {
  const byCluster = new Map<string, Instance[]>();
  for (const h of hosts) {
    const inst = model.instances.get(h);
    if (!inst || inst.host.vars.pg_safeguard !== true) continue;
    byCluster.set(inst.cluster, [...(byCluster.get(inst.cluster) ?? []), inst]);
  }
  return [...byCluster].map(([cluster, insts]) => {
    const first = insts[0]!;
    const origin = first.host.origins.get("pg_safeguard");
    return error("pgsql-rm.safeguard", `pg_safeguard is true for ${list(insts.map(label))} of ${cluster}: refusing to remove ${insts.length > 1 ? "them" : "it"}`, {
      detail: "pg_safeguard protects these instances from removal; nothing was read or changed.",
      hint: "to remove them anyway, run again with `-e pg_safeguard=false` (or set pg_safeguard: false in the inventory)",
      address: first.host.name,
      ...(origin?.ref ? { source: varPosition(first.host, "pg_safeguard") } : {}),
    });
  });
}

/** A selected primary whose cluster keeps members that are not selected. */
function primaryWithReplicas(model: Model, hosts: readonly string[]): Diagnostic[] {
  const selected = new Set(hosts);
  const out: Diagnostic[] = [];
  for (const c of model.clusters.values()) {
    const p = c.primary;
    if (!p || !selected.has(p.host.name)) continue;
    const stay = c.members.filter((m) => !selected.has(m.host.name));
    if (stay.length === 0) continue;
    out.push(error("pgsql-rm.primary", `refusing to remove ${label(p)}, the primary of ${c.name}, while ${list(stay.map(label))} stay${stay.length > 1 ? "" : "s"}`, {
      detail: "Removing the primary deletes the cluster's DCS state and backups; the members left would follow a leader that is gone.",
      hint: `remove the replicas only (leave ${p.address} out of -l), or the whole cluster (-l ${c.name}); to retire this node alone, switch over first (patronictl switchover), make the new leader pg_role: primary in the inventory, then remove this one`,
      address: p.host.name,
    }));
  }
  return out;
}

/** The preflight of every pgsql-rm step. */
export function removalPreflight(model: Model, hosts: readonly string[]): Diagnostic[] {
  return [...safeguard(model, hosts), ...primaryWithReplicas(model, hosts)];
}

/** The cluster's keys in etcd as Patroni writes them: `/<namespace>/<scope>/` (citus: `…/<group>/`). */
export function dcsPrefix(ctx: HostContext): string {
  const c = ctx.cluster!;
  const ns = String(ctx.vars.pg_namespace ?? "/pg").replace(/^\/+|\/+$/g, "");
  const scope = ctx.vars.pg_mode === "citus" ? `${c.shard}/${c.group}` : c.name;
  return `/${ns}/${scope}/`.replace(/\/+/g, "/");
}
