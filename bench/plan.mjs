#!/usr/bin/env node
/**
 * Desired-state speed and memory: on the generated 1,000-cluster / 3,000-host inventory, times
 * `pgsty plan --offline` (human and --json), `pgsty plan --base` against a copy with one changed
 * cluster, and `pgsty render`, whole process. Targets (issue #3): < 3 s and < 500 MB.
 * With --ansible (and ansible-inventory on PATH), also times the offline plan (human and JSON) and
 * render in turns with `ansible-inventory --list` on the same file, to scale them to issue #2's
 * reference machine.
 *   node bench/plan.mjs [--clusters 1000] [--runs 3] [--ansible]
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { inTurnsWithAnsible, measure, measureNodeStartup } from "./measure.mjs";

const { values } = parseArgs({ options: { clusters: { type: "string", default: "1000" }, runs: { type: "string", default: "3" }, ansible: { type: "boolean", default: false } } });
const file = `/tmp/pgsty-bench-inv-${values.clusters}.yml`;
console.log(execFileSync("node", ["bench/gen-inventory.mjs", "--clusters", values.clusters, "--out", file], { encoding: "utf8" }).trim());
const changed = file.replace(/\.yml$/, "-changed.yml");
// one cluster gets a new HBA rule: what a typical pull request does
writeFileSync(changed, readFileSync(file, "utf8").replace("pg_hba_rules:\n", "pg_hba_rules:\n          - { user: all, db: all, addr: 10.99.0.0/16, auth: pwd, title: bench }\n"));
const runs = Number(values.runs);
measureNodeStartup({ runs });
measure("pgsty plan --offline", ["bin/pgsty", "plan", "--offline", "-i", file], { runs });
measure("pgsty plan --offline --json", ["bin/pgsty", "plan", "--offline", "--json", "-i", file], { runs });
measure("pgsty plan --base (one cluster changed)", ["bin/pgsty", "plan", "--base", file, "-i", changed], { runs });
// render into tmpfs when there is one: on this VM's ext4, kernel time for the same 79,000 new
// inodes grew from 3 s to 40 s over successive runs (as deleted trees are reclaimed), which
// measured the disk, not pgsty
const renderOut = existsSync("/dev/shm") ? "/dev/shm/pgsty-bench-render" : "/tmp/pgsty-bench-render";
const render = ["bin/pgsty", "render", "-i", file, "--out", renderOut];
const clean = () => rmSync(renderOut, { recursive: true, force: true });
measure(`pgsty render (secrets masked) into ${renderOut}`, render, { runs, before: clean });
clean();
if (values.ansible) {
  inTurnsWithAnsible(file, [
    { label: "pgsty plan --offline", argv: ["bin/pgsty", "plan", "--offline", "-i", file], runs },
    { label: "pgsty plan --offline --json", argv: ["bin/pgsty", "plan", "--offline", "--json", "-i", file], runs },
    { label: "pgsty render", argv: render, runs, before: clean },
  ]);
  clean();
}
