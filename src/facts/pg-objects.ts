/**
 * Facts read inside each database (keys are `pgTargetKey` targets): `pg.schemas`,
 * `pg.extensions` and `pg.default_privileges` (pg_default_acl decoded per role, schema, object
 * type). Each fragment lists the connectable databases and runs one psql per database; a database
 * that fails is recorded in `errors`, the others still count. Pure.
 */
import type { DefaultPrivilegeObjectType } from "../modules/pgsql/objects/types.js";
import type { Fact } from "./fact.js";
import {
  aclItems, arr, bool, hexName, jsonLine, obj, optStr, parseSections, perDatabaseScript, str,
  type PgAclItem, type PgDown, type Section,
} from "./pg-shell.js";

/** What one per-database fact found: per database name, and the databases that could not be read. */
export interface PgPerDatabase<T> {
  readonly databases: ReadonlyMap<string, T>;
  readonly errors: ReadonlyMap<string, string>;
}

export interface PgSchema {
  readonly name: string;
  readonly owner: string;
}

export interface PgExtension {
  readonly name: string;
  readonly version: string;
  readonly schema: string;
  /** ALTER EXTENSION … SET SCHEMA is possible. */
  readonly relocatable: boolean;
}

/** One row of pg_default_acl. */
export interface PgDefaultAcl {
  /** The object creator (FOR ROLE). */
  readonly role: string;
  /** IN SCHEMA; null: every schema (the global entry, which replaces the built-in defaults). */
  readonly schema: string | null;
  readonly objectType: DefaultPrivilegeObjectType;
  readonly acl: readonly PgAclItem[];
}

export type PgSchemasFact = PgPerDatabase<readonly PgSchema[]>;
export type PgExtensionsFact = PgPerDatabase<readonly PgExtension[]>;
export type PgDefaultAclFact = PgPerDatabase<readonly PgDefaultAcl[]>;

export const SCHEMAS_SQL = `SELECT jsonb_build_object('database', current_database(),
 'items', coalesce((SELECT jsonb_agg(jsonb_build_object('name', n.nspname, 'owner', pg_get_userbyid(n.nspowner)) ORDER BY n.nspname)
   FROM pg_namespace n WHERE n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'), '[]'::jsonb))`;

export const EXTENSIONS_SQL = `SELECT jsonb_build_object('database', current_database(),
 'items', coalesce((SELECT jsonb_agg(jsonb_build_object('name', e.extname, 'version', e.extversion, 'schema', n.nspname,
   'relocatable', e.extrelocatable) ORDER BY e.extname) FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace), '[]'::jsonb))`;

export const DEFAULT_ACL_SQL = `SELECT jsonb_build_object('database', current_database(),
 'items', coalesce((SELECT jsonb_agg(jsonb_build_object('role', pg_get_userbyid(d.defaclrole), 'schema', n.nspname,
   'type', d.defaclobjtype,
   'acl', coalesce((SELECT jsonb_agg(jsonb_build_array(CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(a.grantee) END,
     a.privilege_type, a.is_grantable)) FROM aclexplode(d.defaclacl) a), '[]'::jsonb))
   ORDER BY pg_get_userbyid(d.defaclrole), n.nspname NULLS FIRST, d.defaclobjtype)
   FROM pg_default_acl d LEFT JOIN pg_namespace n ON n.oid = d.defaclnamespace), '[]'::jsonb))`;

/** Every line of a section: a database's JSON, or `db-error <hex> <message>`. */
function perDatabase<T>(s: Section, item: (v: unknown) => T | undefined): PgPerDatabase<readonly T[]> {
  const databases = new Map<string, readonly T[]>();
  const errors = new Map<string, string>();
  for (const line of s.body.split("\n")) {
    const err = /^db-error ([0-9a-f]*) ?(.*)$/.exec(line);
    if (err) {
      errors.set(hexName(err[1]!), err[2]!.trim() || "query failed");
      continue;
    }
    const j = line.startsWith("{") ? jsonLine(line) : undefined;
    if (!j || typeof j.database !== "string") continue;
    databases.set(j.database, arr(j.items).map(item).filter((x): x is T => x !== undefined));
  }
  return { databases, errors };
}

const OBJECT_TYPES: Readonly<Record<string, DefaultPrivilegeObjectType>> = {
  r: "TABLES", S: "SEQUENCES", f: "FUNCTIONS", T: "TYPES", n: "SCHEMAS",
};

export function parseSchemas(stdout: string, keys: readonly string[]): Map<string, PgSchemasFact | PgDown> {
  return parseSections(stdout, keys, (s) => perDatabase(s, (v) => ({ name: str(obj(v).name), owner: str(obj(v).owner) })));
}

export function parseExtensions(stdout: string, keys: readonly string[]): Map<string, PgExtensionsFact | PgDown> {
  return parseSections(stdout, keys, (s) =>
    perDatabase(s, (v) => {
      const o = obj(v);
      return { name: str(o.name), version: str(o.version), schema: str(o.schema), relocatable: bool(o.relocatable) };
    }),
  );
}

export function parseDefaultAcl(stdout: string, keys: readonly string[]): Map<string, PgDefaultAclFact | PgDown> {
  return parseSections(stdout, keys, (s) =>
    perDatabase(s, (v): PgDefaultAcl | undefined => {
      const o = obj(v);
      const objectType = OBJECT_TYPES[str(o.type)];
      // object types pgsty does not manage (large objects in 18+) are left out
      return objectType ? { role: str(o.role), schema: optStr(o.schema), objectType, acl: aclItems(o.acl) } : undefined;
    }),
  );
}

export const PG_SCHEMAS: Fact<PgSchemasFact | PgDown> = {
  concurrent: true,
  name: "pg.schemas",
  script: (keys) => perDatabaseScript(keys, SCHEMAS_SQL),
  parse: parseSchemas,
};

export const PG_EXTENSIONS: Fact<PgExtensionsFact | PgDown> = {
  concurrent: true,
  name: "pg.extensions",
  script: (keys) => perDatabaseScript(keys, EXTENSIONS_SQL),
  parse: parseExtensions,
};

export const PG_DEFAULT_PRIVILEGES: Fact<PgDefaultAclFact | PgDown> = {
  concurrent: true,
  name: "pg.default_privileges",
  script: (keys) => perDatabaseScript(keys, DEFAULT_ACL_SQL),
  parse: parseDefaultAcl,
};
