/**
 * Resolution: the written inventory → every host's vars, with precedence
 * defaults < `all.vars` < group vars (parents before children) < host vars < `-e`,
 * and the layer and position each value came from. Lists and maps replace, never deep-merge.
 * Two groups that are not parent and child giving one host different values for a var, with no
 * host var or `-e` to settle it, is an error naming both places (Ansible silently picks one).
 * Pure.
 */
import { error, type Diagnostic } from "../diagnostics.js";
import { sameValue, type Inventory } from "../inventory/load.js";
import { positionOf, type SourceRef, type Written } from "../inventory/source.js";
import { DEFAULTS, type HostVars } from "./schema/index.js";

/**
 * The bottom prototype of every host's vars. A plain (unfrozen) copy: assigning over a frozen
 * prototype's property would throw. The default values themselves stay deep-frozen.
 */
const DEFAULT_LAYER: Record<string, unknown> = { ...DEFAULTS };

export type Layer = "default" | "all" | "group" | "host" | "extra";

/** Where a resolved value came from. */
export interface Origin {
  readonly layer: Layer;
  /** The group, for the `group` layer. */
  readonly group?: string;
  /** Where it was written; absent for defaults. */
  readonly ref?: SourceRef;
}

/** A host with every var resolved. */
export interface Host {
  /** Inventory hostname: the node's IP in Pigsty inventories, or a name with `ansible_host`. */
  readonly name: string;
  /** Order of first appearance in the inventory. */
  readonly index: number;
  /** Every group the host belongs to (with ancestors), in precedence order: `all` first. */
  readonly groups: readonly string[];
  /**
   * Every known parameter (defaults filled in) plus the unknown keys as written. Layered through
   * prototypes (host → its group layers → defaults), so 3,000 hosts share their groups' values
   * instead of copying them: read with `vars.x` or `for…in`, flatten with {@link allVars}.
   */
  readonly vars: Readonly<HostVars> & Readonly<Record<string, unknown>>;
  /** Origins of written values; a var absent here has its default. */
  readonly origins: ReadonlyMap<string, Origin>;
  /** The first place the host is listed. */
  readonly ref: SourceRef;
}

const flattened = new WeakMap<Host, Readonly<Record<string, unknown>>>();

/** A plain object with every var of the host (for output and JMESPath); computed once per host, do not mutate. */
export function allVars(host: Host): Readonly<Record<string, unknown>> {
  let out = flattened.get(host);
  if (!out) {
    const o: Record<string, unknown> = {};
    for (const k in host.vars) o[k] = (host.vars as Record<string, unknown>)[k];
    out = Object.freeze(o);
    flattened.set(host, out);
  }
  return out;
}

export function originOf(host: Host, name: string): Origin {
  return host.origins.get(name) ?? { layer: "default" };
}

/** Position of a var of a host: where it was written, else where the host is listed. */
export function varPosition(host: Host, name: string, path: readonly PropertyKey[] = []) {
  const o = host.origins.get(name);
  return o?.ref ? positionOf(o.ref, path) : positionOf(host.ref);
}

interface GroupInfo {
  readonly depth: number;
  readonly ancestors: ReadonlySet<string>;
}

function groupInfo(inv: Inventory): Map<string, GroupInfo> {
  const info = new Map<string, GroupInfo>();
  const visit = (name: string, stack: Set<string>): GroupInfo => {
    const known = info.get(name);
    if (known) return known;
    const g = inv.groups.get(name)!;
    const ancestors = new Set<string>();
    let depth = 0;
    for (const p of g.parents) {
      if (stack.has(p)) continue; // cycles are reported by the rules; don't recurse forever
      const pi = visit(p, new Set([...stack, name]));
      ancestors.add(p);
      for (const a of pi.ancestors) ancestors.add(a);
      depth = Math.max(depth, pi.depth + 1);
    }
    const r = { depth, ancestors };
    info.set(name, r);
    return r;
  };
  for (const name of inv.groups.keys()) visit(name, new Set());
  return info;
}

interface Conflict {
  readonly name: string;
  readonly g1: string;
  readonly w1: Written;
  readonly g2: string;
  readonly w2: Written;
}

export function resolveHosts(inv: Inventory, extra: ReadonlyMap<string, Written>): { hosts: Map<string, Host>; diagnostics: Diagnostic[] } {
  const info = groupInfo(inv);
  const hosts = new Map<string, Host>();
  // hosts with the same set of groups share the group layers: compute those once
  const layerCache = new Map<string, Layers>();
  const unsettled = new Map<Conflict, string[]>();

  // hosts listed by the same groups get the same sorted group list: sort once per such set
  const groupsOf = new Map<string, { groups: readonly string[]; base: Layers }>();

  for (const h of inv.hosts.values()) {
    const direct = [...h.groups].join("\u0000");
    let known = groupsOf.get(direct);
    if (!known) {
      const all = new Set<string>(["all"]);
      for (const g of h.groups) {
        all.add(g);
        for (const a of info.get(g)?.ancestors ?? []) all.add(a);
      }
      const sorted = [...all].sort((a, b) => info.get(a)!.depth - info.get(b)!.depth || (a === b ? 0 : a < b ? -1 : 1));
      const key = sorted.join("\u0000");
      let layers = layerCache.get(key);
      if (!layers) {
        layers = groupLayers(inv, sorted, info);
        layerCache.set(key, layers);
      }
      known = { groups: sorted, base: layers };
      groupsOf.set(direct, known);
    }
    const base = known.base;
    const groups = [...known.groups];
    const vars: Record<string, unknown> = Object.create(base.vars);
    const own = new Map<string, Origin>();
    for (const [k, w] of h.vars) {
      vars[k] = w.value;
      own.set(k, { layer: "host", ref: w.ref });
    }
    for (const [k, w] of extra) {
      vars[k] = w.value;
      own.set(k, { layer: "extra", ref: w.ref });
    }
    const origins = new LayeredOrigins(base.origins, own);
    // a conflict between groups is settled for a host that sets the var itself (or by -e)
    for (const c of base.conflicts) {
      if (h.vars.has(c.name) || extra.has(c.name)) continue;
      const list = unsettled.get(c) ?? [];
      list.push(h.name);
      unsettled.set(c, list);
    }
    hosts.set(h.name, { name: h.name, index: h.index, groups, vars: vars as Host["vars"], origins, ref: h.refs[0]! });
  }
  const diagnostics = [...unsettled].map(([c, names]) => conflictDiagnostic(c, names));
  return { hosts, diagnostics };
}

/**
 * A host's origins: its own (host vars, `-e`) over its group layers' shared map, read as the one
 * map `new Map(base)` + `set(own…)` would be (same entries, same order) without copying `base`
 * for each of thousands of hosts.
 */
class LayeredOrigins implements ReadonlyMap<string, Origin> {
  constructor(
    private readonly base: ReadonlyMap<string, Origin>,
    private readonly own: ReadonlyMap<string, Origin>,
  ) {}

  get(key: string): Origin | undefined {
    return this.own.get(key) ?? this.base.get(key);
  }

  has(key: string): boolean {
    return this.own.has(key) || this.base.has(key);
  }

  get size(): number {
    let n = this.base.size;
    for (const k of this.own.keys()) if (!this.base.has(k)) n++;
    return n;
  }

  *entries(): MapIterator<[string, Origin]> {
    for (const [k, o] of this.base) yield [k, this.own.get(k) ?? o];
    for (const e of this.own) if (!this.base.has(e[0])) yield e;
  }

  *keys(): MapIterator<string> {
    // entries()' order without its pairs: `inventory --list` walks every key of 3,000 hosts
    for (const k of this.base.keys()) yield k;
    for (const k of this.own.keys()) if (!this.base.has(k)) yield k;
  }

  *values(): MapIterator<Origin> {
    for (const [, o] of this.entries()) yield o;
  }

  [Symbol.iterator](): MapIterator<[string, Origin]> {
    return this.entries();
  }

  forEach(fn: (value: Origin, key: string, map: ReadonlyMap<string, Origin>) => void, thisArg?: unknown): void {
    for (const [k, o] of this.entries()) fn.call(thisArg, o, k, this);
  }
}

interface Layers {
  readonly vars: Record<string, unknown>;
  readonly origins: Map<string, Origin>;
  readonly conflicts: Conflict[];
}

function groupLayers(inv: Inventory, groups: readonly string[], info: Map<string, GroupInfo>): Layers {
  const vars: Record<string, unknown> = Object.create(DEFAULT_LAYER);
  const origins = new Map<string, Origin>();
  const conflicts: Conflict[] = [];
  const setter = new Map<string, string>(); // var → the group whose value is in `vars`
  for (const gname of groups) {
    const g = inv.groups.get(gname)!;
    for (const [k, w] of g.vars) {
      const prev = setter.get(k);
      if (prev !== undefined && !info.get(gname)!.ancestors.has(prev)) {
        const w1 = inv.groups.get(prev)!.vars.get(k)!;
        if (!sameValue(w1.value, w.value)) conflicts.push({ name: k, g1: prev, w1, g2: gname, w2: w });
      }
      vars[k] = w.value;
      setter.set(k, gname);
      origins.set(k, gname === "all" ? { layer: "all", ref: w.ref } : { layer: "group", group: gname, ref: w.ref });
    }
  }
  return { vars, origins, conflicts };
}

function conflictDiagnostic(c: Conflict, hosts: readonly string[]): Diagnostic {
  const p1 = positionOf(c.w1.ref), p2 = positionOf(c.w2.ref);
  const sample = hosts.slice(0, 3).join(", ") + (hosts.length > 3 ? `, … (${hosts.length} hosts)` : "");
  return error("resolve.group-conflict", `groups \`${c.g1}\` and \`${c.g2}\` give \`${c.name}\` different values for the same host`, {
    source: p2,
    related: [p1],
    address: hosts[0],
    detail: `\`${c.g1}\` sets ${short(c.w1.value)} at ${p1.file}:${p1.line}:${p1.column}; \`${c.g2}\` sets ${short(c.w2.value)} here; hosts in both: ${sample}`,
    hint: `set \`${c.name}\` as a host var on those hosts, make one group a child of the other, or give both the same value`,
  });
}

function short(v: unknown): string {
  const s = JSON.stringify(v) ?? "null";
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
