import { describe, expect, it } from "vitest";
import { selectHosts } from "../../../src/inventory/patterns.js";
import { load, yaml } from "../helpers.js";

const { inventory } = load(yaml`
  all:
    children:
      infra: { hosts: { 10.10.10.10: {} } }
      etcd: { hosts: { 10.10.10.10: {}, 10.10.10.11: {} } }
      pg-meta: { hosts: { 10.10.10.10: {} } }
      pg-test:
        hosts: { 10.10.10.11: {}, 10.10.10.12: {}, 10.10.10.13: {} }
      pg-src: { hosts: { 10.10.10.21: {} } }
      prod:
        children:
          pg-test:
          pg-src:
`);

describe("selectHosts (Ansible host patterns)", () => {
  it.each([
    ["all", ["10.10.10.10", "10.10.10.11", "10.10.10.12", "10.10.10.13", "10.10.10.21"]],
    ["*", ["10.10.10.10", "10.10.10.11", "10.10.10.12", "10.10.10.13", "10.10.10.21"]],
    ["pg-test", ["10.10.10.11", "10.10.10.12", "10.10.10.13"]],
    ["10.10.10.12", ["10.10.10.12"]],
    ["pg-test,pg-meta", ["10.10.10.10", "10.10.10.11", "10.10.10.12", "10.10.10.13"]],
    ["pg-meta:pg-src", ["10.10.10.10", "10.10.10.21"]],
    ["pg-test,!10.10.10.13", ["10.10.10.11", "10.10.10.12"]],
    ["pg-test:!10.10.10.13", ["10.10.10.11", "10.10.10.12"]],
    ["etcd,&pg-test", ["10.10.10.11"]],
    ["10.10.10.11,&pg-test", ["10.10.10.11"]],
    ["pg-*", ["10.10.10.10", "10.10.10.11", "10.10.10.12", "10.10.10.13", "10.10.10.21"]],
    ["pg-*,!pg-test", ["10.10.10.10", "10.10.10.21"]],
    ["10.10.10.1?", ["10.10.10.10", "10.10.10.11", "10.10.10.12", "10.10.10.13"]],
    ["10.10.10.1[23]", ["10.10.10.12", "10.10.10.13"]],
    ["~pg-(meta|src)", ["10.10.10.10", "10.10.10.21"]],
    ["prod", ["10.10.10.11", "10.10.10.12", "10.10.10.13", "10.10.10.21"]],
    ["!pg-test", ["10.10.10.10", "10.10.10.21"]],
    ["prod,&etcd,!10.10.10.12", ["10.10.10.11"]],
  ])("%s", (pattern, hosts) => {
    const s = selectHosts(inventory, pattern);
    expect(s.diagnostics).toEqual([]);
    expect(s.hosts).toEqual(hosts);
  });

  it("warns about a term that matches nothing, with a suggestion", () => {
    const s = selectHosts(inventory, "pg-tset");
    expect(s.hosts).toEqual([]);
    expect(s.diagnostics[0]!.code).toBe("pattern.no-match");
    expect(s.diagnostics[0]!.hint).toContain("pg-test");
  });

  it("reports a bad regular expression", () => {
    expect(selectHosts(inventory, "~pg-(").diagnostics[0]!.code).toBe("pattern.regex");
  });

  it("does not split IPv6 addresses on colons", () => {
    const { inventory: v6 } = load("all:\n  hosts:\n    'fd00::1': {}\n    'fd00::2': {}\n");
    expect(selectHosts(v6, "fd00::1").hosts).toEqual(["fd00::1"]);
  });
});
