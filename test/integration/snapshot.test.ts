/**
 * The startup snapshot (dist/pgsty.blob) against the bundle it was made from: the same output and
 * exit code for every kind of command, with what a run depends on — its environment, its working
 * directory, the package's own files, modules kept out of the blob — read when it runs, not when
 * the blob was built.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildDist } from "./cluster-kit.js";

const ROOT = new URL("../../", import.meta.url).pathname;
const PGSTY = join(ROOT, "bin/pgsty");
const dir = mkdtempSync(join(tmpdir(), "pgsty-snapshot-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function pgsty(args: string[], o: { snapshot: boolean; env?: Record<string, string>; cwd?: string }) {
  // NODE_OPTIONS (the test runner may set some) sends bin/pgsty to the bundle: only when asked
  const { PGSTY_TIMING: _timing, NODE_OPTIONS: _nodeOptions, ...inherited } = process.env;
  const env = { ...inherited, PGSTY_SNAPSHOT: o.snapshot ? "1" : "0", NO_COLOR: "1", ...o.env };
  const r = spawnSync(PGSTY, args, { encoding: "utf8", env, cwd: o.cwd ?? ROOT, maxBuffer: 1 << 28 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** What a command answers: its exit code and standard output (standard error holds timing notes). */
const answer = ({ code, stdout }: { code: number | null; stdout: string }) => ({ code, stdout });

describe("the startup snapshot", () => {
  beforeAll(() => buildDist(), 120_000);

  it("is built for this machine's node", () => {
    expect(existsSync(join(ROOT, "dist/pgsty.blob"))).toBe(true);
  });

  const bad = join(dir, "bad.yml");
  writeFileSync(bad, "all:\n  children:\n    pg-x:\n      hosts:\n        10.9.0.1: { pg_seq: one, pg_role: leader }\n      vars: { pg_cluster: pg-x }\n");
  const commands: [string, string[]][] = [
    ["validate", ["validate", "-i", "conf/full.yml"]],
    ["validate of an invalid inventory, as JSON", ["validate", "--json", "-i", bad]],
    ["inventory --list", ["inventory", "--list", "-i", "conf/full.yml"]],
    ["inventory --explain", ["inventory", "--explain", "10.10.10.11", "pg_version", "-i", "conf/full.yml", "-e", "pg_version=16"]],
    ["plan --offline", ["plan", "--offline", "-i", "conf/full.yml"]],
    ["plan --offline --json", ["plan", "--offline", "--json", "-i", "conf/full.yml"]],
    ["schema", ["schema"]],
    ["an unknown option", ["validate", "--frobnicate"]],
  ];
  it.each(commands)("answers %s as the bundle does", (_name, args) => {
    const fromSnapshot = pgsty(args, { snapshot: true });
    expect(fromSnapshot).toEqual(pgsty(args, { snapshot: false }));
    expect(fromSnapshot.stdout + fromSnapshot.stderr).not.toBe("");
  });

  it("is made from ASCII scripts: V8 keeps a script with any other character at two bytes a character", () => {
    const scripts = readdirSync(join(ROOT, "dist"), { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".mjs"));
    expect(scripts.length).toBeGreaterThan(5);
    expect(scripts.filter((f) => /[\u0080-\uffff]/.test(readFileSync(join(ROOT, "dist", f), "utf8")))).toEqual([]);
  });

  it("finds the bundled inventory from any working directory", () => {
    const r = pgsty(["validate"], { snapshot: true, cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`${join(ROOT, "conf/pgsql.yml")}: valid (1 host, 1 cluster`);
  });

  it("is left for the bundle when NODE_OPTIONS may hold V8 flags it was not built with", () => {
    const r = pgsty(["validate", "-i", "conf/full.yml"], { snapshot: true, env: { NODE_OPTIONS: "--max-old-space-size=4096", PGSTY_TIMING: "1" } });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("from the bundle");
    expect(r.stderr).toContain("conf/full.yml: valid");
  });

  it("is what bin/pgsty starts from, and reads the environment when it runs", () => {
    expect(pgsty(["validate", "-i", "conf/full.yml"], { snapshot: true, env: { PGSTY_TIMING: "1" } }).stderr).toMatch(/^timing: process up to the CLI \d+ ms, from the startup snapshot$/m);
    expect(pgsty(["validate", "-i", "conf/full.yml"], { snapshot: false, env: { PGSTY_TIMING: "1" } }).stderr).toMatch(/^timing: process up to the CLI \d+ ms, from the bundle$/m);
    expect(pgsty(["validate", "-i", "conf/full.yml"], { snapshot: true }).stderr).not.toContain("timing:");
  });

  it("starts node without NODE_EXTRA_CA_CERTS, which node would load as it starts", () => {
    // node warns at startup about a CA file it cannot load: no warning, so it never tried
    expect(spawnSync(process.execPath, ["-e", "0"], { encoding: "utf8", env: { PATH: process.env.PATH, NODE_EXTRA_CA_CERTS: join(dir, "none.pem") } }).stderr).toContain("Ignoring extra certs");
    for (const snapshot of [true, false]) {
      const r = pgsty(["validate", "-i", "conf/full.yml"], { snapshot, env: { NODE_EXTRA_CA_CERTS: join(dir, "none.pem") } });
      expect(r.code).toBe(0);
      expect(r.stderr).not.toContain("Ignoring extra certs");
    }
  });

  it("reads plain inventories with the WebAssembly YAML reader, loaded when first used", () => {
    for (const snapshot of [true, false]) {
      const r = pgsty(["validate", "-i", "conf/full.yml"], { snapshot, env: { PGSTY_TIMING: "1" } });
      expect(r.code).toBe(0);
      expect(r.stderr).not.toMatch(/read by js-yaml|no YAML subset reader/);
    }
  });

  it("answers the same without WebAssembly (node --jitless), js-yaml reading every file", () => {
    const { NODE_OPTIONS: _nodeOptions, ...inherited } = process.env;
    const jitless = (args: string[]) => {
      const r = spawnSync(process.execPath, ["--jitless", join(ROOT, "dist/main.mjs"), ...args], { encoding: "utf8", cwd: ROOT, env: { ...inherited, NO_COLOR: "1", PGSTY_TIMING: "1" }, maxBuffer: 1 << 28 });
      return { code: r.status, stdout: r.stdout, stderr: r.stderr };
    };
    for (const args of [["validate", "--json", "-i", "conf/full.yml"], ["inventory", "--list", "-i", "conf/full.yml"], ["validate", "--json", "-i", bad]]) {
      const r = jitless(args);
      expect(r.stderr).toContain("no YAML subset reader: no WebAssembly in this process");
      expect(r.stderr).toMatch(/\.yml: read by js-yaml, not the YAML subset reader/);
      expect(answer(r)).toEqual(answer(pgsty(args, { snapshot: true })));
    }
  });

  it("leaves every file to js-yaml with PGSTY_YAML_SUBSET=0, for the same answers", () => {
    const args = ["validate", "--json", "-i", "conf/full.yml"];
    const r = pgsty(args, { snapshot: true, env: { PGSTY_YAML_SUBSET: "0", PGSTY_TIMING: "1" } });
    expect(r.stderr).toContain("no YAML subset reader: PGSTY_YAML_SUBSET=0");
    expect(r.stderr).toContain("conf/full.yml: read by js-yaml, not the YAML subset reader");
    expect(answer(r)).toEqual(answer(pgsty(args, { snapshot: true })));
  });

  it("loads the SSH library kept out of it when a host is read", () => {
    const inv = join(dir, "unreachable.yml");
    writeFileSync(inv, "all:\n  children:\n    pg-x:\n      hosts:\n        127.0.0.9: { pg_seq: 1, pg_role: primary, ansible_port: 2 }\n      vars: { pg_cluster: pg-x }\n");
    const r = pgsty(["plan", "-i", inv, "-t", "pg_hba"], { snapshot: true });
    expect(r.stdout + r.stderr).toContain("cannot connect to root@127.0.0.9:2");
  });
});
