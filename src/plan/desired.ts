/**
 * Plans computed from desired state alone, with no host read: `plan --offline` (every selected
 * host treated as empty: everything is created) and `plan --offline --base OLD` (what differs
 * between the desired states of two inventories: what a pull request changes). Pure.
 */
import type { Diagnostic } from "../diagnostics.js";
import { MASK } from "../model/secrets.js";
import { fieldChanges, maskArgs, maskSecretsInText, unifiedDiff } from "./compare.js";
import { CreatedChange, createdStep, type CreatedPart, type CreatedRun } from "./created-change.js";
import type { Expansion } from "./expand.js";
import { planSummary } from "./summary.js";
import type { Action, Change, Effect, Plan, PlanStep, TaskSpec } from "./types.js";
import { stepPrefix, taskAddress, taskTail } from "./types.js";

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
  const runs = new Map<string, CreatedRun[]>(exp.steps.map((s) => [s.name, []]));
  for (const host of exp.hosts) offlineHost(exp, host, runs);
  return finish("offline", exp.playbook, exp.steps.map((s) => createdStep(s.name, runs.get(s.name)!)), meta);
}

export function basePlan(base: Expansion, exp: Expansion, meta: PlanMeta, refine?: EffectRefiner): Plan {
  const steps = exp.steps.map((s): OpenStep => ({ step: s.name, changes: [], unchanged: 0 }));
  const baseHosts = new Set(base.hosts);
  for (const host of exp.hosts) baseHost(base, baseHosts, exp, host, steps, refine);
  return finish("base", exp.playbook, steps, meta);
}

/** A step of a base plan while its changes and unchanged count are collected, host by host. */
interface OpenStep extends PlanStep {
  readonly changes: Change[];
  unchanged: number;
}

/** One host of an offline plan: everything it should have is created, one run per step (created-change.ts). */
function offlineHost(exp: Expansion, host: string, runs: ReadonlyMap<string, CreatedRun[]>): void {
  for (const [step, tasks] of exp.tasksOf(host)) {
    if (tasks.length) runs.get(step)!.push({ prefix: stepPrefix(host, step), host, parts: createdParts(tasks) });
  }
}

/** The parts of a list of tasks; one lookup for a list the hosts share (frozen: expand.ts). */
const partLists = new WeakMap<readonly TaskSpec[], readonly CreatedPart[]>();

function createdParts(tasks: readonly TaskSpec[]): readonly CreatedPart[] {
  if (!Object.isFrozen(tasks)) return tasks.map(createdPart);
  let parts = partLists.get(tasks);
  if (!parts) partLists.set(tasks, (parts = tasks.map(createdPart)));
  return parts;
}

const partOf = new WeakMap<TaskSpec, CreatedPart>();

/** What an offline change of a task is, whatever the host: computed once for a task the hosts share. */
function createdPart(t: TaskSpec): CreatedPart {
  // frozen tasks are shared by hosts (modules/memo.ts); a host's own task is seen once
  const shared = Object.isFrozen(t);
  let p = shared ? partOf.get(t) : undefined;
  if (p) return p;
  const action = stateAction(t, undefined);
  const sensitive = t.sensitive === true || t.args.sensitive === true;
  const effect = effectOf(t, action);
  const summary = t.op === "file" ? fileSummary(t, sensitive) : describeArgs(maskArgs(t.args, t.sensitive));
  // not through tailOf's cache: this part is the one place a shared task keeps it
  const tail = taskTail(t);
  p = { tail, step: t.step, op: t.op, key: t.key, service: t.service, action, effect, summary, sensitive };
  if (shared) partOf.set(t, p);
  return p;
}

/** One host of a base plan: its desired state in `exp` against that in `base` (`baseHosts`: the hosts of `base`). */
function baseHost(base: Expansion, baseHosts: ReadonlySet<string>, exp: Expansion, host: string, steps: readonly OpenStep[], refine?: EffectRefiner): void {
  const now = exp.tasksOf(host);
  const before = baseHosts.has(host) ? base.tasksOf(host) : new Map<string, readonly TaskSpec[]>();
  for (const s of steps) {
    // keyed by what follows `<host>/<step>/` in the address: the same within one host and step
    const old = new Map((before.get(s.step) ?? []).map((t) => [tailOf(t), t]));
    for (const t of now.get(s.step) ?? []) {
      const tail = tailOf(t);
      const prev = old.get(tail);
      old.delete(tail);
      if (prev && sameArgsOf(prev, t)) {
        s.unchanged++;
        continue;
      }
      s.changes.push(change(host, t, stateAction(t, prev), prev, refine));
    }
    // what the old inventory had on this host and the new one no longer wants
    for (const t of old.values()) if (removable(t)) s.changes.push(change(host, t, "delete", t));
  }
}

/** `<op>[<key>]`, once for a task the hosts share. */
const tails = new WeakMap<TaskSpec, string>();

function tailOf(t: TaskSpec): string {
  if (!Object.isFrozen(t)) return taskTail(t);
  let tail = tails.get(t);
  if (tail === undefined) tails.set(t, (tail = taskTail(t)));
  return tail;
}

/** The last comparison of a shared task's args: the hosts that share it compare it with the same. */
const compared = new WeakMap<object, { readonly other: object; readonly same: boolean }>();

function sameArgsOf(before: TaskSpec, now: TaskSpec): boolean {
  const a = before.args, b = now.args;
  if (a === b) return true;
  if (!Object.isFrozen(a) || !Object.isFrozen(b)) return sameArgs(a, b);
  const last = compared.get(a);
  if (last?.other === b) return last.same;
  const same = sameArgs(a, b);
  compared.set(a, { other: b, same });
  return same;
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
    if (x === y || surelySameJson(x, y, 0)) continue;
    if (JSON.stringify(x) !== JSON.stringify(y)) return false;
  }
  return true;
}

/**
 * True only when `x` and `y` certainly serialise to the same JSON: the same plain data, walked
 * without writing it (the two inventories of a base plan build equal targets, role lists and
 * file metadata as distinct objects, 400,000 times). False means "not sure": the caller compares
 * the JSON then. Plain objects and arrays only; anything JSON might write differently from its
 * structure (toJSON, other prototypes) is "not sure".
 */
function surelySameJson(x: unknown, y: unknown, depth: number): boolean {
  if (x === y) return true;
  if (typeof x !== "object" || typeof y !== "object" || x === null || y === null || depth > 64) return false;
  if (Array.isArray(x)) {
    if (!Array.isArray(y) || x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (!surelySameJson(x[i], y[i], depth + 1)) return false;
    return true;
  }
  if (Array.isArray(y) || !plainObject(x) || !plainObject(y)) return false;
  const kx = Object.keys(x), ky = Object.keys(y);
  if (kx.length !== ky.length) return false;
  for (let i = 0; i < kx.length; i++) {
    const k = kx[i]!;
    if (k !== ky[i] || !surelySameJson((x as Record<string, unknown>)[k], (y as Record<string, unknown>)[k], depth + 1)) return false;
  }
  return true;
}

function plainObject(o: object): boolean {
  const proto: unknown = Object.getPrototypeOf(o);
  return (proto === Object.prototype || proto === null) && !("toJSON" in o);
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
  if (!before) {
    const p = createdPart(t);
    return new CreatedChange(stepPrefix(host, t.step), host, p.action === action ? p : { ...p, action, effect: effectOf(t, action) });
  }
  const sensitive = t.sensitive === true || t.args.sensitive === true;
  const base = { address: taskAddress(host, t), host, step: t.step, op: t.op, key: t.key, action, service: t.service };
  const effect = effectOf(t, action, before, refine);
  if (t.op === "file") {
    const summary = fileSummary(t, sensitive);
    if (action !== "update") return { ...base, effect, summary, ...(sensitive ? { sensitive } : {}) };
    const content = String(t.args.content ?? "");
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

function effectOf(t: TaskSpec, action: Action, before?: TaskSpec, refine?: EffectRefiner): Effect {
  return action === "noop" || action === "delete" && t.op !== "file" && t.op !== "path.absent" ? "none" : (before && refine?.(before, t)) ?? t.effect ?? "none";
}

/** `postgres:postgres 0640, 12 lines (sensitive)`: few distinct ones, so each is kept once. */
function fileSummary(t: TaskSpec, sensitive: boolean): string {
  const s = `${String(t.args.owner)}:${String(t.args.group)} ${String(t.args.mode)}, ${lineCount(String(t.args.content ?? ""))} lines${sensitive ? " (sensitive)" : ""}`;
  let known = summaries.get(s);
  if (known === undefined) {
    if (summaries.size >= 10000) summaries.clear();
    summaries.set(s, (known = s));
  }
  return known;
}

const summaries = new Map<string, string>();

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
  // joined, not appended: a summary is kept by every change of its task, and an appended string
  // is a rope of one node per piece
  const parts: string[] = [];
  for (const k of Object.keys(args)) {
    const v = args[k];
    if (k === "name" || k === "path" || k === "unit" || k === "target" || v === undefined || v === null) continue;
    if (v === true) parts.push(k);
    else if (v === false) parts.push(`!${k}`);
    else if (Array.isArray(v)) parts.push(`${k}=[${listSummary(v)}]`);
    else if (typeof v === "object") parts.push(`${k}={${Object.keys(v).length}}`);
    else parts.push(`${k}=${v === MASK ? MASK : String(v)}`);
  }
  const s = parts.join(", ");
  return s.length > 160 ? `${s.slice(0, 157)}...` : s;
}

/** `a,b` for names and scalars; `12 items` for objects without a name (a default privilege's grants), whose `{…},{…},…` said nothing. */
function listSummary(v: readonly unknown[]): string {
  const named = (x: unknown) => typeof x !== "object" || x === null || (x as { name?: unknown }).name !== undefined;
  if (v.length > 0 && !v.some(named)) return v.length === 1 ? "1 item" : `${v.length} items`;
  return v.map((x) => (typeof x === "object" && x !== null ? String((x as { name?: unknown }).name ?? "{…}") : String(x))).join(",");
}

function finish(mode: Plan["mode"], playbook: string, steps: PlanStep[], meta: PlanMeta): Plan {
  return {
    format_version: "1", mode, playbook, inventory: meta.inventory, ...(meta.base ? { base: meta.base } : {}),
    hosts: meta.hosts, ...(meta.tags?.length ? { tags: meta.tags } : {}), steps, summary: planSummary(steps), diagnostics: meta.diagnostics,
  };
}
