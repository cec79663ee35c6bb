#!/usr/bin/env node
/**
 * `npm run bench`: the front-end and desired-state benches (issues #2 and #3), one after the
 * other, on the generated 1,000-cluster inventory. The real-cluster benches need root and test
 * hosts and are run on their own: `sudo node bench/cluster.mjs`, `sudo node bench/failover.mjs`.
 *   node bench/run.mjs [--runs N]
 */
import { spawnSync } from "node:child_process";

const extra = process.argv.slice(2);
for (const script of ["bench/validate.mjs", "bench/plan.mjs"]) {
  console.log(`# node ${script} ${extra.join(" ")}`.trimEnd());
  const r = spawnSync("node", [script, ...extra], { stdio: "inherit", cwd: new URL("..", import.meta.url).pathname });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
