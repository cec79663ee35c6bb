/**
 * Fact `listen` (key "tcp"): the host's listening TCP sockets and the processes holding them, from
 * one `ss -Htlnp`, plus the command line of each such process (the program name alone cannot tell
 * pgsty's PostgreSQL from the distribution's own cluster: both are `postgres`). Read by the
 * preflight to find ports another program already holds. Command lines are cut to their first
 * words: arguments of unrelated programs have no business in a plan.
 * Must not import exec/connector, plan/, ops/ or modules/.
 */
import type { Fact } from "./fact.js";

export interface ListenProcess {
  /** The kernel's name of the process (comm, 15 characters at most): "postgres", "patroni"… */
  readonly name: string;
  readonly pid: number;
  /** argv, first words only; absent when /proc/PID/cmdline could not be read. */
  readonly cmdline?: readonly string[];
}

export interface ListenSocket {
  /** Local address without brackets or interface: "0.0.0.0", "::", "10.211.1.2", "*". */
  readonly address: string;
  readonly port: number;
  /** Empty when ss could not name the owner (a socket of another namespace, or of the kernel). */
  readonly processes: readonly ListenProcess[];
}

export interface ListenFact {
  readonly sockets: readonly ListenSocket[];
}

/** Words of a command line kept: enough for `python3 /usr/bin/patroni …` and `postgres -D DIR`. */
const CMDLINE_WORDS = 8;

// ss prints each socket's owners as users:(("name",pid=N,fd=M),…); "@cmdline" starts the
// second part: "PID<TAB>arg<TAB>arg…" per process (NULs of /proc/PID/cmdline turned into tabs).
const SCRIPT = `command -v ss >/dev/null 2>&1 || { echo 'pgsty: ss (iproute2) is not installed' >&2; exit 1; }
__pgsty_ss=$(ss -Htlnp) || exit $?
printf '%s\\n' "$__pgsty_ss"
echo @cmdline
for __pgsty_p in $(printf '%s\\n' "$__pgsty_ss" | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -un); do
  printf '%s\\t' "$__pgsty_p"; tr '\\0\\t\\n' '\\t  ' < "/proc/$__pgsty_p/cmdline" 2>/dev/null | cut -f1-${CMDLINE_WORDS}; echo
done
true`;

const SOCKET_LINE = /^(\S+)\s+\d+\s+\d+\s+(\S+)\s+(\S+)\s*(.*)$/;
const OWNER = /\("((?:[^"\\]|\\.)*)",pid=(\d+),fd=\d+\)/g;

/** "0.0.0.0:5432", "[::]:5432", "127.0.0.53%lo:53", "*:22" → address and port (pure). */
export function splitLocal(local: string): { address: string; port: number } | undefined {
  const i = local.lastIndexOf(":");
  if (i <= 0) return undefined;
  const port = Number(local.slice(i + 1));
  if (!Number.isInteger(port) || port < 0 || port > 65535) return undefined;
  const address = local.slice(0, i).replace(/^\[(.*)\]$/, "$1").replace(/%[^%]*$/, "");
  return { address, port };
}

/** Pure: the fragment's output → the sockets. */
export function parseListen(stdout: string): ListenFact {
  const [ssPart = "", cmdPart = ""] = stdout.split(/^@cmdline$/m);
  const cmdlines = new Map<number, string[]>();
  for (const line of cmdPart.split("\n")) {
    const [pid, ...args] = line.split("\t");
    const words = args.filter((a) => a !== "");
    if (pid && /^\d+$/.test(pid) && words.length) cmdlines.set(Number(pid), words.slice(0, CMDLINE_WORDS));
  }
  const sockets: ListenSocket[] = [];
  for (const line of ssPart.split("\n")) {
    const m = SOCKET_LINE.exec(line.trim());
    if (!m) continue;
    const [, state, local = "", , owners = ""] = m;
    if (state !== "LISTEN") continue;
    const at = splitLocal(local);
    if (!at) continue;
    const processes: ListenProcess[] = [...owners.matchAll(OWNER)].map(([, name = "", pid]) => {
      const cmdline = cmdlines.get(Number(pid));
      return { name: name.replace(/\\(.)/g, "$1"), pid: Number(pid), ...(cmdline ? { cmdline } : {}) };
    });
    sockets.push({ ...at, processes });
  }
  return { sockets };
}

export const listenFact: Fact<ListenFact> = {
  name: "listen",
  script: () => SCRIPT,
  parse: (stdout, keys) => (keys.includes("tcp") ? new Map([["tcp", parseListen(stdout)]]) : new Map()),
};
