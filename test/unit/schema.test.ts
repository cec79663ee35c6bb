// Parameter schema registry: completeness, descriptions, defaults parse, secret paths, the inventory
// JSON Schema, the generated docs and the HostVars type. Values are tested in schema-values.test.ts.
import { describe, expect, expectTypeOf, test } from "vitest";
import {
  DEFAULTS,
  HBA_ADDR_ALIASES,
  HBA_AUTH_ALIASES,
  PARAMETERS,
  PARAMETER_GROUPS,
  type HostVars,
  type PgUser,
} from "../../src/model/schema/index.js";
import { inventoryJsonSchema, paramJsonSchema, type JsonSchema } from "../../src/model/schema/json-schema.js";
import { renderParameterDocs } from "../../src/model/schema/docs.js";

function spec(name: string) {
  const s = PARAMETERS.get(name);
  if (!s) throw new Error(`unknown parameter ${name}`);
  return s;
}

/** Every object node of a JSON Schema tree. */
function objectNodes(js: unknown, out: JsonSchema[] = []): JsonSchema[] {
  if (Array.isArray(js)) for (const x of js) objectNodes(x, out);
  else if (js !== null && typeof js === "object") {
    const node = js as JsonSchema;
    if (node["properties"] && typeof node["properties"] === "object") out.push(node);
    for (const v of Object.values(node)) objectNodes(v, out);
  }
  return out;
}

describe("registry", () => {
  test("every parameter has a group, a level and a description; names are unique", () => {
    const names = PARAMETER_GROUPS.flatMap((g) => g.params.map((p) => p.name));
    expect(new Set(names).size).toBe(names.length);
    expect(PARAMETERS.size).toBe(names.length);
    for (const g of PARAMETER_GROUPS) {
      expect(g.description.length).toBeGreaterThan(10);
      expect(g.params.length).toBeGreaterThan(0);
      for (const p of g.params) {
        expect(p.group).toBe(g.name);
        expect(p.description.length, p.name).toBeGreaterThan(10);
        expect(p.schema.description).toBe(p.description);
      }
    }
  });

  test("groups come in seed order, PGSQL first", () => {
    expect(PARAMETER_GROUPS.map((g) => g.name).slice(0, 9)).toEqual([
      "PG_ID",
      "PG_BUSINESS",
      "PG_INSTALL",
      "PG_BOOTSTRAP",
      "PG_PROVISION",
      "PG_BACKUP",
      "PG_ACCESS",
      "PG_MONITOR",
      "PG_REMOVE",
    ]);
    for (const g of ["META", "NODE_ID", "HAPROXY", "ETCD", "CONNECTION"]) expect(PARAMETER_GROUPS.map((x) => x.name)).toContain(g);
  });

  test("every object field in every parameter schema has a description", () => {
    for (const p of PARAMETERS.values()) {
      for (const obj of objectNodes(paramJsonSchema(p))) {
        for (const [field, f] of Object.entries(obj["properties"] as Record<string, JsonSchema>)) {
          expect(typeof f["description"], `${p.name}: field ${field}`).toBe("string");
        }
      }
    }
  });

  test("every default parses with its own schema; DEFAULTS holds exactly those, frozen", () => {
    for (const p of PARAMETERS.values()) {
      if (p.default === undefined) {
        expect(p.name in DEFAULTS, p.name).toBe(false);
        continue;
      }
      const r = p.schema.safeParse(p.default);
      expect(r.success, `${p.name}: ${JSON.stringify(r.error?.issues)}`).toBe(true);
      expect(DEFAULTS[p.name]).toBe(p.default);
    }
    expect(Object.isFrozen(DEFAULTS)).toBe(true);
    expect(Object.isFrozen(DEFAULTS["pg_default_roles"])).toBe(true);
    expect(Object.isFrozen((DEFAULTS["pg_default_roles"] as PgUser[])[0])).toBe(true);
  });

  test("identity parameters have no default", () => {
    for (const n of ["pg_cluster", "pg_seq", "pg_role", "pg_upstream", "pg_shard", "nodename", "etcd_seq", "infra_seq", "ansible_host"]) {
      expect(spec(n).default, n).toBeUndefined();
    }
  });
});

describe("secrets", () => {
  test("passwords are marked sensitive", () => {
    for (const n of [
      "pg_replication_password",
      "pg_admin_password",
      "pg_monitor_password",
      "pg_dbsu_password",
      "patroni_password",
      "pg_etcd_password",
      "haproxy_admin_password",
      "etcd_root_password",
      "ansible_password",
      "pgsodium_key",
    ]) {
      expect(spec(n).sensitive, n).toBe(true);
    }
    expect(spec("pg_users").sensitive).toEqual(["*.password"]);
    expect(spec("pg_default_roles").sensitive).toEqual(["*.password"]);
    expect(spec("pgbackrest_repo").sensitive).toEqual(expect.arrayContaining(["*.s3_key_secret", "*.cipher_pass"]));
  });

  test("every sensitive path names a field that exists in the schema", () => {
    const step = (js: JsonSchema, seg: string): JsonSchema | undefined => {
      if (seg === "*") return (js["items"] ?? js["additionalProperties"]) as JsonSchema | undefined;
      return (js["properties"] as Record<string, JsonSchema> | undefined)?.[seg];
    };
    for (const p of PARAMETERS.values()) {
      if (!Array.isArray(p.sensitive)) continue;
      for (const path of p.sensitive as readonly string[]) {
        let node: JsonSchema | undefined = paramJsonSchema(p);
        for (const seg of path.split(".")) node = node ? step(node, seg) : undefined;
        expect(node, `${p.name}: ${path}`).toBeDefined();
      }
    }
  });
});

describe("HBA alias lists", () => {
  test("addr and auth aliases", () => {
    expect(HBA_ADDR_ALIASES).toEqual(expect.arrayContaining(["local", "localhost", "admin", "infra", "cluster", "intra", "intranet", "world", "all"]));
    expect(HBA_AUTH_ALIASES).toEqual(
      expect.arrayContaining(["pwd", "sha", "scram-sha-256", "md5", "ssl", "ssl-md5", "ssl-sha", "os", "ident", "peer", "trust", "deny", "reject", "cert"]),
    );
    expect(HBA_AUTH_ALIASES).not.toContain("scram");
  });
});

describe("inventory JSON Schema", () => {
  const schema = inventoryJsonSchema() as JsonSchema;

  test("is draft-07 JSON and round-trips", () => {
    expect(schema["$schema"]).toBe("http://json-schema.org/draft-07/schema#");
    expect(JSON.parse(JSON.stringify(schema))).toEqual(schema);
  });

  test("vars list every parameter with description and default, and allow other keys", () => {
    const vars = (schema["definitions"] as Record<string, JsonSchema>)["vars"] as JsonSchema;
    const props = vars["properties"] as Record<string, JsonSchema>;
    expect(Object.keys(props)).toHaveLength(PARAMETERS.size);
    expect(vars["additionalProperties"]).toBe(true);
    expect(props["pg_port"]).toMatchObject({ type: "integer", default: 5432, minimum: 1, maximum: 65535 });
    const user = (props["pg_users"]?.["items"] ?? {}) as JsonSchema;
    const fields = user["properties"] as Record<string, JsonSchema>;
    expect(fields["name"]?.["description"]).toMatch(/required/);
    expect(fields["password"]?.["description"]).toMatch(/Password/);
    const roleItem = (fields["roles"]?.["items"] ?? {}) as JsonSchema;
    expect(roleItem["anyOf"]).toEqual(expect.arrayContaining([{ type: "string" }, expect.objectContaining({ title: "role" })]));
  });

  test("groups nest recursively through children", () => {
    const group = (schema["definitions"] as Record<string, JsonSchema>)["group"] as JsonSchema;
    const props = group["properties"] as Record<string, JsonSchema>;
    expect(props["children"]?.["additionalProperties"]).toEqual({ $ref: "#/definitions/group" });
    expect(props["hosts"]).toEqual({ $ref: "#/definitions/hosts" });
  });
});

describe("parameter docs", () => {
  test("deterministic and complete", () => {
    const md = renderParameterDocs();
    expect(renderParameterDocs()).toBe(md);
    for (const g of PARAMETER_GROUPS) expect(md).toContain(`## ${g.name}`);
    for (const p of PARAMETERS.values()) expect(md).toContain(`### \`${p.name}\``);
    expect(md).toContain("- `admin` (boolean): true: grant WITH ADMIN OPTION");
    expect(md).toContain("Type: `user[]`");
  });
});

describe("HostVars", () => {
  test("types follow the schemas; parameters without default are optional", () => {
    expectTypeOf<HostVars["pg_port"]>().toEqualTypeOf<number>();
    expectTypeOf<HostVars["pg_users"]>().toEqualTypeOf<PgUser[]>();
    expectTypeOf<HostVars["pg_rto"]>().toEqualTypeOf<"fast" | "norm" | "safe" | "wide" | number>();
    expectTypeOf<HostVars["pg_cluster"]>().toEqualTypeOf<string | undefined>();
    expectTypeOf<HostVars["pg_role"]>().toEqualTypeOf<"primary" | "replica" | "offline" | "standby" | "delayed" | undefined>();
  });
});
