/** Registry of every step pgsty knows, by name, and the effect refinements. No logic here. */
import type { StepDef } from "./module.js";
import { refineEffect } from "./effects.js";
import { NODE_STEPS } from "./steps-node.js";
import { PGSQL_STEPS } from "./steps-pgsql.js";
import { PGSQL_RM_STEPS } from "./steps-pgsql-rm.js";

export const STEP_DEFS: ReadonlyMap<string, StepDef> = new Map([...NODE_STEPS, ...PGSQL_STEPS, ...PGSQL_RM_STEPS].map((s) => [s.name, s]));
export { refineEffect };
