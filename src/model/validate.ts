/**
 * Validates every value as written, once per place it is written (not once per host: a group var
 * shared by 1,000 hosts is checked once), against its parameter's zod schema. Unknown keys: a
 * warning with "did you mean" when a key is close to a known parameter or uses one of pgsty's
 * prefixes; other keys belong to other modules and pass silently. Pure.
 */
import type * as z from "zod";
import { error, warning, type Diagnostic } from "../diagnostics.js";
import type { Inventory } from "../inventory/load.js";
import { keyPositionOf, positionOf, type Written } from "../inventory/source.js";
import { acceptorOf } from "./fast-accept.js";
import { PARAMETERS } from "./schema/index.js";
import type { ParamSpec } from "./schema/param.js";
import { closest } from "./suggest.js";

/** Prefixes of the modules pgsty manages: an unknown key with one of them is most likely a typo. */
const OWNED_PREFIXES = ["pg_", "pgb_", "pgbouncer_", "pgbackrest_", "patroni_", "etcd_", "haproxy_"];

let knownNames: string[] | undefined;

export function validateWritten(inv: Inventory, extra: ReadonlyMap<string, Written>): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const g of inv.groups.values()) for (const [k, w] of g.vars) checkOne(k, w, out);
  for (const h of inv.hosts.values()) for (const [k, w] of h.vars) checkOne(k, w, out);
  for (const [k, w] of extra) checkOne(k, w, out);
  return out;
}

function checkOne(name: string, w: Written, out: Diagnostic[]): void {
  const spec = PARAMETERS.get(name);
  if (!spec) {
    unknownKey(name, w, out);
    return;
  }
  if (w.value === null) {
    out.push(error("param.empty", `\`${name}\` is written without a value`, {
      source: positionOf(w.ref),
      detail: `an empty value replaces the default (${JSON.stringify(spec.default) ?? "none"}) with nothing`,
      hint: spec.default === undefined ? `give \`${name}\` a value` : `remove the line to keep the default, or write a value such as ${JSON.stringify(spec.default)}`,
    }));
    return;
  }
  // most values are valid: a compiled pre-check accepts them without zod's allocations
  if (acceptorOf(spec.schema)?.(w.value)) return;
  const r = spec.schema.safeParse(w.value);
  if (r.success) return;
  for (const issue of r.error.issues) reportIssue(spec, w, issue, out);
}

function reportIssue(spec: ParamSpec, w: Written, issue: z.core.$ZodIssue, out: Diagnostic[]): void {
  const path = issue.path as PropertyKey[];
  const where = [spec.name, ...path].map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join("");
  if (issue.code === "unrecognized_keys") {
    const fields = fieldNamesAt(spec.schema, path);
    for (const key of issue.keys) {
      const guess = closest(key, fields);
      out.push(warning("param.unknown-field", `\`${where}\` has an unknown field \`${key}\``, {
        source: positionOf(w.ref, [...path, key]),
        hint: guess ? `did you mean \`${guess}\`?` : fields.length ? `known fields: ${fields.join(", ")}` : undefined,
      }));
    }
    return;
  }
  let hint = `\`${spec.name}\`: ${firstSentence(spec.description)}`;
  if (issue.code === "invalid_value" && issue.values.length > 0) {
    const got = valueAt(w.value, path);
    const guess = typeof got === "string" ? closest(got, issue.values.map(String)) : undefined;
    hint = guess ? `did you mean \`${guess}\`? Allowed: ${issue.values.join(", ")}` : `allowed: ${issue.values.join(", ")}`;
  }
  out.push(error("param.invalid", `\`${where}\`: ${issue.message}`, { source: positionOf(w.ref, path), hint }));
}

function unknownKey(name: string, w: Written, out: Diagnostic[]): void {
  knownNames ??= [...PARAMETERS.keys()];
  const guess = closest(name, knownNames);
  if (!guess && !OWNED_PREFIXES.some((p) => name.startsWith(p))) return;
  out.push(warning("param.unknown", `unknown parameter \`${name}\``, {
    source: keyPositionOf(w.ref),
    detail: guess ? undefined : "pgsty does not know it; it is kept and passed on, but nothing uses it",
    hint: guess ? `did you mean \`${guess}\`?` : "see docs/parameters.md for the parameters pgsty knows",
  }));
}

function valueAt(v: unknown, path: readonly PropertyKey[]): unknown {
  let cur = v;
  for (const p of path) cur = cur !== null && typeof cur === "object" ? (cur as Record<PropertyKey, unknown>)[p] : undefined;
  return cur;
}

/** Names of the fields of the object schema found at `path` (through arrays, unions, records). */
function fieldNamesAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  const found = new Set<string>();
  const visit = (s: unknown, rest: readonly PropertyKey[]): void => {
    const def = (s as { _zod?: { def?: Record<string, unknown> } })._zod?.def;
    if (!def) return;
    switch (def.type) {
      case "optional": case "nullable": case "default": case "readonly": case "pipe": case "prefault":
        visit(def.innerType ?? def.in, rest);
        return;
      case "union":
        for (const o of def.options as unknown[]) visit(o, rest);
        return;
      case "array":
        if (typeof rest[0] === "number") visit(def.element, rest.slice(1));
        return;
      case "record":
        if (rest.length > 0) visit(def.valueType, rest.slice(1));
        return;
      case "object": {
        const shape = def.shape as Record<string, unknown>;
        if (rest.length === 0) Object.keys(shape).forEach((k) => found.add(k));
        else if (shape[String(rest[0])]) visit(shape[String(rest[0])], rest.slice(1));
        return;
      }
    }
  };
  visit(schema, path);
  return [...found].sort();
}

function firstSentence(s: string): string {
  const m = /^.*?[.!?](\s|$)/.exec(s);
  return (m ? m[0] : s).trim();
}
