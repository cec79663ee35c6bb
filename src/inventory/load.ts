/**
 * Inventory loader: YAML text in the Ansible/Pigsty shape → written inventory (groups, hosts and
 * their vars, each value with its source node). Several files merge in order, as `-i a -i b` does
 * in Ansible. Pure: takes texts, never reads files (the CLI does) and never throws on bad input:
 * every problem is a diagnostic with a position.
 */
import { error, type Diagnostic } from "../diagnostics.js";
import { keyPositionOf, positionOf, type SourceRef, type Written } from "./source.js";
import { parseYaml } from "./yaml.js";

export interface InventorySource {
  /** Path as the user gave it: it is what diagnostics print. */
  readonly file: string;
  readonly text: string;
}

export interface InventoryGroup {
  readonly name: string;
  readonly vars: Map<string, Written>;
  /** Hosts listed directly under this group's `hosts`, in inventory order. */
  readonly hosts: string[];
  /** Direct child groups. */
  readonly children: Set<string>;
  /** Direct parent groups (`all` for top-level groups; none for `all` itself). */
  readonly parents: Set<string>;
  /** Every place the group is defined. */
  readonly refs: SourceRef[];
}

export interface InventoryHost {
  readonly name: string;
  /** Host vars; where a host is listed twice with the same var, the later file wins. */
  readonly vars: Map<string, Written>;
  /** Groups that list this host directly. */
  readonly groups: Set<string>;
  /** Every place the host is listed (first one is used for positions). */
  readonly refs: SourceRef[];
  /** Order of first appearance in the inventory. */
  readonly index: number;
}

export interface Inventory {
  readonly files: readonly string[];
  readonly groups: Map<string, InventoryGroup>;
  readonly hosts: Map<string, InventoryHost>;
}

const GROUP_KEYS = new Set(["hosts", "vars", "children"]);

/** Parse and merge inventory texts. Diagnostics are errors only when the shape is unusable. */
export function loadInventory(sources: readonly InventorySource[]): { inventory: Inventory; diagnostics: Diagnostic[] } {
  const inventory: Inventory = { files: sources.map((s) => s.file), groups: new Map(), hosts: new Map() };
  const diagnostics: Diagnostic[] = [];
  ensureGroup(inventory, "all");
  for (const source of sources) loadOne(inventory, source, diagnostics);
  return { inventory, diagnostics };
}

function loadOne(inv: Inventory, { file, text }: InventorySource, out: Diagnostic[]): void {
  if (text.includes("\u0000")) {
    out.push(error("inventory.binary", "the inventory is not a text file (it contains NUL bytes)", {
      source: { file, line: 1, column: 1 },
      hint: "pass the YAML inventory file with -i",
    }));
    return;
  }
  const parsed = parseYaml(text, file);
  if ("error" in parsed) {
    const e = parsed.error;
    out.push(error(e.duplicateKey ? "yaml.duplicate-key" : "yaml.syntax", e.message, {
      source: { file, line: e.line, column: e.column },
      hint: e.duplicateKey
        ? "a key may appear once per map: merge the two entries or remove one"
        : "fix the YAML syntax at this position (check indentation, quotes and `:` after keys)",
    }));
    return;
  }
  const { value: root, index } = parsed;
  const at = (path: readonly PropertyKey[]): SourceRef => ({ file, path, index });
  if (root === null || root === undefined || root === "") {
    out.push(error("inventory.empty", "the inventory is empty", {
      source: { file, line: 1, column: 1 },
      hint: "an inventory starts with `all:` holding `vars:` and `children:` (see conf/pgsql.yml)",
    }));
    return;
  }
  if (!isPlainMap(root)) {
    out.push(error("inventory.shape", `the inventory must be a map of groups (usually just \`all:\`), found ${kindOf(root)}`, {
      source: positionOf(at([])),
      hint: "an inventory starts with `all:` holding `vars:` and `children:` (see conf/pgsql.yml)",
    }));
    return;
  }
  // Ansible treats any top-level key as a group; `all` is the usual and only one Pigsty writes.
  for (const [name, value] of Object.entries(root)) loadGroup(inv, name, name === "all" ? null : "all", value, [name], at, out);
}

type At = (path: readonly PropertyKey[]) => SourceRef;

function loadGroup(inv: Inventory, name: string, parent: string | null, value: unknown, path: readonly PropertyKey[], at: At, out: Diagnostic[]): void {
  const group = ensureGroup(inv, name);
  if (parent) {
    group.parents.add(parent);
    ensureGroup(inv, parent).children.add(name);
  }
  const ref = at(path);
  group.refs.push(ref);
  if (value === null || value === undefined) return;
  if (!isPlainMap(value)) {
    out.push(error("inventory.group-shape", `group \`${name}\` must be a map with hosts, vars or children, found ${kindOf(value)}`, {
      source: positionOf(ref),
      hint: "write `<group>: { hosts: {...}, vars: {...}, children: {...} }`",
    }));
    return;
  }
  for (const [key, v] of Object.entries(value)) {
    const here = [...path, key];
    if (!GROUP_KEYS.has(key)) {
      out.push(error("inventory.group-key", `group \`${name}\` has an unknown key \`${key}\``, {
        source: keyPositionOf(at(here)),
        detail: "a group holds only `hosts`, `vars` and `children`",
        hint: `if \`${key}\` is a variable, move it under \`${name}.vars\``,
      }));
      continue;
    }
    if (v === null || v === undefined) continue;
    if (!isPlainMap(v)) {
      out.push(error("inventory.group-shape", `\`${name}.${key}\` must be a map, found ${kindOf(v)}`, {
        source: positionOf(at(here)),
        hint: key === "hosts" ? "list hosts as keys: `hosts: { 10.10.10.11: { pg_seq: 1 } }`" : `write \`${key}:\` as a map of names`,
      }));
      continue;
    }
    if (key === "vars") readVars(v, here, at, group.vars);
    else if (key === "children") for (const [child, cv] of Object.entries(v)) loadGroup(inv, child, name, cv, [...here, child], at, out);
    else for (const [hostName, hv] of Object.entries(v)) loadHost(inv, group, hostName, hv, [...here, hostName], at, out);
  }
}

function loadHost(inv: Inventory, group: InventoryGroup, name: string, value: unknown, path: readonly PropertyKey[], at: At, out: Diagnostic[]): void {
  let host = inv.hosts.get(name);
  if (!host) {
    host = { name, vars: new Map(), groups: new Set(), refs: [], index: inv.hosts.size };
    inv.hosts.set(name, host);
  }
  // the host's set of groups says whether the group lists it already: no scan of a group of
  // thousands of hosts for each of them
  if (!host.groups.has(group.name)) {
    group.hosts.push(name);
    host.groups.add(group.name);
  }
  const ref = at(path);
  host.refs.push(ref);
  if (value === null || value === undefined) return;
  if (!isPlainMap(value)) {
    out.push(error("inventory.host-shape", `host \`${name}\` must be a map of host vars, found ${kindOf(value)}`, {
      source: positionOf(ref),
      hint: `write \`${name}: { pg_seq: 1, pg_role: primary }\` (or leave it empty)`,
    }));
    return;
  }
  const vars = new Map<string, Written>();
  readVars(value, path, at, vars);
  for (const [k, w] of vars) {
    const prev = host.vars.get(k);
    if (prev && prev.ref.file === w.ref.file && !sameValue(prev.value, w.value)) {
      const p = positionOf(prev.ref);
      out.push(error("inventory.host-var-conflict", `host \`${name}\` sets \`${k}\` twice with different values`, {
        source: positionOf(w.ref),
        related: [p],
        detail: `${JSON.stringify(prev.value)} at ${p.line}:${p.column} and ${JSON.stringify(w.value)} here`,
        hint: "a host listed in several groups must not give one var two values: keep one",
      }));
    }
    host.vars.set(k, w);
  }
}

function readVars(map: Record<string, unknown>, path: readonly PropertyKey[], at: At, into: Map<string, Written>): void {
  for (const [name, value] of Object.entries(map)) into.set(name, { value, ref: at([...path, name]) });
}

function isPlainMap(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function ensureGroup(inv: Inventory, name: string): InventoryGroup {
  let g = inv.groups.get(name);
  if (!g) {
    g = { name, vars: new Map(), hosts: [], children: new Set(), parents: new Set(), refs: [] };
    inv.groups.set(name, g);
  }
  return g;
}

function kindOf(v: unknown): string {
  if (Array.isArray(v)) return "a list";
  if (isPlainMap(v)) return "a map";
  return `the ${typeof v} ${JSON.stringify(v)}`.slice(0, 80);
}

/** Structural equality of plain YAML values (scalars, arrays, objects). */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  const ka = Object.keys(a), kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}
