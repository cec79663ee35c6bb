/**
 * The nunjucks environment for every file pgsty writes (templates/*.njk). Deterministic by design:
 * no clock, no randomness, undefined values are errors (a typo in a template must not render
 * an empty string into a config). Reads templates from the package's templates/ folder, which is
 * part of the program, not user input. Must not import I/O beyond that loader.
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import nunjucks from "nunjucks";

function templatesDir(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    if (existsSync(join(dir, "templates")) && existsSync(join(dir, "package.json"))) return join(dir, "templates");
    if (dirname(dir) === dir) throw new Error("templates/ not found above the pgsty module");
  }
}

let env: nunjucks.Environment | undefined;

function environment(): nunjucks.Environment {
  if (env) return env;
  env = new nunjucks.Environment(new nunjucks.FileSystemLoader(templatesDir(), { noCache: false }), {
    autoescape: false,
    throwOnUndefined: true,
    trimBlocks: true,
    lstripBlocks: true,
  });
  // left-justify to a width, as Jinja's "%-18s" % x: for aligned config columns
  env.addFilter("ljust", (s: unknown, width: number) => String(s).padEnd(width));
  env.addFilter("rjust", (s: unknown, width: number) => String(s).padStart(width));
  // a value as a YAML/JSON scalar: strings quoted only when needed is not nunjucks' job; JSON is valid YAML
  env.addFilter("json", (v: unknown) => JSON.stringify(v));
  return env;
}

/** Render `templates/<name>` with `context`. Throws on undefined variables (a bug, not user input). */
export function renderTemplate(name: string, context: Record<string, unknown>): string {
  return environment().render(name, context);
}
