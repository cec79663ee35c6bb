import { describe, expect, it } from "vitest";
import { formatPos } from "../../../src/inventory/source.js";
import { varPosition } from "../../../src/model/resolve.js";
import { DEFAULTS } from "../../../src/model/schema/index.js";
import { find, model, yaml } from "../helpers.js";

const LAYERS = yaml`
  all:
    vars:
      pg_port: 6000
      pg_weight: 50
      pg_libs: all-libs
    children:
      outer:
        vars:
          pg_weight: 60
          pg_users: [{ name: dbuser_outer, password: x }]
        children:
          inner:
            vars:
              pg_weight: 70
              pg_cluster: pg-test
            hosts:
              10.10.10.11: { pg_seq: 1, pg_role: primary, pg_libs: host-libs }
              10.10.10.12: { pg_seq: 2, pg_role: replica }
`;

describe("resolveHosts: precedence defaults < all < parent group < child group < host < -e", () => {
  it("takes each var from the highest layer that sets it, and records where", () => {
    const { model: m, diagnostics } = model(LAYERS, ["pg_port=7000"]);
    expect(diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const h1 = m.hosts.get("10.10.10.11")!, h2 = m.hosts.get("10.10.10.12")!;
    expect(h1.vars.pg_version).toBe(DEFAULTS.pg_version);          // default
    expect(h1.origins.get("pg_version")).toBeUndefined();
    expect(h2.vars.pg_libs).toBe("all-libs");                      // all.vars
    expect(h2.origins.get("pg_libs")!.layer).toBe("all");
    expect(h1.vars.pg_users).toEqual([{ name: "dbuser_outer", password: "x" }]); // parent group
    expect(h1.origins.get("pg_users")).toMatchObject({ layer: "group", group: "outer" });
    expect(h1.vars.pg_weight).toBe(70);                            // child group beats parent
    expect(h1.origins.get("pg_weight")).toMatchObject({ layer: "group", group: "inner" });
    expect(h1.vars.pg_libs).toBe("host-libs");                     // host beats all
    expect(h1.vars.pg_port).toBe(7000);                            // -e beats everything
    expect(h1.origins.get("pg_port")!.layer).toBe("extra");
    expect(formatPos(varPosition(h1, "pg_weight"))).toBe("inv.yml:14:24");
    expect(h1.groups).toEqual(["all", "outer", "inner"]);
  });

  it("replaces lists and maps instead of merging them", () => {
    const { model: m } = model(yaml`
      all:
        vars:
          pg_parameters: { a: 1, b: 2 }
          pg_users: [{ name: u1, password: x }, { name: u2, password: y }]
        children:
          pg-x:
            vars: { pg_cluster: pg-x, pg_parameters: { c: 3 }, pg_users: [{ name: u3, password: z }] }
            hosts: { 10.0.0.1: { pg_seq: 1, pg_role: primary } }
    `);
    const h = m.hosts.get("10.0.0.1")!;
    expect(h.vars.pg_parameters).toEqual({ c: 3 });
    expect(h.vars.pg_users).toEqual([{ name: "u3", password: "z" }]);
  });

  const CONFLICT = yaml`
    all:
      children:
        pg-test:
          vars: { pg_cluster: pg-test, pg_version: 16 }
          hosts:
            10.10.10.11: { pg_seq: 1, pg_role: primary }
            10.10.10.12: { pg_seq: 2, pg_role: replica }
        fast-disks:
          vars: { pg_version: 17 }
          hosts:
            10.10.10.11: {}
            10.10.10.12: HOSTVARS
  `;

  it("errors when two unrelated groups give a host different values, naming both places", () => {
    const r = model(CONFLICT.replace("HOSTVARS", "{}"));
    const [d, ...more] = find(r.diagnostics, "resolve.group-conflict");
    expect(more).toEqual([]);
    // groups apply in Ansible's order (depth, then name): fast-disks, then pg-test
    expect(d!.summary).toContain("`fast-disks` and `pg-test`");
    expect(d!.source).toMatchObject({ line: 4, column: 48 });
    expect(d!.related![0]).toMatchObject({ line: 9, column: 27 });
    expect(d!.detail).toContain("10.10.10.11, 10.10.10.12");
  });

  it("accepts the conflict once every host in both groups settles it with a host var", () => {
    expect(find(model(CONFLICT.replace("HOSTVARS", "{ pg_version: 17 }")).diagnostics, "resolve.group-conflict")[0]!.detail).toContain("10.10.10.11");
    const settled = CONFLICT.replace("10.10.10.11: {}\n", "10.10.10.11: { pg_version: 16 }\n").replace("HOSTVARS", "{ pg_version: 17 }");
    expect(find(model(settled).diagnostics, "resolve.group-conflict")).toEqual([]);
  });

  it("accepts the same value from two groups", () => {
    const same = CONFLICT.replace("pg_version: 17", "pg_version: 16").replace("HOSTVARS", "{}");
    expect(find(model(same).diagnostics, "resolve.group-conflict")).toEqual([]);
  });
});
