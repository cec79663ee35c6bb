/**
 * Preflight: the playbook-wide checks steps declare (StepDef.preflight), run over the hosts `-l`
 * selected before any host is read or changed. Every step of the playbook counts, whatever `-t`
 * selects (as Pigsty's `always` tasks: `-t pg_data` must not get around pg_safeguard); a check
 * shared by several steps runs once. Pure.
 *
 * The checks that need the hosts' facts (reachability, platform, ports, versions) run in the live
 * plan, on the facts of its one round trip per host: preflight-host.ts and its parts.
 */
import type { Diagnostic } from "../diagnostics.js";
import type { Model } from "../model/model.js";
import type { Preflight, StepDef } from "../modules/module.js";
import type { Playbook } from "./playbook.js";

export function runPreflight(playbook: Playbook, stepDefs: ReadonlyMap<string, StepDef>, model: Model, hosts: readonly string[]): Diagnostic[] {
  const checks = new Set<Preflight>();
  for (const s of playbook.steps) {
    const check = stepDefs.get(s.step)?.preflight;
    if (check) checks.add(check);
  }
  return [...checks].flatMap((check) => check(model, hosts));
}
