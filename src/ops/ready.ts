/**
 * Readiness of a daemon after its start: `systemctl start` and start-stop-daemon return as soon
 * as the process runs, but the next steps need what it serves (Patroni: PostgreSQL bootstrapped
 * and holding the leader lock before users are made; a replica streaming before the next one).
 * A readiness probe is an HTTP GET that must answer 200, polled on the host itself with bash's
 * /dev/tcp — no curl or python needed on the host. Pure: builds commands, runs nothing.
 * Must not import the connectors.
 */
import { sh, type Command } from "../exec/command.js";
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

export function readyArg(task: TaskSpec): ReadyProbe | undefined {
  const r = task.args["ready"];
  if (r === undefined) return undefined;
  const p = r as Partial<ReadyProbe>;
  const ok = typeof p.address === "string" && /^[A-Za-z0-9.-]+:\d{1,5}$/.test(p.address) &&
    Array.isArray(p.paths) && p.paths.length > 0 && p.paths.every((x) => typeof x === "string" && /^\/[A-Za-z0-9/_-]*$/.test(x)) &&
    typeof p.timeoutSec === "number" && p.timeoutSec > 0 && typeof p.what === "string";
  if (!ok) throw new TypeError(`${task.op}[${task.key}]: arg \`ready\` must be { address: "host:port", paths: ["/x", …], timeoutSec, what }`);
  return p as ReadyProbe;
}

/** Polls the probe's paths every 0.5 s; exits 1 with the last answers when the time is up. */
export function readyCommand(p: ReadyProbe): Command {
  const [host, port] = p.address.split(":") as [string, string];
  return sh`deadline=$((SECONDS + ${String(p.timeoutSec)})); last="no answer"
while :; do
  for path in ${p.paths}; do
    if exec 3<>/dev/tcp/${host}/${port}; then
      printf 'GET %s HTTP/1.0\r\nHost: %s\r\n\r\n' "$path" ${host} >&3
      IFS= read -r -t 5 line <&3 && last="$path: $(printf %s "$line" | tr -d '\r')"
      exec 3<&- 3>&-
      case "$last" in *" HTTP/"*" 200"*) exit 0 ;; esac
    fi 2>/dev/null
  done
  [ "$SECONDS" -lt "$deadline" ] || { echo ${`not ready after ${p.timeoutSec}s (${p.what}): http://${p.address} answered`} "$last" >&2; exit 1; }
  sleep 0.5
done`;
}
