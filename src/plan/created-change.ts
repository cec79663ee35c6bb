/**
 * The change that creates a task, kept compact: an offline plan of 3,000 hosts keeps 429,000 of
 * them, and most are the same task on another host. What does not depend on the host is one
 * shared `CreatedPart` per task; a change holds only its `<host>/<step>/` prefix (one string per
 * host and step), its host and that part — three fields instead of ten, and no address string
 * until one is asked for. Less to allocate, and much less for the young-generation collector to
 * copy, since every change survives until the plan is written.
 * It reads and serialises as the plain change it stands for (`toJSON`: same keys, same order).
 *
 * An offline plan does not even keep those: a step keeps one `CreatedRun` per host (its prefix,
 * its host, the parts of its tasks: often a list the hosts share), and builds its changes only
 * when they are read. The views (render/) walk the runs. On 3,000 hosts, the 429,000 change
 * objects kept until the plan was written were ~39 MB that the young-generation collector copied
 * and promoted.
 * Pure; imports types only.
 */
import type { Action, Change, Effect, PlanStep } from "./types.js";

/** What an offline change of a task is, whatever the host. Holds no task: a host's own file task holds its whole content. */
export interface CreatedPart {
  /** The address after `<host>/<step>/`: `<op>[<key>]`. */
  readonly tail: string;
  readonly step: string;
  readonly op: string;
  readonly key: string;
  readonly service: string | undefined;
  readonly action: Action;
  readonly effect: Effect;
  readonly summary: string;
  readonly sensitive: boolean;
}

export class CreatedChange implements Change {
  constructor(
    /** `<host>/<step>/`. */
    readonly prefix: string,
    readonly host: string,
    readonly part: CreatedPart,
  ) {}

  get address(): string {
    return this.prefix + this.part.tail;
  }

  get step(): string {
    return this.part.step;
  }

  get op(): string {
    return this.part.op;
  }

  get key(): string {
    return this.part.key;
  }

  get action(): Action {
    return this.part.action;
  }

  get effect(): Effect {
    return this.part.effect;
  }

  get service(): string | undefined {
    return this.part.service;
  }

  get summary(): string {
    return this.part.summary;
  }

  get sensitive(): true | undefined {
    return this.part.sensitive ? true : undefined;
  }

  /** The plain change, keys in the order a change literal had them (JSON is the contract). */
  toJSON(): Change {
    const p = this.part;
    const address = this.prefix + p.tail;
    return p.sensitive
      ? { address, host: this.host, step: p.step, op: p.op, key: p.key, action: p.action, service: p.service, effect: p.effect, summary: p.summary, sensitive: true }
      : { address, host: this.host, step: p.step, op: p.op, key: p.key, action: p.action, service: p.service, effect: p.effect, summary: p.summary };
  }
}

/** One host's created changes in one step, in order: a change per part. */
export interface CreatedRun {
  /** `<host>/<step>/`. */
  readonly prefix: string;
  readonly host: string;
  readonly parts: readonly CreatedPart[];
}

/** Where a step built from runs keeps them: not an enumerable key, so JSON never sees it. */
const RUNS = Symbol("created runs");

/**
 * A step of created changes, `{ step, unchanged: 0, changes }` to its readers: `changes` is built
 * from the runs (host by host, each host's parts in order) when first read.
 */
export function createdStep(step: string, runs: readonly CreatedRun[]): PlanStep {
  let changes: Change[] | undefined;
  const s = { step, unchanged: 0 };
  Object.defineProperty(s, "changes", { enumerable: true, get: () => (changes ??= [...createdChanges(runs)]) });
  Object.defineProperty(s, RUNS, { value: runs });
  return s as PlanStep;
}

/** The runs of a step made by `createdStep`; undefined for any other step. */
export function createdRuns(s: PlanStep): readonly CreatedRun[] | undefined {
  return (s as { [RUNS]?: readonly CreatedRun[] })[RUNS];
}

/** The changes of runs, in order, each made as it is asked for. */
export function* createdChanges(runs: readonly CreatedRun[]): Generator<CreatedChange> {
  for (const r of runs) for (const p of r.parts) yield new CreatedChange(r.prefix, r.host, p);
}

/** How many changes the runs stand for. */
export function createdCount(runs: readonly CreatedRun[]): number {
  let n = 0;
  for (const r of runs) n += r.parts.length;
  return n;
}
