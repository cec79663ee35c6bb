/**
 * The TCP ports a host will listen on once converged, and which program holds each: PostgreSQL,
 * Patroni's REST API and pgbouncer on PostgreSQL hosts, etcd's client and peer ports on etcd
 * members, HAProxy's stats/exporter port and every PostgreSQL service port on hosts that serve
 * them. Derived from the model (the same predicates the steps use), not from the steps `-t`
 * selected: the preflight judges whether the host can carry what the inventory puts on it.
 * Pure: must not import exec/, facts/ or any I/O module.
 */
import type { HostContext } from "./context.js";
import { servicesServedBy } from "./haproxy/services.js";
import { isEtcdMember, isPgHost, servesHaproxy } from "./steps-node.js";

/** The program pgsty runs on a port. */
export type ListenerProgram = "postgres" | "patroni" | "pgbouncer" | "etcd" | "haproxy";

export interface Listener {
  readonly port: number;
  readonly program: ListenerProgram;
  /** What listens there, for messages: "PostgreSQL", "HAProxy service pg-test-primary". */
  readonly what: string;
  /** The var that sets the port (for its inventory position); absent for service ports. */
  readonly var?: string;
}

const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isInteger(v) ? v : undefined);

export function expectedListeners(ctx: HostContext): Listener[] {
  const v = ctx.vars;
  const out: Listener[] = [];
  const add = (port: unknown, program: ListenerProgram, what: string, name?: string): void => {
    const p = num(port);
    if (p !== undefined && p > 0) out.push({ port: p, program, what, ...(name ? { var: name } : {}) });
  };
  if (isPgHost(ctx)) {
    add(v.pg_port, "postgres", "PostgreSQL", "pg_port");
    if (v.patroni_enabled !== false) add(v.patroni_port, "patroni", "Patroni's REST API", "patroni_port");
    if (v.pgbouncer_enabled !== false) add(v.pgbouncer_port, "pgbouncer", "pgbouncer", "pgbouncer_port");
  }
  if (isEtcdMember(ctx)) {
    add(v.etcd_port, "etcd", "etcd (clients)", "etcd_port");
    add(v.etcd_peer_port, "etcd", "etcd (peers)", "etcd_peer_port");
  }
  if (servesHaproxy(ctx)) {
    add(v.haproxy_exporter_port, "haproxy", "HAProxy's stats page", "haproxy_exporter_port");
    for (const s of servicesServedBy(ctx)) add(s.port, "haproxy", `HAProxy service ${s.name}`);
  }
  return out;
}
