// bin/pgsty: which node it starts and how. A copy of the launcher in a scratch package, with a
// stub `node` on PATH that prints its arguments: the startup snapshot is used only when the blob
// carries that node's modification time, the bundle otherwise.
import { spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { restoreEnvironment } from "../../../src/cli/main.js";

const LAUNCHER = join(import.meta.dirname, "../../../bin/pgsty");
const dir = mkdtempSync(join(tmpdir(), "pgsty-launcher-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const pkg = join(dir, "pkg");
const fakeBin = join(dir, "fake-bin");
const node = join(fakeBin, "node");
const blob = join(pkg, "dist/pgsty.blob");
mkdirSync(join(pkg, "bin"), { recursive: true });
mkdirSync(join(pkg, "dist"));
mkdirSync(fakeBin);
copyFileSync(LAUNCHER, join(pkg, "bin/pgsty"));
writeFileSync(join(pkg, "dist/main.mjs"), "");
// prints its arguments, and on stderr what it was given of the CA variables
writeFileSync(node, '#!/bin/sh\nprintf "%s\\n" "$@"\nprintf "%s\\n" "NODE_EXTRA_CA_CERTS=${NODE_EXTRA_CA_CERTS-(unset)}" "PGSTY_NODE_EXTRA_CA_CERTS=${PGSTY_NODE_EXTRA_CA_CERTS-(unset)}" >&2\n');
chmodSync(node, 0o755);

const NODE_TIME = new Date("2026-03-24T03:03:37Z");
beforeEach(() => {
  writeFileSync(blob, "");
  utimesSync(node, NODE_TIME, NODE_TIME);
  utimesSync(blob, NODE_TIME, NODE_TIME);
});

function launch(path: string, env: Record<string, string> = {}) {
  const r = spawnSync(path, ["validate", "-i", "my inventory.yml"], { encoding: "utf8", env: { PATH: `${fakeBin}:/usr/bin:/bin`, ...env } });
  return { code: r.status, args: r.stdout.trimEnd().split("\n"), stderr: r.stderr };
}

describe("bin/pgsty", () => {
  it("starts from the snapshot built by the node on PATH, passing the arguments unchanged", () => {
    const r = launch(join(pkg, "bin/pgsty"));
    expect(r.code).toBe(0);
    expect(r.args).toEqual(["--v8-pool-size=0", "--snapshot-blob", `${pkg}/bin/../dist/pgsty.blob`, "validate", "-i", "my inventory.yml"]);
  });

  it("starts from the bundle when the blob was built by another node", () => {
    const other = new Date("2026-05-01T00:00:00Z");
    utimesSync(blob, other, other);
    expect(launch(join(pkg, "bin/pgsty")).args).toEqual(["--v8-pool-size=0", `${pkg}/bin/../dist/main.mjs`, "validate", "-i", "my inventory.yml"]);
  });

  it("starts from the bundle when there is no blob, with PGSTY_SNAPSHOT=0, or under NODE_OPTIONS", () => {
    expect(launch(join(pkg, "bin/pgsty"), { PGSTY_SNAPSHOT: "0" }).args[1]).toBe(`${pkg}/bin/../dist/main.mjs`);
    // node refuses a snapshot under V8 flags it was not built with (exit 14): NODE_OPTIONS may hold some
    expect(launch(join(pkg, "bin/pgsty"), { NODE_OPTIONS: "--max-old-space-size=4096" }).args[1]).toBe(`${pkg}/bin/../dist/main.mjs`);
    rmSync(blob);
    expect(launch(join(pkg, "bin/pgsty")).args[1]).toBe(`${pkg}/bin/../dist/main.mjs`);
  });

  it("finds its package through a symlink, as npx's node_modules/.bin/pgsty", () => {
    const link = join(dir, "pgsty-link");
    symlinkSync(join(pkg, "bin/pgsty"), link);
    expect(launch(link).args.slice(1, 3)).toEqual(["--snapshot-blob", `${pkg}/bin/../dist/pgsty.blob`]);
  });

  it("starts node without NODE_EXTRA_CA_CERTS, passing it on under another name for pgsty to put back", () => {
    // node would read and parse those certificates before running anything; pgsty opens no TLS connection
    for (const snapshot of ["1", "0"]) {
      const r = launch(join(pkg, "bin/pgsty"), { NODE_EXTRA_CA_CERTS: "/etc/my ca.pem", PGSTY_SNAPSHOT: snapshot });
      expect(r.stderr.split("\n")).toEqual(["NODE_EXTRA_CA_CERTS=(unset)", "PGSTY_NODE_EXTRA_CA_CERTS=/etc/my ca.pem", ""]);
      expect(r.args.at(-3)).toBe("validate");
    }
    // an empty value is passed on as it is; none, nothing
    expect(launch(join(pkg, "bin/pgsty"), { NODE_EXTRA_CA_CERTS: "" }).stderr).toBe("NODE_EXTRA_CA_CERTS=(unset)\nPGSTY_NODE_EXTRA_CA_CERTS=\n");
    expect(launch(join(pkg, "bin/pgsty")).stderr).toBe("NODE_EXTRA_CA_CERTS=(unset)\nPGSTY_NODE_EXTRA_CA_CERTS=(unset)\n");
  });

  it("sizes V8's background threads to the cores but one, at least one (the real node)", () => {
    // what --v8-pool-size=0 means to node: with one core allowed, one thread, not the 4 of the default
    const threads = (...command: string[]) =>
      Number(spawnSync(command[0]!, [...command.slice(1), "-e", "setTimeout(() => console.log(require('fs').readdirSync('/proc/self/task').length), 50)"], { encoding: "utf8" }).stdout);
    expect(threads("taskset", "-c", "0", process.execPath, "--v8-pool-size=0")).toBe(threads(process.execPath) - 3);
  });

  it("says so when node is not on PATH", () => {
    const r = spawnSync("/bin/sh", [join(pkg, "bin/pgsty"), "validate"], { encoding: "utf8", env: { PATH: join(dir, "nothing-here") } });
    expect(r.status).toBe(127);
    expect(r.stderr).toContain("node (version 20 or later) is not on PATH");
  });
});

describe("NODE_EXTRA_CA_CERTS, which bin/pgsty keeps from node", () => {
  it("is put back for the programs pgsty runs, as it was given", () => {
    const env: NodeJS.ProcessEnv = { PATH: "/bin", PGSTY_NODE_EXTRA_CA_CERTS: "/etc/my ca.pem" };
    restoreEnvironment(env);
    expect(env).toEqual({ PATH: "/bin", NODE_EXTRA_CA_CERTS: "/etc/my ca.pem" });
    const none: NodeJS.ProcessEnv = { PATH: "/bin" };
    restoreEnvironment(none);
    expect(none).toEqual({ PATH: "/bin" });
  });

  it("is needed by no code of pgsty's: nothing opens a TLS connection in process", () => {
    // HTTPS (Patroni's REST API) goes through curl on the hosts; SSH is not TLS. Code that needs
    // TLS here must load the CA file itself, or bin/pgsty must stop keeping it from node.
    const src = join(import.meta.dirname, "../../../src");
    const files = readdirSync(src, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".ts"));
    expect(files.length).toBeGreaterThan(50);
    const tls = /from "(node:)?(tls|https|http2)"|import\("(node:)?(tls|https|http2)"\)|require\("(node:)?(tls|https|http2)"\)|\bfetch\(/;
    expect(files.filter((f) => tls.test(readFileSync(join(src, f), "utf8")))).toEqual([]);
  });
});
