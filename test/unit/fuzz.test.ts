// Property-based fuzzing of the front end: mutated valid inventories never crash the loader,
// resolver or rules, and every diagnostic they produce carries a position.
import fc from "fast-check";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { describe, expect, it } from "vitest";
import { loadInventory } from "../../src/inventory/load.js";
import { buildModel } from "../../src/model/model.js";
import { PG_TEST } from "./helpers.js";

const CONF = join(import.meta.dirname, "..", "..", "conf");
const seeds: string[] = [PG_TEST];
for (const dir of [CONF, join(CONF, "ha")]) {
  for (const f of readdirSync(dir, { withFileTypes: true })) if (f.isFile() && f.name.endsWith(".yml")) seeds.push(readFileSync(join(dir, f.name), "utf8"));
}

function frontEnd(text: string) {
  const loaded = loadInventory([{ file: "fuzz.yml", text }]);
  if (loaded.diagnostics.some((d) => d.severity === "error")) return loaded.diagnostics;
  return [...loaded.diagnostics, ...buildModel(loaded.inventory).diagnostics];
}

function assertPositioned(text: string): void {
  for (const d of frontEnd(text)) {
    expect(d.source, `${d.code}: ${d.summary}`).toBeDefined();
    expect(d.source!.line).toBeGreaterThanOrEqual(1);
    expect(d.source!.column).toBeGreaterThanOrEqual(1);
  }
}

/** Text mutations: the YAML may no longer parse. */
const textMutation = fc.oneof(
  fc.record({ kind: fc.constant("delete" as const), at: fc.nat(), len: fc.integer({ min: 1, max: 20 }) }),
  fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), s: fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom(":", "- ", "{", "]", "'", "\n  ", "\t", "&a", "*a", "<<: ", "!!binary ", "\u0000", "\uFFFD")) }),
  fc.record({ kind: fc.constant("dupline" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
);

type TextMutation = { kind: "delete" | "insert" | "dupline" | "truncate"; at: number; len?: number; s?: string };

function mutateText(text: string, m: TextMutation): string {
  const at = m.at % (text.length + 1);
  switch (m.kind) {
    case "delete": return text.slice(0, at) + text.slice(at + (m.len ?? 1));
    case "insert": return text.slice(0, at) + (m.s ?? "") + text.slice(at);
    case "truncate": return text.slice(0, at);
    case "dupline": {
      const lines = text.split("\n");
      const i = m.at % lines.length;
      lines.splice(i, 0, lines[i]!);
      return lines.join("\n");
    }
  }
}

/** Value mutations: valid YAML, an arbitrary value at an arbitrary place (wrong types, nulls, junk). */
function mutateValue(text: string, path: readonly number[], value: unknown): string {
  const doc = (parse(text, { version: "1.1", merge: true }) ?? {}) as Record<string, unknown>;
  let cur: Record<string, unknown> = doc;
  for (const [i, step] of path.entries()) {
    const keys = Object.keys(cur);
    if (keys.length === 0) break;
    const k = keys[step % keys.length]!;
    const next = cur[k];
    if (next === null || typeof next !== "object" || i === path.length - 1) {
      cur[k] = value;
      break;
    }
    cur = next as Record<string, unknown>;
  }
  return stringify(doc);
}

describe("front-end fuzzing", () => {
  it("text mutations never crash and every diagnostic has a position", () => {
    fc.assert(fc.property(fc.constantFrom(...seeds), fc.array(textMutation, { minLength: 1, maxLength: 4 }), (seed, ms) => {
      let text = seed;
      for (const m of ms) text = mutateText(text, m as TextMutation);
      assertPositioned(text);
    }), { numRuns: 400 });
  });

  it("value mutations never crash and every diagnostic has a position", () => {
    fc.assert(fc.property(fc.constantFrom(...seeds), fc.array(fc.nat(), { minLength: 1, maxLength: 6 }), fc.jsonValue({ maxDepth: 3 }), (seed, path, value) => {
      assertPositioned(mutateValue(seed, path, value));
    }), { numRuns: 400 });
  });
});
