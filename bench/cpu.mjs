#!/usr/bin/env node
/**
 * Like validate.mjs, but interleaves `node -e 0` and `pgsty validate` runs — started from the
 * startup snapshot, and from the bundle (PGSTY_SNAPSHOT=0) — and reports wall and CPU (user+sys)
 * time of each, min and median, so a busy machine skews all sides alike.
 *   node bench/cpu.mjs [--runs 15] [--file /tmp/pgsty-bench-inv-1000.yml]
 */
import { spawnSync } from "node:child_process";
import { parseArgs } from "node:util";
import { minMedian } from "./measure.mjs";

const { values } = parseArgs({ options: { runs: { type: "string", default: "15" }, file: { type: "string", default: "/tmp/pgsty-bench-inv-1000.yml" } } });
const validate = ["bin/pgsty", "validate", "-i", values.file];
const cmds = { "node -e 0": ["node", "-e", "0"], validate, "validate, bundle": ["env", "PGSTY_SNAPSHOT=0", ...validate] };
const res = Object.fromEntries(Object.keys(cmds).map((k) => [k, { wall: [], cpu: [], rss: [] }]));
for (let i = 0; i < Number(values.runs); i++) {
  for (const [k, argv] of Object.entries(cmds)) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync("/usr/bin/time", ["-f", "%U %S %M", ...argv], { encoding: "utf8" });
    res[k].wall.push(Number(process.hrtime.bigint() - t0) / 1e6);
    const [u, s, m] = r.stderr.trim().split("\n").at(-1).split(" ").map(Number);
    res[k].cpu.push((u + s) * 1000);
    res[k].rss.push(m / 1024);
  }
}
for (const [k, r] of Object.entries(res)) console.log(`${k.padEnd(17)} wall ${minMedian(r.wall)} | cpu ${minMedian(r.cpu)} | rss max ${Math.max(...r.rss).toFixed(0)} MB`);
