/**
 * Fact `user` (key: a user name): uid, primary group and its name, home, shell — one
 * `getent passwd` for all keys and one `getent group` for their primary groups. Absent: no such
 * user. Must not import exec/connector, plan/, ops/ or modules/.
 */
import { quote } from "../exec/command.js";
import type { Fact } from "./fact.js";

export interface UserFact {
  readonly uid: number;
  readonly gid: number;
  /** Name of the primary group; absent when the gid has no group entry. */
  readonly group?: string;
  readonly home: string;
  readonly shell: string;
  /** GECOS (comment) field. */
  readonly comment: string;
}

/** Names getent can look up as names (digits only would be read as a uid). */
export const isUserName = (k: string): boolean => /^[A-Za-z_][A-Za-z0-9_.-]*\$?$/.test(k);

function script(keys: readonly string[]): string {
  const names = keys.filter(isUserName);
  if (names.length === 0) return "echo @passwd; echo @group";
  // getent exits 2 when a key is not found: not a failure
  return `pw=$(getent passwd ${names.map(quote).join(" ")})
echo @passwd
[ -n "$pw" ] && printf '%s\\n' "$pw"
echo @group
gids=()
while IFS=: read -r _ _ _ g _; do [ -n "$g" ] && gids+=("$g"); done <<< "$pw"
if [ \${#gids[@]} -gt 0 ]; then getent group "\${gids[@]}"; fi
true`;
}

/** Pure: "@passwd" passwd lines, "@group" group lines → the fact per key. */
export function parseUser(stdout: string, keys: readonly string[]): Map<string, UserFact> {
  const at = stdout.indexOf("@group\n");
  if (!stdout.startsWith("@passwd\n") || at < 0) throw new Error("user: sections @passwd/@group missing");
  const groups = new Map<number, string>();
  for (const line of stdout.slice(at + "@group\n".length).split("\n")) {
    const [name, , gid] = line.split(":");
    if (name && gid !== undefined && /^\d+$/.test(gid)) groups.set(Number(gid), name);
  }
  const wanted = new Set(keys.filter(isUserName));
  const out = new Map<string, UserFact>();
  for (const line of stdout.slice("@passwd\n".length, at).split("\n")) {
    const f = line.split(":");
    if (f.length !== 7) continue;
    const [name = "", , uid = "", gid = "", comment = "", home = "", shell = ""] = f;
    if (!wanted.has(name) || !/^\d+$/.test(uid) || !/^\d+$/.test(gid)) continue;
    const group = groups.get(Number(gid));
    out.set(name, { uid: Number(uid), gid: Number(gid), ...(group !== undefined ? { group } : {}), home, shell, comment });
  }
  return out;
}

export const userFact: Fact<UserFact> = { name: "user", script, parse: parseUser };
