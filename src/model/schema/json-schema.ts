/**
 * JSON Schema (draft-07, as yaml-language-server reads it) of a whole inventory file:
 * `all.vars`, `all.hosts`, `all.children.<group>.{hosts, vars, children}` recursively, where every
 * vars object lists every known parameter with its description and default and allows other keys
 * (other modules' vars). Also the per-parameter schema used by the parameter docs.
 * Pure: no I/O, no clock; output is deterministic.
 */
import * as z from "zod";
import type { ParamSpec } from "./param.js";
import { displaySchemaOf } from "./common.js";
import { PARAMETER_GROUPS } from "./index.js";

/** A JSON Schema node (draft-07), as plain data. */
export type JsonSchema = { [key: string]: unknown };

const DRAFT_07 = "http://json-schema.org/draft-07/schema#";

/** Convert one zod schema; `stringOr()` items show as string-or-object, dates as date strings. */
function toJson(schema: z.ZodType): JsonSchema {
  const out = z.toJSONSchema(schema, {
    target: "draft-7",
    io: "input",
    unrepresentable: "any",
    override: (ctx) => {
      const zs = ctx.zodSchema as unknown as z.ZodType;
      const display = displaySchemaOf(zs);
      if (display) Object.assign(ctx.jsonSchema, toJson(display));
      else if (zs._zod.def.type === "date") Object.assign(ctx.jsonSchema, { type: "string", format: "date" });
    },
  }) as JsonSchema;
  delete out["$schema"];
  return out;
}

/** JSON Schema of one parameter's value, with its description and default. */
export function paramJsonSchema(spec: ParamSpec): JsonSchema {
  const js: JsonSchema = { ...toJson(spec.schema), description: spec.description };
  if (spec.default !== undefined) js["default"] = JSON.parse(JSON.stringify(spec.default)) as unknown;
  return js;
}

/** JSON Schema of an inventory file (draft-07). */
export function inventoryJsonSchema(): object {
  const properties: Record<string, JsonSchema> = {};
  for (const group of PARAMETER_GROUPS) {
    for (const spec of group.params) properties[spec.name] = paramJsonSchema(spec);
  }
  return {
    $schema: DRAFT_07,
    title: "pgsty inventory",
    description: "An Ansible/Pigsty YAML inventory: all.vars, all.hosts and all.children.<group>.{hosts, vars, children}.",
    type: "object",
    properties: { all: { $ref: "#/definitions/group" } },
    additionalProperties: { $ref: "#/definitions/group" },
    definitions: {
      vars: {
        type: ["object", "null"],
        description: "Variables: every parameter pgsty knows, plus any other key (other modules' variables).",
        properties,
        additionalProperties: true,
      },
      hosts: {
        type: ["object", "null"],
        description: "Hosts of the group, keyed by IP address (or a name with ansible_host); each value holds host variables.",
        additionalProperties: { $ref: "#/definitions/vars" },
      },
      group: {
        type: ["object", "null"],
        description: "An inventory group: hosts, vars and child groups.",
        properties: {
          hosts: { $ref: "#/definitions/hosts" },
          vars: { $ref: "#/definitions/vars" },
          children: {
            type: ["object", "null"],
            description: "Child groups by name.",
            additionalProperties: { $ref: "#/definitions/group" },
          },
        },
        additionalProperties: false,
      },
    },
  };
}
