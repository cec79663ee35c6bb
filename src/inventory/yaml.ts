/**
 * YAML for inventories, read as Ansible reads it (PyYAML, YAML 1.1): `yes`/`no`/`on`/`off` are
 * booleans, `0755` is octal, `<<` merges, dates stay strings (PyYAML's dates would be stringified
 * by Ansible's templating anyway). Values come from js-yaml with a 1.1 schema of our own: it parses
 * 1 MiB in ~0.2 s where the `yaml` package takes ~1.2 s (see docs/architecture.md). Positions come
 * from the `yaml` package, lazily, only when a diagnostic is shown. Pure.
 */
import jsyaml from "js-yaml";
import type { SourcePos } from "../diagnostics.js";

const int11 = new jsyaml.Type("tag:yaml.org,2002:int", {
  kind: "scalar",
  resolve: (s: string) => /^(?:[-+]?0b[01_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/.test(s),
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
  resolve: (s: string) => /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?|\.[0-9_]+(?:[eE][-+]?[0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/.test(s),
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
  resolve: (s: string) => /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/.test(s),
  construct: (s: string) => /^(?:yes|true|on)$/i.test(s),
  predicate: (v: unknown) => typeof v === "boolean",
  represent: (v: object) => (v as unknown as boolean ? "true" : "false"),
});

const null11 = new jsyaml.Type("tag:yaml.org,2002:null", {
  kind: "scalar",
  resolve: (s: string) => /^(?:~|null|Null|NULL|)$/.test(s),
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
  const recorder = new PositionRecorder();
  try {
    const value = jsyaml.load(text, { schema: ANSIBLE_SCHEMA, json: false, listener: recorder.listener });
    return { value, index: new PositionIndex(file, text, value, recorder.containers) };
  } catch (e) {
    if (!(e instanceof jsyaml.YAMLException)) throw e;
    const mark = (e as { mark?: { line: number; column: number } }).mark;
    const reason = (e as { reason?: string }).reason ?? e.message;
    return { error: { message: reason, duplicateKey: /duplicated mapping key/.test(reason), line: (mark?.line ?? 0) + 1, column: (mark?.column ?? 0) + 1 } };
  }
}

/** Offsets of a container's children: for a map, of each key and its value; for a list, of each item. */
type ContainerOffsets = Map<string, readonly [key: number, value: number]> | number[];

/** Children of an open node: where each starts and what it became (parallel arrays: fewer objects to collect). */
interface Frame {
  readonly start: number;
  readonly starts: number[];
  readonly results: unknown[];
}

/**
 * Collects, from js-yaml's open/close events, where each map key, map value and list item starts.
 * Keyed by the constructed objects themselves (a WeakMap), so no paths are built while parsing.
 */
class PositionRecorder {
  readonly containers = new WeakMap<object, ContainerOffsets>();
  private readonly stack: Frame[] = [];

  readonly listener = (event: "open" | "close", state: { position: number; kind: string | null; result: unknown }): void => {
    if (event === "open") {
      this.stack.push({ start: state.position, starts: [], results: [] });
      return;
    }
    const frame = this.stack.pop()!;
    const result = state.result;
    if (result !== null && typeof result === "object" && !this.containers.has(result)) {
      if (state.kind === "sequence") this.containers.set(result, frame.starts);
      else if (state.kind === "mapping") {
        const keys = new Map<string, readonly [number, number]>();
        const { starts, results } = frame;
        // children alternate: key, value, key, value…
        for (let i = 0; i + 1 < starts.length; i += 2) keys.set(String(results[i]), [starts[i]!, starts[i + 1]!]);
        this.containers.set(result, keys);
      }
    }
    const parent = this.stack[this.stack.length - 1];
    if (parent) {
      parent.starts.push(frame.start);
      parent.results.push(result);
    }
  };
}

/**
 * Positions of a file's values and keys by path from the document root (`["all", "vars",
 * "pg_port"]`). A path that does not exist (inside a merged map, say) resolves to its closest
 * existing ancestor.
 */
export class PositionIndex {
  private lineStarts?: number[];

  constructor(
    readonly file: string,
    private readonly text: string,
    private readonly root: unknown,
    private readonly containers: WeakMap<object, ContainerOffsets>,
  ) {}

  /** Position of the value at `path`; with `key`, of the key that names it (when it has one). */
  position(path: readonly PropertyKey[], key = false): SourcePos {
    let value: unknown = this.root;
    let offset = 0;
    let keyOffset: number | undefined;
    for (const step of path) {
      const c = value !== null && typeof value === "object" ? this.containers.get(value) : undefined;
      if (!c) break;
      if (Array.isArray(c)) {
        const at = typeof step === "number" ? c[step] : undefined;
        if (at === undefined) break;
        offset = at;
        keyOffset = undefined;
      } else {
        const at = c.get(String(step));
        if (!at) break;
        [keyOffset, offset] = at;
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
      this.lineStarts = [0];
      for (let i = 0; i < t.length; i++) if (t.charCodeAt(i) === 10) this.lineStarts.push(i + 1);
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
