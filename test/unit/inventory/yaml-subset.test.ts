// The subset reader answers exactly as js-yaml does, or leaves the document to js-yaml: checked on
// every YAML file of the project, a generated bench inventory, hand-picked edge cases, and
// documents js-yaml wrote from random values, then mutated at random.
import fc from "fast-check";
import jsyaml from "js-yaml";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ANSIBLE_SCHEMA, resolvePlain } from "../../../src/inventory/yaml.js";
import { NOT_IN_SUBSET, parseYamlSubset } from "../../../src/inventory/yaml-subset.js";

const ROOT = join(import.meta.dirname, "..", "..", "..");

/** "in" when the subset read it (and then js-yaml reads the same value), "out" when it left it. */
function agrees(text: string): "in" | "out" {
  const fast = parseYamlSubset(text, resolvePlain);
  if (fast === NOT_IN_SUBSET) return "out";
  let reference: unknown;
  expect(() => (reference = jsyaml.load(text, { schema: ANSIBLE_SCHEMA, json: false })), text).not.toThrow();
  expect(fast, text).toStrictEqual(reference);
  return "in";
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".yml") || f.endsWith(".yaml"))
    .map((f) => join(dir, f));
}

describe("parseYamlSubset", () => {
  it("reads every inventory of conf/ and the test fixtures as js-yaml does", () => {
    const files = [...yamlFiles(join(ROOT, "conf")), ...yamlFiles(join(ROOT, "test", "fixtures"))];
    expect(files.length).toBeGreaterThan(5);
    for (const f of files) expect(agrees(readFileSync(f, "utf8")), f).toBe("in");
  });

  it("agrees with js-yaml on the playbooks and golden YAML files, in the subset or not", () => {
    const files = [...yamlFiles(join(ROOT, "playbooks")), ...yamlFiles(join(ROOT, "test", "golden"))];
    expect(files.length).toBeGreaterThan(5);
    for (const f of files) agrees(readFileSync(f, "utf8"));
  });

  it("reads the bench inventory: the case the subset exists for", () => {
    const dir = mkdtempSync(join(tmpdir(), "pgsty-subset-"));
    try {
      const file = join(dir, "inv.yml");
      execFileSync(process.execPath, [join(ROOT, "bench", "gen-inventory.mjs"), "--clusters", "40", "--out", file]);
      expect(agrees(readFileSync(file, "utf8"))).toBe("in");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each([
    ["keys typed then stringified, as js-yaml does", "yes: 1\n1: a\n~: b\n-7: c\nOff: d\n", { true: 1, "1": "a", null: "b", "-7": "c", false: "d" }],
    ["YAML 1.1 scalars", "a: [yes, No, on, OFF, ~, null, 0755, 0x1F, 1_000, 1:30, .5, 1e3, 12.5e-1, -0, 123456789012345678, Yes, nO, 10.0.0.1]\n", { a: [true, false, true, false, null, null, 493, 31, 1000, 90, 0.5, "1e3", 1.25, -0, Number("123456789012345678"), true, "nO", "10.0.0.1"] }],
    ["a trailing non-breaking space, which YAML keeps", "a: x\u00a0\n", { a: "x\u00a0" }],
    ["text beyond ASCII, and characters JSON escapes", "ключ: значение\n\"é\": { ü: '✓' }\nq: a\"b\\\\c\nr: ['x\"y', 'z\\\\']\n", { ключ: "значение", é: { ü: "✓" }, q: 'a"b\\\\c', r: ['x"y', "z\\\\"] }],
    ["no line break at the end", "a: [1, b]", { a: [1, "b"] }],
    ["quotes", "a: 'it''s'\nb: \"yes\"\n'c d': ''\n\"e\": \"\"\n", { a: "it's", b: "yes", "c d": "", e: "" }],
    ["comments and a document start", "--- # inventory\n# c\na: 1 # one\n  # odd comment\nb: x#y\n", { a: 1, b: "x#y" }],
    ["empty values", "a:\nb: {c: , d: }\nc:\n  -\n  - x\n", { a: null, b: { c: null, d: null }, c: [null, "x"] }],
    ["a list at its key's indentation, compact maps in lists", "a:\n- x: 1\n  y: [ 2 ,3 ]\n-   z: {}\n    w: []\nb: 2\n", { a: [{ x: 1, y: [2, 3] }, { z: {}, w: [] }], b: 2 }],
    ["Pigsty's comma-first flow maps", "u:\n  - { name: a ,pgbouncer: true ,roles: [ r1 ] ,comment: the a user }\n", { u: [{ name: "a", pgbouncer: true, roles: ["r1"], comment: "the a user" }] }],
    ["colons, URLs and JMESPath in scalars", "a: http://x:80/y\nb: { c: 'a: b', d: x:y }\ne: '[? pg_role == `primary`]'\n", { a: "http://x:80/y", b: { c: "a: b", d: "x:y" }, e: "[? pg_role == `primary`]" }],
    ["a flow map with a quoted key and no space", "a: {\"b\":1}\n", { a: { b: 1 } }],
    ["a comment right after a quote or a bracket", "a: 'x'#y\nb: [c]#d\n", { a: "x", b: ["c"] }],
  ])("%s", (_name, text, expected) => {
    expect(agrees(text)).toBe("in");
    expect(parseYamlSubset(text, resolvePlain)).toStrictEqual(expected);
  });

  it.each([
    ["an anchor and an alias", "a: &x 1\nb: *x\n"],
    ["a merge key", "a: {x: 1}\nb:\n  <<: {y: 2}\n"],
    ["a merge key in a flow map", "a: {<<: {b: 1}}\n"],
    ["a tag", "a: !unsafe '{{ x }}'\n"],
    ["a block scalar", "a: |\n  text\n"],
    ["a folded scalar", "a: >\n  text\n"],
    ["a plain scalar over two lines", "a: one\n  two\n"],
    ["a flow map over two lines", "a: { b: 1,\n  c: 2 }\n"],
    ["a quoted scalar over two lines", "a: 'one\n  two'\n"],
    ["an escape in double quotes", "a: \"x\\ty\"\n"],
    ["a tab", "a: \t1\n"],
    ["a flow-map entry without `:`", "a: {b}}\n"],
    ["CRLF line ends", "a: 1\r\nb: 2\r\n"],
    ["a byte-order mark", "\uFEFFa: 1\n"],
    ["a duplicate key", "a: 1\na: 2\n"],
    ["a duplicate key in a flow map", "a: {b: 1, b: 2}\n"],
    ["keys that type alike (both are the key \"null\")", "~: a\nnull: b\n"],
    ["a quoted key that a plain one types to", "1: a\n'1': b\n"],
    ["an explicit key", "? a\n: 1\n"],
    ["a list in a list item", "- - a: 1\n"],
    ["a list that ends with an empty item (js-yaml reads the outer list's next item into it)", "x:\n  -\n    -\n  - 1\n"],
    ["a trailing comma", "a: [1, 2,]\n"],
    ["a second document", "a: 1\n---\nb: 2\n"],
    ["a key that starts like a document marker", "a: 1\n---: 2\n"],
    ["a document start with more on its line", "---x: 1\n"],
    ["a second document start right after the first", "---\n# c\n--- a: 1\n"],
    ["a document end", "a: 1\n...\n"],
    ["a document end before anything", "# c\n...  x: 1\n"],
    ["a line left of the document's indentation", "  a: 1\nb: 2\n"],
    ["a map after a top-level list", "- a\nb: 1\n"],
    ["a scalar document", "just text\n"],
    ["an empty document", "# nothing\n"],
    ["a `__proto__` key", "__proto__: 1\n"],
    ["a mapping value in a scalar", "a: b: c\n"],
    ["a list entry after a key on its line", "a: - b\n"],
    ["content on the document-start line", "--- a: 1\n"],
    ["bad indentation", "a:\n    b: 1\n  c: 2\n"],
    ["a control character", "a: \u0007\n"],
    ["a C1 control character", "a: x\u0086\n"],
    ["U+FFFE", "a: \uFFFE\n"],
    ["a lone surrogate", "a: \uD800x\n"],
    // JSON, which the reader writes, has no infinities or NaN
    ["an infinity", "a: [1, -.inf]\n"],
    ["a NaN", "a: .NaN\n"],
    // a number key of another form is typed outside the reader, which then cannot tell `0x10:` and `16:` apart
    ["a hexadecimal key", "0x10: c\n"],
    ["a float key", "a: {1.50: d}\n"],
    ["a negative zero key, which js-yaml names 0", "-0: x\n"],
  ])("leaves %s to js-yaml", (_name, text) => {
    expect(parseYamlSubset(text, resolvePlain)).toBe(NOT_IN_SUBSET);
  });

  it("tells duplicate keys apart in maps of thousands of keys, and only within one map", () => {
    const keys = Array.from({ length: 20000 }, (_, i) => `10.${i >> 8}.${i & 255}.1: { pg_seq: ${i} }`);
    const text = `hosts:\n${keys.map((k) => `  ${k}\n`).join("")}other:\n${keys.slice(0, 100).map((k) => `  ${k}\n`).join("")}`;
    expect(agrees(text)).toBe("in");
    expect(Object.keys((parseYamlSubset(text, resolvePlain) as { hosts: object }).hosts)).toHaveLength(20000);
    expect(parseYamlSubset(`${text.slice(0, text.indexOf("other:"))}  ${keys[12345]}\n`, resolvePlain)).toBe(NOT_IN_SUBSET);
  });

  it("leaves deep nesting to js-yaml, which refuses it with a position, and counts only open collections", () => {
    const deepFlow = `a: ${"[".repeat(20000)}${"]".repeat(20000)}\n`;
    const deepBlock = Array.from({ length: 200 }, (_, d) => `${"  ".repeat(d)}k:`).join("\n") + " 1\n";
    expect(parseYamlSubset(deepFlow, resolvePlain)).toBe(NOT_IN_SUBSET);
    expect(parseYamlSubset(deepBlock, resolvePlain)).toBe(NOT_IN_SUBSET);
    // many siblings, each 60 levels deep: depth goes back down after each
    const nested = (d: number): string => Array.from({ length: d }, (_, i) => `\n${"  ".repeat(i + 1)}k${i}:`).join("") + " 1\n";
    const siblingsFlow = `a: [${Array.from({ length: 100 }, () => `${"[".repeat(60)}${"]".repeat(60)}`).join(", ")}]\n`;
    const siblingsBlock = Array.from({ length: 20 }, (_, i) => `s${i}:${nested(60)}`).join("");
    expect(agrees(siblingsFlow)).toBe("in");
    expect(agrees(siblingsBlock)).toBe("in");
  });

  it("types plain scalars as js-yaml's implicit types do, its shortcut included", () => {
    const implicit = (ANSIBLE_SCHEMA as unknown as { compiledImplicit: { resolve(s: string): boolean; construct(s: string): unknown }[] }).compiledImplicit;
    const slow = (s: string) => {
      for (const t of implicit) if (t.resolve(s)) return t.construct(s);
      return s;
    };
    const tricky = fc.constantFrom("", "~", "null", "NULL", "yes", "Yes", "False", "off", "ON", "0", "-0", "0755", "0x1f", "0b101", "1_000", "1:30", ".5", ".inf", "-.Inf", ".NaN", "1e3", "1.5e3", "<<", "infinity", "Nullable", "yesterday", "falsey", "offset", "nothing", "truely");
    fc.assert(fc.property(fc.oneof(tricky, fc.string({ maxLength: 12 }), fc.stringMatching(/^[A-Za-z][a-z]{0,8}$/)), (s) => {
      expect(Object.is(resolvePlain(s), slow(s)) || (Number.isNaN(resolvePlain(s)) && Number.isNaN(slow(s)))).toBe(true);
    }), { numRuns: 3000 });
  });

  // values js-yaml writes back in many styles: most of them land in the subset
  const scalar = fc.oneof(
    fc.constantFrom("yes", "no", "~", "null", "0755", "1:30", ".inf", "a: b", "x #y", "- a", "it's", '"q"', "[x]", "{y}", "<<", "", " lead", "trail ", "a,b", "#c"),
    fc.string({ maxLength: 10 }),
    fc.integer(),
    fc.double({ noNaN: true }),
    fc.boolean(),
    fc.constant(null),
  );
  const key = fc.oneof(fc.stringMatching(/^[a-z_][a-z0-9_.-]{0,8}$/), fc.constantFrom("yes", "1", "10.0.0.1", "a b", "x:y", "~"), fc.string({ maxLength: 6 }));
  const { tree } = fc.letrec((tie) => ({
    tree: fc.oneof({ depthSize: "small", withCrossShrink: true }, scalar, tie("list"), tie("map")),
    list: fc.array(tie("tree"), { maxLength: 4 }),
    map: fc.dictionary(key, tie("tree"), { maxKeys: 5 }),
  }));
  const dumped = fc
    .tuple(fc.dictionary(key, tree, { minKeys: 1, maxKeys: 6 }), fc.constantFrom(-1, 1, 2, 3), fc.constantFrom(2, 4), fc.constantFrom<"'" | '"'>("'", '"'))
    .map(([value, flowLevel, indent, quotingType]) => jsyaml.dump(value, { schema: ANSIBLE_SCHEMA, flowLevel, indent, quotingType, lineWidth: -1 }));

  it("agrees with js-yaml on documents js-yaml wrote", () => {
    let inSubset = 0;
    fc.assert(fc.property(dumped, (text) => {
      if (agrees(text) === "in") inSubset++;
    }), { numRuns: 1000 });
    // the property means little if the subset declined everything
    expect(inSubset).toBeGreaterThan(500);
  });

  it("agrees with js-yaml on those documents, and on the inventories of conf/, mutated at random", () => {
    const written = [...yamlFiles(join(ROOT, "conf")), ...yamlFiles(join(ROOT, "test", "fixtures"))].map((f) => readFileSync(f, "utf8"));
    const snippet = fc.oneof(
      fc.constantFrom(" ", "  ", "\n", "\n  ", ":", ": ", "- ", "-", "#", " #", "'", '"', "{", "}", "[", "]", ",", ", ", "&a ", "*a", "!x ", "|", ">", "? ", "<<: ", "\\", "\t", "\r", "---\n", "yes", "0"),
      fc.string({ maxLength: 3 }),
    );
    const mutation = fc.record({ at: fc.nat(), del: fc.nat({ max: 3 }), ins: fc.option(snippet, { nil: "" }) });
    fc.assert(fc.property(fc.oneof(dumped, fc.constantFrom(...written)), fc.array(mutation, { minLength: 1, maxLength: 3 }), (text, ms) => {
      for (const m of ms) {
        const at = m.at % (text.length + 1);
        text = text.slice(0, at) + m.ins + text.slice(at + m.del);
      }
      agrees(text);
    }), { numRuns: 3000 });
  });
});
