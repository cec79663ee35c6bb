// The shipped examples and the Pigsty-shaped fixtures load and validate; the generated reference
// and the editor schema agree with them.
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import { loadInventory } from "../../src/inventory/load.js";
import { parseYaml } from "../../src/inventory/yaml.js";
import { buildModel } from "../../src/model/model.js";
import { renderParameterDocs } from "../../src/model/schema/docs.js";
import { inventoryJsonSchema } from "../../src/model/schema/json-schema.js";

const ROOT = join(import.meta.dirname, "..", "..");
const ymls = (dir: string) => readdirSync(join(ROOT, dir)).filter((f) => f.endsWith(".yml")).map((f) => join(dir, f));
const ours = [...ymls("conf"), ...ymls("conf/ha")];
const pigstyShaped = ymls("test/fixtures/inventories");

function check(rel: string) {
  const loaded = loadInventory([{ file: rel, text: readFileSync(join(ROOT, rel), "utf8") }]);
  const built = buildModel(loaded.inventory);
  return [...loaded.diagnostics, ...built.diagnostics];
}

describe("example inventories", () => {
  it.each(ours)("%s validates without errors or warnings", (rel) => {
    expect(check(rel).map((d) => `${d.severity} ${d.code} ${d.summary}`)).toEqual([]);
  });

  it.each(pigstyShaped)("Pigsty-shaped %s validates (warnings allowed)", (rel) => {
    expect(check(rel).filter((d) => d.severity === "error").map((d) => d.summary)).toEqual([]);
  });

  it("the embedded default is a single-node cluster on this machine through the local connector", () => {
    const loaded = loadInventory([{ file: "conf/pgsql.yml", text: readFileSync(join(ROOT, "conf/pgsql.yml"), "utf8") }]);
    const { model } = buildModel(loaded.inventory);
    expect([...model.clusters.keys()]).toEqual(["pg-meta"]);
    const [host] = model.clusters.get("pg-meta")!.members;
    expect(host!.host.vars.ansible_connection).toBe("local");
    expect(model.clusters.get("pg-meta")!.primary).toBe(host);
  });
});

describe("generated artefacts", () => {
  it("docs/parameters.md is up to date (regenerate with `npm run docs`)", () => {
    expect(readFileSync(join(ROOT, "docs/parameters.md"), "utf8")).toBe(renderParameterDocs());
  });

  it("the editor JSON Schema accepts every example and rejects a wrong type", () => {
    const validate = new Ajv({ strict: false, allErrors: true, formats: { date: /^\d{4}-\d{2}-\d{2}$/ } }).compile(inventoryJsonSchema());
    for (const rel of [...ours, ...pigstyShaped]) {
      const parsed = parseYaml(readFileSync(join(ROOT, rel), "utf8"));
      if ("error" in parsed) throw new Error(rel);
      expect(validate(parsed.value), `${rel}: ${JSON.stringify(validate.errors?.slice(0, 3))}`).toBe(true);
    }
    const bad = { all: { children: { x: { hosts: { "10.0.0.1": { pg_seq: "one" } } } } } };
    expect(validate(bad)).toBe(false);
  });
});
