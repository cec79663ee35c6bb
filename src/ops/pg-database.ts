/**
 * Op `pg.database`: one database with its schemas and extensions (key: its name; args: a
 * DesiredDatabase plus `target`). Reads `pg.databases`, `pg.schemas` and `pg.extensions`; the plan
 * logic is pg-database-plan.ts. Apply re-reads the catalog before each pass and plans again after
 * CREATE DATABASE, so what it runs always follows what the server really holds.
 */
import type { PgDatabasesFact } from "../facts/pg-catalog.js";
import type { FactSet } from "../facts/fact.js";
import type { PgExtensionsFact, PgSchemasFact } from "../facts/pg-objects.js";
import type { DesiredDatabase } from "../modules/pgsql/objects/types.js";
import type { TaskSpec } from "../plan/types.js";
import { isUnobservable, unobservable, type ApplyContext, type Op, type OpDiff, type Unobservable } from "./op.js";
import { isStandby, pgNeeds, readPgFact, STANDBY, STANDBY_DIFF, taskTarget, unknownDiff, type Standby } from "./pg-common.js";
import { planDatabase, type DatabasePlan, type DatabaseState } from "./pg-database-plan.js";
import { runBatches } from "./sql.js";

const desired = (task: TaskSpec) => task.args as unknown as DesiredDatabase;

function observe(task: TaskSpec, facts: FactSet): DatabaseState | Standby | Unobservable {
  const d = desired(task);
  const dbs = readPgFact<PgDatabasesFact>(facts, task, "pg.databases");
  if (isUnobservable(dbs)) return dbs;
  if (dbs.recovery) return STANDBY;
  const db = dbs.databases.get(d.name);
  if (!db || d.state === "absent" || !db.allowconn) return { version: dbs.version, db, content: undefined };
  const schemas = readPgFact<PgSchemasFact>(facts, task, "pg.schemas");
  if (isUnobservable(schemas)) return schemas;
  const extensions = readPgFact<PgExtensionsFact>(facts, task, "pg.extensions");
  if (isUnobservable(extensions)) return extensions;
  const error = schemas.errors.get(d.name) ?? extensions.errors.get(d.name);
  if (error !== undefined) return unobservable(`database ${d.name} could not be read: ${error}`);
  const s = schemas.databases.get(d.name);
  const e = extensions.databases.get(d.name);
  return { version: dbs.version, db, content: s && e ? { schemas: s, extensions: e } : undefined };
}

function plan(task: TaskSpec, state: DatabaseState): DatabasePlan {
  return planDatabase(desired(task), state, taskTarget(task));
}

export const pgDatabaseOp: Op<DatabaseState | Standby> = {
  kind: "pg.database",
  needs: (task) => (desired(task).state === "absent" ? pgNeeds(task, "pg.databases") : pgNeeds(task, "pg.databases", "pg.schemas", "pg.extensions")),
  observe,
  diff(task, observed): OpDiff {
    if (isUnobservable(observed)) return unknownDiff(observed);
    if (isStandby(observed)) return STANDBY_DIFF;
    if (observed === null) return unknownDiff(unobservable("pg.databases was not read"));
    const p = plan(task, observed);
    return { action: p.action, effect: "none", ...(p.reason ? { reason: p.reason } : {}), ...(p.fields.length ? { fields: p.fields } : {}) };
  },
  async apply(ctx: ApplyContext, task: TaskSpec): Promise<void> {
    // at most: create (or drop + create), then what is inside, then what a disabled database held
    for (let pass = 0; pass < 3; pass++) {
      const state = observe(task, await ctx.refresh(pgDatabaseOp.needs(task)));
      if (isUnobservable(state)) throw new Error(`pg.database ${task.key}: ${state.reason}`);
      if (isStandby(state)) return;
      const p = plan(task, state);
      if (p.action === "unknown") throw new Error(`pg.database ${task.key}: ${p.reason ?? "cannot be changed"}`);
      // a database just created that still differs must not be dropped and created again
      if (pass > 0 && p.action === "create") throw new Error(`pg.database ${task.key}: still differs after it was created (${p.reason ?? ""})`);
      await runBatches(ctx.connector, taskTarget(task), p.batches, ctx.signal);
      if (!p.incomplete) return;
    }
  },
};
