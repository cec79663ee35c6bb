/**
 * Op `pg.role`: one role of the inventory (key: its name; args: a DesiredRole, `password` a
 * deferred-secret token or a hash, plus `target`). Reads `pg.roles` (and `pg.databases` to drop);
 * the plan logic is pg-role-plan.ts. Roles not in the inventory are pg-roles-undeclared.ts's business.
 */
import type { PgDatabasesFact, PgRolesFact } from "../facts/pg-catalog.js";
import type { FactSet } from "../facts/fact.js";
import type { DesiredRole } from "../modules/pgsql/objects/types.js";
import type { TaskSpec } from "../plan/types.js";
import { isUnobservable, type ApplyContext, type Op, type OpDiff, type Unobservable } from "./op.js";
import { byText, isStandby, pgNeeds, readPgFact, STANDBY, STANDBY_DIFF, taskTarget, unknownDiff, type Standby } from "./pg-common.js";
import { planRole, type RolePlan, type RoleState } from "./pg-role-plan.js";
import { runBatches } from "./sql.js";

const role = (task: TaskSpec) => task.args as unknown as DesiredRole;

/** The databases a drop must visit (it reassigns and drops owned objects in each), sorted. */
export function connectableDatabases(dbs: PgDatabasesFact): string[] {
  return [...dbs.databases.values()].filter((d) => d.allowconn).map((d) => d.name).sort(byText);
}

function observe(task: TaskSpec, facts: FactSet): RoleState | Standby | Unobservable {
  const roles = readPgFact<PgRolesFact>(facts, task, "pg.roles");
  if (isUnobservable(roles)) return roles;
  if (roles.recovery) return STANDBY;
  let databases: string[] = [];
  if (role(task).state === "absent" && roles.roles.has(role(task).name)) {
    const dbs = readPgFact<PgDatabasesFact>(facts, task, "pg.databases");
    if (isUnobservable(dbs)) return dbs;
    databases = connectableDatabases(dbs);
  }
  return { version: roles.version, now: roles.now, role: roles.roles.get(role(task).name), databases };
}

function plan(task: TaskSpec, state: RoleState): RolePlan {
  return planRole(role(task), state, taskTarget(task));
}

export const pgRoleOp: Op<RoleState | Standby> = {
  kind: "pg.role",
  needs: (task) => (role(task).state === "absent" ? pgNeeds(task, "pg.roles", "pg.databases") : pgNeeds(task, "pg.roles")),
  observe,
  diff(task, observed): OpDiff {
    if (isUnobservable(observed)) return unknownDiff(observed);
    if (isStandby(observed)) return STANDBY_DIFF;
    if (observed === null) return unknownDiff({ unobservable: true, reason: "pg.roles was not read" });
    const p = plan(task, observed);
    return { action: p.action, effect: "none", ...(p.reason ? { reason: p.reason } : {}), ...(p.fields.length ? { fields: p.fields } : {}) };
  },
  async apply(ctx: ApplyContext, task: TaskSpec): Promise<void> {
    const state = observe(task, await ctx.refresh(pgRoleOp.needs(task)));
    if (isUnobservable(state)) throw new Error(`pg.role ${task.key}: ${state.reason}`);
    if (isStandby(state)) return;
    const p = plan(task, state);
    if (p.action === "unknown") throw new Error(`pg.role ${task.key}: ${p.reason ?? "cannot be changed"}`);
    await runBatches(ctx.connector, taskTarget(task), p.batches, ctx.signal);
  },
};
