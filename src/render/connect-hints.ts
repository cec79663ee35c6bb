/**
 * After a successful apply: how to reach each PostgreSQL cluster it touched — the services on
 * HAProxy (primary/replica through pgbouncer), pgbouncer, and the dbsu on a member. Users and
 * databases are the inventory's; passwords are never printed (they are in the inventory).
 * Pure: model in, text out. Must not import exec/ or cli/.
 */
import type { Model } from "../model/model.js";

/** The port of a default service (pg_default_services), or Pigsty's default. */
function servicePort(v: Record<string, unknown>, name: "primary" | "replica"): number {
  const list = Array.isArray(v.pg_default_services) ? (v.pg_default_services as { name?: unknown; port?: unknown }[]) : [];
  const port = list.find((s) => s.name === name)?.port;
  return typeof port === "number" ? port : name === "primary" ? 5433 : 5434;
}

export function renderConnectHints(model: Model, hosts: readonly string[]): string {
  const touched = new Set(hosts);
  const lines: string[] = [];
  for (const cluster of model.clusters.values()) {
    const members = cluster.members.filter((m) => touched.has(m.host.name));
    if (members.length === 0) continue;
    const first = cluster.primary ?? cluster.members[0]!;
    const v = first.host.vars as Record<string, unknown>;
    const dbs = Array.isArray(v.pg_databases) ? (v.pg_databases as { name?: unknown; owner?: unknown }[]) : [];
    const users = Array.isArray(v.pg_users) ? (v.pg_users as { name?: unknown }[]) : [];
    const db = dbs.find((d) => typeof d.name === "string");
    const user = typeof db?.owner === "string" ? db.owner : users.find((u) => typeof u.name === "string")?.name;
    const database = typeof db?.name === "string" ? db.name : "postgres";
    const who = typeof user === "string" ? `${user}@` : "";
    const at = first.address;
    lines.push(`  ${cluster.name}:`);
    lines.push(`    primary (read-write):  psql postgres://${who}${at}:${servicePort(v, "primary")}/${database}`);
    if (cluster.members.length > 1) lines.push(`    replicas (read-only):  psql postgres://${who}${at}:${servicePort(v, "replica")}/${database}`);
    if (v.pgbouncer_enabled !== false) lines.push(`    pgbouncer:             psql postgres://${who}${at}:${String(v.pgbouncer_port ?? 6432)}/${database}`);
    lines.push(`    as the dbsu on a member: sudo -iu ${String(v.pg_dbsu ?? "postgres")} psql`);
  }
  if (lines.length === 0) return "";
  return ["Connect (every service port answers on each member; passwords are in the inventory):", ...lines].join("\n");
}
