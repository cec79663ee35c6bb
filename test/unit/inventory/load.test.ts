import { describe, expect, it } from "vitest";
import { loadInventory } from "../../../src/inventory/load.js";
import { positionOf } from "../../../src/inventory/source.js";
import { load, yaml } from "../helpers.js";

describe("loadInventory", () => {
  it("reads groups, nested children, hosts in several groups and vars with positions", () => {
    const { inventory, diagnostics } = load(yaml`
      all:
        vars:
          pg_version: 16
        children:
          pg-test:
            hosts:
              10.10.10.11: { pg_seq: 1, pg_role: primary }
            vars: { pg_cluster: pg-test }
          etcd:
            hosts:
              10.10.10.11: { etcd_seq: 1 }
            vars: { etcd_cluster: etcd }
          dbs:
            children:
              pg-test:
    `);
    expect(diagnostics).toEqual([]);
    expect([...inventory.groups.keys()].sort()).toEqual(["all", "dbs", "etcd", "pg-test"]);
    const host = inventory.hosts.get("10.10.10.11")!;
    expect([...host.groups].sort()).toEqual(["etcd", "pg-test"]);
    expect(Object.fromEntries([...host.vars].map(([k, w]) => [k, w.value]))).toEqual({ pg_seq: 1, pg_role: "primary", etcd_seq: 1 });
    expect([...inventory.groups.get("pg-test")!.parents].sort()).toEqual(["all", "dbs"]);
    const v = inventory.groups.get("all")!.vars.get("pg_version")!;
    expect(positionOf(v.ref)).toEqual({ file: "inv.yml", line: 3, column: 17 });
    expect(positionOf(host.vars.get("pg_role")!.ref).line).toBe(7);
  });

  it("reads YAML the way Ansible does (YAML 1.1 booleans, merge keys)", () => {
    const { inventory, diagnostics } = load(yaml`
      all:
        vars:
          base: &b { pg_port: 5432 }
          pg_vip_enabled: yes
          merged: { <<: *b, extra: 1 }
    `);
    expect(diagnostics).toEqual([]);
    const vars = inventory.groups.get("all")!.vars;
    expect(vars.get("pg_vip_enabled")!.value).toBe(true);
    expect(vars.get("merged")!.value).toEqual({ pg_port: 5432, extra: 1 });
  });

  it.each([
    ["duplicate keys", "all:\n  vars:\n    pg_port: 1\n    pg_port: 2\n", "yaml.duplicate-key", 4, 5],
    ["bad indentation", "all:\n  vars:\n    a: 1\n   b: 2\n", "yaml.syntax", 4, 4],
    ["unclosed flow map", "all:\n  vars: { a: 1\n", "yaml.syntax", 3, 1],
    ["empty file", "", "inventory.empty", 1, 1],
    ["only a comment", "# nothing\n", "inventory.empty", 1, 1],
    ["a scalar", "hello\n", "inventory.shape", 1, 1],
    ["a list", "- a\n- b\n", "inventory.shape", 1, 1],
    ["a group that is a list", "all:\n  children:\n    pg-test: [a]\n", "inventory.group-shape", 3, 14],
    ["hosts as a list", "all:\n  children:\n    g:\n      hosts: [10.0.0.1]\n", "inventory.group-shape", 4, 14],
    ["a var under a group", "all:\n  children:\n    g:\n      pg_cluster: x\n", "inventory.group-key", 4, 7],
    ["a host that is a scalar", "all:\n  hosts:\n    10.0.0.1: primary\n", "inventory.host-shape", 3, 15],
    ["binary garbage", "\u0000\u0001\u00ff\u0000", "inventory.binary", 1, 1],
    ["nesting 20,000 deep", `all:\n  vars:\n    x: ${"[".repeat(20000)}${"]".repeat(20000)}\n`, "yaml.syntax", 3, 105],
  ])("reports %s with a position", (_name, text, code, line, column) => {
    const { diagnostics } = load(text);
    const d = diagnostics.find((x) => x.severity === "error");
    expect(d?.code).toBe(code);
    expect(d?.source).toEqual({ file: "inv.yml", line, column });
    expect(d?.hint).toBeTruthy();
  });

  it("errors when one file lists a host twice with different values for one var", () => {
    const { diagnostics } = load(yaml`
      all:
        children:
          a: { hosts: { 10.0.0.1: { pg_seq: 1 } } }
          b: { hosts: { 10.0.0.1: { pg_seq: 2 } } }
    `);
    expect(diagnostics.map((d) => d.code)).toEqual(["inventory.host-var-conflict"]);
    expect(diagnostics[0]!.source!.line).toBe(4);
    expect(diagnostics[0]!.related![0]!.line).toBe(3);
  });

  it("merges several files in order: a later file overrides vars of the same group", () => {
    const { inventory, diagnostics } = loadInventory([
      { file: "base.yml", text: "all:\n  vars: { pg_version: 16, pg_port: 5432 }\n  children: { g: { hosts: { 10.0.0.1: {} } } }\n" },
      { file: "over.yml", text: "all:\n  vars: { pg_version: 17 }\n  children: { g: { hosts: { 10.0.0.2: {} } } }\n" },
    ]);
    expect(diagnostics).toEqual([]);
    const vars = inventory.groups.get("all")!.vars;
    expect(vars.get("pg_version")!.value).toBe(17);
    expect(vars.get("pg_version")!.ref.file).toBe("over.yml");
    expect(vars.get("pg_port")!.value).toBe(5432);
    expect(inventory.groups.get("g")!.hosts).toEqual(["10.0.0.1", "10.0.0.2"]);
  });
});
