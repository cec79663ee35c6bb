/**
 * Registry of the PostgreSQL and Patroni ops, by task op name. Index only: no logic.
 */
import type { Op } from "./op.js";
import { pgDatabaseOp } from "./pg-database.js";
import { pgDefaultPrivilegesOp } from "./pg-default-privileges.js";
import { patroniConfigOp } from "./pg-patroni-config.js";
import { pgRoleOp } from "./pg-role.js";
import { pgRolesUndeclaredOp } from "./pg-roles-undeclared.js";

export const PG_OPS: ReadonlyMap<string, Op> = new Map<string, Op>(
  ([pgRoleOp, pgRolesUndeclaredOp, pgDatabaseOp, pgDefaultPrivilegesOp, patroniConfigOp] as Op[]).map((op) => [op.kind, op]),
);

export { pgRoleOp, pgRolesUndeclaredOp, pgDatabaseOp, pgDefaultPrivilegesOp, patroniConfigOp };
export type { PgTaskTarget } from "./pg-common.js";
export type { PatroniConfigArgs } from "./pg-patroni-config.js";
