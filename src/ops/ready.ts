/**
 * Readiness of a daemon after its start: `systemctl start` and start-stop-daemon return as soon
 * as the process runs, but the next steps need what it serves (Patroni: PostgreSQL bootstrapped
 * and holding the leader lock before users are made; a replica running before the next one clones).
 * A readiness probe is an HTTP GET that must answer 200, polled on the host itself with bash's
 * /dev/tcp — no curl or python needed on the host (patroni-ctl.ts reads Patroni's REST API with the
 * same function). A started replica must also stream WAL from its upstream, which waits on the
 * upstream's next HA cycle to create its slot: that probe (psql as the dbsu) is left for the end of
 * the apply (op.ts `Settle`). Pure: builds commands, runs nothing.
 * Must not import the connectors.
 */
import { raw, sh, type Command, type RawFragment } from "../exec/command.js";
import { PSQL_FUNCTION, psqlCall, type PgTarget } from "../facts/pg-shell.js";
import type { TaskSpec } from "../plan/types.js";

export interface ReadyProbe {
  /** host:port the daemon serves HTTP on (an IPv4 address or a name). */
  readonly address: string;
  /** Paths of which one answers 200 once ready, e.g. Patroni's /leader or /replica. */
  readonly paths: readonly string[];
  /** How long to wait before giving up (seconds). */
  readonly timeoutSec: number;
  /** What "ready" means, for the error ("PostgreSQL running and holding the leader lock"). */
  readonly what: string;
}

/** A REST API address `host:port` (goes into /dev/tcp/HOST/PORT unquoted by bash: checked). */
export const HOST_PORT = /^[A-Za-z0-9.-]+:\d{1,5}$/;

/** host and port of a `host:port` address; throws on anything else. */
export function splitAddress(address: string): [string, string] {
  if (!HOST_PORT.test(address)) throw new TypeError(`not a REST API address (host:port): ${address}`);
  return address.split(":") as [string, string];
}

export function readyArg(task: TaskSpec): ReadyProbe | undefined {
  const r = task.args["ready"];
  if (r === undefined) return undefined;
  const p = r as Partial<ReadyProbe>;
  const ok = typeof p.address === "string" && HOST_PORT.test(p.address) &&
    Array.isArray(p.paths) && p.paths.length > 0 && p.paths.every((x) => typeof x === "string" && /^\/[A-Za-z0-9/_-]*$/.test(x)) &&
    typeof p.timeoutSec === "number" && p.timeoutSec > 0 && typeof p.what === "string";
  if (!ok) throw new TypeError(`${task.op}[${task.key}]: arg \`ready\` must be { address: "host:port", paths: ["/x", …], timeoutSec, what }`);
  return p as ReadyProbe;
}

/**
 * A bash function: `pgsty_get HOST PORT PATH` prints the body of an HTTP GET and returns 0 only for
 * a 200 answer (2: no connection); the status line is left in `pgsty_status`. HTTP/1.0: the
 * server closes the connection after its answer, so reading to the end ends.
 */
export const HTTP_GET_FUNCTION = raw([
  "pgsty_get() {",
  "  local resp",
  '  exec 3<>"/dev/tcp/$1/$2" || return 2',
  "  printf 'GET %s HTTP/1.0\\r\\nHost: %s\\r\\n\\r\\n' \"$3\" \"$1\" >&3",
  "  resp=$(timeout 10 cat <&3); exec 3<&- 3>&-",
  "  pgsty_status=${resp%%$'\\r'*}",
  "  printf '%s\\n' \"${resp#*$'\\r\\n\\r\\n'}\"",
  "  case \"$pgsty_status\" in *\" 200\"*) return 0 ;; *) return 1 ;; esac",
  "} 2>/dev/null",
].join("\n"));

/**
 * `setup`, then `attempt` every 0.5 s until it exits 0 (it leaves what it saw in `$last`); when
 * the time is up, `failure` and `$last` on stderr, exit 1.
 */
function pollCommand(setup: RawFragment, attempt: Command, timeoutSec: number, failure: string): Command {
  return sh`${setup}
deadline=$((SECONDS + ${String(timeoutSec)})); last="no answer"
while :; do
  ${raw(attempt)}
  [ "$SECONDS" -lt "$deadline" ] || { echo ${failure} "$last" >&2; exit 1; }
  sleep 0.5
done`;
}

/** Polls the probe's paths every 0.5 s; exits 1 with the last answer when the time is up. */
export function readyCommand(p: ReadyProbe): Command {
  const [host, port] = splitAddress(p.address);
  const attempt = sh`for path in ${p.paths}; do
    pgsty_status=
    pgsty_get ${host} ${port} "$path" >/dev/null && exit 0
    [ -n "$pgsty_status" ] && last="$path: $pgsty_status"
  done`;
  return pollCommand(HTTP_GET_FUNCTION, attempt, p.timeoutSec, `not ready after ${p.timeoutSec}s (${p.what}): http://${p.address} answered`);
}

/** A replica's WAL streaming: what its `service.running` start leaves for the end of the apply. */
export interface StreamingProbe extends PgTarget {
  /** How long to wait, from the end of the last step (seconds). */
  readonly timeoutSec: number;
}

export function streamingArg(task: TaskSpec): StreamingProbe | undefined {
  const r = task.args["streaming"];
  if (r === undefined) return undefined;
  const p = r as Partial<StreamingProbe>;
  const ok = typeof p.dbsu === "string" && typeof p.socketDir === "string" && Number.isInteger(p.port) &&
    typeof p.timeoutSec === "number" && p.timeoutSec > 0;
  if (!ok) throw new TypeError(`${task.op}[${task.key}]: arg \`streaming\` must be { dbsu, socketDir, port, timeoutSec }`);
  return p as StreamingProbe;
}

/** Polls pg_stat_wal_receiver every 0.5 s until it streams; exits 1 with the last status when the time is up. */
export function streamingCommand(p: StreamingProbe): Command {
  const query = "SELECT coalesce((SELECT status FROM pg_stat_wal_receiver), 'no WAL receiver')";
  const attempt = sh`last=$(${raw(psqlCall(p, "postgres", query))})
  [ "$last" = streaming ] && exit 0`;
  return pollCommand(raw(PSQL_FUNCTION), attempt, p.timeoutSec, `not streaming WAL from its upstream after ${p.timeoutSec}s:`);
}
