/**
 * What a rule is, and helpers shared by the rules: visiting each distinct written value of a var
 * once (a cluster-level `pg_users` shared by three hosts is checked once) with a position finder.
 * Pure.
 */
import type { Diagnostic, SourcePos } from "../../diagnostics.js";
import type { Model } from "../model.js";
import { varPosition, type Host } from "../resolve.js";

export interface Rule {
  /** Stable name, also the diagnostic code prefix: `rule.<name>`. */
  readonly name: string;
  readonly description: string;
  check(model: Model): Diagnostic[];
}

export interface Visit {
  readonly host: Host;
  readonly value: unknown;
  /** Position of the var, or of an element inside it. */
  at(path?: readonly PropertyKey[]): SourcePos;
}

/**
 * Each distinct written value of `name` among `hosts` (defaults are skipped unless
 * `includeDefaults`: a documented default is valid by construction).
 */
export function* distinctValues(hosts: Iterable<Host>, name: string, includeDefaults = false): Generator<Visit> {
  const seen = new Set<unknown>();
  for (const host of hosts) {
    const origin = host.origins.get(name);
    const key = origin?.ref ?? "default";
    if (seen.has(key) || (!origin && !includeDefaults)) continue;
    seen.add(key);
    yield { host, value: host.vars[name], at: (path = []) => varPosition(host, name, path) };
  }
}

export function pgHosts(model: Model): Host[] {
  return [...model.instances.values()].map((i) => i.host);
}

export function asRecord(x: unknown): Record<string, unknown> {
  return x !== null && typeof x === "object" && !Array.isArray(x) ? (x as Record<string, unknown>) : {};
}

export function asList(x: unknown): unknown[] {
  return Array.isArray(x) ? x : [];
}

/** `a, b, c`: at most `max` items, then how many there are in all (a cluster may have thousands of members). */
export function listSample(items: readonly string[], max = 10): string {
  return items.length <= max ? items.join(", ") : `${items.slice(0, max).join(", ")}, … (${items.length} in all)`;
}

/** Name of a list item given as a string or as `{name: ...}`. */
export function itemName(x: unknown): string | undefined {
  if (typeof x === "string") return x;
  const n = asRecord(x).name;
  return typeof n === "string" ? n : undefined;
}
