/**
 * Markdown reference of every parameter (docs/parameters.md), rendered from the schema: per group
 * its description and a summary table, then per parameter its type, level, default, secrecy,
 * description and — for object-typed parameters — the fields of the objects.
 * Pure and deterministic: no I/O, no clock.
 */
import { stringify } from "yaml";
import type { ParamSpec } from "./param.js";
import { PARAMETER_GROUPS } from "./index.js";
import { paramJsonSchema, type JsonSchema } from "./json-schema.js";

const INLINE_MAX = 60;

function asSchema(v: unknown): JsonSchema | undefined {
  return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as JsonSchema) : undefined;
}

function asSchemas(v: unknown): JsonSchema[] {
  return Array.isArray(v) ? v.map(asSchema).filter((s): s is JsonSchema => s !== undefined) : [];
}

/** A short type name derived from a JSON Schema node: `string`, `port`-like `integer`, `user[]`, `dict<repo>`… */
export function shortType(js: JsonSchema): string {
  if (typeof js["title"] === "string") return js["title"];
  const anyOf = asSchemas(js["anyOf"]);
  if (anyOf.length > 0) return [...new Set(anyOf.map(shortType))].join(" | ");
  if (Array.isArray(js["enum"])) return "enum";
  if ("const" in js) return JSON.stringify(js["const"]);
  const type = js["type"];
  if (type === "array") {
    const item = shortType(asSchema(js["items"]) ?? {});
    return item.includes(" | ") ? `(${item})[]` : `${item}[]`;
  }
  if (type === "object") {
    const values = asSchema(js["additionalProperties"]);
    if (js["properties"] === undefined && values) return `dict<${shortType(values)}>`;
    return "object";
  }
  if (Array.isArray(type)) return type.join(" | ");
  return typeof type === "string" ? type : "any";
}

/** Allowed values of an enum-typed schema (directly or in one branch of a union). */
function enumValues(js: JsonSchema): unknown[] {
  if (Array.isArray(js["enum"])) return js["enum"] as unknown[];
  return asSchemas(js["anyOf"]).flatMap((b) => (Array.isArray(b["enum"]) ? (b["enum"] as unknown[]) : []));
}

/** The object schemas reachable through lists, maps and unions (the "item" objects of a parameter). */
function objectsOf(js: JsonSchema, out: JsonSchema[] = []): JsonSchema[] {
  if (asSchema(js["properties"])) out.push(js);
  for (const b of asSchemas(js["anyOf"])) objectsOf(b, out);
  const items = asSchema(js["items"]);
  if (items) objectsOf(items, out);
  const values = asSchema(js["additionalProperties"]);
  if (values) objectsOf(values, out);
  return out;
}

function renderFields(obj: JsonSchema, indent: string, depth: number, lines: string[]): void {
  const props = asSchema(obj["properties"]) ?? {};
  const required = new Set(Array.isArray(obj["required"]) ? (obj["required"] as string[]) : []);
  for (const [name, raw] of Object.entries(props)) {
    const f = asSchema(raw) ?? {};
    const req = required.has(name) ? ", required" : "";
    const desc = typeof f["description"] === "string" ? `: ${f["description"]}` : "";
    const values = enumValues(f);
    const type = values.length > 0 && values.length <= 8 ? shortType(f).replace("enum", values.map(String).join("|")) : shortType(f);
    lines.push(`${indent}- \`${name}\` (${type}${req})${desc}`);
    if (depth < 2) for (const nested of objectsOf(f)) renderFields(nested, `${indent}  `, depth + 1, lines);
  }
}

function inlineValue(v: unknown): string {
  return `\`${JSON.stringify(v)}\``;
}

function renderDefault(spec: ParamSpec, lines: string[]): void {
  if (spec.default === undefined) {
    lines.push("- Default: none");
    return;
  }
  const json = JSON.stringify(spec.default);
  if (json.length <= INLINE_MAX) {
    lines.push(`- Default: ${inlineValue(spec.default)}`);
    return;
  }
  lines.push("- Default:", "", "```yaml", stringify({ [spec.name]: spec.default }, { lineWidth: 0 }).trimEnd(), "```", "");
}

function renderParam(spec: ParamSpec, lines: string[]): void {
  const js = paramJsonSchema(spec);
  lines.push(`### \`${spec.name}\``, "", spec.description, "");
  lines.push(`- Type: \`${shortType(js)}\``, `- Level: ${spec.level}`);
  const values = enumValues(js);
  if (values.length > 0) lines.push(`- Values: ${values.map((v) => `\`${String(v)}\``).join(", ")}`);
  if (spec.sensitive) {
    const what = spec.sensitive === true ? "the whole value" : spec.sensitive.map((p) => `\`${p}\``).join(", ");
    lines.push(`- Sensitive: ${what} (never rendered)`);
  }
  renderDefault(spec, lines);
  const objects = objectsOf(js);
  for (const obj of objects) {
    const title = typeof obj["title"] === "string" ? obj["title"] : "object";
    lines.push("", `Fields of \`${title}\`:`, "");
    renderFields(obj, "", 0, lines);
  }
  lines.push("");
}

/** Markdown reference of every parameter, grouped as in PARAMETER_GROUPS. */
export function renderParameterDocs(): string {
  const lines: string[] = [
    "# Parameters",
    "",
    "Generated from the parameter schema (`src/model/schema/`) by `pgsty docs`; do not edit by hand.",
    "Levels: G global (`all.vars`), C cluster (group vars), I instance (host vars).",
    "",
    "| Group | Parameters | Description |",
    "|---|---|---|",
  ];
  for (const g of PARAMETER_GROUPS) lines.push(`| [${g.name}](#${g.name.toLowerCase()}) | ${g.params.length} | ${g.description} |`);
  lines.push("");
  for (const g of PARAMETER_GROUPS) {
    lines.push(`## ${g.name}`, "", g.description, "", "| Parameter | Type | Level | Default |", "|---|---|---|---|");
    for (const p of g.params) {
      const js = paramJsonSchema(p);
      const dflt = p.default === undefined ? "" : JSON.stringify(p.default).length <= 30 ? inlineValue(p.default) : "see below";
      lines.push(`| [\`${p.name}\`](#${p.name}) | \`${shortType(js).replaceAll("|", "\\|")}\` | ${p.level} | ${dflt.replaceAll("|", "\\|")} |`);
    }
    lines.push("");
    for (const p of g.params) renderParam(p, lines);
  }
  return lines.join("\n").replace(/\n{3,}/g, "\n\n");
}
