/**
 * Reads what the user pointed at: inventory files (`-i`, `$PGSTY_INVENTORY`, `./pigsty.yml`, the
 * bundled `conf/pgsql.yml`) and `-e @file` vars files. The only file reading of the front end;
 * read failures become diagnostics, never exceptions.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { error, type Diagnostic } from "../diagnostics.js";
import { packagePath } from "../package-root.js";
import type { ExtraVarsArg } from "../inventory/extra-vars.js";
import type { InventorySource } from "../inventory/load.js";

/** Which inventory files to read: -i, else $PGSTY_INVENTORY, else ./pigsty.yml, else conf/pgsql.yml. */
export function inventoryPaths(given: readonly string[], env: NodeJS.ProcessEnv = process.env): string[] {
  if (given.length > 0) return [...given];
  if (env.PGSTY_INVENTORY) return env.PGSTY_INVENTORY.split(",").filter(Boolean);
  if (existsSync("pigsty.yml")) return ["pigsty.yml"];
  return [packagePath("conf", "pgsql.yml")];
}

export function readSources(paths: readonly string[]): { sources: InventorySource[]; diagnostics: Diagnostic[] } {
  const sources: InventorySource[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const file of paths) {
    const r = readText(file, "inventory");
    if (typeof r === "string") sources.push({ file, text: r });
    else diagnostics.push(r);
  }
  return { sources, diagnostics };
}

/** `-e` arguments: `@file` is read here, the rest is passed on as text. */
export function readExtraVars(args: readonly string[]): { args: ExtraVarsArg[]; diagnostics: Diagnostic[] } {
  const out: ExtraVarsArg[] = [];
  const diagnostics: Diagnostic[] = [];
  args.forEach((a, i) => {
    if (!a.startsWith("@")) return void out.push({ text: a, index: i + 1 });
    const file = a.slice(1);
    const r = readText(file, "vars file");
    if (typeof r === "string") out.push({ text: r, file, index: i + 1 });
    else diagnostics.push(r);
  });
  return { args: out, diagnostics };
}

function readText(file: string, what: string): string | Diagnostic {
  const source = { file, line: 1, column: 1 };
  try {
    if (statSync(file).isDirectory()) {
      return error("input.directory", `${what} \`${file}\` is a directory`, { source, hint: `pass a YAML file, e.g. ${join(file, "pigsty.yml")}` });
    }
    return readFileSync(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const summary = code === "ENOENT" ? `${what} \`${file}\` does not exist` : code === "EACCES" ? `${what} \`${file}\` cannot be read (permission denied)` : `${what} \`${file}\` cannot be read: ${(e as Error).message}`;
    return error("input.read", summary, { source, hint: code === "ENOENT" ? "check the path given with -i (or $PGSTY_INVENTORY)" : undefined });
  }
}
