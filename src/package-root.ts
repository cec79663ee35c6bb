/**
 * Where pgsty's own files are (conf/, templates/, playbooks/): the folder above this module, in the
 * bundle (dist/) or in the sources (src/), that holds package.json and those folders. Part of the
 * program, not user input.
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

function findRoot(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    if (existsSync(join(dir, "package.json")) && existsSync(join(dir, "templates")) && existsSync(join(dir, "playbooks"))) return dir;
    if (dirname(dir) === dir) throw new Error("pgsty's package folder (with templates/ and playbooks/) was not found above its modules");
  }
}

export const PACKAGE_ROOT = findRoot();

/** A path inside the package: `packagePath("templates")`. */
export function packagePath(...parts: string[]): string {
  return join(PACKAGE_ROOT, ...parts);
}
