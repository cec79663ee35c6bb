/**
 * Expansion: playbook × model × (limit, tags) → for each selected host, the task specs of each
 * selected step. Hosts are expanded one at a time, on demand (`tasksOf`), and not kept: planning
 * 3,000 hosts holds one host's rendered files at a time instead of all of them. What hosts share
 * (frozen drafts, and frozen lists of them: modules/memo.ts, modules/intern.ts) stays shared as
 * specs, so a plan can work once per distinct task rather than once per host.
 * Pure: renders templates (part of the program) but reads no host.
 */
import type { Model } from "../model/model.js";
import { hostContext, type ContextOptions, type HostContext } from "../modules/context.js";
import type { StepDef } from "../modules/module.js";
import type { Playbook } from "./playbook.js";
import { selectSteps } from "./playbook.js";
import type { TaskDraft, TaskSpec } from "./types.js";

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
    out.set(def.name, specsOf(def.tasks(ctx), def.name));
  }
  return out;
}

/** A list of drafts that hosts share (frozen) becomes one shared list of specs. */
const specLists = new WeakMap<readonly TaskDraft[], readonly TaskSpec[]>();

function specsOf(drafts: readonly TaskDraft[], step: string): TaskSpec[] {
  if (!Object.isFrozen(drafts)) return drafts.map((t) => specOf(t, step));
  let list = specLists.get(drafts);
  if (list?.[0]?.step !== step) specLists.set(drafts, (list = Object.freeze(drafts.map((t) => specOf(t, step)))));
  // the map's value type is mutable for callers; the list is frozen, as its drafts are
  return list as TaskSpec[];
}

/** The specs of drafts that hosts share (frozen by modules/memo.ts), so hosts share them too. */
const specs = new WeakMap<TaskDraft, TaskSpec>();

function specOf(t: TaskDraft, step: string): TaskSpec {
  if (!Object.isFrozen(t)) return { ...t, step };
  let spec = specs.get(t);
  // a draft belongs to one step's computation; the check is for a module that reuses one elsewhere
  if (spec?.step !== step) specs.set(t, (spec = Object.freeze({ ...t, step })));
  return spec;
}
