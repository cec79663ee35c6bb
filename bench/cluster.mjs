#!/usr/bin/env node
/**
 * Real-cluster timings (issues #4 and #5), whole process through bin/pgsty: brings up three tini
 * test hosts (test/integration/testbed/up.sh, as root; packages installed by prepare.sh), then
 *   - the cold `pgsty apply --yes` of a 3-node pg-test with its 3-member etcd;
 *   - a no-op `pgsty plan` against the converged cluster, N times: wall time, and the round trips
 *     per host (PGSTY_TIMING's "live plan <host>: N round trips");
 *   - a no-op `pgsty apply --yes`, N times.
 * The test hosts are always torn down. Prints; asserts nothing.
 *   sudo node bench/cluster.mjs [--runs 5]     (after `npm ci`: needs dist/)
 */
import { spawnSync } from "node:child_process";
import { parseArgs } from "node:util";
import { measure, measureNodeStartup } from "./measure.mjs";
import { benchTestbed, PGSTY as pgsty } from "./testbed.mjs";

const { values } = parseArgs({ options: { runs: { type: "string", default: "5" } } });
const runs = Number(values.runs);
const tb = benchTestbed("bench", "10.211.250");

try {
  tb.up();
  const inv = tb.writeInventory([
    "pg_users: [ { name: test, password: Bench.Test.1, pgbouncer: true, roles: [dbrole_admin] } ]",
    "pg_databases: [ { name: test, owner: test, schemas: [app], extensions: [pg_trgm] } ]",
  ]);
  const t0 = process.hrtime.bigint();
  const cold = spawnSync(pgsty, ["apply", "-i", inv, "--yes"], { encoding: "utf8" });
  const coldS = Number(process.hrtime.bigint() - t0) / 1e9;
  console.log(`cold apply of pg-test (3 hosts, packages installed)        ${coldS.toFixed(1)} s  exit ${cold.status}`);
  if (cold.status !== 0) throw new Error(`cold apply failed:\n${cold.stdout.slice(-3000)}`);

  measureNodeStartup({ runs });
  measure("no-op pgsty plan (converged, 3 hosts)", [pgsty, "plan", "-i", inv], { runs });
  const timed = spawnSync(pgsty, ["plan", "-i", inv], { encoding: "utf8", env: { ...process.env, PGSTY_TIMING: "1" } });
  for (const line of timed.stderr.split("\n").filter((l) => /live plan \d/.test(l))) console.log(`  ${line.replace(/^timing: /, "")}`);
  if (!timed.stdout.includes("No changes.")) console.log(`  NOT EMPTY:\n${timed.stdout.slice(-2000)}`);
  measure("no-op pgsty apply --yes (converged)", [pgsty, "apply", "-i", inv, "--yes"], { runs });
} finally {
  tb.down();
}
