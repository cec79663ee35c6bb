/**
 * The model: validated, resolved hosts plus derived identity — what every later stage reads.
 * `buildModel` runs the whole front end (validate written values → resolve → identity → rules)
 * and returns every diagnostic at once. Pure.
 */
import { hasErrors, sortDiagnostics, type Diagnostic } from "../diagnostics.js";
import type { Inventory } from "../inventory/load.js";
import type { Written } from "../inventory/source.js";
import { deriveIdentity, type Identity } from "./identity.js";
import { resolveHosts, type Host } from "./resolve.js";
import { RULES } from "./rules/index.js";
import { phaseTimer } from "../timing.js";
import { validateWritten } from "./validate.js";

export interface Model extends Identity {
  readonly inventory: Inventory;
  readonly hosts: ReadonlyMap<string, Host>;
}

export interface ModelResult {
  readonly model: Model;
  /** Sorted by position; `ok` is false when any is an error. */
  readonly diagnostics: Diagnostic[];
  readonly ok: boolean;
}

export function buildModel(inventory: Inventory, extra: ReadonlyMap<string, Written> = new Map()): ModelResult {
  const step = phaseTimer("  ");
  const diagnostics = validateWritten(inventory, extra);
  step("validate");
  const resolved = resolveHosts(inventory, extra);
  diagnostics.push(...resolved.diagnostics);
  step("resolve");
  const model: Model = { inventory, hosts: resolved.hosts, ...deriveIdentity(resolved.hosts) };
  step("identity");
  for (const rule of RULES) {
    diagnostics.push(...rule.check(model));
    step(`rule ${rule.name}`);
  }
  const sorted = sortDiagnostics(dedupe(diagnostics));
  return { model, diagnostics: sorted, ok: !hasErrors(sorted) };
}

/** The same problem found through several hosts sharing one written value is reported once. */
function dedupe(ds: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return ds.filter((d) => {
    const k = `${d.code}|${d.summary}|${d.source?.file}:${d.source?.line}:${d.source?.column}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
