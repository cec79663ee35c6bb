/**
 * Plans computed from desired state alone, with no host read: `plan --offline` (every selected
 * host treated as empty: everything is created) and `plan --offline --base OLD` (what differs
 * between the desired states of two inventories: what a pull request changes). Pure.
 */
import type { Diagnostic } from "../diagnostics.js";
import { MASK } from "../model/secrets.js";
import { fieldChanges, maskArgs, maskSecretsInText, unifiedDiff } from "./compare.js";
import type { Expansion } from "./expand.js";
import type { Action, Change, Effect, Plan, PlanStep, PlanSummary, TaskSpec } from "./types.js";
import { taskAddress } from "./types.js";

export interface PlanMeta {
  readonly inventory: readonly string[];
  readonly base?: readonly string[];
  readonly hosts: readonly string[];
  readonly tags?: readonly string[];
  readonly diagnostics: readonly Diagnostic[];
}

/**
 * What a change to a task needs. Files say it themselves; `effectOf` lets a module refine it from
 * the two versions (Patroni: a restart only when a postmaster-context parameter changes).
 */
export type EffectRefiner = (before: TaskSpec | undefined, after: TaskSpec) => Effect | undefined;

export function offlinePlan(exp: Expansion, meta: PlanMeta): Plan {
  const changes = new Map<string, Change[]>(exp.steps.map((s) => [s.name, []]));
  for (const host of exp.hosts) {
    for (const [step, tasks] of exp.tasksOf(host)) {
      const list = changes.get(step)!;
      for (const t of tasks) list.push(change(host, t, stateAction(t, undefined), undefined));
    }
  }
  const steps: PlanStep[] = exp.steps.map((s) => ({ step: s.name, unchanged: 0, changes: changes.get(s.name)! }));
  return finish("offline", exp.playbook, steps, meta);
}

export function basePlan(base: Expansion, exp: Expansion, meta: PlanMeta, refine?: EffectRefiner): Plan {
  const changes = new Map<string, Change[]>(exp.steps.map((s) => [s.name, []]));
  const unchanged = new Map<string, number>(exp.steps.map((s) => [s.name, 0]));
  const baseHosts = new Set(base.hosts);
  for (const host of exp.hosts) {
    const now = exp.tasksOf(host);
    const before = baseHosts.has(host) ? base.tasksOf(host) : new Map<string, readonly TaskSpec[]>();
    for (const s of exp.steps) {
      const old = new Map((before.get(s.name) ?? []).map((t) => [taskAddress(host, t), t]));
      const list = changes.get(s.name)!;
      for (const t of now.get(s.name) ?? []) {
        const addr = taskAddress(host, t);
        const prev = old.get(addr);
        old.delete(addr);
        if (prev && JSON.stringify(prev.args) === JSON.stringify(t.args)) {
          unchanged.set(s.name, unchanged.get(s.name)! + 1);
          continue;
        }
        list.push(change(host, t, stateAction(t, prev), prev, refine));
      }
      // what the old inventory had on this host and the new one no longer wants
      for (const t of old.values()) if (removable(t)) list.push(change(host, t, "delete", t));
    }
  }
  const steps: PlanStep[] = exp.steps.map((s) => ({ step: s.name, changes: changes.get(s.name)!, unchanged: unchanged.get(s.name)! }));
  return finish("base", exp.playbook, steps, meta);
}

/** Files and services pgsty renders can be removed when no longer wanted; database objects are left in place (drop them with `state: absent`). */
function removable(t: TaskSpec): boolean {
  return t.op === "file";
}

function stateAction(t: TaskSpec, before: TaskSpec | undefined): Action {
  const absent = t.args.state === "absent";
  if (absent) return before && before.args.state !== "absent" ? "delete" : before ? "noop" : "delete";
  if (t.op === "run") return "run";
  return before && before.args.state !== "absent" ? "update" : "create";
}

function change(host: string, t: TaskSpec, action: Action, before: TaskSpec | undefined, refine?: EffectRefiner): Change {
  const sensitive = t.sensitive === true || t.args.sensitive === true;
  const base = { address: taskAddress(host, t), host, step: t.step, op: t.op, key: t.key, action, service: t.service };
  const effect: Effect = action === "noop" || action === "delete" && t.op !== "file" ? "none" : (before && refine?.(before, t)) ?? t.effect ?? "none";
  if (t.op === "file") {
    const content = String(t.args.content ?? "");
    const lines = content === "" ? 0 : content.split("\n").length - (content.endsWith("\n") ? 1 : 0);
    const summary = `${String(t.args.owner)}:${String(t.args.group)} ${String(t.args.mode)}, ${lines} lines${sensitive ? " (sensitive)" : ""}`;
    if (action !== "update") return { ...base, effect, summary, ...(sensitive ? { sensitive } : {}) };
    const prev = String(before?.args.content ?? "");
    const meta = fieldChanges(pick(before?.args, META_FIELDS), pick(t.args, META_FIELDS) ?? {}, undefined);
    return {
      ...base, effect, summary,
      ...(prev !== content ? sensitiveDiff(t.key, prev, content, sensitive) : {}),
      ...(meta.length ? { fields: meta } : {}),
    };
  }
  const fields = action === "update" ? fieldChanges(before?.args, t.args, t.sensitive) : undefined;
  return { ...base, effect, summary: describeArgs(maskArgs(t.args, t.sensitive)), ...(fields ? { fields } : {}), ...(sensitive ? { sensitive } : {}) };
}

const META_FIELDS = ["owner", "group", "mode"];

/** Files with secrets still show what changed around them: secrets are masked on both sides first. */
function sensitiveDiff(path: string, before: string, after: string, sensitive: boolean): Partial<Change> {
  if (!sensitive) return { diff: unifiedDiff(path, before, after) };
  const diff = unifiedDiff(path, maskSecretsInText(before), maskSecretsInText(after));
  return diff ? { sensitive, diff, reason: "secrets masked" } : { sensitive, reason: "content changed (sensitive)" };
}

function pick(o: Readonly<Record<string, unknown>> | undefined, keys: readonly string[]): Record<string, unknown> | undefined {
  return o ? Object.fromEntries(keys.map((k) => [k, o[k]])) : undefined;
}

/** One line for a task's wanted state: `login, !superuser, roles=[a,b], password=(sensitive)`. */
export function describeArgs(args: Readonly<Record<string, unknown>>): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(args)) {
    if (k === "name" || k === "path" || k === "unit" || k === "target" || v === undefined || v === null) continue;
    if (v === true) parts.push(k);
    else if (v === false) parts.push(`!${k}`);
    else if (Array.isArray(v)) parts.push(`${k}=[${v.map((x) => (typeof x === "object" && x !== null ? String((x as { name?: unknown }).name ?? "{…}") : String(x))).join(",")}]`);
    else if (typeof v === "object") parts.push(`${k}={${Object.keys(v).length}}`);
    else parts.push(`${k}=${v === MASK ? MASK : String(v)}`);
  }
  const s = parts.join(", ");
  return s.length > 160 ? `${s.slice(0, 157)}...` : s;
}

function finish(mode: Plan["mode"], playbook: string, steps: PlanStep[], meta: PlanMeta): Plan {
  const summary: { -readonly [K in keyof PlanSummary]: number } = { create: 0, update: 0, delete: 0, run: 0, unknown: 0, unchanged: 0, reloads: 0, restarts: 0 };
  for (const s of steps) {
    summary.unchanged += s.unchanged;
    for (const c of s.changes) {
      if (c.action !== "noop") summary[c.action]++;
      if (c.effect === "reload") summary.reloads++;
      if (c.effect === "restart") summary.restarts++;
    }
  }
  return {
    format_version: "1", mode, playbook, inventory: meta.inventory, ...(meta.base ? { base: meta.base } : {}),
    hosts: meta.hosts, ...(meta.tags?.length ? { tags: meta.tags } : {}), steps, summary, diagnostics: meta.diagnostics,
  };
}
