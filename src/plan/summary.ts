/**
 * A plan's summary counts, from its steps (a step of runs counted from its parts, without making
 * its changes: plan/created-change.ts), and whether a plan changes anything. Shared by the
 * offline, base and live plans. Pure; imports only plan/.
 */
import { createdRuns } from "./created-change.js";
import type { Change, Plan, PlanStep, PlanSummary } from "./types.js";

export function planSummary(steps: readonly PlanStep[]): PlanSummary {
  const s: { -readonly [K in keyof PlanSummary]: number } = { create: 0, update: 0, delete: 0, run: 0, unknown: 0, unchanged: 0, reloads: 0, restarts: 0 };
  const count = (c: Pick<Change, "action" | "effect">) => {
    if (c.action !== "noop") s[c.action]++;
    if (c.effect === "reload") s.reloads++;
    if (c.effect === "restart") s.restarts++;
  };
  for (const step of steps) {
    s.unchanged += step.unchanged;
    const runs = createdRuns(step);
    if (runs) for (const r of runs) r.parts.forEach(count);
    else step.changes.forEach(count);
  }
  return s;
}

/** Whether the plan changes anything: every change but a no-op is counted in its summary. */
export function hasChanges(plan: Pick<Plan, "summary">): boolean {
  const { create, update, delete: deletes, run, unknown } = plan.summary;
  return create + update + deletes + run + unknown > 0;
}
