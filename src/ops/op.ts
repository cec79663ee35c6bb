/**
 * Ops: reusable idempotent primitives with check → diff → apply (ARCHITECTURE §5), adapted for
 * batched facts: an op declares the facts it needs (`needs`, pure), reads its observed state from
 * the host's fact set (`observe`, pure), compares (`diff`, pure) and converges (`apply`, I/O through
 * a connector). Apply re-reads the facts of its own task just before changing anything.
 */
import type { Command } from "../exec/command.js";
import type { Connector } from "../exec/connector.js";
import type { FactRequest, FactSet } from "../facts/fact.js";
import type { Action, Effect, FieldChange, TaskSpec } from "../plan/types.js";

/** The state could not be read (fact failed, no PostgreSQL running yet…): the plan says `unknown`. */
export interface Unobservable {
  readonly unobservable: true;
  readonly reason: string;
}

/** Result of diff: what apply will do, and why. Pure data (goes into the plan). */
export interface OpDiff {
  readonly action: Action;
  readonly effect: Effect;
  readonly reason?: string;
  readonly fields?: readonly FieldChange[];
  /** Unified diff of a file's content (absent when sensitive). */
  readonly diff?: string;
}

export interface ApplyContext {
  readonly connector: Connector;
  /** Re-read the facts of one task just before changing it (facts can go stale). */
  refresh(requests: readonly FactRequest[]): Promise<FactSet>;
  readonly signal?: AbortSignal;
}

/**
 * What a change must still reach by the end of the apply, after every step: a probe run on the
 * host that exits 0 once it holds (a started replica streaming WAL, which waits on its primary's
 * next HA cycle to get its slot: waiting for it in its own step would hold up every later step).
 */
export interface Settle {
  /** What holds once the probe exits 0 ("PostgreSQL streaming WAL from its upstream"). */
  readonly what: string;
  readonly command: Command;
}

export interface Op<State = unknown> {
  /** The task op it implements: "file", "pkg.installed", "pg.role"… */
  readonly kind: string;
  needs(task: TaskSpec): FactRequest[];
  observe(task: TaskSpec, facts: FactSet): State | null | Unobservable;
  diff(task: TaskSpec, observed: State | null | Unobservable): OpDiff;
  /** Converge; safe to run twice; throws an Error with a clear message on failure. May leave a probe for the end of the apply. */
  apply(ctx: ApplyContext, task: TaskSpec, diff: OpDiff): Promise<void | Settle>;
}

export function unobservable(reason: string): Unobservable {
  return { unobservable: true, reason };
}

export function isUnobservable(x: unknown): x is Unobservable {
  return typeof x === "object" && x !== null && (x as Unobservable).unobservable === true;
}
