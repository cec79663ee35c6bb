/**
 * Fact `file.content` (key: an absolute path): the bytes of a regular file, base64 on the wire so
 * binary and non-UTF-8 content survives. Requested only for files whose hash differs from the
 * desired content (the plan's second round trip), to show a diff. Files over 4 MiB come back
 * truncated. Absent: no regular file at the path.
 * Must not import exec/connector, plan/, ops/ or modules/.
 */
import { quote } from "../exec/command.js";
import type { Fact } from "./fact.js";
import { isAbsolutePath } from "./file.js";

/** Largest content read in full. */
export const FILE_CONTENT_LIMIT = 4 * 1024 * 1024;

/** The content of a regular file. */
export interface FileContentFact {
  /** The bytes (the first FILE_CONTENT_LIMIT when `truncated`). */
  readonly bytes: Uint8Array;
  /** `bytes` as text when they are valid UTF-8. */
  readonly text?: string;
  /** The file is larger than FILE_CONTENT_LIMIT. */
  readonly truncated: boolean;
}

function script(keys: readonly string[]): string {
  const paths = keys.filter(isAbsolutePath);
  if (paths.length === 0) return "true";
  return `i=0
for p in ${paths.map(quote).join(" ")}; do
  if [ -f "$p" ] && [ ! -L "$p" ]; then printf '%d ' "$i"; head -c ${FILE_CONTENT_LIMIT + 1} -- "$p" | base64 -w0; echo; fi
  i=$((i+1))
done`;
}

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Pure: lines "INDEX BASE64" → the content per key. */
export function parseFileContent(stdout: string, keys: readonly string[]): Map<string, FileContentFact> {
  const paths = keys.filter(isAbsolutePath);
  const out = new Map<string, FileContentFact>();
  for (const line of stdout.split("\n")) {
    const m = /^(\d+) ([A-Za-z0-9+/=]*)$/.exec(line);
    if (!m) continue;
    const key = paths[Number(m[1])];
    if (key === undefined) throw new Error(`file.content: index ${m[1]} out of range`);
    const all = Buffer.from(m[2] ?? "", "base64");
    const truncated = all.length > FILE_CONTENT_LIMIT;
    const bytes = new Uint8Array(truncated ? all.subarray(0, FILE_CONTENT_LIMIT) : all);
    let text: string | undefined;
    try {
      text = truncated ? undefined : utf8.decode(bytes);
    } catch {
      text = undefined;
    }
    out.set(key, { bytes, truncated, ...(text !== undefined ? { text } : {}) });
  }
  return out;
}

export const fileContentFact: Fact<FileContentFact> = { name: "file.content", script, parse: parseFileContent };
