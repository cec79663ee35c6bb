/**
 * Service control on both kinds of host: systemd (`systemctl`, the packaged units) and hosts
 * without systemd (containers, the tini test hosts), where a direct daemon driver runs each known
 * daemon with start-stop-daemon. Exports the commands and `reloadService` / `restartService`, the
 * helpers the apply engine's handlers call. Prints nothing.
 *
 * The direct driver, one row per unit (`DAEMONS`); pidfiles are the `service` fact's
 * (`pidfileOf` in facts/service.ts), so plan and driver agree on what "running" means:
 *
 * | unit      | runs as           | command (cwd: the user's home)                                 | pidfile                            | reload                 | stop schedule         |
 * |-----------|-------------------|----------------------------------------------------------------|------------------------------------|------------------------|-----------------------|
 * | patroni   | dbsu (arg `user`) | /usr/bin/patroni /etc/patroni/patroni.yml (foreground)         | /run/patroni.pid (made for it)     | SIGHUP                 | TERM/60/KILL/5        |
 * | pgbouncer | dbsu (arg `user`) | /usr/sbin/pgbouncer -d /etc/pgbouncer/pgbouncer.ini            | /var/run/postgresql/pgbouncer.pid (its own, from the ini) | SIGHUP | INT/30/TERM/5/KILL/5 |
 * | etcd      | etcd              | /usr/bin/etcd --config-file /etc/etcd/etcd.conf.yml (foreground) | /run/etcd.pid (made for it)      | restart (no reload)    | TERM/30/KILL/5        |
 * | haproxy   | root, drops to the config's `user` | /usr/sbin/haproxy -D -p /run/haproxy.pid -f /etc/haproxy/haproxy.cfg -f /etc/haproxy/conf.d | /run/haproxy.pid (its own) | new process, -sf old | USR1/30/TERM/5/KILL/5 |
 *
 * - Foreground daemons run under `start-stop-daemon --background --make-pidfile` with a pidfile
 *   in /run (root's: start-stop-daemon distrusts a pidfile in a directory another user owns,
 *   TESTBED pitfall 3), so the pidfile holds the daemon's own PID and a HUP reaches it; their
 *   stdout/stderr go to /var/log/pgsty/<unit>.out (not rotated: the daemons' own logs are set in
 *   their configs). Self-daemonizing ones are matched by pidfile AND executable (and user), which
 *   is what makes pgbouncer's own pidfile in /var/run/postgresql acceptable.
 * - Environment: only PATH, HOME (the user's home), USER, LOGNAME and LANG=C.UTF-8 (TESTBED
 *   pitfall 5), as under systemd; `ulimit -n 65536` as etcd's unit sets.
 * - haproxy loads haproxy.cfg first (its `defaults` must precede the service files), then the
 *   service directory conf.d in name order, as Debian's unit does with pgsty's
 *   /etc/default/haproxy. A reload checks
 *   the current files with `haproxy -c`, then starts a new haproxy that tells the old one to
 *   finish (`-sf`): added and removed service files are picked up.
 * - Stopping and signalling go through the pidfile, never `pkill -f` (TESTBED pitfall 4).
 * - PID 1 of such a host must reap the daemons' children (TESTBED pitfall 7: tini does).
 * - Reloading a service that does not run does nothing (there is nothing to reload; the
 *   service.running task starts it with the new config).
 */
import { raw, sh, type Command } from "../exec/command.js";
import { execChecked, type Connector } from "../exec/connector.js";
import { pidfileOf } from "../facts/service.js";
import type { HostOs } from "./args.js";

export interface Daemon {
  readonly unit: string;
  /** The user it runs as; `undefined`: the dbsu given by the task (default `postgres`). */
  readonly user?: string;
  readonly exec: string;
  readonly args: readonly string[];
  /** foreground: start-stop-daemon makes its pidfile; self: it daemonizes and writes its own. */
  readonly mode: "foreground" | "self";
  readonly reload: "HUP" | "restart" | "haproxy";
  readonly stop: string;
}

export const DEFAULT_DBSU = "postgres";
const PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
const HAPROXY_DIR = "/etc/haproxy";

export const DAEMONS: ReadonlyMap<string, Daemon> = new Map<string, Daemon>([
  ["patroni", { unit: "patroni", exec: "/usr/bin/patroni", args: ["/etc/patroni/patroni.yml"], mode: "foreground", reload: "HUP", stop: "TERM/60/KILL/5" }],
  ["pgbouncer", { unit: "pgbouncer", exec: "/usr/sbin/pgbouncer", args: ["-d", "/etc/pgbouncer/pgbouncer.ini"], mode: "self", reload: "HUP", stop: "INT/30/TERM/5/KILL/5" }],
  ["etcd", { unit: "etcd", user: "etcd", exec: "/usr/bin/etcd", args: ["--config-file", "/etc/etcd/etcd.conf.yml"], mode: "foreground", reload: "restart", stop: "TERM/30/KILL/5" }],
  ["haproxy", { unit: "haproxy", user: "root", exec: "/usr/sbin/haproxy", args: ["-D", "-p", pidfileOf("haproxy")], mode: "self", reload: "haproxy", stop: "USR1/30/TERM/5/KILL/5" }],
]);

export { pidfileOf };
export const daemonOutput = (unit: string): string => `/var/log/pgsty/${unit}.out`;

export interface ServiceOptions {
  /** The user patroni and pgbouncer run as without systemd (default `postgres`). */
  readonly user?: string;
  readonly signal?: AbortSignal;
}

function daemonOf(unit: string): Daemon {
  const d = DAEMONS.get(unit);
  if (!d) throw new Error(`no daemon driver for ${unit} on a host without systemd (known: ${[...DAEMONS.keys()].join(", ")})`);
  return d;
}

const userOf = (d: Daemon, o: ServiceOptions): string => d.user ?? o.user ?? DEFAULT_DBSU;

/** `--pidfile P` plus what else identifies the process: its user, and for self-daemonizing ones its executable. */
function match(d: Daemon, user: string): Command {
  const p = pidfileOf(d.unit);
  if (d.reload === "haproxy") return sh`--pidfile ${p} --exec ${d.exec}`;
  return d.mode === "self" ? sh`--pidfile ${p} --user ${user} --exec ${d.exec}` : sh`--pidfile ${p} --user ${user}`;
}

// haproxy.cfg first, then every other *.cfg of the directory, as `-f` words in "${files[@]}"
const FILES = raw(`"\${files[@]}"`);
const HAPROXY_FILES = `files=(-f ${HAPROXY_DIR}/haproxy.cfg)
[ -d ${HAPROXY_DIR}/conf.d ] && files+=(-f ${HAPROXY_DIR}/conf.d)`;

/** Starts the daemon unless it runs (by its pidfile); fails unless it runs within 2 s and still half a second later. */
export function startCommand(unit: string, o: ServiceOptions = {}): Command {
  const d = daemonOf(unit);
  const user = userOf(d, o);
  const m = raw(match(d, user));
  const env = raw(sh`env -i PATH=${PATH} LANG=C.UTF-8 HOME="$home" USER=${user} LOGNAME=${user}`);
  const out = daemonOutput(unit);
  const launch = d.reload === "haproxy"
    ? sh`${raw(HAPROXY_FILES)}
${env} start-stop-daemon --start --quiet --oknodo ${m} -- ${d.args} ${FILES}`
    : d.mode === "self"
      ? sh`${env} start-stop-daemon --start --quiet --oknodo ${m} --chuid ${user} --chdir "$home" -- ${d.args}`
      : sh`install -d -m 0755 /var/log/pgsty
${env} start-stop-daemon --start --quiet --oknodo --background --make-pidfile ${m} --chuid ${user} --chdir "$home" --output ${out} --startas ${d.exec} -- ${d.args}`;
  const logHint = d.mode === "foreground" ? sh`; echo ${`the last lines of ${out}:`} >&2; tail -n 20 -- ${out} >&2` : sh``;
  return sh`set -euo pipefail
start-stop-daemon --status ${m} && exit 0
home=$(getent passwd ${user} | cut -d: -f6) || { echo ${`pgsty: no user ${user}`} >&2; exit 1; }
[ -n "$home" ] && [ -d "$home" ] || home=/
ulimit -n 65536 2>/dev/null || true
${raw(launch)}
up=0; for _ in $(seq 20); do if start-stop-daemon --status ${m}; then up=1; break; fi; sleep 0.1; done
[ "$up" = 1 ] && sleep 0.5 && start-stop-daemon --status ${m} || { echo ${`pgsty: ${unit} is not running after its start`} >&2${raw(logHint)}; exit 1; }`;
}

export function stopCommand(unit: string, o: ServiceOptions = {}): Command {
  const d = daemonOf(unit);
  return sh`start-stop-daemon --stop --quiet --oknodo --retry ${d.stop} --remove-pidfile ${raw(match(d, userOf(d, o)))}`;
}

/** The direct driver's reload; `undefined` when the daemon only takes a restart (etcd). */
export function reloadCommand(unit: string, o: ServiceOptions = {}): Command | undefined {
  const d = daemonOf(unit);
  const m = match(d, userOf(d, o));
  if (d.reload === "restart") return undefined;
  if (d.reload === "HUP") return sh`start-stop-daemon --stop --quiet --oknodo --signal HUP ${raw(m)}`;
  return sh`set -euo pipefail
start-stop-daemon --status ${raw(m)} || exit 0
${raw(HAPROXY_FILES)}
${d.exec} -c -q ${FILES}
${d.exec} ${d.args} ${FILES} -sf $(cat ${pidfileOf(unit)})`;
}

const systemd = (os: HostOs): boolean => os.serviceManager === "systemd";

/** Reloads `unit` if it runs (systemctl reload, or the direct driver's signal); etcd restarts. */
export async function reloadService(conn: Connector, unit: string, os: HostOs, o: ServiceOptions = {}): Promise<void> {
  const opts = o.signal ? { signal: o.signal } : {};
  if (systemd(os)) {
    const verb = DAEMONS.get(unit)?.reload === "restart" ? "try-restart" : "reload";
    const cmd = verb === "reload" ? sh`if systemctl is-active --quiet ${unit}; then systemctl reload ${unit}; fi` : sh`systemctl try-restart ${unit}`;
    await execChecked(conn, cmd, opts);
    return;
  }
  const cmd = reloadCommand(unit, o);
  if (cmd) await execChecked(conn, cmd, opts);
  else await restartService(conn, unit, os, o);
}

/** Restarts `unit` (starts it when it does not run). */
export async function restartService(conn: Connector, unit: string, os: HostOs, o: ServiceOptions = {}): Promise<void> {
  const opts = o.signal ? { signal: o.signal } : {};
  if (systemd(os)) {
    await execChecked(conn, sh`systemctl restart ${unit}`, opts);
    return;
  }
  await execChecked(conn, stopCommand(unit, o), opts);
  await execChecked(conn, startCommand(unit, o), opts);
}
