// The validator's fast pre-check must never accept a value its zod schema rejects: for every
// parameter, every value written in the example inventories, its default, and mutations of them
// (leaves replaced, keys added or removed), accepted ⇒ zod accepts.
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadInventory } from "../../../src/inventory/load.js";
import { acceptorOf } from "../../../src/model/fast-accept.js";
import { PARAMETERS } from "../../../src/model/schema/index.js";

const ROOT = join(import.meta.dirname, "..", "..", "..");
const files = ["conf", "conf/ha", "test/fixtures/inventories"].flatMap((d) => readdirSync(join(ROOT, d)).filter((f) => f.endsWith(".yml")).map((f) => join(ROOT, d, f)));

const samples = new Map<string, unknown[]>();
const add = (k: string, v: unknown) => samples.set(k, [...(samples.get(k) ?? []), v]);
for (const [k, s] of PARAMETERS) if (s.default !== undefined) add(k, structuredClone(s.default));
for (const file of files) {
  const { inventory } = loadInventory([{ file, text: readFileSync(file, "utf8") }]);
  for (const g of inventory.groups.values()) for (const [k, w] of g.vars) add(k, w.value);
  for (const h of inventory.hosts.values()) for (const [k, w] of h.vars) add(k, w.value);
}

const LEAVES: unknown[] = ["", "x", "yes", "primary", "1", 0, 1, -1, 1.5, 65536, 2 ** 60, NaN, Infinity, true, false, null, [], {}, ["x"], { name: "x" }, new Date(0)];

function* mutations(v: unknown, depth = 0): Generator<unknown> {
  yield* LEAVES;
  if (depth > 3) return;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) for (const m of mutations(v[i], depth + 1)) yield v.map((x, j) => (j === i ? m : x));
    yield [...v, "extra"];
  } else if (v !== null && typeof v === "object" && !(v instanceof Date)) {
    const o = v as Record<string, unknown>;
    for (const k of Object.keys(o)) {
      for (const m of mutations(o[k], depth + 1)) yield { ...o, [k]: m };
      const rest = { ...o };
      delete rest[k];
      yield rest;
    }
    yield { ...o, bogus_key: 1 };
  }
}

describe("fast pre-check of written values", () => {
  it("compiles for every parameter", () => {
    expect([...PARAMETERS].filter(([, s]) => !acceptorOf(s.schema)).map(([k]) => k)).toEqual([]);
  });

  it("never accepts what zod rejects", () => {
    const unsound: string[] = [];
    let accepted = 0;
    for (const [k, values] of samples) {
      const spec = PARAMETERS.get(k);
      if (!spec) continue;
      const accept = acceptorOf(spec.schema)!;
      let n = 0;
      for (const v of values) {
        for (const m of [v, ...mutations(v)]) {
          if (n++ > 1500) break;
          const a = accept(m);
          if (a) accepted++;
          if (a && !spec.schema.safeParse(m).success) unsound.push(`${k}: ${JSON.stringify(m)?.slice(0, 120)}`);
        }
      }
    }
    expect(unsound).toEqual([]);
    expect(accepted).toBeGreaterThan(1000); // the pre-check really accepts the common cases
  });
});
