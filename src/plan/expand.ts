/**
 * Expansion: playbook × model × (limit, tags) → for each selected step, the task specs of each
 * host that takes part. Pure: renders templates (part of the program) but reads no host.
 */
import type { Model } from "../model/model.js";
import { hostContext, type ContextOptions } from "../modules/context.js";
import type { StepDef } from "../modules/module.js";
import type { Playbook } from "./playbook.js";
import { selectSteps } from "./playbook.js";
import type { TaskSpec } from "./types.js";

export interface ExpandedHost {
  readonly host: string;
  readonly tasks: readonly TaskSpec[];
}

export interface ExpandedStep {
  readonly step: StepDef;
  /** Hosts taking part, in inventory order, with their tasks. */
  readonly hosts: readonly ExpandedHost[];
}

export interface Expansion {
  readonly playbook: string;
  readonly steps: readonly ExpandedStep[];
}

export function expandPlaybook(
  model: Model,
  playbook: Playbook,
  stepDefs: ReadonlyMap<string, StepDef>,
  o: { hosts: readonly string[]; tags?: readonly string[]; context?: ContextOptions },
): Expansion {
  const contexts = o.hosts.map((h) => hostContext(model, h, o.context));
  const steps: ExpandedStep[] = [];
  for (const s of selectSteps(playbook, o.tags)) {
    const def = stepDefs.get(s.step)!;
    const hosts: ExpandedHost[] = [];
    const t0 = performance.now();
    for (const ctx of contexts) {
      if (!def.applies(ctx)) continue;
      hosts.push({ host: ctx.host.name, tasks: def.tasks(ctx).map((t) => ({ ...t, step: def.name })) });
    }
    if (process.env.PGSTY_TIMING) process.stderr.write(`timing:   ${def.name} ${(performance.now() - t0).toFixed(0)} ms\n`);
    steps.push({ step: def, hosts });
  }
  return { playbook: playbook.name, steps };
}
