// Shared by the desired-objects tests: a one-node cluster pg-test whose vars are given as YAML.
import type { HostContext } from "../../../../src/modules/context.js";
import type { PresentDatabase, PresentRole } from "../../../../src/modules/pgsql/objects.js";
import { contextFor } from "../context-helper.js";

function block(text: string, indent: number): string {
  const lines = text.replace(/^\n/, "").trimEnd().split("\n");
  const min = Math.min(...lines.filter((l) => l.trim()).map((l) => /^ */.exec(l)![0].length));
  return lines.map((l) => " ".repeat(indent) + l.slice(min)).join("\n");
}

/** An inventory with one primary 10.10.10.11 in pg-test; `clusterVars` go under pg-test's vars. */
export function inventory(clusterVars = "", globalVars = "pg_version: 16"): string {
  return [
    "all:",
    "  vars:",
    "    admin_ip: 10.10.10.10",
    block(globalVars, 4),
    "  children:",
    "    pg-test:",
    "      hosts:",
    "        10.10.10.11: { pg_seq: 1, pg_role: primary }",
    "      vars:",
    "        pg_cluster: pg-test",
    clusterVars.trim() ? block(clusterVars, 8) : "",
    "",
  ].join("\n");
}

export function ctxOf(clusterVars = "", globalVars = "pg_version: 16"): HostContext {
  return contextFor(inventory(clusterVars, globalVars), "10.10.10.11");
}

/** 1-based line of the first line containing `needle`. */
export function lineOf(text: string, needle: string): number {
  const i = text.split("\n").findIndex((l) => l.includes(needle));
  if (i < 0) throw new Error(`${needle} not in text`);
  return i + 1;
}

export function present<T extends { readonly name: string; readonly state: string }>(list: readonly T[], name: string): Extract<T, PresentRole | PresentDatabase> {
  const found = list.find((x) => x.name === name);
  if (!found || found.state === "absent") throw new Error(`${name} is not present`);
  return found as Extract<T, PresentRole | PresentDatabase>;
}
