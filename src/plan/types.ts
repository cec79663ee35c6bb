/**
 * The data of plans: task specs produced by modules, the changes a diff finds, and the plan
 * itself. JSON is the contract (`plan --json`); the human view renders the same data. Pure types.
 */
import type { Diagnostic } from "../diagnostics.js";
import type { Effect } from "../modules/types.js";

export type { Effect } from "../modules/types.js";

/** What a change does. */
export type Action = "create" | "update" | "delete" | "run" | "unknown" | "noop";

/**
 * One op bound to one host with concrete args, as a module expands it. `op` is a dotted noun of
 * the desired state (`file`, `pkg.installed`, `pg.role`…); `key` is its identity on the host.
 */
export interface TaskSpec {
  readonly step: string;
  readonly op: string;
  readonly key: string;
  readonly args: Readonly<Record<string, unknown>>;
  /** Arg paths never shown (`*` matches any key or index); `true`: the whole args. */
  readonly sensitive?: true | readonly string[];
  /** What a change of this task needs, and from which service. */
  readonly effect?: Effect;
  readonly service?: string;
}

/** A task as a step produces it: expansion adds the step's name. */
export type TaskDraft = Omit<TaskSpec, "step">;

/** A field that differs between two states of an object (values masked when sensitive). */
export interface FieldChange {
  readonly field: string;
  readonly before?: unknown;
  readonly after?: unknown;
}

/** One task's change on one host. */
export interface Change {
  /** `<host>/<step>/<op>[<key>]`. */
  readonly address: string;
  readonly host: string;
  readonly step: string;
  readonly op: string;
  readonly key: string;
  readonly action: Action;
  readonly effect: Effect;
  readonly service?: string;
  /** Why this action (e.g. "absent on the host", "content differs"). */
  readonly reason?: string;
  /** For objects: the fields that change. */
  readonly fields?: readonly FieldChange[];
  /** For files: a unified diff; absent when the content is sensitive. */
  readonly diff?: string;
  /** The content or args hold secrets: shown as "(sensitive)". */
  readonly sensitive?: boolean;
  /** One-line summary of what is wanted, secrets masked (e.g. "login, roles=[dbrole_readonly]"). */
  readonly summary?: string;
}

export interface PlanStep {
  readonly step: string;
  readonly changes: readonly Change[];
  /** Tasks that need nothing. */
  readonly unchanged: number;
}

export interface PlanSummary {
  readonly create: number;
  readonly update: number;
  readonly delete: number;
  readonly run: number;
  readonly unknown: number;
  readonly unchanged: number;
  readonly reloads: number;
  readonly restarts: number;
}

export interface Plan {
  readonly format_version: "1";
  /** offline: every host treated as empty; base: compared with another inventory; live: against facts. */
  readonly mode: "offline" | "base" | "live";
  readonly playbook: string;
  readonly inventory: readonly string[];
  readonly base?: readonly string[];
  readonly hosts: readonly string[];
  readonly tags?: readonly string[];
  readonly steps: readonly PlanStep[];
  readonly summary: PlanSummary;
  readonly diagnostics: readonly Diagnostic[];
}

/** A task's address on a host: `<host>/<step>/<op>[<key>]`, its step prefix then its tail. */
export function taskAddress(host: string, t: Pick<TaskSpec, "step" | "op" | "key">): string {
  return stepPrefix(host, t.step) + taskTail(t);
}

/** `<host>/<step>/`: how the addresses of a host's step begin. One flat string: a plan keeps one per host and step. */
export function stepPrefix(host: string, step: string): string {
  return [host, "/", step, "/"].join("");
}

/** `<op>[<key>]` as one flat string, not a rope of four: a shared task's is kept by all its changes. */
export function taskTail(t: Pick<TaskSpec, "op" | "key">): string {
  return [t.op, "[", t.key, "]"].join("");
}
