/**
 * YAML for inventories, read as Ansible reads it (PyYAML, YAML 1.1): `yes`/`no`/`on`/`off` are
 * booleans, `0755` is octal, `<<` merges, dates stay strings (PyYAML's dates would be stringified
 * by Ansible's templating anyway). Values come from js-yaml with a 1.1 schema of our own: it parses
 * 1 MiB in ~0.2 s where the `yaml` package takes ~1.2 s (see docs/architecture.md). Positions come
 * from the `yaml` package, lazily, only when a diagnostic is shown. Pure.
 */
import jsyaml from "js-yaml";
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node, type Pair } from "yaml";
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
});

const bool11 = new jsyaml.Type("tag:yaml.org,2002:bool", {
  kind: "scalar",
  resolve: (s: string) => /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/.test(s),
  construct: (s: string) => /^(?:yes|true|on)$/i.test(s),
  predicate: (v: unknown) => typeof v === "boolean",
});

const null11 = new jsyaml.Type("tag:yaml.org,2002:null", {
  kind: "scalar",
  resolve: (s: string) => /^(?:~|null|Null|NULL|)$/.test(s),
  construct: () => null,
  predicate: (v: unknown) => v === null,
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

/** Parse one YAML document; a syntax error comes back with its 1-based position. */
export function parseYaml(text: string): { value: unknown } | { error: YamlError } {
  try {
    return { value: jsyaml.load(text, { schema: ANSIBLE_SCHEMA, json: false }) };
  } catch (e) {
    if (!(e instanceof jsyaml.YAMLException)) throw e;
    const mark = (e as { mark?: { line: number; column: number } }).mark;
    const reason = (e as { reason?: string }).reason ?? e.message;
    return { error: { message: reason, duplicateKey: /duplicated mapping key/.test(reason), line: (mark?.line ?? 0) + 1, column: (mark?.column ?? 0) + 1 } };
  }
}

/**
 * Positions of a file's values and keys by path from the document root (`["all", "vars",
 * "pg_port"]`). Built on first use with the `yaml` package's node tree; a path that does not exist
 * (inside a merged map, say) resolves to its closest existing ancestor.
 */
export class PositionIndex {
  private doc?: { contents: Node | null; lc: LineCounter };

  constructor(readonly file: string, private readonly text: string) {}

  private tree() {
    if (!this.doc) {
      const lc = new LineCounter();
      const d = parseDocument(this.text, { lineCounter: lc, version: "1.1", merge: true, uniqueKeys: false });
      this.doc = { contents: d.contents as Node | null, lc };
    }
    return this.doc;
  }

  /** Position of the value at `path`; with `key`, of the key that names it (when it has one). */
  position(path: readonly PropertyKey[], key = false): SourcePos {
    const { contents, lc } = this.tree();
    let node: Node | null | undefined = contents;
    let keyNode: Node | null | undefined;
    for (const step of path) {
      if (isMap(node)) {
        const pair: Pair | undefined = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(step));
        if (!pair) break;
        keyNode = pair.key as Node;
        node = (pair.value as Node | null) ?? keyNode; // `key:` with no value: point at the key
      } else if (isSeq(node) && typeof step === "number" && node.items[step]) {
        node = node.items[step] as Node;
        keyNode = undefined;
      } else break;
    }
    const target = key && keyNode ? keyNode : node;
    if (!target?.range) return { file: this.file, line: 1, column: 1 };
    const { line, col } = lc.linePos(target.range[0]);
    return { file: this.file, line, column: col };
  }
}
