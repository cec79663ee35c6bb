/**
 * Command-line vars (`-e`), the highest layer of precedence. Forms, as in Ansible:
 * `-e key=value [key2=value2 ...]`, `-e '{"key": value}'` (JSON or YAML flow), `-e @file.yml`.
 * Unlike Ansible, a `key=value` value is read as a YAML scalar (`pg_version=16` is the number 16,
 * `pg_safeguard=true` a boolean): pgsty validates types strictly, and strings-only would make
 * every numeric override an error. Pure: the CLI reads `@file`s and passes their text here.
 */
import { error, type Diagnostic } from "../diagnostics.js";
import type { Written } from "./source.js";
import { parseYaml } from "./yaml.js";

/** One `-e` argument; for `@file` the CLI sets `file` to the path and `text` to its content. */
export interface ExtraVarsArg {
  readonly text: string;
  /** Set when the text came from `-e @file`. */
  readonly file?: string;
  /** 1-based position among the `-e` arguments, for messages. */
  readonly index: number;
}

export function parseExtraVars(args: readonly ExtraVarsArg[]): { vars: Map<string, Written>; diagnostics: Diagnostic[] } {
  const vars = new Map<string, Written>();
  const diagnostics: Diagnostic[] = [];
  for (const arg of args) {
    const trimmed = arg.text.trim();
    if (arg.file !== undefined || trimmed.startsWith("{")) parseDocumentArg(arg, vars, diagnostics);
    else parseKeyValues(arg, vars, diagnostics);
  }
  return { vars, diagnostics };
}

function parseDocumentArg(arg: ExtraVarsArg, vars: Map<string, Written>, out: Diagnostic[]): void {
  const file = arg.file ?? `<-e #${arg.index}>`;
  const parsed = parseYaml(arg.text, file);
  if ("error" in parsed) {
    out.push(error("extra-vars.syntax", parsed.error.message, {
      source: { file, line: parsed.error.line, column: parsed.error.column },
      hint: "-e takes key=value pairs, a JSON/YAML map such as '{\"pg_version\": 16}', or @file.yml",
    }));
    return;
  }
  const { value: root, index } = parsed;
  if (root === null || root === undefined) return; // an empty vars file sets nothing
  if (typeof root !== "object" || Array.isArray(root)) {
    out.push(error("extra-vars.shape", "extra vars must be a map of variable names to values", {
      source: index.position([]),
      hint: "write '{\"pg_version\": 16}' or a YAML file of `name: value` lines",
    }));
    return;
  }
  for (const [key, value] of Object.entries(root)) vars.set(key, { value, ref: { file, path: [key], index } });
}

function parseKeyValues(arg: ExtraVarsArg, vars: Map<string, Written>, out: Diagnostic[]): void {
  const file = `<-e #${arg.index}>`;
  let column = 1;
  for (const token of arg.text.split(/(\s+)/)) {
    const here = column;
    column += token.length;
    if (token.trim() === "") continue;
    const eq = token.indexOf("=");
    if (eq <= 0) {
      out.push(error("extra-vars.syntax", `\`${token}\` is not key=value`, {
        source: { file, line: 1, column: here },
        hint: "-e takes key=value pairs, a JSON/YAML map such as '{\"pg_version\": 16}', or @file.yml",
      }));
      continue;
    }
    const raw = token.slice(eq + 1);
    // a scalar as YAML reads it; anything that is not a plain scalar (a map, a list) stays a string
    const parsed = parseYaml(raw);
    const scalar = "value" in parsed ? parsed.value : raw;
    const value = scalar !== null && typeof scalar === "object" ? raw : scalar ?? "";
    vars.set(token.slice(0, eq), { value, ref: { file, pos: { file, line: 1, column: here } } });
  }
}
