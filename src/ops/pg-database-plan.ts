/**
 * The pure half of `pg.database`: desired database × live catalog → plan fields and SQL batches.
 * - missing → CREATE DATABASE (its own batch: it refuses a transaction); what is inside the new
 *   database (schemas, extensions) and what follows (comment, settings, CONNECT) is planned again
 *   from the live catalog right after (`incomplete`), so apply never guesses what a template held;
 * - existing → only alterable fields that differ, in one transaction from `postgres`, then the
 *   schemas and extensions in one transaction inside the database, then ALLOW_CONNECTIONS false;
 * - a create-time field that differs → `unknown` ("lc_collate differs: recreate is needed"), unless
 *   `state: recreate`: then built anew under a temporary name, the old one dropped and the new one
 *   renamed — a CREATE that fails (an incompatible template, say) loses nothing — once: afterwards
 *   they match;
 * - `state: absent` → DROP … WITH (FORCE); postgres, template0, template1 never;
 * - `baseline` SQL is not run by this op (out of its scope): the plan says so on create.
 */
import type { PgDatabase } from "../facts/pg-catalog.js";
import type { PgExtension, PgSchema } from "../facts/pg-objects.js";
import { PROTECTED_DATABASES } from "../modules/pgsql/objects/databases.js";
import type { DesiredDatabase, PresentDatabase } from "../modules/pgsql/objects/types.js";
import type { Action, FieldChange } from "../plan/types.js";
import { field, settingsChanges, type PgTaskTarget } from "./pg-common.js";
import {
  adminDatabase, connectChanges, contentChanges, createStatements, createTimeDifferences, dropStatements, recreateName,
} from "./pg-database-parts.js";
import { quoteIdent, quoteLiteral, sql, type Sql, type SqlBatch } from "./sql.js";

/** What `pg.database` observes. */
export interface DatabaseState {
  readonly version: number;
  /** undefined: the database does not exist. */
  readonly db: PgDatabase | undefined;
  /** What is inside it; undefined when it could not be read (missing, not connectable, failed). */
  readonly content: { readonly schemas: readonly PgSchema[]; readonly extensions: readonly PgExtension[] } | undefined;
}

export interface DatabasePlan {
  readonly action: Action;
  readonly reason?: string;
  readonly fields: readonly FieldChange[];
  readonly batches: readonly SqlBatch[];
  /** Apply must read the catalog again and plan the rest (after CREATE DATABASE, or enabling connections). */
  readonly incomplete: boolean;
}

const none = (action: Action, reason?: string): DatabasePlan => ({ action, ...(reason ? { reason } : {}), fields: [], batches: [], incomplete: false });

/** Fields shown for a database about to be created: what is declared. */
function createFields(d: PresentDatabase): FieldChange[] {
  const keys = [
    "owner", "template", "strategy", "encoding", "locale", "lcCollate", "lcCtype", "localeProvider", "icuLocale", "icuRules",
    "builtinLocale", "tablespace", "connlimit", "isTemplate", "allowconn", "revokeconn", "comment",
  ] as const;
  const out = keys.filter((k) => d[k] !== undefined && !(d.unsupported ?? []).includes(k)).map((k) => field(k, undefined, d[k]));
  out.push(...Object.entries(d.parameters).map(([k, v]) => field(`parameters.${k}`, undefined, v)));
  return [...out, ...contentChanges(d, undefined).fields];
}

function create(d: PresentDatabase, reason: string, replace?: { readonly live: PgDatabase; readonly version: number }): DatabasePlan {
  const baseline = d.baseline ? `; baseline ${d.baseline} is not run by pgsty yet` : "";
  const batches: SqlBatch[] = [];
  if (!replace) batches.push({ database: adminDatabase(d), transaction: false, statements: createStatements(d) });
  else {
    const tmp = recreateName(d.name);
    batches.push(
      { database: "postgres", transaction: false, statements: dropStatements(tmp, { isTemplate: false }, replace.version) },
      { database: adminDatabase(d), transaction: false, statements: createStatements(d, tmp) },
      {
        database: "postgres",
        transaction: false,
        statements: [...dropStatements(d.name, replace.live, replace.version), sql(`ALTER DATABASE ${quoteIdent(tmp)} RENAME TO ${quoteIdent(d.name)}`)],
      },
    );
  }
  return { action: "create", reason: `${reason}${baseline}`, fields: createFields(d), batches, incomplete: true };
}

function alter(d: PresentDatabase, db: PgDatabase, state: DatabaseState, t: PgTaskTarget): DatabasePlan {
  const name = quoteIdent(d.name);
  const fields: FieldChange[] = [];
  const outside: Sql[] = [];
  const last: Sql[] = [];
  if (d.allowconn === true && !db.allowconn) {
    fields.push(field("allowconn", false, true));
    outside.push(sql(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`));
  }
  if (d.owner !== undefined && d.owner !== db.owner) {
    fields.push(field("owner", db.owner, d.owner));
    outside.push(sql(`ALTER DATABASE ${name} OWNER TO ${quoteIdent(d.owner)}`));
  }
  if (d.connlimit !== undefined && d.connlimit !== db.connlimit) {
    fields.push(field("connlimit", db.connlimit, d.connlimit));
    outside.push(sql(`ALTER DATABASE ${name} CONNECTION LIMIT ${Math.trunc(d.connlimit)}`));
  }
  if (d.isTemplate !== undefined && d.isTemplate !== db.isTemplate) {
    fields.push(field("isTemplate", db.isTemplate, d.isTemplate));
    outside.push(sql(`ALTER DATABASE ${name} IS_TEMPLATE ${d.isTemplate}`));
  }
  if (d.comment !== undefined && d.comment !== (db.comment ?? "")) {
    fields.push(field("comment", db.comment, d.comment));
    outside.push(sql(`COMMENT ON DATABASE ${name} IS ${quoteLiteral(d.comment)}`));
  }
  const settings = settingsChanges(`ALTER DATABASE ${name}`, d.parameters, d.resetParameters, db.settings);
  const connect = connectChanges(d, db, t);
  fields.push(...settings.fields, ...connect.fields);
  outside.push(...settings.statements, ...connect.statements);
  // not connectable now: its content is read (and planned) once connections are allowed again
  const readable = state.content !== undefined;
  const content = readable ? contentChanges(d, state.content) : { fields: [], statements: [], problems: [] };
  fields.push(...content.fields);
  if (d.allowconn === false && db.allowconn) {
    fields.push(field("allowconn", true, false));
    last.push(sql(`ALTER DATABASE ${name} ALLOW_CONNECTIONS false`));
  }
  if (content.problems.length) return { action: "unknown", reason: content.problems.join("; "), fields, batches: [], incomplete: false };
  const batches: SqlBatch[] = [
    { database: "postgres", transaction: true, statements: outside },
    { database: d.name, transaction: true, statements: content.statements },
    { database: "postgres", transaction: true, statements: last },
  ].filter((b) => b.statements.length);
  if (!batches.length) return none("noop");
  return { action: "update", fields, batches, incomplete: !readable && db.allowconn === false && d.allowconn === true };
}

/** The plan of one `pg.database` task against the live state. */
export function planDatabase(d: DesiredDatabase, state: DatabaseState, t: PgTaskTarget): DatabasePlan {
  const db = state.db;
  if (d.state === "absent") {
    if (!db) return none("noop", "absent");
    if (PROTECTED_DATABASES.includes(d.name)) return none("unknown", `refusing to drop database ${d.name}: it is never dropped`);
    return { action: "delete", reason: "state: absent", fields: [field("database", d.name, undefined)], batches: [{ database: "postgres", transaction: false, statements: dropStatements(d.name, db, state.version) }], incomplete: false };
  }
  if (!db) {
    if (d.builtin) return none("unknown", `database ${d.name} is missing: it is created by initdb, never by pgsty`);
    return create(d, "missing");
  }
  const differs = createTimeDifferences(d, db);
  if (differs.length) {
    const what = differs.map((f) => `${f.field} differs (${String(f.before ?? "none")} → ${String(f.after)})`).join(", ");
    if (d.state !== "recreate" || d.builtin || PROTECTED_DATABASES.includes(d.name)) {
      return { action: "unknown", reason: `${what}: recreate is needed`, fields: differs, batches: [], incomplete: false };
    }
    return create(d, `recreate: ${what}`, { live: db, version: state.version });
  }
  return alter(d, db, state, t);
}
