/**
 * Every package name pgsty would install for the bundled inventories (conf/pgsql.yml,
 * conf/ha/pg-test.yml) exists in Debian 12's archive: `apt-cache show <name>` for each. Runs
 * `apt-get update` once when the package lists are missing (root only). Skips (with the reason)
 * off Debian 12 or without apt, never when CI is set.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { PACKAGE_MAPS, packagesFor, resolvePackages } from "../../src/modules/node/packages.js";
import { contextFor } from "../unit/modules/context-helper.js";

function probe(): string | undefined {
  if (!existsSync("/etc/debian_version") || !readFileSync("/etc/debian_version", "utf8").startsWith("12")) return "not Debian 12";
  if (spawnSync("apt-cache", ["--version"]).status !== 0) return "apt-cache missing";
  return undefined;
}
const reason = probe();
const skip = reason !== undefined && !process.env["CI"];

const shown = (name: string) => spawnSync("apt-cache", ["show", name], { encoding: "utf8" }).status === 0;

describe.skipIf(skip)(`package names exist in Debian 12's archive${skip ? ` (skipped: ${reason})` : ""}`, () => {
  const cases: [string, string][] = [
    ["conf/pgsql.yml", "127.0.0.1"],
    ["conf/ha/pg-test.yml", "10.10.10.11"],
    ["conf/ha/pg-test.yml", "10.10.10.12"],
    ["conf/ha/pg-test.yml", "10.10.10.13"],
  ];
  const names = [
    ...new Set(cases.flatMap(([file, host]) => packagesFor(contextFor(readFileSync(new URL(`../../${file}`, import.meta.url), "utf8"), host)).names)),
  ].sort();

  it("has package lists (apt-get update once if not)", () => {
    if (reason) throw new Error(`cannot run: ${reason}`); // only reached in CI
    if (!shown("postgresql-15") && process.getuid?.() === 0) spawnSync("apt-get", ["-qq", "update"], { stdio: "ignore", timeout: 300_000 });
    expect(shown("postgresql-15")).toBe(true);
  }, 320_000);

  it("resolves a non-empty list", () => expect(names.length).toBeGreaterThan(8));

  it.each(names)("%s", (name) => {
    expect(shown(name), `apt-cache show ${name}`).toBe(true);
  });

  it("resolves every alias of the Debian 12 map to packages of the archive (pgvector: Debian 13 / PGDG)", () => {
    const map = PACKAGE_MAPS.debian12;
    const all = [...new Set(Object.keys(map).flatMap((alias) => resolvePackages(alias, map, 15)))].sort();
    const r = spawnSync("apt-cache", ["show", "--no-all-versions", ...all], { encoding: "utf8", maxBuffer: 64 << 20 });
    const found = new Set([...r.stdout.matchAll(/^Package: (\S+)$/gm)].map((m) => m[1]!));
    expect(all.filter((n) => !found.has(n))).toEqual(["postgresql-15-pgvector"]);
  }, 60_000);
});
