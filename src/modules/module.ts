/**
 * What a module is: named steps, each deciding which hosts take part and expanding one host into
 * task specs. Pure: modules compute desired state from the model; they never touch a host.
 */
import type { Diagnostic } from "../diagnostics.js";
import type { Model } from "../model/model.js";
import type { TaskDraft } from "../plan/types.js";
import type { HostContext } from "./context.js";

/**
 * How a step orders its hosts when applied: all at once, the primary before the replicas, or
 * (removal) the replicas before the primary.
 */
export type WaveOrder = "parallel" | "primary-first" | "replicas-first" | "etcd-members";

export interface StepDef {
  /** `module.phase`, e.g. `pgsql.hba`. */
  readonly name: string;
  readonly description: string;
  /** Whether this host takes part in the step. */
  applies(ctx: HostContext): boolean;
  /** The tasks of this step on one host, in order. */
  tasks(ctx: HostContext): TaskDraft[];
  readonly waves?: WaveOrder;
  /**
   * Checks over the selected hosts that must pass before anything is planned or changed (a
   * removal's safeguard). Run for every step of the playbook, whatever `-t` selects, each
   * distinct function once; any error stops the command.
   */
  readonly preflight?: Preflight;
}

/** A playbook-wide check: the model and the hosts `-l` selected → errors and warnings. */
export type Preflight = (model: Model, hosts: readonly string[]) => Diagnostic[];

export interface Module {
  readonly name: string;
  readonly steps: readonly StepDef[];
}
