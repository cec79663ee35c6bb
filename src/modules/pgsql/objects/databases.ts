/**
 * Desired databases of a cluster: template1 and postgres (where Pigsty's init script puts the
 * default schemas, extensions and privileges), then pg_databases in order, each normalised.
 *
 * - Schemas and extensions: pg_default_schemas / pg_default_extensions first, then the database's
 *   own; an item naming one already listed overrides it field by field (state from the later).
 *   Pigsty puts the defaults only in template1 and postgres and lets clones inherit them; here
 *   every database declares them, so a database made from template0 gets them too.
 * - `recreate` is a state the plan acts on once (see PresentDatabase), never "drop on every run".
 * - postgres, template0 and template1 are never dropped: absent/recreate on them is a warning.
 * - Create-time options this PostgreSQL version lacks (strategy and locale_provider < 15,
 *   icu_rules < 16, builtin_locale < 17) are flagged `unsupported`, with a warning.
 * - `tablespace` is create-time only: moving a database rewrites all of its files and needs it
 *   idle, so pgsty never does it behind the inventory's back (Pigsty's ALTER always failed anyway).
 * Pure: must not import I/O modules.
 */
import { warning, type Diagnostic } from "../../../diagnostics.js";
import { varPosition } from "../../../model/resolve.js";
import type { PgDatabase, PgExtensionItem, PgSchemaItem } from "../../../model/schema/index.js";
import type { HostContext } from "../../context.js";
import { sharedAcrossHosts } from "../../memo.js";
import { defined, normaliseSettings } from "./settings.js";
import type { DatabaseField, Desired, DesiredDatabase, DesiredExtension, DesiredSchema, PresentDatabase } from "./types.js";

/** Databases that always exist; the defaults are applied in them. */
export const BUILTIN_DATABASES: readonly string[] = ["template1", "postgres"];
/** Databases never dropped. */
export const PROTECTED_DATABASES: readonly string[] = ["postgres", "template0", "template1"];

/** Create-time options and the PostgreSQL version that introduced them (with their inventory key). */
const VERSIONED: readonly { readonly field: DatabaseField; readonly key: keyof PgDatabase; readonly since: number }[] = [
  { field: "strategy", key: "strategy", since: 15 },
  { field: "localeProvider", key: "locale_provider", since: 15 },
  { field: "icuLocale", key: "icu_locale", since: 15 },
  { field: "icuRules", key: "icu_rules", since: 16 },
  { field: "builtinLocale", key: "builtin_locale", since: 17 },
];

type Item<O> = string | O;

/** Merge lists of name-or-object items by name, first-appearance order, later fields win. */
function mergeItems<O extends { readonly name: string; readonly state?: string }, D extends { readonly name: string }>(
  lists: readonly (readonly Item<O>[] | undefined)[],
  make: (o: O, prev: D | undefined) => D,
): D[] {
  const byName = new Map<string, D>();
  for (const list of lists) {
    for (const item of list ?? []) {
      const o = (typeof item === "string" ? { name: item } : item) as O;
      byName.set(o.name, make(o, byName.get(o.name)));
    }
  }
  return [...byName.values()];
}

export function desiredSchemas(...lists: readonly (readonly Item<PgSchemaItem>[] | undefined)[]): DesiredSchema[] {
  return mergeItems<PgSchemaItem, DesiredSchema>(lists, (o, prev) =>
    o.state === "absent"
      ? { name: o.name, state: "absent" }
      : defined({ name: o.name, state: "present", owner: o.owner ?? (prev?.state === "present" ? prev.owner : undefined) }),
  );
}

export function desiredExtensions(...lists: readonly (readonly Item<PgExtensionItem>[] | undefined)[]): DesiredExtension[] {
  return mergeItems<PgExtensionItem, DesiredExtension>(lists, (o, prev) => {
    if (o.state === "absent") return { name: o.name, state: "absent" };
    const p = prev?.state === "present" ? prev : undefined;
    return defined({ name: o.name, state: "present", schema: o.schema ?? p?.schema, version: o.version ?? p?.version });
  });
}

/** Definitions of one database (the rules reject duplicates; if any slip through, later fields win). */
interface Draft {
  readonly name: string;
  db: PgDatabase;
  readonly indexes: number[];
  readonly settings: (Readonly<Record<string, unknown>> | undefined)[];
  readonly schemas: (readonly Item<PgSchemaItem>[] | undefined)[];
  readonly extensions: (readonly Item<PgExtensionItem>[] | undefined)[];
}

function drafts(list: readonly PgDatabase[]): Draft[] {
  const byName = new Map<string, Draft>();
  list.forEach((db, i) => {
    const d = byName.get(db.name);
    if (!d) {
      byName.set(db.name, { name: db.name, db, indexes: [i], settings: [db.parameters], schemas: [db.schemas], extensions: [db.extensions] });
      return;
    }
    d.db = { ...d.db, ...defined(db), state: db.state };
    d.indexes.push(i);
    d.settings.push(db.parameters);
    d.schemas.push(db.schemas);
    d.extensions.push(db.extensions);
  });
  return [...byName.values()];
}

function presentDatabase(ctx: HostContext, d: Draft | undefined, name: string, builtin: boolean, out: Diagnostic[]): PresentDatabase {
  const db: PgDatabase = d?.db ?? { name };
  const declared = d !== undefined;
  const pgVersion = ctx.vars.pg_version;
  const last = d?.indexes[d.indexes.length - 1];
  const unsupported: DatabaseField[] = [];
  for (const v of VERSIONED) {
    if (db[v.key] === undefined || pgVersion >= v.since) continue;
    unsupported.push(v.field);
    out.push(warning("objects.database-option", `\`${v.key}\` of database ${name} needs PostgreSQL ${v.since}; ignored on ${pgVersion}`, {
      source: varPosition(ctx.host, "pg_databases", [last ?? 0, v.key]),
      hint: `remove it, or raise pg_version to ${v.since} or later`,
    }));
  }
  return defined({
    name,
    state: !builtin && db.state === "recreate" ? "recreate" : "create",
    builtin,
    owner: db.owner,
    template: db.template,
    strategy: db.strategy === undefined ? undefined : (db.strategy.toUpperCase() as "FILE_COPY" | "WAL_LOG"),
    encoding: db.encoding,
    locale: db.locale,
    lcCollate: db.lc_collate,
    lcCtype: db.lc_ctype,
    localeProvider: db.locale_provider,
    icuLocale: db.icu_locale,
    icuRules: db.icu_rules,
    builtinLocale: db.builtin_locale,
    tablespace: db.tablespace,
    allowconn: db.allowconn,
    isTemplate: db.is_template,
    connlimit: db.connlimit,
    revokeconn: db.revokeconn,
    comment: db.comment ?? (declared ? `business database ${name}` : undefined),
    ...normaliseSettings(...(d?.settings ?? [])),
    schemas: desiredSchemas(ctx.vars.pg_default_schemas, ...(d?.schemas ?? [])),
    extensions: desiredExtensions(ctx.vars.pg_default_extensions, ...(d?.extensions ?? [])),
    baseline: db.baseline,
    registerDatasource: db.register_datasource ?? declared,
    pgbouncer: db.pgbouncer ?? declared,
    poolAuthUser: db.pool_auth_user,
    poolMode: db.pool_mode,
    poolSize: db.pool_size,
    poolSizeMin: db.pool_size_min,
    poolReserve: db.pool_reserve ?? db.pool_size_reserve,
    poolConnlimit: db.pool_connlimit ?? db.pool_max_db_conn,
    unsupported: unsupported.length ? unsupported : undefined,
  } satisfies PresentDatabase);
}

/** A built-in database pg_databases does not mention, with what its computation reported. */
function unmentionedBuiltin(ctx: HostContext, name: string): Desired<PresentDatabase> {
  const out: Diagnostic[] = [];
  return { value: presentDatabase(ctx, undefined, name, true, out), diagnostics: out };
}

/** The desired databases of the cluster of `ctx` (its primary). */
export function desiredDatabases(ctx: HostContext): Desired<readonly DesiredDatabase[]> {
  const out: Diagnostic[] = [];
  const all = drafts(ctx.vars.pg_databases ?? []);
  for (const d of all) {
    if (PROTECTED_DATABASES.includes(d.name) && (d.db.state === "absent" || d.db.state === "recreate")) {
      out.push(warning("objects.protected-database", `database ${d.name} is never dropped; \`state: ${d.db.state}\` is ignored`, {
        source: varPosition(ctx.host, "pg_databases", [d.indexes[d.indexes.length - 1]!, "state"]),
        hint: "remove `state` from this database",
      }));
      d.db = { ...d.db, state: "create" };
    }
  }
  const byName = new Map(all.map((d) => [d.name, d]));
  const builtins = BUILTIN_DATABASES.map((name) => {
    const d = byName.get(name);
    if (d) return presentDatabase(ctx, d, name, true, out);
    // one the inventory does not mention is the same in every cluster of the same settings
    const shared = sharedAcrossHosts(ctx, "pgsql.builtin-database", unmentionedBuiltin, name);
    out.push(...shared.diagnostics);
    return shared.value;
  });
  const rest = all
    .filter((d) => !BUILTIN_DATABASES.includes(d.name))
    .map((d): DesiredDatabase => (d.db.state === "absent" ? { name: d.name, state: "absent" } : presentDatabase(ctx, d, d.name, false, out)));
  return { value: [...builtins, ...rest], diagnostics: out };
}
