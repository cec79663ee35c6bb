/**
 * YAML for inventories, read as Ansible reads it (PyYAML, YAML 1.1): `yes`/`no`/`on`/`off` are
 * booleans, `0755` is octal, `<<` merges, dates stay strings (PyYAML's dates would be stringified
 * by Ansible's templating anyway). Values come from js-yaml with a 1.1 schema of our own: it parses
 * 1 MiB in ~0.2 s where the `yaml` package takes ~1.2 s (see docs/architecture.md), or, for the
 * plain YAML most inventories are, from yaml-subset.ts, typing scalars as that schema does.
 * Positions come from a second js-yaml parse, lazily, only when a diagnostic is shown. Pure, but
 * for the note PGSTY_TIMING=1 prints when js-yaml reads a file.
 */
import jsyaml from "js-yaml";
import type { SourcePos } from "../diagnostics.js";
import { timingNote } from "../timing.js";
import { NOT_IN_SUBSET, parseYamlSubset } from "./yaml-subset.js";

/** `+`, `-` or `0`–`9`. */
const signOrDigit = (c: number): boolean => (c >= 48 && c <= 57) || c === 43 || c === 45;

const int11 = new jsyaml.Type("tag:yaml.org,2002:int", {
  kind: "scalar",
  // every form starts with a sign or a digit: test that first, most scalars are words (js-yaml
  // may pass a non-string, e.g. null for an empty `!!int` node: the regex alone decides then)
  resolve: (s: string) => (typeof s !== "string" || signOrDigit(s.charCodeAt(0))) && /^(?:[-+]?0b[01_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/.test(s),
  construct: (s: string) => {
    const t = s.replace(/_/g, "");
    const sign = t.startsWith("-") ? -1 : 1;
    const body = t.replace(/^[-+]/, "");
    if (body.includes(":")) return sign * body.split(":").reduce((acc, part) => acc * 60 + Number(part), 0);
    if (body.startsWith("0b")) return sign * parseInt(body.slice(2), 2);
    if (body.startsWith("0x")) return sign * parseInt(body.slice(2), 16);
    if (body.length > 1 && body.startsWith("0")) return sign * parseInt(body.slice(1), 8);
    return sign * parseInt(body, 10);
  },
  predicate: (v: unknown) => Number.isInteger(v),
  represent: (v: object) => String(v),
});

const float11 = new jsyaml.Type("tag:yaml.org,2002:float", {
  kind: "scalar",
  // every form starts with a sign, a digit or a dot
  resolve: (s: string) => (typeof s !== "string" || signOrDigit(s.charCodeAt(0)) || s.charCodeAt(0) === 46) && /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?|\.[0-9_]+(?:[eE][-+]?[0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/.test(s),
  construct: (s: string) => {
    const t = s.replace(/_/g, "").toLowerCase();
    if (t.endsWith(".inf")) return t.startsWith("-") ? -Infinity : Infinity;
    if (t === ".nan") return NaN;
    if (t.includes(":")) {
      const sign = t.startsWith("-") ? -1 : 1;
      return sign * t.replace(/^[-+]/, "").split(":").reduce((acc, part) => acc * 60 + Number(part), 0);
    }
    return Number(t);
  },
  predicate: (v: unknown) => typeof v === "number" && !Number.isInteger(v),
  represent: (v: object) => {
    const n = v as unknown as number;
    return Number.isNaN(n) ? ".nan" : n === Infinity ? ".inf" : n === -Infinity ? "-.inf" : String(n);
  },
});

const bool11 = new jsyaml.Type("tag:yaml.org,2002:bool", {
  kind: "scalar",
  resolve: (s: string) => (typeof s !== "string" || s.length <= 5) && /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/.test(s),
  construct: (s: string) => /^(?:yes|true|on)$/i.test(s),
  predicate: (v: unknown) => typeof v === "boolean",
  represent: (v: object) => (v as unknown as boolean ? "true" : "false"),
});

const null11 = new jsyaml.Type("tag:yaml.org,2002:null", {
  kind: "scalar",
  resolve: (s: string) => (typeof s !== "string" || s.length <= 4) && /^(?:~|null|Null|NULL|)$/.test(s),
  construct: () => null,
  predicate: (v: unknown) => v === null,
  represent: () => "null",
});

/** Ansible's `!unsafe` marks a string Jinja must not template: for pgsty it is just a string. */
const unsafe = new jsyaml.Type("!unsafe", { kind: "scalar", construct: (s: string) => s });

// `types` is part of js-yaml's runtime API but missing from its type declarations
const merge = (jsyaml as unknown as { types: { merge: InstanceType<typeof jsyaml.Type> } }).types.merge;

export const ANSIBLE_SCHEMA = jsyaml.FAILSAFE_SCHEMA.extend({
  implicit: [null11, bool11, int11, float11, merge],
  explicit: [unsafe],
});

type ImplicitType = { resolve(s: string): boolean; construct(s: string): unknown };
// js-yaml's own ordered list of the schema's implicit types
const IMPLICIT = (ANSIBLE_SCHEMA as unknown as { compiledImplicit: readonly ImplicitType[] }).compiledImplicit;

/** A plain scalar typed as js-yaml types it with {@link ANSIBLE_SCHEMA}: by the first implicit type that takes it. */
export function resolvePlain(s: string): unknown {
  // Most plain scalars are names: a letter and more than 5 characters is no null (≤ 4), bool
  // (≤ 5), number (a sign, digit or dot first) or merge key, so no type needs to look at it
  const c = s.charCodeAt(0) | 0x20;
  if (s.length > 5 && c >= 97 && c <= 122) return s;
  for (const type of IMPLICIT) if (type.resolve(s)) return type.construct(s);
  return s;
}

export interface YamlError {
  readonly message: string;
  readonly duplicateKey: boolean;
  readonly line: number;
  readonly column: number;
}

/**
 * Parse one YAML document. Returns the value and a {@link PositionIndex} of it, or a syntax error
 * with its 1-based position.
 */
export function parseYaml(text: string, file = "<input>"): { value: unknown; index: PositionIndex } | { error: YamlError } {
  try {
    // positions are recorded by a second parse, only when a diagnostic asks for one; most
    // inventories are read by the subset reader, which a cold process runs ~3× faster than js-yaml
    const fast = parseYamlSubset(text, resolvePlain);
    if (fast === NOT_IN_SUBSET) timingNote(`${file}: read by js-yaml, not the YAML subset reader`);
    const value = fast !== NOT_IN_SUBSET ? fast : jsyaml.load(text, { schema: ANSIBLE_SCHEMA, json: false });
    return { value, index: new PositionIndex(file, text) };
  } catch (e) {
    if (!(e instanceof jsyaml.YAMLException)) throw e;
    const mark = (e as { mark?: { line: number; column: number } }).mark;
    const reason = (e as { reason?: string }).reason ?? e.message;
    return { error: { message: reason, duplicateKey: /duplicated mapping key/.test(reason), line: (mark?.line ?? 0) + 1, column: (mark?.column ?? 0) + 1 } };
  }
}

/**
 * Collects, from js-yaml's open/close events, where each map key, map value and list item starts.
 * Allocation-free per scalar: open nodes and their pending children live on flat stacks; when a
 * map or list closes, its children's offsets (and, for a map, its keys) are copied to append-only
 * logs and the container is mapped to where its run starts there. A plain Map, not a WeakMap: the
 * index lives exactly as long as the parsed value, and ephemeron tables slow every GC.
 */
class PositionRecorder {
  /** Container → index in the logs where its run starts (`log[at]` is the run's length). */
  readonly containers = new Map<object, number>();
  /** Per container run: its length, then each child's start offset (map: key, value, key, value…). */
  log = new Int32Array(1 << 16);
  /** Parallel to `log`: what each child became (the keys of maps are read from here). */
  readonly logResults: unknown[] = [];
  private logTop = 0;
  /** Start offsets of the open nodes. */
  private opens = new Int32Array(256);
  /** Where each open node's children begin on the child stacks. */
  private bases = new Int32Array(256);
  private depth = 0;
  private childStarts = new Int32Array(1024);
  private readonly childResults: unknown[] = [];
  private childTop = 0;

  readonly listener = (event: "open" | "close", state: { position: number; kind: string | null; result: unknown }): void => {
    if (event === "open") {
      if (this.depth === this.opens.length) {
        this.opens = grow(this.opens, this.depth * 2);
        this.bases = grow(this.bases, this.depth * 2);
      }
      this.opens[this.depth] = state.position;
      this.bases[this.depth++] = this.childTop;
      return;
    }
    const d = --this.depth;
    const start = this.opens[d]!;
    const base = this.bases[d]!;
    const result = state.result;
    if (result !== null && typeof result === "object") {
      const kind = state.kind;
      if ((kind === "sequence" || kind === "mapping") && !this.containers.has(result)) {
        // a map keeps only complete key/value pairs
        const n = kind === "mapping" ? (this.childTop - base) & ~1 : this.childTop - base;
        const at = this.logTop;
        if (at + n + 1 > this.log.length) this.log = grow(this.log, Math.max(this.log.length * 2, at + n + 1));
        const log = this.log, logResults = this.logResults, cs = this.childStarts, cr = this.childResults;
        log[at] = n;
        logResults[at] = undefined;
        for (let i = 0; i < n; i++) {
          log[at + 1 + i] = cs[base + i]!;
          logResults[at + 1 + i] = cr[base + i];
        }
        this.logTop = at + n + 1;
        this.containers.set(result, at);
      }
    }
    this.childTop = base;
    if (d > 0) {
      if (base === this.childStarts.length) this.childStarts = grow(this.childStarts, base * 2);
      this.childStarts[base] = start;
      this.childResults[base] = result;
      this.childTop = base + 1;
    }
  };
}

function grow(a: Int32Array, size: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(size);
  b.set(a);
  return b;
}

/**
 * Positions of a file's values and keys by path from the document root (`["all", "vars",
 * "pg_port"]`). A path that does not exist (inside a merged map, say) resolves to its closest
 * existing ancestor.
 */
export class PositionIndex {
  private lineStarts?: number[];
  private recorded?: { readonly root: unknown; readonly recorder: PositionRecorder };

  constructor(
    readonly file: string,
    private readonly text: string,
  ) {}

  /** The document parsed again, this time with its positions (same text, so the same tree). */
  private record(): { readonly root: unknown; readonly recorder: PositionRecorder } {
    if (!this.recorded) {
      const recorder = new PositionRecorder();
      const root = jsyaml.load(this.text, { schema: ANSIBLE_SCHEMA, json: false, listener: recorder.listener });
      this.recorded = { root, recorder };
    }
    return this.recorded;
  }

  /** Position of the value at `path`; with `key`, of the key that names it (when it has one). */
  position(path: readonly PropertyKey[], key = false): SourcePos {
    // the document itself starts at its first node: no need for the recording parse
    if (path.length === 0) return this.toPos(0);
    const { root, recorder } = this.record();
    const { containers, log, logResults } = recorder;
    let value: unknown = root;
    let offset = 0;
    let keyOffset: number | undefined;
    for (const step of path) {
      const at = value !== null && typeof value === "object" ? containers.get(value) : undefined;
      if (at === undefined) break;
      const n = log[at]!;
      if (Array.isArray(value)) {
        if (typeof step !== "number" || !Number.isInteger(step) || step < 0 || step >= n) break;
        offset = log[at + 1 + step]!;
        keyOffset = undefined;
      } else {
        // the last pair with this key wins, as it does in the parsed map
        const name = String(step);
        let i = n - 2;
        while (i >= 0 && String(logResults[at + 1 + i]) !== name) i -= 2;
        if (i < 0) break;
        keyOffset = log[at + 1 + i]!;
        offset = log[at + 2 + i]!;
      }
      value = (value as Record<PropertyKey, unknown>)[step];
    }
    return this.toPos(key && keyOffset !== undefined ? keyOffset : offset);
  }

  private toPos(rawOffset: number): SourcePos {
    // js-yaml reports where it started looking for a node: skip blanks and comments before it
    const t = this.text;
    let o = rawOffset;
    for (;;) {
      const ch = t.charCodeAt(o);
      if (ch === 32 || ch === 9 || ch === 10 || ch === 13) o++;
      else if (ch === 35 && (o === 0 || /\s/.test(t[o - 1]!))) while (o < t.length && t.charCodeAt(o) !== 10) o++;
      else break;
    }
    if (o >= t.length) o = rawOffset;
    if (!this.lineStarts) {
      // indexOf, not a charCodeAt loop: a native search; on the 1 MiB bench file 8–15 ms → 2 ms
      const starts = (this.lineStarts = [0]);
      for (let i = t.indexOf("\n"); i !== -1; i = t.indexOf("\n", i + 1)) starts.push(i + 1);
    }
    let lo = 0, hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid]! <= o) lo = mid;
      else hi = mid - 1;
    }
    return { file: this.file, line: lo + 1, column: o - this.lineStarts[lo]! + 1 };
  }
}
