#!/usr/bin/env node
/**
 * Desired-state speed and memory: on the generated 1,000-cluster / 3,000-host inventory, times
 * `pgsty plan --offline` (human and --json), `pgsty plan --base` against a copy with one changed
 * cluster, and `pgsty render`, whole process. Targets (issue #3): < 3 s and < 500 MB.
 *   node bench/plan.mjs [--clusters 1000] [--runs 3]
 */
import { execFileSync } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { measure } from "./measure.mjs";

const { values } = parseArgs({ options: { clusters: { type: "string", default: "1000" }, runs: { type: "string", default: "3" } } });
const file = `/tmp/pgsty-bench-inv-${values.clusters}.yml`;
console.log(execFileSync("node", ["bench/gen-inventory.mjs", "--clusters", values.clusters, "--out", file], { encoding: "utf8" }).trim());
const changed = file.replace(/\.yml$/, "-changed.yml");
// one cluster gets a new HBA rule: what a typical pull request does
writeFileSync(changed, readFileSync(file, "utf8").replace("pg_hba_rules:\n", "pg_hba_rules:\n          - { user: all, db: all, addr: 10.99.0.0/16, auth: pwd, title: bench }\n"));
const runs = Number(values.runs);
measure("node startup (node -e 0)", ["node", "-e", "0"], { runs });
measure("pgsty plan --offline", ["bin/pgsty", "plan", "--offline", "-i", file], { runs });
measure("pgsty plan --offline --json", ["bin/pgsty", "plan", "--offline", "--json", "-i", file], { runs });
measure("pgsty plan --base (one cluster changed)", ["bin/pgsty", "plan", "--base", file, "-i", changed], { runs });
measure("pgsty render (secrets masked)", ["bin/pgsty", "render", "-i", file, "--out", "/tmp/pgsty-bench-render"], { runs: 1 });
rmSync("/tmp/pgsty-bench-render", { recursive: true, force: true });
