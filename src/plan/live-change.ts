/**
 * Changes of a live plan: an op's diff of one task on one host becomes a `Change` of the same
 * shape as the offline and base plans' (desired.ts): address, action, effect and service, reason,
 * masked fields and diff, a one-line summary; and the live plan's document. Pure: imports no
 * connector and reads no host.
 */
import type { Diagnostic } from "../diagnostics.js";
import { MASK } from "../model/secrets.js";
import type { OpDiff } from "../ops/op.js";
import { isSensitivePath } from "./compare.js";
import { describeArgs, type EffectRefiner, type PlanMeta } from "./desired.js";
import { maskArgs } from "./compare.js";
import { planSummary } from "./summary.js";
import type { Change, Effect, FieldChange, Plan, PlanStep, TaskSpec } from "./types.js";
import { taskAddress } from "./types.js";

const sensitiveTask = (t: TaskSpec): boolean => t.sensitive === true || t.args.sensitive === true;

/** What a task wants, in one masked line (as desired.ts shows it). */
export function taskSummary(t: TaskSpec): string {
  if (t.op === "file") {
    const content = String(t.args.content ?? "");
    const lines = content === "" ? 0 : content.split("\n").length - (content.endsWith("\n") ? 1 : 0);
    return `${String(t.args.owner)}:${String(t.args.group)} ${String(t.args.mode)}, ${lines} lines${sensitiveTask(t) ? " (sensitive)" : ""}`;
  }
  return describeArgs(maskArgs(t.args, t.sensitive));
}

/** Field values at sensitive paths of the task become "(sensitive)", whatever the op put there. */
export function maskFields(t: TaskSpec, fields: readonly FieldChange[]): FieldChange[] {
  return fields.map((f) => {
    if (!isSensitivePath(t.sensitive, f.field.split("."))) return f;
    return { field: f.field, ...(f.before !== undefined ? { before: MASK } : {}), ...(f.after !== undefined ? { after: MASK } : {}) };
  });
}

/**
 * The effect of a change: none for noop/unknown/delete of objects; for a file whose content
 * changes, the module's refinement from the content read on the host (a Patroni parameter that
 * needs a restart), else what the op says.
 */
export function changeEffect(t: TaskSpec, d: OpDiff, observed: unknown, refine?: EffectRefiner): Effect {
  if (d.action === "noop" || d.action === "unknown") return "none";
  if (d.action === "update" && t.op === "file" && refine && (d.fields ?? []).some((f) => f.field === "content")) {
    const content = typeof observed === "object" && observed !== null ? (observed as { content?: unknown }).content : undefined;
    if (typeof content === "string") return refine({ ...t, args: { ...t.args, content } }, t) ?? d.effect;
  }
  return d.effect;
}

/** The plan's change for a task the op diffed (noop included: the caller counts it). */
export function liveChange(host: string, t: TaskSpec, d: OpDiff, effect: Effect): Change {
  const sensitive = sensitiveTask(t);
  const dropDiff = t.sensitive === true;
  return {
    address: taskAddress(host, t),
    host,
    step: t.step,
    op: t.op,
    key: t.key,
    action: d.action,
    effect,
    ...(t.service ? { service: t.service } : {}),
    ...(d.reason ? { reason: d.reason } : {}),
    ...(d.fields?.length ? { fields: maskFields(t, d.fields) } : {}),
    ...(d.diff && !dropDiff ? { diff: d.diff } : {}),
    ...(sensitive ? { sensitive } : {}),
    summary: taskSummary(t),
  };
}

/** A task nothing could check: its op is missing, its host unreachable, or the op threw. */
export function unknownChange(host: string, t: TaskSpec, reason: string): Change {
  return liveChange(host, t, { action: "unknown", effect: "none", reason }, "none");
}

/** The plan document, as offline plans build it (mode "live"). */
export function livePlanDocument(playbook: string, steps: PlanStep[], meta: PlanMeta, extra: readonly Diagnostic[]): Plan {
  return {
    format_version: "1",
    mode: "live",
    playbook,
    inventory: meta.inventory,
    hosts: meta.hosts,
    ...(meta.tags?.length ? { tags: meta.tags } : {}),
    steps,
    summary: planSummary(steps),
    diagnostics: [...meta.diagnostics, ...extra],
  };
}
