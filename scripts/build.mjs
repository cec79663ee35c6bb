#!/usr/bin/env node
/**
 * Builds dist/: the YAML subset reader compiled to WebAssembly by AssemblyScript
 * (dist/yaml-subset.wasm, from src/inventory/yaml-subset.as.ts), the CLI bundled by esbuild
 * (dist/main.mjs and its chunks, what any Node 20 runs), and a startup snapshot of it for the node
 * that runs this build (dist/pgsty.blob, given that node binary's modification time), which
 * bin/pgsty starts from when the node on PATH is that one. The reader and the snapshot only save
 * time: when one cannot be built the build says so and still succeeds (without the reader, js-yaml
 * reads every inventory). Why: docs/architecture.md, decisions 24 and 26.
 *   node scripts/build.mjs      (npm run build; npm ci runs it through `prepare`)
 */
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { build } from "esbuild";

process.chdir(new URL("..", import.meta.url).pathname);
rmSync("dist", { recursive: true, force: true });

// -O3: binaryen's optimiser; stub runtime: the reader allocates nothing, its caller lays out memory;
// no assertions: what is not in the subset traps through `unreachable` alone
const asc = await import("assemblyscript/asc").catch((e) => ({ error: e }));
const wasm = asc.error ?? (await asc.default.main(["src/inventory/yaml-subset.as.ts", "-O3", "--runtime", "stub", "--noAssert", "-o", "dist/yaml-subset.wasm"])).error;
if (wasm) console.warn(`pgsty build: no WebAssembly YAML reader, js-yaml will read every inventory (~100 ms slower on 1 MiB): ${String(wasm.message ?? wasm).split("\n")[0]}`);

// node-ssh and ssh2 carry native parts: they are loaded from node_modules, when apply runs
const external = ["node-ssh", "ssh2"];
const common = { bundle: true, platform: "node", target: "node20", logLevel: "warning" };

await build({
  ...common,
  entryPoints: ["src/cli/main.ts"],
  format: "esm",
  splitting: true,
  outdir: "dist",
  entryNames: "[name]",
  chunkNames: "chunks/[name]-[hash]",
  outExtension: { ".js": ".mjs" },
  external: [...external, "nunjucks"],
  banner: { js: "import { createRequire as __pgstyRequire } from 'node:module'; const require = __pgstyRequire(import.meta.url);" },
});

// The snapshot's script is CommonJS whose `require` knows only Node's built-in modules: every
// other module is bundled in, except `external` (and nunjucks' file watcher, never used), which
// this `require` loads at run time from beside the blob (src/cli/snapshot.ts says where).
const snapshotExternal = [...external, "chokidar", "fsevents"];
await build({
  ...common,
  entryPoints: ["src/cli/snapshot.ts"],
  format: "cjs",
  outfile: "dist/snapshot.cjs",
  external: snapshotExternal,
  define: { "import.meta.url": "undefined" },
  banner: {
    js: `require = ((builtin, external) => { let user; return (id) => (external.includes(id) ? (user ??= builtin("node:module").createRequire(globalThis.__pgstyRequireFrom))(id) : builtin(id)); })(require, ${JSON.stringify(snapshotExternal)});`,
  },
});

// V8 keeps a script's whole source in the heap, two bytes a character as soon as one character is
// not Latin-1. esbuild escapes strings but keeps some comments, and regular expressions, as
// written: a `→` in a kept comment made the snapshot's 1.6 MB script 3.2 MB in the heap and the
// blob 1.6 MB larger, read on every start. Escaped, every file is ASCII (the same program: a
// comment is a comment, and `\u27e6` in a regular expression matches what `⟦` did).
for (const file of ["dist/snapshot.cjs", ...readdirSync("dist", { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".mjs")).map((f) => `dist/${f}`)]) {
  const text = readFileSync(file, "utf8");
  const ascii = text.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  if (ascii !== text) writeFileSync(file, ascii);
}

const blob = "dist/pgsty.blob";
// --no-warnings: Node notes that some built-in modules (child_process) are "not yet fully
// verified" in snapshots; they are only imported there, never used before the snapshot is taken
const r = spawnSync(process.execPath, ["--no-warnings", "--snapshot-blob", blob, "--build-snapshot", "dist/snapshot.cjs"], { encoding: "utf8" });
rmSync("dist/snapshot.cjs");
// the blob's time is the node binary's, to the nanosecond: how bin/pgsty knows which node built it
const stamped = r.status === 0 && spawnSync("touch", ["-r", process.execPath, blob]).status === 0;
if (!stamped) {
  rmSync(blob, { force: true });
  console.warn(`pgsty build: no startup snapshot, pgsty will start from the bundle (~75 ms slower): ${(r.stderr || r.error?.message || "").trim().split("\n")[0]}`);
}
