// Test helpers: build an inventory/model from YAML text, find diagnostics.
import type { Diagnostic } from "../../src/diagnostics.js";
import { parseExtraVars } from "../../src/inventory/extra-vars.js";
import { loadInventory } from "../../src/inventory/load.js";
import { buildModel, type ModelResult } from "../../src/model/model.js";

/** Strip a common indentation so YAML can be written indented in tests. */
export function yaml(strings: TemplateStringsArray, ...values: unknown[]): string {
  const text = strings.reduce((acc, s, i) => acc + s + (i < values.length ? String(values[i]) : ""), "");
  const lines = text.replace(/^\n/, "").split("\n");
  const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => /^ */.exec(l)![0].length));
  return lines.map((l) => l.slice(indent)).join("\n");
}

export function load(text: string, file = "inv.yml") {
  return loadInventory([{ file, text }]);
}

export function model(text: string, extra: string[] = []): ModelResult & { loadDiagnostics: Diagnostic[] } {
  const loaded = load(text);
  const ev = parseExtraVars(extra.map((t, i) => ({ text: t, index: i + 1 })));
  return { ...buildModel(loaded.inventory, ev.vars), loadDiagnostics: [...loaded.diagnostics, ...ev.diagnostics] };
}

export function codes(ds: readonly Diagnostic[], severity?: "error" | "warning"): string[] {
  return ds.filter((d) => !severity || d.severity === severity).map((d) => d.code);
}

export function find(ds: readonly Diagnostic[], code: string, text?: string): Diagnostic[] {
  return ds.filter((d) => d.code === code && (!text || d.summary.includes(text)));
}

/** A minimal valid 3-node cluster; `extra` lines are appended under pg-test's vars. */
export const PG_TEST = yaml`
  all:
    vars:
      admin_ip: 10.10.10.10
    children:
      pg-test:
        hosts:
          10.10.10.11: { pg_seq: 1, pg_role: primary }
          10.10.10.12: { pg_seq: 2, pg_role: replica }
          10.10.10.13: { pg_seq: 3, pg_role: replica, pg_offline_query: true }
        vars:
          pg_cluster: pg-test
`;
