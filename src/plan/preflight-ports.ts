/**
 * Preflight, ports: every port the host will listen on (modules/listeners.ts) must be free or held
 * by the program pgsty runs there — then the host is simply converged. Anything else holding it
 * (the distribution's own PostgreSQL cluster on 5432, an nginx on 8008) would make the service
 * fail to start halfway through an apply: refused before the first change.
 *
 * A listener on the port counts whatever address it is bound to: pgsty's daemons bind the
 * wildcard or the host's address, and either collides with a listener on any address.
 * Pure: facts in, diagnostics out; must not import exec/.
 */
import { error, type Diagnostic } from "../diagnostics.js";
import type { ListenFact, ListenProcess } from "../facts/listen.js";
import { varPosition } from "../model/resolve.js";
import type { HostContext } from "../modules/context.js";
import { expectedListeners, type Listener, type ListenerProgram } from "../modules/listeners.js";

const base = (p: string): string => p.slice(p.lastIndexOf("/") + 1);

/** The data directory a postgres command line names (-D DIR, -DDIR, --pgdata=DIR, -D=DIR). */
export function postgresDataDir(cmdline: readonly string[]): string | undefined {
  for (let i = 0; i < cmdline.length; i++) {
    const a = cmdline[i] ?? "";
    if (a === "-D" || a === "--pgdata") return cmdline[i + 1];
    const m = /^(?:-D=?|--pgdata=)(.+)$/.exec(a);
    if (m) return m[1];
  }
  return undefined;
}

/**
 * Why `p` is not what pgsty runs as `program`, or undefined when it is. A postgres is ours only
 * with pg_data as its data directory: Debian's postgresql@15-main is a `postgres` too. Patroni
 * is a Python script: `patroni` when started as itself, `python3 …/patroni` otherwise.
 */
export function foreignProcess(p: ListenProcess, program: ListenerProgram, pgData: string): string | undefined {
  const who = `${p.name} (pid ${p.pid})`;
  const args = p.cmdline ?? [];
  switch (program) {
    case "postgres": {
      if (p.name !== "postgres" && p.name !== "postmaster") return who;
      const dir = postgresDataDir(args);
      return dir === undefined || dir.replace(/\/+$/, "") === pgData.replace(/\/+$/, "") ? undefined : `postgres of data directory ${dir} (pid ${p.pid})`;
    }
    case "patroni":
      return p.name === "patroni" || args.slice(0, 2).some((a) => base(a) === "patroni") ? undefined : who;
    default:
      return p.name === program ? undefined : who;
  }
}

const PROGRAM_NAMES: Readonly<Record<ListenerProgram, string>> = { postgres: "PostgreSQL", patroni: "Patroni", pgbouncer: "pgbouncer", etcd: "etcd", haproxy: "HAProxy" };

function hint(l: Listener, holder: string): string {
  const free = holder.startsWith("postgres of data directory /var/lib/postgresql/")
    ? "stop and disable the distribution's cluster (Debian: `pg_dropcluster --stop <version> main`, or `systemctl disable --now postgresql`)"
    : "stop and disable the program holding it";
  return `${free}, or move ${l.what} to another port${l.var ? ` (${l.var})` : " (the service's `port` in pg_services / pg_default_services)"}`;
}

/** Ports of this host held by another program than the one pgsty runs there (pure). */
export function portConflicts(ctx: HostContext, listen: ListenFact): Diagnostic[] {
  const host = ctx.host.name;
  const pgData = String(ctx.vars.pg_data ?? "/pg/data");
  const out: Diagnostic[] = [];
  const seen = new Set<number>();
  for (const l of expectedListeners(ctx)) {
    if (seen.has(l.port)) continue;
    seen.add(l.port);
    const holders = new Set<string>();
    for (const s of listen.sockets.filter((x) => x.port === l.port)) {
      // a socket ss cannot attribute is held by something pgsty cannot vouch for
      if (s.processes.length === 0) holders.add(`an unknown process (listening on ${s.address})`);
      for (const p of s.processes) {
        const why = foreignProcess(p, l.program, pgData);
        if (why) holders.add(why);
      }
    }
    if (holders.size === 0) continue;
    const list = [...holders];
    const source = l.var ? varPosition(ctx.host, l.var) : undefined;
    out.push(error("preflight.port", `${host}: port ${l.port} (${l.what}) is held by ${list.join(", ")}, not by ${PROGRAM_NAMES[l.program]}`, {
      address: host,
      ...(source ? { source } : {}),
      detail: `pgsty runs ${PROGRAM_NAMES[l.program]} on port ${l.port}${l.var ? ` (${l.var})` : ""}: it would fail to start while another program listens there`,
      hint: hint(l, list[0] ?? ""),
    }));
  }
  return out;
}
