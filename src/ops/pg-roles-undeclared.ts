/**
 * Op `pg.roles_undeclared`: the roles on a server that the inventory does not declare. One task
 * per member (key: the cluster); args: `declared`, the name of every role pg_default_roles, the
 * system users and pg_users give the cluster (present or absent), and `target`. The inventory is
 * the truth, so such a role (made by hand) is drift: the plan lists it as a delete and apply drops
 * it exactly as `state: absent` does — the batches come from pg-role-plan.ts (NOLOGIN, sessions
 * ended, objects reassigned to the dbsu and DROP OWNED per database, DROP ROLE), never copied.
 *
 * Never listed: what `protectedReason` refuses to drop — built-in roles (`pg_*`, the bootstrap
 * superuser), the dbsu and system users of `target` (Patroni creates its `authentication` users
 * from these very names) and Pigsty's fixed names. On a standby: a no-op (decision 15).
 * Reads `pg.roles` and `pg.databases`. Must not import modules/ (the declared names come as args).
 */
import type { PgDatabasesFact, PgRole, PgRolesFact } from "../facts/pg-catalog.js";
import type { FactSet } from "../facts/fact.js";
import type { TaskSpec } from "../plan/types.js";
import { isUnobservable, unobservable, type ApplyContext, type Op, type OpDiff, type Unobservable } from "./op.js";
import { byText, field, isStandby, pgNeeds, readPgFact, STANDBY, STANDBY_DIFF, taskTarget, unknownDiff, type PgTaskTarget, type Standby } from "./pg-common.js";
import { connectableDatabases } from "./pg-role.js";
import { planRole, protectedReason, type RolePlan } from "./pg-role-plan.js";
import { runBatches } from "./sql.js";

/** What the op observes: the undeclared roles (sorted by name) and what dropping them needs. */
export interface UndeclaredState {
  readonly version: number;
  readonly now: number;
  readonly roles: readonly PgRole[];
  /** Connectable databases (read only when there is something to drop). */
  readonly databases: readonly string[];
}

/**
 * The declared names. Without them every role would look undeclared: a task missing them is
 * unobservable, never a reason to drop anything.
 */
function declaredNames(task: TaskSpec): ReadonlySet<string> | Unobservable {
  const d = task.args.declared;
  if (!Array.isArray(d) || d.some((n) => typeof n !== "string")) return unobservable("the task does not list the declared roles");
  return new Set(d as string[]);
}

/** Live roles that are neither declared nor protected, sorted by name. */
export function undeclaredRoles(live: Iterable<PgRole>, declared: ReadonlySet<string>, target: PgTaskTarget): PgRole[] {
  return [...live].filter((r) => !declared.has(r.name) && protectedReason(r.name, r, target) === undefined).sort((a, b) => byText(a.name, b.name));
}

function observe(task: TaskSpec, facts: FactSet): UndeclaredState | Standby | Unobservable {
  const declared = declaredNames(task);
  if (isUnobservable(declared)) return declared;
  const roles = readPgFact<PgRolesFact>(facts, task, "pg.roles");
  if (isUnobservable(roles)) return roles;
  if (roles.recovery) return STANDBY;
  const undeclared = undeclaredRoles(roles.roles.values(), declared, taskTarget(task));
  let databases: string[] = [];
  if (undeclared.length) {
    const dbs = readPgFact<PgDatabasesFact>(facts, task, "pg.databases");
    if (isUnobservable(dbs)) return dbs;
    databases = connectableDatabases(dbs);
  }
  return { version: roles.version, now: roles.now, roles: undeclared, databases };
}

/** One `state: absent` plan per undeclared role. */
export function dropPlans(state: UndeclaredState, target: PgTaskTarget): RolePlan[] {
  return state.roles.map((role) => planRole({ name: role.name, state: "absent" }, { version: state.version, now: state.now, role, databases: state.databases }, target));
}

export const pgRolesUndeclaredOp: Op<UndeclaredState | Standby> = {
  kind: "pg.roles_undeclared",
  needs: (task) => pgNeeds(task, "pg.roles", "pg.databases"),
  observe,
  diff(task, observed): OpDiff {
    if (isUnobservable(observed)) return unknownDiff(observed);
    if (isStandby(observed)) return STANDBY_DIFF;
    if (observed === null) return unknownDiff({ unobservable: true, reason: "pg.roles was not read" });
    if (!observed.roles.length) return { action: "noop", effect: "none" };
    return {
      action: "delete",
      effect: "none",
      reason: `not in the inventory: dropped safely (objects reassigned to ${taskTarget(task).dbsu})`,
      fields: observed.roles.map((r) => field("role", r.name, undefined)),
    };
  },
  async apply(ctx: ApplyContext, task: TaskSpec): Promise<void> {
    // re-read: a role made or declared since the plan is judged on what is there now
    const state = observe(task, await ctx.refresh(pgRolesUndeclaredOp.needs(task)));
    if (isUnobservable(state)) throw new Error(`pg.roles_undeclared ${task.key}: ${state.reason}`);
    if (isStandby(state)) return;
    const target = taskTarget(task);
    for (const p of dropPlans(state, target)) {
      // undeclaredRoles leaves out what planRole refuses; a refusal here is a bug, never skipped
      if (p.action !== "delete") throw new Error(`pg.roles_undeclared ${task.key}: ${p.reason ?? "cannot drop"}`);
      await runBatches(ctx.connector, target, p.batches, ctx.signal);
    }
  },
};
