/**
 * Where pgsty's own files are (conf/, templates/, playbooks/): the folder above this module, in the
 * bundle (dist/) or in the sources (src/), that holds package.json and those folders. Part of the
 * program, not user input. Found when first asked, not when loaded: the startup snapshot loads this
 * module on the machine that builds it (src/cli/snapshot.ts).
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

let root: string | undefined;
/** A file inside the package, when the code was not loaded from a module URL (the snapshot). */
let locatedFrom: string | undefined;

/** Tells where the running program lives when `import.meta.url` cannot: the snapshot's blob file. */
export function locatePackageFrom(file: string): void {
  locatedFrom = file;
  root = undefined;
}

function findRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, "package.json")) && existsSync(join(dir, "templates")) && existsSync(join(dir, "playbooks"))) return dir;
    if (dirname(dir) === dir) throw new Error("pgsty's package folder (with templates/ and playbooks/) was not found above its modules");
  }
}

/** A path inside the package: `packagePath("templates")`. */
export function packagePath(...parts: string[]): string {
  root ??= findRoot(dirname(locatedFrom ?? fileURLToPath(import.meta.url)));
  return join(root, ...parts);
}
