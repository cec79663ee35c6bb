import { describe, expect, it } from "vitest";
import { parseExtraVars } from "../../../src/inventory/extra-vars.js";
import { positionOf } from "../../../src/inventory/source.js";

const parse = (...texts: string[]) => parseExtraVars(texts.map((text, i) => ({ text, index: i + 1 })));

describe("parseExtraVars", () => {
  it("reads key=value pairs as YAML scalars", () => {
    const { vars, diagnostics } = parse("pg_version=16 pg_safeguard=true pg_cluster=pg-x empty=");
    expect(diagnostics).toEqual([]);
    expect(Object.fromEntries([...vars].map(([k, w]) => [k, w.value]))).toEqual({ pg_version: 16, pg_safeguard: true, pg_cluster: "pg-x", empty: "" });
    expect(positionOf(vars.get("pg_safeguard")!.ref)).toEqual({ file: "<-e #1>", line: 1, column: 15 });
  });

  it("reads JSON and YAML maps, later arguments win", () => {
    const { vars } = parse('{"pg_users": [{"name": "x"}], "pg_port": 5433}', "pg_port=5434");
    expect(vars.get("pg_users")!.value).toEqual([{ name: "x" }]);
    expect(vars.get("pg_port")!.value).toBe(5434);
  });

  it("reads @file content with positions in that file", () => {
    const { vars } = parseExtraVars([{ text: "pg_port: 5433\npg_version: 17\n", file: "vars.yml", index: 1 }]);
    expect(positionOf(vars.get("pg_version")!.ref)).toEqual({ file: "vars.yml", line: 2, column: 13 });
  });

  it.each([["novalue"], ["{ broken"], ["=x"]])("rejects %s with a position", (text) => {
    const { diagnostics } = parse(text);
    expect(diagnostics.length).toBeGreaterThan(0);
    expect(diagnostics[0]!.source?.file).toBe("<-e #1>");
  });

  it("rejects a vars file that is a list", () => {
    const { diagnostics } = parseExtraVars([{ text: "- a\n", file: "v.yml", index: 1 }]);
    expect(diagnostics[0]!.code).toBe("extra-vars.shape");
  });
});
