/**
 * What a module is: named steps, each deciding which hosts take part and expanding one host into
 * task specs. Pure: modules compute desired state from the model; they never touch a host.
 */
import type { TaskDraft } from "../plan/types.js";
import type { HostContext } from "./context.js";

/** How a step orders its hosts when applied: all at once, or the primary before the replicas. */
export type WaveOrder = "parallel" | "primary-first" | "etcd-members";

export interface StepDef {
  /** `module.phase`, e.g. `pgsql.hba`. */
  readonly name: string;
  readonly description: string;
  /** Whether this host takes part in the step. */
  applies(ctx: HostContext): boolean;
  /** The tasks of this step on one host, in order. */
  tasks(ctx: HostContext): TaskDraft[];
  readonly waves?: WaveOrder;
}

export interface Module {
  readonly name: string;
  readonly steps: readonly StepDef[];
}
