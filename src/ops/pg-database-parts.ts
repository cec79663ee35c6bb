/**
 * Pieces of `pg.database` plans: the CREATE DATABASE statement, the create-time fields compared
 * with the catalog, CONNECT privileges (`revokeconn`), and the schemas and extensions inside a
 * database. Pure: data in, fields and statements out.
 */
import { createHash } from "node:crypto";
import type { PgDatabase } from "../facts/pg-catalog.js";
import type { PgExtension, PgSchema } from "../facts/pg-objects.js";
import type { DatabaseField, PresentDatabase } from "../modules/pgsql/objects/types.js";
import type { FieldChange } from "../plan/types.js";
import { byText, field, type PgTaskTarget } from "./pg-common.js";
import { quoteGrantee, quoteIdent, quoteLiteral, sql, type Sql } from "./sql.js";

/** The name a create-time field has in SQL (and in reasons). */
const SQL_NAME: Readonly<Record<string, string>> = {
  encoding: "encoding", locale: "locale", lcCollate: "lc_collate", lcCtype: "lc_ctype", localeProvider: "locale_provider",
  icuLocale: "icu_locale", icuRules: "icu_rules", builtinLocale: "builtin_locale", tablespace: "tablespace",
};

/** `UTF-8`, `utf8` → `UTF8` (PostgreSQL ignores case and punctuation in encoding names). */
const encodingNorm = (s: string) => s.toUpperCase().replace(/[^A-Z0-9]/g, "");
/** `en_US.UTF-8` and `en_US.utf8` name the same locale. */
const localeNorm = (s: string) => s.replace(/\.(.*)$/, (_, cs: string) => `.${cs.toLowerCase().replace(/[^a-z0-9]/g, "")}`);

const has = (d: PresentDatabase, f: DatabaseField) => d[f] !== undefined && !(d.unsupported ?? []).includes(f);

/** Create-time fields where the live database differs (template and strategy are not recorded). */
export function createTimeDifferences(d: PresentDatabase, db: PgDatabase): FieldChange[] {
  const out: FieldChange[] = [];
  const check = (f: DatabaseField, live: string | null, norm: (s: string) => string = (s) => s) => {
    const want = d[f];
    if (!has(d, f) || typeof want !== "string") return;
    if (live === null || norm(live) !== norm(want)) out.push(field(SQL_NAME[f] ?? f, live, want));
  };
  check("encoding", db.encoding, encodingNorm);
  if (has(d, "locale") && typeof d.locale === "string") {
    const want = localeNorm(d.locale);
    if (!has(d, "lcCollate") && localeNorm(db.collate) !== want) out.push(field("lc_collate", db.collate, d.locale));
    if (!has(d, "lcCtype") && localeNorm(db.ctype) !== want) out.push(field("lc_ctype", db.ctype, d.locale));
  }
  check("lcCollate", db.collate, localeNorm);
  check("lcCtype", db.ctype, localeNorm);
  check("localeProvider", db.localeProvider);
  check("icuLocale", db.icuLocale);
  check("icuRules", db.icuRules);
  check("builtinLocale", db.builtinLocale);
  check("tablespace", db.tablespace);
  return out;
}

/** The database `CREATE DATABASE` connects to: not the template it copies. */
export function adminDatabase(d: PresentDatabase): string {
  return d.template === "postgres" ? "template1" : "postgres";
}

/**
 * CREATE DATABASE with every declared create-time option (ALLOW_CONNECTIONS false is left for
 * the end: the schemas and extensions are made by connecting to it). A template other than
 * template0/template1 cannot have sessions while it is copied: they are ended first, as Pigsty does.
 */
export function createStatements(d: PresentDatabase, as: string = d.name): Sql[] {
  const opts: string[] = [];
  const lit = (f: DatabaseField, word: string) => {
    const v = d[f];
    if (has(d, f) && typeof v === "string" && v !== "") opts.push(`${word} ${quoteLiteral(v)}`);
  };
  if (d.owner) opts.push(`OWNER ${quoteIdent(d.owner)}`);
  if (d.template) opts.push(`TEMPLATE ${quoteIdent(d.template)}`);
  lit("encoding", "ENCODING");
  if (has(d, "strategy") && d.strategy) opts.push(`STRATEGY ${d.strategy === "WAL_LOG" ? "WAL_LOG" : "FILE_COPY"}`);
  lit("locale", "LOCALE");
  lit("lcCollate", "LC_COLLATE");
  lit("lcCtype", "LC_CTYPE");
  lit("localeProvider", "LOCALE_PROVIDER");
  lit("icuLocale", "ICU_LOCALE");
  lit("icuRules", "ICU_RULES");
  lit("builtinLocale", "BUILTIN_LOCALE");
  if (d.tablespace) opts.push(`TABLESPACE ${quoteIdent(d.tablespace)}`);
  if (d.connlimit !== undefined) opts.push(`CONNECTION LIMIT ${Math.trunc(d.connlimit)}`);
  if (d.isTemplate !== undefined) opts.push(`IS_TEMPLATE ${d.isTemplate}`);
  const out: Sql[] = [];
  if (d.template && d.template !== "template0" && d.template !== "template1") {
    out.push(sql(`SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = ${quoteLiteral(d.template)} AND pid <> pg_backend_pid()`));
  }
  out.push(sql(`CREATE DATABASE ${quoteIdent(as)}${opts.length ? ` ${opts.join(" ")}` : ""}`));
  return out;
}

/** The name a database is built under when it is recreated (short, fixed length, from its name). */
export function recreateName(name: string): string {
  return `pgsty_recreate_${createHash("sha256").update(name, "utf8").digest("hex").slice(0, 16)}`;
}

/** DROP DATABASE (a template is unmarked first: templates cannot be dropped). */
export function dropStatements(name: string, live: Pick<PgDatabase, "isTemplate">, version: number): Sql[] {
  const db = quoteIdent(name);
  return [
    ...(live.isTemplate ? [sql(`ALTER DATABASE ${db} IS_TEMPLATE false`)] : []),
    ...(version >= 130000
      ? [sql(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`)]
      : [
        sql(`SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = ${quoteLiteral(name)} AND pid <> pg_backend_pid()`),
        sql(`DROP DATABASE IF EXISTS ${db}`),
      ]),
  ];
}

const connectors = (acl: PgDatabase["acl"]) =>
  acl.filter((a) => a.privilege === "CONNECT").map((a) => `${a.grantee}${a.grantable ? "*" : ""}`).sort(byText);

/**
 * CONNECT as `revokeconn` wants it (reference §4.6): true → not PUBLIC; the replicator and monitor
 * users may connect; the admin user and the owner may, with grant option. false → PUBLIC may.
 */
export function connectChanges(d: PresentDatabase, db: PgDatabase, t: PgTaskTarget): { fields: FieldChange[]; statements: Sql[] } {
  if (d.revokeconn === undefined) return { fields: [], statements: [] };
  const on = (g: string, grantable = false) => db.acl.some((a) => a.grantee === g && a.privilege === "CONNECT" && (a.grantable || !grantable));
  const name = quoteIdent(d.name);
  const statements: Sql[] = [];
  const after = new Set(connectors(db.acl));
  if (d.revokeconn) {
    if (on("PUBLIC")) {
      statements.push(sql(`REVOKE CONNECT ON DATABASE ${name} FROM PUBLIC`));
      after.delete("PUBLIC");
    }
    const withOption = [...new Set([t.systemUsers.admin, ...(d.owner ? [d.owner] : [])])];
    const plain = [...new Set([t.systemUsers.replicator, t.systemUsers.monitor])].filter((g) => !withOption.includes(g));
    for (const g of plain.filter((g) => !on(g))) {
      statements.push(sql(`GRANT CONNECT ON DATABASE ${name} TO ${quoteGrantee(g)}`));
      after.add(g);
    }
    for (const g of withOption.filter((g) => !on(g, true))) {
      statements.push(sql(`GRANT CONNECT ON DATABASE ${name} TO ${quoteGrantee(g)} WITH GRANT OPTION`));
      after.delete(g);
      after.add(`${g}*`);
    }
  } else if (!on("PUBLIC")) {
    statements.push(sql(`GRANT CONNECT ON DATABASE ${name} TO PUBLIC`));
    after.add("PUBLIC");
  }
  const fields = statements.length ? [field("connect", connectors(db.acl), [...after].sort(byText))] : [];
  return { fields, statements };
}

const extText = (e: { version?: string; schema?: string }) =>
  [e.version ? `version ${e.version}` : undefined, e.schema ? `in ${e.schema}` : undefined].filter(Boolean).join(" ") || "present";

/**
 * Schemas, then extensions, inside the database. `live` undefined: not read yet (a new database):
 * everything declared present is shown as created. Problems that need a human (an extension that
 * cannot be moved) go to `problems`.
 */
export function contentChanges(
  d: PresentDatabase,
  live: { readonly schemas: readonly PgSchema[]; readonly extensions: readonly PgExtension[] } | undefined,
): { fields: FieldChange[]; statements: Sql[]; problems: string[] } {
  const fields: FieldChange[] = [];
  const statements: Sql[] = [];
  const problems: string[] = [];
  for (const s of d.schemas) {
    const cur = live?.schemas.find((x) => x.name === s.name);
    const name = quoteIdent(s.name);
    if (s.state === "absent") {
      if (!cur) continue;
      fields.push(field(`schemas.${s.name}`, `owner ${cur.owner}`, undefined));
      statements.push(sql(`DROP SCHEMA IF EXISTS ${name} CASCADE`));
    } else if (!cur) {
      fields.push(field(`schemas.${s.name}`, undefined, s.owner ? `owner ${s.owner}` : "present"));
      statements.push(sql(`CREATE SCHEMA IF NOT EXISTS ${name}${s.owner ? ` AUTHORIZATION ${quoteIdent(s.owner)}` : ""}`));
    } else if (s.owner && cur.owner !== s.owner) {
      fields.push(field(`schemas.${s.name}`, `owner ${cur.owner}`, `owner ${s.owner}`));
      statements.push(sql(`ALTER SCHEMA ${name} OWNER TO ${quoteIdent(s.owner)}`));
    }
  }
  for (const e of d.extensions) {
    const cur = live?.extensions.find((x) => x.name === e.name);
    const name = quoteIdent(e.name);
    if (e.state === "absent") {
      if (!cur) continue;
      fields.push(field(`extensions.${e.name}`, extText(cur), undefined));
      statements.push(sql(`DROP EXTENSION IF EXISTS ${name} CASCADE`));
      continue;
    }
    if (!cur) {
      fields.push(field(`extensions.${e.name}`, undefined, extText(e)));
      const schema = e.schema ? ` WITH SCHEMA ${quoteIdent(e.schema)}` : "";
      const version = e.version ? ` VERSION ${quoteLiteral(e.version)}` : "";
      statements.push(sql(`CREATE EXTENSION IF NOT EXISTS ${name}${schema}${version} CASCADE`));
      continue;
    }
    const move = e.schema !== undefined && cur.schema !== e.schema;
    const update = e.version !== undefined && cur.version !== e.version;
    if (!move && !update) continue;
    fields.push(field(`extensions.${e.name}`, extText(cur), extText({ version: e.version ?? cur.version, schema: e.schema ?? cur.schema })));
    if (move && !cur.relocatable) problems.push(`extension ${e.name} is in schema ${cur.schema}, not ${e.schema}, and cannot be moved: drop and create it again`);
    else if (move) statements.push(sql(`ALTER EXTENSION ${name} SET SCHEMA ${quoteIdent(e.schema!)}`));
    if (update) statements.push(sql(`ALTER EXTENSION ${name} UPDATE TO ${quoteLiteral(e.version!)}`));
  }
  return { fields, statements, problems };
}
