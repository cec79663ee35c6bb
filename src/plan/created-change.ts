/**
 * The change that creates a task, kept compact: an offline plan of 3,000 hosts keeps 429,000 of
 * them, and most are the same task on another host. What does not depend on the host is one
 * shared `CreatedPart` per task; a change holds only its `<host>/<step>/` prefix (one string per
 * host and step), its host and that part — three fields instead of ten, and no address string
 * until one is asked for. Less to allocate, and much less for the young-generation collector to
 * copy, since every change survives until the plan is written.
 * It reads and serialises as the plain change it stands for (`toJSON`: same keys, same order).
 * Pure; imports types only.
 */
import type { Action, Change, Effect } from "./types.js";

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
