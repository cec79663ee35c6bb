/**
 * Fact `fs` (key: an absolute path): size and free space of the filesystem that holds the path,
 * or would hold it: the nearest existing ancestor is measured (`stat -f`, one call per key).
 * Must not import exec/connector, plan/, ops/ or modules/.
 */
import { quote } from "../exec/command.js";
import type { Fact } from "./fact.js";

/** The filesystem holding a path. */
export interface FsFact {
  /** The path measured: the key itself, or its nearest existing ancestor. */
  readonly path: string;
  /** Total size in bytes. */
  readonly sizeBytes: number;
  /** Bytes available to unprivileged users. */
  readonly availBytes: number;
  /** Filesystem type as `stat -f` names it: "ext2/ext3", "xfs", "tmpfs", "overlayfs"… */
  readonly type: string;
}

/** Keys that can be measured: absolute paths. Others are absent from the fact. */
const measurable = (k: string): boolean => k.startsWith("/");

/**
 * The parent bash computes in the fragment (no dirname fork): strip trailing slashes, cut the
 * last component; "/" is its own parent. The parser walks the same way to name the ancestor.
 */
export function parentPath(p: string): string {
  let q = p;
  while (q.length > 1 && q.endsWith("/")) q = q.slice(0, -1);
  q = q.slice(0, Math.max(q.lastIndexOf("/"), 0));
  return q === "" ? "/" : q;
}

function script(keys: readonly string[]): string {
  const paths = keys.filter(measurable);
  if (paths.length === 0) return "true";
  return `i=0
for p in ${paths.map(quote).join(" ")}; do
  q=$p; n=0
  while [ ! -e "$q" ] && [ "$q" != / ]; do
    while [ "\${#q}" -gt 1 ] && [ "\${q%/}" != "$q" ]; do q=\${q%/}; done
    q=\${q%/*}; [ -z "$q" ] && q=/
    n=$((n+1))
  done
  if s=$(stat -f -c '%S %b %a %T' -- "$q"); then printf '%d %d %s\\n' "$i" "$n" "$s"; fi
  i=$((i+1))
done`;
}

/** Pure: lines "INDEX DEPTH BLOCKSIZE BLOCKS AVAIL TYPE…" → the fact per key. */
export function parseFs(stdout: string, keys: readonly string[]): Map<string, FsFact> {
  const paths = keys.filter(measurable);
  const out = new Map<string, FsFact>();
  for (const line of stdout.split("\n")) {
    const m = /^(\d+) (\d+) (\d+) (\d+) (\d+) (.*)$/.exec(line);
    if (!m) continue;
    const [, i, depth, bsize, blocks, avail, type = ""] = m;
    const key = paths[Number(i)];
    if (key === undefined) throw new Error(`fs: index ${i} out of range`);
    let path = key;
    for (let d = 0; d < Number(depth); d++) path = parentPath(path);
    out.set(key, { path, sizeBytes: Number(bsize) * Number(blocks), availBytes: Number(bsize) * Number(avail), type });
  }
  return out;
}

export const fsFact: Fact<FsFact> = { name: "fs", script, parse: parseFs };
