/**
 * Helpers shared by the host ops: reading a task's args (a malformed task is a bug in a module:
 * it throws a TypeError naming the op, the key and the arg), octal modes, the facts' shapes as
 * the host facts publish them, and small shell idioms. Pure: must not import exec/connector.
 */
import { createHash } from "node:crypto";
import type { FactSet } from "../facts/fact.js";
import type { OsFact } from "../facts/os.js";
import type { FieldChange, TaskSpec } from "../plan/types.js";
import { isUnobservable, unobservable, type ApplyContext, type Op, type OpDiff, type Unobservable } from "./op.js";

// --- fact shapes: the host facts' own types (src/facts/) -----------------------------------

export type { FileFact } from "../facts/file.js";
export type { FileContentFact } from "../facts/file-content.js";
export type { PkgFact } from "../facts/pkg.js";
export type { ServiceFact } from "../facts/service.js";
export type { UserFact } from "../facts/user.js";

/** What the ops need of the `os` fact (an OsFact fits). */
export type HostOs = Pick<OsFact, "serviceManager"> & Partial<Pick<OsFact, "id" | "idLike" | "family">>;

export const OS_REQUEST = { fact: "os", key: "os" } as const;

// --- reading facts ---------------------------------------------------------------------------

/** Why a fact could not be read, as an Unobservable, or undefined when it was read. */
export function factFailure(facts: FactSet, ...names: string[]): Unobservable | undefined {
  for (const name of names) {
    const reason = facts.failed(name);
    if (reason !== undefined) return unobservable(`${name} fact unavailable: ${reason}`);
  }
  return undefined;
}

// --- reading args ----------------------------------------------------------------------------

function bad(task: TaskSpec, message: string): TypeError {
  return new TypeError(`${task.op}[${task.key}]: ${message}`);
}

export function argString(task: TaskSpec, name: string): string {
  const v = task.args[name];
  if (typeof v !== "string" || v === "") throw bad(task, `arg \`${name}\` must be a non-empty string`);
  return v;
}

export function argOptionalString(task: TaskSpec, name: string): string | undefined {
  const v = task.args[name];
  if (v === undefined || v === null || v === "") return undefined;
  if (typeof v !== "string") throw bad(task, `arg \`${name}\` must be a string`);
  return v;
}

export function argBool(task: TaskSpec, name: string, fallback: boolean): boolean {
  const v = task.args[name];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== "boolean") throw bad(task, `arg \`${name}\` must be true or false`);
  return v;
}

export function argPath(task: TaskSpec, name = "path"): string {
  const v = argString(task, name);
  if (!v.startsWith("/") || (v.length > 1 && v.endsWith("/")) || v.split("/").some((p) => p === "." || p === "..")) {
    throw bad(task, `arg \`${name}\` must be a normalized absolute path: ${JSON.stringify(v)}`);
  }
  return v;
}

/** A mode arg ("640", "0640", "2775") as four octal digits. */
export function argMode(task: TaskSpec, name = "mode"): string {
  const v = task.args[name];
  const s = typeof v === "number" ? v.toString(8) : v;
  if (typeof s !== "string" || !/^[0-7]{3,4}$/.test(s)) throw bad(task, `arg \`${name}\` must be an octal mode like "0640"`);
  return normalizeMode(s);
}

/** Four octal digits ("640" → "0640"); what a fact reports compares equal after this. Non-octal: as is. */
/** Owner, group and mode that differ between what a path should have and what it has. */
export function ownershipChanges(want: { owner: string; group: string; mode: string }, f: { owner: string; group: string; mode: string } | undefined): FieldChange[] {
  const out: FieldChange[] = [];
  const mode = f ? normalizeMode(f.mode) : undefined;
  if (f?.owner !== want.owner) out.push({ field: "owner", ...(f ? { before: f.owner } : {}), after: want.owner });
  if (f?.group !== want.group) out.push({ field: "group", ...(f ? { before: f.group } : {}), after: want.group });
  if (mode !== want.mode) out.push({ field: "mode", ...(f ? { before: mode } : {}), after: want.mode });
  return out;
}

export function normalizeMode(mode: string): string {
  return /^[0-7]{1,6}$/.test(mode) ? (parseInt(mode, 8) & 0o7777).toString(8).padStart(4, "0") : mode;
}

/** A user or group name that is safe to hand to useradd/chown. */
export function argName(task: TaskSpec, name: string): string {
  const v = argString(task, name);
  if (!/^[A-Za-z_][A-Za-z0-9_.-]*\$?$/.test(v) || v.length > 32) throw bad(task, `arg \`${name}\` is not a valid user or group name: ${JSON.stringify(v)}`);
  return v;
}

// --- diffs -----------------------------------------------------------------------------------

export const NOOP: OpDiff = { action: "noop", effect: "none" };

export function unknownDiff(reason: string): OpDiff {
  return { action: "unknown", effect: "none", reason };
}

/** apply() was handed a change it must not act on: refuse loudly, change nothing. */
export function refuse(task: TaskSpec, diff: OpDiff): Error {
  return new Error(`${task.op}[${task.key}]: not applied: ${diff.reason ?? "its state is unknown"}`);
}

/**
 * Apply's re-check, shared by the ops that act on fresh state: re-read the task's facts, observe and
 * diff again. Returns the current state when there is still something to do, `undefined` when
 * there is nothing; throws when the state is unknown (nothing is changed blindly).
 */
export async function recheck<S>(op: Pick<Op<S>, "needs" | "observe" | "diff">, ctx: ApplyContext, task: TaskSpec): Promise<S | null | undefined> {
  const cur = op.observe(task, await ctx.refresh(op.needs(task)));
  const d = op.diff(task, cur);
  if (d.action === "noop") return undefined;
  if (d.action === "unknown" || isUnobservable(cur)) throw refuse(task, d);
  return cur;
}

/** The exec options of an apply: its abort signal, when it has one. */
export function execOptions(ctx: Pick<ApplyContext, "signal">): { signal?: AbortSignal } {
  return ctx.signal ? { signal: ctx.signal } : {};
}

export function sha256Hex(text: string | Uint8Array): string {
  return createHash("sha256").update(text).digest("hex");
}
