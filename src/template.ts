/**
 * The nunjucks environment for every file pgsty writes (templates/*.njk). Deterministic by design:
 * no clock, no randomness, undefined values are errors (a typo in a template must not render
 * an empty string into a config). Reads templates from the package's templates/ folder, which is
 * part of the program, not user input. Must not import I/O beyond that loader.
 */
import nunjucks from "nunjucks";
import { packagePath } from "./package-root.js";

/**
 * nunjucks' SafeString is `Object.create(String.prototype)`, after which V8 keeps String.prototype
 * in its slow dictionary mode: every string method call of the process (charCodeAt, slice, …)
 * ran up to 4× slower, js-yaml's parse of the 1 MiB bench inventory ~100 ms longer. V8 turns a
 * prototype back into fast mode when a property is loaded through it by code that has feedback,
 * which a function gets after a few calls: hence the loop.
 */
function restoreFastStringPrototype(): void {
  const probe: { charAt?: unknown } = Object.create(String.prototype);
  const load = (o: { charAt?: unknown }) => o.charAt;
  for (let i = 0; i < 20; i++) load(probe);
}
restoreFastStringPrototype();

let env: nunjucks.Environment | undefined;

function environment(): nunjucks.Environment {
  if (env) return env;
  env = new nunjucks.Environment(new nunjucks.FileSystemLoader(packagePath("templates"), { noCache: false }), {
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
