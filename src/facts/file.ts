/**
 * Fact `file` (key: an absolute path): type, mode, owner, group, size, link target, and the
 * sha256 of regular files — one `find` and one `sha256sum` for all keys. A path that does not
 * exist is absent from the fact. Links are not followed.
 * Must not import exec/connector, plan/, ops/ or modules/.
 */
import { quote } from "../exec/command.js";
import type { Fact } from "./fact.js";

/** What is at a path. */
export interface FileFact {
  readonly type: "file" | "dir" | "link" | "other";
  /** Permission bits, 4 octal digits: "0640", "2775". */
  readonly mode: string;
  /** Owner and group names (the numeric id when the host has no name for it). */
  readonly owner: string;
  readonly group: string;
  /** Bytes (for a link: the length of its target). */
  readonly size: number;
  /** Regular files only: lowercase hex. */
  readonly sha256?: string;
  /** Links only: the target as written in the link. */
  readonly linkTarget?: string;
}

/** Keys that can be read: absolute paths (find would take anything else for an expression). */
export const isAbsolutePath = (k: string): boolean => k.startsWith("/");

function script(keys: readonly string[]): string {
  const paths = keys.filter(isAbsolutePath);
  if (paths.length === 0) return "true";
  const words = paths.map(quote).join(" ");
  // sha256sum first: its lines escape "\" and newlines in names, so "@find" cannot be one of them;
  // find's records follow, fields NUL-terminated (names travel raw)
  return `regular=()
for p in ${words}; do [ -f "$p" ] && [ ! -L "$p" ] && regular+=("$p"); done
echo @sha256
if [ \${#regular[@]} -gt 0 ]; then sha256sum -- "\${regular[@]}" 2>/dev/null; fi
echo @find
find ${words} -maxdepth 0 -printf '%p\\0%y\\0%m\\0%s\\0%u\\0%g\\0%l\\0' 2>/dev/null
true`;
}

const TYPES: Readonly<Record<string, FileFact["type"]>> = { f: "file", d: "dir", l: "link" };

/** Undoes sha256sum's escaping of a name (a line starting with "\\"): \\\\ → \\, \\n, \\r. */
function unescapeSumName(s: string): string {
  return s.replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c === "r" ? "\r" : c));
}

/** Pure: "@sha256" lines, then "@find" and NUL-terminated find records → the fact per key. */
export function parseFile(stdout: string, keys: readonly string[]): Map<string, FileFact> {
  if (!keys.some(isAbsolutePath)) return new Map(); // the fragment read nothing
  // "@find" alone on a line: a sha256sum line always starts with a hash or "\\"
  const at = stdout.indexOf("\n@find\n") + 1;
  if (!stdout.startsWith("@sha256\n") || at < 1) throw new Error("file: sections @sha256/@find missing");
  const sums = new Map<string, string>();
  for (const line of stdout.slice("@sha256\n".length, at).split("\n")) {
    const m = /^(\\?)([0-9a-f]{64}) [ *](.*)$/s.exec(line);
    if (!m) continue;
    const [, escaped, hash = "", name = ""] = m;
    sums.set(escaped ? unescapeSumName(name) : name, hash);
  }
  const fields = stdout.slice(at + "@find\n".length).split("\0");
  const wanted = new Set(keys.filter(isAbsolutePath));
  const out = new Map<string, FileFact>();
  for (let i = 0; i + 7 <= fields.length; i += 7) {
    const [path = "", y = "", m = "", size = "", owner = "", group = "", target = ""] = fields.slice(i, i + 7);
    if (!wanted.has(path)) throw new Error(`file: unexpected path in output: ${JSON.stringify(path)}`);
    const type = TYPES[y] ?? "other";
    const sha256 = type === "file" ? sums.get(path) : undefined;
    out.set(path, {
      type,
      mode: m.padStart(4, "0"),
      owner,
      group,
      size: Number(size),
      ...(sha256 ? { sha256 } : {}),
      ...(type === "link" ? { linkTarget: target } : {}),
    });
  }
  return out;
}

export const fileFact: Fact<FileFact> = { name: "file", script, parse: parseFile };
