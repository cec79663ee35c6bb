/**
 * YAML for files pgsty writes (Patroni, etcd), byte for byte what js-yaml's `dump` writes under the
 * same YAML 1.1 schema the inventory is read with, so strings such as `off`, `on` or `0640`, which
 * PyYAML (Patroni) would read as booleans or octal numbers, come out quoted. Pure; must not import
 * I/O or template code.
 *
 * Why not call `jsyaml.dump` on the whole value: for 3,000 hosts it was the largest single cost
 * of a plan, mostly spent deciding each scalar's style again and again. The block layout
 * (mappings, sequences, indentation) is simple and written here; each distinct scalar is still
 * formatted by js-yaml itself, once, and remembered. Anything this writer does not handle
 * (multi-line strings, keys over 1,024 characters, values other than plain data) makes it hand
 * the whole value to `jsyaml.dump`, so the output never depends on which path was taken.
 * A part made only of frozen objects cannot change, so what was written for it is remembered too:
 * the members of a cluster share such parts (modules/memo.ts freezes what it shares).
 */
import jsyaml from "js-yaml";
import { ANSIBLE_SCHEMA } from "../inventory/yaml.js";

const OPTIONS: jsyaml.DumpOptions = { schema: ANSIBLE_SCHEMA, lineWidth: -1, noRefs: true, quotingType: '"' };

/** `value` as YAML, after `header` lines written as `# ` comments. */
export function toYaml(value: unknown, header: string): string {
  const comment = header.split("\n").map((l) => (l.trim() === "" ? "#" : `#${l.startsWith(" ") ? "" : " "}${l}`)).join("\n");
  return `${comment}\n\n${dumpYaml(value)}`;
}

/** `jsyaml.dump(value, OPTIONS)`, faster for plain data. */
export function dumpYaml(value: unknown): string {
  try {
    sawMutable = false;
    const out = block(value, 0, true);
    return out === undefined ? "" : `${out}\n`;
  } catch (e) {
    if (e !== UNSUPPORTED) throw e;
    return jsyaml.dump(value, OPTIONS);
  }
}

/** Thrown (and caught above) where js-yaml must write the whole value. */
const UNSUPPORTED = new Error("value needs js-yaml");

/** What was written for frozen parts, by level (and whether compact): they cannot change. */
const frozenText = new WeakMap<object, Map<number, string>>();
/** Set while writing a part when some object in it is not frozen (so its text is not kept). */
let sawMutable = false;

/**
 * A node as js-yaml's writeNode writes it in block style at `level`: `compact` when it follows
 * `- ` or starts the document (no line break before its first entry). `undefined` for an
 * undefined value (js-yaml drops such a mapping entry).
 */
function block(v: unknown, level: number, compact: boolean): string | undefined {
  if (v === undefined) return undefined;
  if (v === null || typeof v !== "object") return scalar(v);
  const frozen = Object.isFrozen(v);
  const slot = level * 2 + (compact ? 1 : 0);
  if (frozen) {
    const known = frozenText.get(v)?.get(slot);
    if (known !== undefined) return known;
  }
  const outer = sawMutable;
  sawMutable = !frozen;
  const text = Array.isArray(v) ? sequence(v, level, compact) : mapping(v, level, compact);
  if (!sawMutable) {
    let byLevel = frozenText.get(v);
    if (!byLevel) frozenText.set(v, (byLevel = new Map()));
    byLevel.set(slot, text);
  }
  sawMutable ||= outer;
  return text;
}

function sequence(v: readonly unknown[], level: number, compact: boolean): string {
  if (v.length === 0) return "[]";
  const pad = `\n${"  ".repeat(level)}`;
  let out = "";
  for (const item of v) {
    const d = block(item, level + 1, true) ?? scalar(null);
    if (!compact || out !== "") out += pad;
    out += d.charCodeAt(0) === 10 ? `-${d}` : `- ${d}`;
  }
  return out;
}

function mapping(v: object, level: number, compact: boolean): string {
  if (Object.prototype.toString.call(v) !== "[object Object]") throw UNSUPPORTED;
  const keys = Object.keys(v);
  if (keys.length === 0) return "{}";
  const pad = `\n${"  ".repeat(level)}`;
  // a frozen mapping is a shared part (a cluster's parameters): its `key: value` lines recur
  // across clusters, so each is written once and reused whole
  const lines = Object.isFrozen(v) ? pairLines(level) : undefined;
  let out = "";
  for (const k of keys) {
    const x: unknown = (v as Record<string, unknown>)[k];
    if (lines !== undefined && (!compact || out !== "") && x !== null && x !== undefined && typeof x !== "object") {
      out += pairLine(lines, pad, k, x);
      continue;
    }
    const d = block(x, level + 1, false);
    if (d === undefined) continue;
    const key = scalar(k);
    // js-yaml writes such a key as an explicit `? key` pair
    if (key.length > 1024) throw UNSUPPORTED;
    out += `${!compact || out !== "" ? pad : ""}${key}${d.charCodeAt(0) === 10 ? ":" : ": "}${d}`;
  }
  return out || "{}";
}

/** `\n<pad>key: value` lines of scalar pairs in frozen mappings, by level, then key, then value. */
const pairs: Map<string, Map<unknown, string>>[] = [];
let pairCount = 0;
const MAX_PAIRS = 20000;

function pairLines(level: number): Map<string, Map<unknown, string>> {
  let m = pairs[level];
  if (!m) pairs[level] = m = new Map();
  return m;
}

/** What the loop of `mapping` appends for a scalar pair that is not the first of a compact mapping. */
function pairLine(lines: Map<string, Map<unknown, string>>, pad: string, k: string, x: unknown): string {
  let byValue = lines.get(k);
  if (!byValue) lines.set(k, (byValue = new Map()));
  let line = byValue.get(x);
  if (line === undefined) {
    const key = scalar(k);
    if (key.length > 1024) throw UNSUPPORTED;
    if (pairCount >= MAX_PAIRS) {
      for (const m of pairs) m?.clear();
      pairCount = 0;
    }
    // one flat string: it is kept, and appended to many texts
    line = [pad, key, ": ", scalar(x)].join("");
    byValue.set(x, line);
    pairCount++;
  }
  return line;
}

/** Distinct scalars formatted by js-yaml (a scalar's style does not depend on where it stands). */
const scalars = new Map<unknown, string>();
const MAX_SCALARS = 20000;

function scalar(v: unknown): string {
  const known = scalars.get(v);
  if (known !== undefined) return known;
  const t = typeof v;
  if (t !== "string" && t !== "number" && t !== "boolean" && v !== null) throw UNSUPPORTED;
  const d = jsyaml.dump(v, OPTIONS).slice(0, -1);
  // a block scalar's layout depends on its indentation; a tag would change the pair's form
  if (d.includes("\n") || d.startsWith("!")) throw UNSUPPORTED;
  if (scalars.size >= MAX_SCALARS) scalars.clear();
  scalars.set(v, d);
  return d;
}
