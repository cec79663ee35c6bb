// The YAML writer of rendered files must write exactly what js-yaml's dump writes (golden files and
// live hosts hold js-yaml's bytes): checked on awkward scalars and on random nested data.
import fc from "fast-check";
import jsyaml from "js-yaml";
import { describe, expect, it } from "vitest";
import { ANSIBLE_SCHEMA } from "../../../src/inventory/yaml.js";
import { dumpYaml } from "../../../src/modules/yaml-out.js";

const reference = (v: unknown) => jsyaml.dump(v, { schema: ANSIBLE_SCHEMA, lineWidth: -1, noRefs: true, quotingType: '"' });

const AWKWARD = ["", "off", "on", "yes", "No", "0640", "1e3", "0x1F", "1:30", "~", "null", " x", "x ", "a: b", "- a", "#c", "a #c", "'q'", '"q"',
  "line\nbreak", "tab\tx", "ünï", "${ip}", "*", "&a", "!t", "%p", "@x", "`x`", "[x]", "{x}", "a,b", "?", ":", "-", "1.5", ".inf", "-.inf", ".nan", "x".repeat(1100)];

describe("dumpYaml", () => {
  it("matches js-yaml on awkward scalars, as values, keys and list items", () => {
    for (const s of AWKWARD) {
      const v = { a: s, [s]: 1, l: [s, [s]], n: { m: [{ k: s, j: s }] } };
      expect(dumpYaml(v)).toBe(reference(v));
    }
    for (const v of [0, -0, 1.5, NaN, Infinity, -Infinity, true, null, [], {}, [[]], [{}], { a: undefined, b: [undefined] }, { a: undefined }]) {
      expect(dumpYaml(v)).toBe(reference(v));
    }
  });

  it("matches js-yaml on random data", () => {
    const scalar = fc.oneof(fc.string(), fc.constantFrom(...AWKWARD), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constant(undefined));
    const data = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: "small" }, scalar, tie("list"), tie("map")),
      list: fc.array(tie("node"), { maxLength: 4 }),
      map: fc.dictionary(fc.oneof(fc.string(), fc.constantFrom(...AWKWARD)), tie("node"), { maxKeys: 4 }),
    }));
    fc.assert(fc.property(data.node, (v) => {
      expect(dumpYaml(v)).toBe(reference(v));
    }), { numRuns: 2000 });
  });
});

describe("dumpYaml of frozen parts", () => {
  it("writes a frozen part the same wherever it stands, and a changed unfrozen part anew", () => {
    const shared = Object.freeze({ a: Object.freeze([1, "on", Object.freeze({ b: "x" })]), c: "0640" });
    for (const v of [{ x: shared }, { y: [shared, { z: shared }] }, [shared], shared]) expect(dumpYaml(v)).toBe(reference(v));
    const inner = { k: "v" };
    const partly = Object.freeze({ inner });
    expect(dumpYaml({ p: partly })).toBe(reference({ p: partly }));
    inner.k = "w";
    expect(dumpYaml({ p: partly })).toBe(reference({ p: partly }));
  });
});
