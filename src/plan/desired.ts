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
  const acc = planAccumulator(exp);
  for (const host of exp.hosts) offlineHost(exp, host, acc);
  return finishPlan("offline", exp, acc, meta);
}

export function basePlan(base: Expansion, exp: Expansion, meta: PlanMeta, refine?: EffectRefiner): Plan {
  const acc = planAccumulator(exp);
  const baseHosts = new Set(base.hosts);
  for (const host of exp.hosts) baseHost(base, baseHosts, exp, host, acc, refine);
  return finishPlan("base", exp, acc, meta);
}

/** Changes and unchanged counts per step, collected host by host (possibly in parts, then merged in host order). */
export interface PlanAccumulator {
  readonly changes: Map<string, Change[]>;
  readonly unchanged: Map<string, number>;
}

export function planAccumulator(exp: Pick<Expansion, "steps">): PlanAccumulator {
  return { changes: new Map(exp.steps.map((s) => [s.name, []])), unchanged: new Map(exp.steps.map((s) => [s.name, 0])) };
}

/** Appends `next` (hosts that come after those of `acc`) to `acc`. */
export function mergeAccumulator(acc: PlanAccumulator, next: PlanAccumulator): void {
  for (const [step, list] of next.changes) {
    const into = acc.changes.get(step);
    if (into) for (const c of list) into.push(c);
  }
  for (const [step, n] of next.unchanged) acc.unchanged.set(step, (acc.unchanged.get(step) ?? 0) + n);
}

export function finishPlan(mode: "offline" | "base", exp: Expansion, acc: PlanAccumulator, meta: PlanMeta): Plan {
  const steps: PlanStep[] = exp.steps.map((s) => mode === "offline"
    ? { step: s.name, unchanged: 0, changes: acc.changes.get(s.name)! }
    : { step: s.name, changes: acc.changes.get(s.name)!, unchanged: acc.unchanged.get(s.name)! });
  return finish(mode, exp.playbook, steps, meta);
}

/** One host of an offline plan: everything it should have is created. */
export function offlineHost(exp: Expansion, host: string, acc: PlanAccumulator): void {
  for (const [step, tasks] of exp.tasksOf(host)) {
    const list = acc.changes.get(step)!;
    for (const t of tasks) list.push(change(host, t, stateAction(t, undefined), undefined));
  }
}

/** One host of a base plan: its desired state in `exp` against that in `base` (`baseHosts`: the hosts of `base`). */
export function baseHost(base: Expansion, baseHosts: ReadonlySet<string>, exp: Expansion, host: string, acc: PlanAccumulator, refine?: EffectRefiner): void {
  const now = exp.tasksOf(host);
  const before = baseHosts.has(host) ? base.tasksOf(host) : new Map<string, readonly TaskSpec[]>();
  for (const s of exp.steps) {
    const old = new Map((before.get(s.name) ?? []).map((t) => [taskAddress(host, t), t]));
    const list = acc.changes.get(s.name)!;
    for (const t of now.get(s.name) ?? []) {
      const addr = taskAddress(host, t);
      const prev = old.get(addr);
      old.delete(addr);
      if (prev && sameArgs(prev.args, t.args)) {
        acc.unchanged.set(s.name, acc.unchanged.get(s.name)! + 1);
        continue;
      }
      list.push(change(host, t, stateAction(t, prev), prev, refine));
    }
    // what the old inventory had on this host and the new one no longer wants
    for (const t of old.values()) if (removable(t)) list.push(change(host, t, "delete", t));
  }
}

/**
 * Whether two args serialise to the same JSON. Field by field when both have the same keys in the
 * same order, so that equal file contents (most of a base plan's tasks) are compared as strings
 * rather than serialised twice; anything else falls back to comparing the whole JSON.
 */
function sameArgs(a: Readonly<Record<string, unknown>>, b: Readonly<Record<string, unknown>>): boolean {
  if (a === b) return true;
  const ka = Object.keys(a), kb = Object.keys(b);
  if (ka.length !== kb.length || ka.some((k, i) => k !== kb[i])) return JSON.stringify(a) === JSON.stringify(b);
  for (const k of ka) {
    const x = a[k], y = b[k];
    if (x === y) continue;
    if (JSON.stringify(x) !== JSON.stringify(y)) return false;
  }
  return true;
}

/** Files and services pgsty renders can be removed when no longer wanted; database objects are left in place (drop them with `state: absent`). */
function removable(t: TaskSpec): boolean {
  return t.op === "file";
}

/** Ops whose desired state is an absence (removal playbooks): offline, what they name goes. */
const REMOVAL_OPS: ReadonlySet<string> = new Set(["path.absent", "pkg.removed", "dcs.absent", "service.stopped"]);

function stateAction(t: TaskSpec, before: TaskSpec | undefined): Action {
  if (REMOVAL_OPS.has(t.op)) return before ? "noop" : "delete";
  const absent = t.args.state === "absent";
  if (absent) return before && before.args.state !== "absent" ? "delete" : before ? "noop" : "delete";
  // a guarded command cannot be known done without its guards: offline, it would run
  if (t.op === "run" || t.op === "command") return "run";
  return before && before.args.state !== "absent" ? "update" : "create";
}

function change(host: string, t: TaskSpec, action: Action, before: TaskSpec | undefined, refine?: EffectRefiner): Change {
  const sensitive = t.sensitive === true || t.args.sensitive === true;
  const base = { address: taskAddress(host, t), host, step: t.step, op: t.op, key: t.key, action, service: t.service };
  const effect: Effect = action === "noop" || action === "delete" && t.op !== "file" && t.op !== "path.absent" ? "none" : (before && refine?.(before, t)) ?? t.effect ?? "none";
  if (t.op === "file") {
    const content = String(t.args.content ?? "");
    const lines = lineCount(content);
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

/** Lines of a file's content (a last line without a newline counts). */
function lineCount(content: string): number {
  if (content === "") return 0;
  let n = 0;
  for (let i = content.indexOf("\n"); i !== -1; i = content.indexOf("\n", i + 1)) n++;
  return content.endsWith("\n") ? n : n + 1;
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
