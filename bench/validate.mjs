#!/usr/bin/env node
/**
 * Front-end speed and memory: generates the 1,000-cluster / 3,000-host inventory and times
 * `pgsty validate` and `pgsty inventory --list` on it, whole process (node start included).
 * Targets (issue #2): validate < 0.5 s and < 300 MB. Run after `npm ci` (needs dist/).
 * With --ansible (and ansible-inventory on PATH), also times `ansible-inventory --list` on the
 * same file, in turns with pgsty validate: the issue sets its target on a machine where that takes
 * about 10 s, and this VM's speed varies by a third from hour to hour.
 *   node bench/validate.mjs [--clusters 1000] [--runs 5] [--ansible]
 */
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { inTurnsWithAnsible, measure, measureNodeStartup } from "./measure.mjs";

const { values } = parseArgs({ options: { clusters: { type: "string", default: "1000" }, runs: { type: "string", default: "5" }, ansible: { type: "boolean", default: false } } });
const file = `/tmp/pgsty-bench-inv-${values.clusters}.yml`;
console.log(execFileSync("node", ["bench/gen-inventory.mjs", "--clusters", values.clusters, "--out", file], { encoding: "utf8" }).trim());
const runs = Number(values.runs);
measureNodeStartup({ runs });
measure("pgsty validate", ["bin/pgsty", "validate", "-i", file], { runs });
// the same inventory with its last two documented passwords changed: no diagnostic asks for a
// position, so the file is parsed once (positions are recorded by a second parse when needed)
const quiet = file.replace(/\.yml$/, "-no-warnings.yml");
writeFileSync(quiet, `${readFileSync(file, "utf8")}    haproxy_admin_password: Bench.HAProxy.Password\n    etcd_root_password: Bench.Etcd.Password\n`);
measure("pgsty validate (no warnings)", ["bin/pgsty", "validate", "-i", quiet], { runs });
measure("pgsty inventory --list", ["bin/pgsty", "inventory", "--list", "-i", file], { runs });
measure("pgsty inventory --list --defaults", ["bin/pgsty", "inventory", "--list", "--defaults", "-i", file], { runs });
if (values.ansible) inTurnsWithAnsible(file, [{ label: "pgsty validate", argv: ["bin/pgsty", "validate", "-i", file], runs }]);
