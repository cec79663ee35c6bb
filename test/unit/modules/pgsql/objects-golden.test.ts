// Golden files: the desired objects (masked, sorted keys) of every cluster of the shipped
// examples conf/ha/pg-test.yml and conf/full.yml. Update with `vitest -u`; review the diff.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadInventory } from "../../../../src/inventory/load.js";
import { buildModel } from "../../../../src/model/model.js";
import { hostContext } from "../../../../src/modules/context.js";
import { desiredObjects, maskObjects } from "../../../../src/modules/pgsql/objects.js";

const ROOT = join(import.meta.dirname, "..", "..", "..", "..");

/** JSON with object keys sorted at every level (arrays keep their order). */
function stableJson(value: unknown): string {
  const sort = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sort);
    if (v !== null && typeof v === "object") {
      return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sort((v as Record<string, unknown>)[k])]));
    }
    return v;
  };
  return `${JSON.stringify(sort(value), null, 2)}\n`;
}

function clusters(rel: string) {
  const loaded = loadInventory([{ file: rel, text: readFileSync(join(ROOT, rel), "utf8") }]);
  const { model } = buildModel(loaded.inventory);
  return [...model.clusters.values()].map((c) => ({ name: c.name, result: desiredObjects(hostContext(model, c.primary!.host.name)) }));
}

const INVENTORIES: [string, string, Record<string, string[]>][] = [
  ["conf/ha/pg-test.yml", "ha-pg-test", { "pg-test": [] }],
  [
    "conf/full.yml",
    "full",
    {
      "pg-meta": [],
      "pg-test": [
        "`inherit` and `set` of dbuser_migrator's membership in dbrole_admin need PostgreSQL 16; ignored on 15",
        "`set` of dbuser_cdc's membership in pg_monitor needs PostgreSQL 16; ignored on 15",
      ],
      "pg-testdelay": [],
    },
  ],
];

describe.each(INVENTORIES)("%s", (rel, dir, expected) => {
  const all = clusters(rel);

  it("has the expected clusters and diagnostics", () => {
    expect(all.map((c) => c.name)).toEqual(Object.keys(expected));
    for (const c of all) expect(c.result.diagnostics.map((d) => d.summary)).toEqual(expected[c.name]);
  });

  it.each(all.map((c) => [c.name, c] as const))("%s objects match the golden file", async (name, c) => {
    const text = stableJson(maskObjects(c.result.value));
    expect(text).not.toMatch(/Example\.ChangeMe|md504d6854b/);
    await expect(text).toMatchFileSnapshot(`../../../golden/objects/${dir}/${name}.json`);
  });
});
