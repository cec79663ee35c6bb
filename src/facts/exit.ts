/**
 * Fact `exit` (key: {@link exitKey} of a bash command line and the user to run it as): the exit
 * status of a read-only check, e.g. the `unless` guard of the `command` op. The check runs inside
 * the host's one fact script like every other fact (no extra round trip), with its standard
 * input, output and error discarded and a limit of {@link EXIT_TIMEOUT_S} seconds; all checks of
 * a host run at once, so the fact costs at most one limit however many checks it has.
 *
 * - The command line reaches the check's bash on stdin, never in an argv (a `ps` on the host
 *   would show an argv, and the line may hold a secret).
 * - Another user: as `buildInvocation` does for commands (exec/connector.ts) — nothing when the
 *   script already runs as that user, `runuser` as root, `sudo -n` otherwise; `timeout` runs
 *   inside it, so the kill has the check's own rights.
 * - A check that does not finish in time is reported `timedOut`, not as a status: it said
 *   neither yes nor no. A key that is not an `exitKey` is absent.
 *
 * Must not import exec/connector, plan/, ops/ or modules/.
 */
import { quote } from "../exec/command.js";
import type { Fact } from "./fact.js";
import { isUserName } from "./user.js";

export interface ExitFact {
  /** The check's exit status (meaningless when it timed out). */
  readonly code: number;
  /** Killed after {@link EXIT_TIMEOUT_S} seconds. */
  readonly timedOut: boolean;
}

/** How long one check may run. Checks must be quick probes; the whole fact script has 60 s. */
export const EXIT_TIMEOUT_S = 10;

/** What a key stands for: bash text (already quoted by its builder) and the user to run it as. */
export interface ExitCheck {
  readonly cmd: string;
  readonly user?: string;
}

/** The key of a check: JSON, so one string carries both the command line and the user. */
export function exitKey(cmd: string, user?: string): string {
  return JSON.stringify(user ? { cmd, user } : { cmd });
}

/** The check a key stands for; undefined for anything {@link exitKey} does not produce. */
export function parseExitKey(key: string): ExitCheck | undefined {
  let v: unknown;
  try {
    v = JSON.parse(key);
  } catch {
    return undefined;
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) return undefined;
  const { cmd, user, ...rest } = v as Record<string, unknown>;
  if (Object.keys(rest).length > 0 || typeof cmd !== "string" || cmd.trim() === "" || cmd.includes("\0")) return undefined;
  if (user === undefined) return { cmd };
  return typeof user === "string" && isUserName(user) ? { cmd, user } : undefined;
}

function script(keys: readonly string[]): string {
  const calls = keys.flatMap((k, i) => {
    const c = parseExitKey(k);
    return c ? [`__pgsty_check ${i} ${quote(c.user ?? "")} ${quote(c.cmd)} &`] : [];
  });
  if (calls.length === 0) return "true";
  // a timed-out check exits 124 (TERM) or 137 (KILL after -k); the same status sooner is the
  // check's own (SECONDS counts whole seconds: one exiting 124 after 9+ s would read as timed out).
  // The pipeline runs in a subshell so bash's "Killed" job notice goes to /dev/null with the rest.
  return `__pgsty_me=$(id -un 2>/dev/null); __pgsty_uid=$(id -u 2>/dev/null)
__pgsty_check() {
  local i=$1 u=$2 text=$3 t0=$SECONDS rc timed=0
  local run=(timeout -k 2 ${EXIT_TIMEOUT_S} bash -c '__pgsty_cmd=$(cat) && eval "$__pgsty_cmd"')
  if [ -n "$u" ] && [ "$u" != "$__pgsty_me" ]; then
    if [ "$__pgsty_uid" = 0 ]; then run=(runuser -u "$u" -- "\${run[@]}"); else run=(sudo -n -u "$u" -- "\${run[@]}"); fi
  fi
  ( printf '%s' "$text" | "\${run[@]}" ) >/dev/null 2>&1
  rc=$?
  if { [ "$rc" = 124 ] || [ "$rc" = 137 ]; } && [ $((SECONDS - t0)) -ge ${EXIT_TIMEOUT_S} ]; then timed=1; fi
  printf '%d %d %d\\n' "$i" "$rc" "$timed"
}
${calls.join("\n")}
wait
true`;
}

/** Pure: "INDEX STATUS TIMEDOUT" lines (any order: the checks run at once) → the fact per key. */
export function parseExit(stdout: string, keys: readonly string[]): Map<string, ExitFact> {
  const out = new Map<string, ExitFact>();
  for (const line of stdout.split("\n")) {
    if (line === "") continue;
    const m = /^(\d+) (\d+) ([01])$/.exec(line);
    if (!m) throw new Error(`exit: unexpected line ${JSON.stringify(line)}`);
    const key = keys[Number(m[1])];
    if (key === undefined || !parseExitKey(key)) throw new Error(`exit: index ${m[1]} is not a check`);
    out.set(key, { code: Number(m[2]), timedOut: m[3] === "1" });
  }
  return out;
}

export const exitFact: Fact<ExitFact> = { name: "exit", script, parse: parseExit };
