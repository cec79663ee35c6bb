/**
 * Entry of the startup snapshot (dist/pgsty.blob, built by scripts/build.mjs, run by bin/pgsty as
 * `node --snapshot-blob`): the heap after loading the front end — commander, zod's schemas built,
 * js-yaml's schema compiled — so a run starts with them instead of building them, ~75 ms of every
 * command (docs/architecture.md, decision 24). The other commands' modules are in the blob's
 * script too, and are loaded when run: in the heap they saved ~15 ms of a small plan, no more.
 *
 * Everything imported here is loaded on the machine that builds the blob: no module may read the
 * environment, the arguments, the terminal or its own location when it is loaded, only when
 * called. apply's SSH library is not in the snapshot (it is loaded from node_modules when used).
 * Imported by nothing.
 */
import { resolve } from "node:path";
import { startupSnapshot } from "node:v8";
import { locatePackageFrom } from "../package-root.js";
import { run } from "./main.js";
import "./inventory.js";
import "./validate.js";

/** The blob this process started from: `--snapshot-blob FILE` or `--snapshot-blob=FILE`. */
function blobFile(): string {
  const args = process.execArgv;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--snapshot-blob" && args[i + 1] !== undefined) return resolve(args[i + 1]!);
    if (args[i]!.startsWith("--snapshot-blob=")) return resolve(args[i]!.slice("--snapshot-blob=".length));
  }
  throw new Error("started from a snapshot without --snapshot-blob");
}

startupSnapshot.setDeserializeMainFunction(() => {
  const blob = blobFile();
  locatePackageFrom(blob);
  // where the bundle's require (scripts/build.mjs) finds the modules kept out of the snapshot
  (globalThis as { __pgstyRequireFrom?: string }).__pgstyRequireFrom = blob;
  // argv is [node, ...arguments]: a snapshot has no script of its own
  void run(process.argv.slice(1));
});
