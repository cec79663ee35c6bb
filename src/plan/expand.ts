/**
 * Expansion: playbook × model × (limit, tags) → for each selected host, the task specs of each
 * selected step. Hosts are expanded one at a time, on demand (`tasksOf`), and not kept: planning
 * 3,000 hosts holds one host's rendered files at a time instead of all of them.
 * Pure: renders templates (part of the program) but reads no host.
 */
import type { Model } from "../model/model.js";
import { hostContext, type ContextOptions, type HostContext } from "../modules/context.js";
import type { StepDef } from "../modules/module.js";
import type { Playbook } from "./playbook.js";
import { selectSteps } from "./playbook.js";
import type { TaskSpec } from "./types.js";

export interface Expansion {
  readonly playbook: string;
  /** The selected steps, in playbook order. */
  readonly steps: readonly StepDef[];
  /** The selected hosts, in inventory order. */
  readonly hosts: readonly string[];
  /** The tasks of one host, per step it takes part in (steps it does not take part in are absent). */
  tasksOf(host: string): ReadonlyMap<string, readonly TaskSpec[]>;
}

export function expandPlaybook(
  model: Model,
  playbook: Playbook,
  stepDefs: ReadonlyMap<string, StepDef>,
  o: { hosts: readonly string[]; tags?: readonly string[]; context?: ContextOptions },
): Expansion {
  const steps = selectSteps(playbook, o.tags).map((s) => stepDefs.get(s.step)!);
  return {
    playbook: playbook.name,
    steps,
    hosts: o.hosts,
    tasksOf: (host) => expandHost(steps, hostContext(model, host, o.context)),
  };
}

export function expandHost(steps: readonly StepDef[], ctx: HostContext): Map<string, TaskSpec[]> {
  const out = new Map<string, TaskSpec[]>();
  for (const def of steps) {
    if (!def.applies(ctx)) continue;
    out.set(def.name, def.tasks(ctx).map((t) => ({ ...t, step: def.name })));
  }
  return out;
}
