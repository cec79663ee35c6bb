/**
 * Registries the engine uses: every op by the task op it implements (host ops and PostgreSQL
 * ops), and every fact by name (host facts and PostgreSQL facts). Index only: no logic.
 */
import type { Fact } from "../facts/fact.js";
import { HOST_FACTS } from "../facts/index.js";
import { PG_FACTS } from "../facts/pg-index.js";
import { HOST_OPS } from "./host-ops.js";
import type { Op } from "./op.js";
import { PG_OPS } from "./pg-ops.js";

export const OPS: ReadonlyMap<string, Op> = new Map<string, Op>([...HOST_OPS, ...PG_OPS]);

export const FACTS: ReadonlyMap<string, Fact<unknown>> = new Map<string, Fact<unknown>>([...HOST_FACTS, ...PG_FACTS]);

export { hasFollowUp, reloadService, restartService, DAEMONS, type FollowUpOp } from "./host-ops.js";
export { isUnobservable, type ApplyContext, type Op, type OpDiff, type Unobservable } from "./op.js";
