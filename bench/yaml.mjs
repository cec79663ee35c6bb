#!/usr/bin/env node
/**
 * The YAML reader on the generated 1,000-cluster inventory: `pgsty validate` with the subset
 * reader (WebAssembly, then JSON.parse) and with js-yaml alone (PGSTY_YAML_SUBSET=0), runs
 * interleaved, each in a fresh process as a user runs it. Reports the `load` phase (parse and
 * translation into the inventory, from PGSTY_TIMING) and the whole run, min and median.
 *   node bench/yaml.mjs [--runs 15] [--file /tmp/pgsty-bench-inv-1000.yml]
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { parseArgs } from "node:util";
import { minMedian } from "./measure.mjs";

const { values } = parseArgs({ options: { runs: { type: "string", default: "15" }, file: { type: "string", default: "/tmp/pgsty-bench-inv-1000.yml" } } });
if (!existsSync(values.file)) execFileSync("node", ["bench/gen-inventory.mjs", "--clusters", "1000", "--out", values.file]);
const sides = { "subset reader": {}, "js-yaml (PGSTY_YAML_SUBSET=0)": { PGSTY_YAML_SUBSET: "0" } };
const res = Object.fromEntries(Object.keys(sides).map((k) => [k, { load: [], wall: [] }]));
for (let i = 0; i < Number(values.runs); i++) {
  for (const [k, env] of Object.entries(sides)) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync("bin/pgsty", ["validate", "-i", values.file], { encoding: "utf8", env: { ...process.env, ...env, PGSTY_TIMING: "1" } });
    res[k].wall.push(Number(process.hrtime.bigint() - t0) / 1e6);
    const load = /^timing: load (\d+) ms$/m.exec(r.stderr);
    if (!load || r.status !== 0) throw new Error(`pgsty validate failed (exit ${r.status}): ${r.stderr.slice(0, 400)}`);
    res[k].load.push(Number(load[1]));
  }
}
for (const [k, r] of Object.entries(res)) console.log(`${k.padEnd(30)} load ${minMedian(r.load)} | whole run ${minMedian(r.wall)}`);
