/**
 * Desired default privileges: the strings of pg_default_privileges (`GRANT USAGE ON SCHEMAS TO
 * dbrole_readonly`, what follows `ALTER DEFAULT PRIVILEGES FOR ROLE <role>`) parsed into data,
 * applied in order (a later REVOKE cancels an earlier GRANT), for each object creator:
 * - the dbsu, the admin user and dbrole_admin (when declared), in template1, postgres and every
 *   database (as Pigsty's init script does in template1/postgres, which clones then inherit);
 * - each database owner, in the databases it owns (as Pigsty's per-database script does).
 * One entry per creator, holding the folded grants: the same (frozen) list for every creator of
 * every cluster that inherits the same pg_default_privileges (docs/architecture.md, decision 27).
 * An empty pg_default_privileges means none (Pigsty's per-database script falls back to a
 * hard-coded copy of the defaults; pgsty does not). A string that does not parse is an error
 * diagnostic, never an exception. Pure: must not import I/O modules.
 */
import { error, type Diagnostic } from "../../../diagnostics.js";
import { varPosition } from "../../../model/resolve.js";
import type { HostContext } from "../../context.js";
import { desiredDatabases } from "./databases.js";
import { systemUsers } from "./roles.js";
import { compareText } from "./settings.js";
import type { DefaultPrivilegeGrant, DefaultPrivilegeObjectType, Desired, DesiredDatabase, DesiredDefaultPrivileges, SystemUsers } from "./types.js";

/** Privileges of each object type, in catalog (aclitem) order; MAINTAIN needs PostgreSQL 17. */
export const DEFAULT_PRIVILEGE_TYPES: { readonly [T in DefaultPrivilegeObjectType]: readonly string[] } = {
  TABLES: ["INSERT", "SELECT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER", "MAINTAIN"],
  SEQUENCES: ["SELECT", "UPDATE", "USAGE"],
  FUNCTIONS: ["EXECUTE"],
  TYPES: ["USAGE"],
  SCHEMAS: ["USAGE", "CREATE"],
};

/** One string of pg_default_privileges, parsed. */
export interface DefaultPrivilegeRule {
  readonly action: "grant" | "revoke";
  /** IN SCHEMA …; empty: every schema. */
  readonly schemas: readonly string[];
  readonly objectType: DefaultPrivilegeObjectType;
  /** Upper-case, catalog order; ALL expanded. */
  readonly privileges: readonly string[];
  /** Role names (unquoted ones folded to lower case) or PUBLIC. */
  readonly grantees: readonly string[];
  /** grant: WITH GRANT OPTION; revoke: GRANT OPTION FOR (only the option is revoked). */
  readonly grantOption: boolean;
}

export type ParsedDefaultPrivilege =
  | { readonly ok: true; readonly rule: DefaultPrivilegeRule }
  | { readonly ok: false; readonly problem: string };

interface Token {
  readonly text: string;
  readonly quoted: boolean;
}

const TOKEN = /\s*(?:"((?:[^"]|"")*)"|([,;])|([^\s,;"]+))/y;

function tokenize(text: string): Token[] | string {
  const out: Token[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < text.length) {
    const rest = text.slice(TOKEN.lastIndex);
    if (/^\s*$/.test(rest)) break;
    const at = TOKEN.lastIndex + rest.length - rest.trimStart().length;
    const m = TOKEN.exec(text);
    if (!m) return `unterminated quoted name at column ${at + 1}`;
    out.push(m[1] !== undefined ? { text: m[1].replace(/""/g, '"'), quoted: true } : { text: m[2] ?? m[3] ?? "", quoted: false });
  }
  return out;
}

const OBJECT_TYPES: Readonly<Record<string, DefaultPrivilegeObjectType>> = {
  TABLES: "TABLES", SEQUENCES: "SEQUENCES", FUNCTIONS: "FUNCTIONS", ROUTINES: "FUNCTIONS", TYPES: "TYPES", SCHEMAS: "SCHEMAS",
};

/** Parses one entry of pg_default_privileges for PostgreSQL `pgVersion`. */
export function parseDefaultPrivilege(text: string, pgVersion = 18): ParsedDefaultPrivilege {
  const tokens = tokenize(text);
  if (typeof tokens === "string") return { ok: false, problem: tokens };
  let i = 0;
  const fail = (problem: string): ParsedDefaultPrivilege => ({ ok: false, problem });
  const kw = (t: Token | undefined) => (t && !t.quoted ? t.text.toUpperCase() : undefined);
  const peek = () => kw(tokens[i]);
  const accept = (word: string) => (peek() === word ? (i++, true) : false);
  const name = (t: Token) => (t.quoted ? t.text : t.text.toLowerCase());
  const nameList = (what: string): string[] | string => {
    const names: string[] = [];
    for (;;) {
      accept("GROUP");
      const t = tokens[i++];
      if (!t || (!t.quoted && /^[,;]$/.test(t.text))) return `expected ${what}`;
      names.push(!t.quoted && t.text.toUpperCase() === "PUBLIC" ? "PUBLIC" : name(t));
      if (!accept(",")) return names;
    }
  };

  let schemas: string[] = [];
  if (peek() === "FOR") return fail("FOR ROLE is not part of the entry: pgsty adds it for each object creator");
  if (accept("IN")) {
    if (!accept("SCHEMA")) return fail("expected SCHEMA after IN");
    const list = nameList("a schema name");
    if (typeof list === "string") return fail(list);
    schemas = list;
  }
  const action = accept("GRANT") ? "grant" : accept("REVOKE") ? "revoke" : undefined;
  if (!action) return fail(`expected GRANT or REVOKE, found ${tokens[i] ? `\`${tokens[i]!.text}\`` : "nothing"}`);
  let grantOption = false;
  if (action === "revoke" && peek() === "GRANT") {
    i++;
    if (!accept("OPTION") || !accept("FOR")) return fail("expected GRANT OPTION FOR");
    grantOption = true;
  }
  const words: string[] = [];
  let all = false;
  if (accept("ALL")) {
    all = true;
    accept("PRIVILEGES");
  } else {
    for (;;) {
      const w = peek();
      if (!w || w === "," || w === ";" || w === "ON") return fail("expected a privilege (SELECT, INSERT, USAGE, EXECUTE, …)");
      words.push(w);
      i++;
      if (!accept(",")) break;
    }
  }
  if (!accept("ON")) return fail(`expected ON, found ${tokens[i] ? `\`${tokens[i]!.text}\`` : "nothing"}`);
  const typeWord = peek() ?? "";
  const objectType = OBJECT_TYPES[typeWord];
  if (!objectType) return fail(`expected TABLES, SEQUENCES, FUNCTIONS, ROUTINES, TYPES or SCHEMAS, found ${typeWord ? `\`${typeWord}\`` : "nothing"}`);
  i++;
  if (objectType === "SCHEMAS" && schemas.length) return fail("IN SCHEMA cannot be used with ON SCHEMAS");
  const known = DEFAULT_PRIVILEGE_TYPES[objectType].filter((p) => p !== "MAINTAIN" || pgVersion >= 17);
  for (const w of words) {
    if (w === "MAINTAIN" && objectType === "TABLES" && pgVersion < 17) return fail(`MAINTAIN needs PostgreSQL 17 (pg_version is ${pgVersion})`);
    if (!known.includes(w)) return fail(`${w} is not a privilege on ${objectType} (${known.join(", ")})`);
  }
  const privileges = all ? known : known.filter((p) => words.includes(p));
  if (!accept(action === "grant" ? "TO" : "FROM")) return fail(`expected ${action === "grant" ? "TO" : "FROM"} and the grantee`);
  const grantees = nameList("a grantee (a role name or PUBLIC)");
  if (typeof grantees === "string") return fail(grantees);
  if (action === "grant" && accept("WITH")) {
    if (!accept("GRANT") || !accept("OPTION")) return fail("expected WITH GRANT OPTION");
    grantOption = true;
  }
  if (action === "revoke" && !accept("CASCADE")) accept("RESTRICT");
  accept(";");
  if (i < tokens.length) return fail(`unexpected \`${tokens[i]!.text}\` after the grantee`);
  return { ok: true, rule: { action, schemas, objectType, privileges, grantees, grantOption } };
}

type PrivState = "grant" | "grant+option" | "revoke";

/** Rules applied in order; what is left per (schema, type, grantee), grouped by outcome, sorted. */
function fold(rules: readonly DefaultPrivilegeRule[]): DefaultPrivilegeGrant[] {
  const state = new Map<string, { schema?: string; objectType: DefaultPrivilegeObjectType; grantee: string; privs: Map<string, PrivState> }>();
  for (const r of rules) {
    for (const schema of r.schemas.length ? r.schemas : [undefined]) {
      for (const grantee of r.grantees) {
        const key = JSON.stringify([schema ?? "", r.objectType, grantee]);
        const s = state.get(key) ?? { schema, objectType: r.objectType, grantee, privs: new Map<string, PrivState>() };
        state.set(key, s);
        for (const p of r.privileges) {
          const cur = s.privs.get(p);
          if (r.action === "grant") s.privs.set(p, r.grantOption || cur === "grant+option" ? "grant+option" : "grant");
          else if (!r.grantOption) s.privs.set(p, "revoke");
          else if (cur === "grant+option") s.privs.set(p, "grant");
        }
      }
    }
  }
  const out: DefaultPrivilegeGrant[] = [];
  for (const s of state.values()) {
    for (const outcome of ["grant", "grant+option", "revoke"] as const) {
      const privileges = DEFAULT_PRIVILEGE_TYPES[s.objectType].filter((p) => s.privs.get(p) === outcome);
      if (!privileges.length) continue;
      out.push({
        ...(s.schema === undefined ? {} : { schema: s.schema }),
        objectType: s.objectType,
        grantee: s.grantee,
        action: outcome === "revoke" ? "revoke" : "grant",
        privileges,
        grantOption: outcome === "grant+option",
      });
    }
  }
  return out.sort(compareGrants);
}

function compareGrants(a: DefaultPrivilegeGrant, b: DefaultPrivilegeGrant): number {
  return (
    compareText(a.schema ?? "", b.schema ?? "") || compareText(a.objectType, b.objectType) ||
    compareText(a.grantee, b.grantee) || compareText(a.action, b.action) || Number(a.grantOption) - Number(b.grantOption)
  );
}

interface ParsedRules {
  /** Shared by every creator of every cluster with the same list and version. */
  readonly grants: readonly DefaultPrivilegeGrant[];
  readonly problems: readonly { readonly text: string; readonly index: number; readonly problem: string }[];
}

/**
 * pg_default_privileges parsed and folded, once per list and version: the list is one value
 * (resolved vars are shared, never mutated) that every cluster of an inventory usually inherits.
 */
const parsedLists = new WeakMap<readonly string[], Map<number, ParsedRules>>();

function parsedRules(texts: readonly string[], pgVersion: number): ParsedRules {
  let byVersion = parsedLists.get(texts);
  if (!byVersion) parsedLists.set(texts, (byVersion = new Map()));
  let known = byVersion.get(pgVersion);
  if (known) return known;
  const rules: DefaultPrivilegeRule[] = [];
  const problems: { text: string; index: number; problem: string }[] = [];
  texts.forEach((text, index) => {
    const parsed = parseDefaultPrivilege(text, pgVersion);
    if (parsed.ok) rules.push(parsed.rule);
    else problems.push({ text, index, problem: parsed.problem });
  });
  known = { grants: fold(rules), problems };
  byVersion.set(pgVersion, known);
  return known;
}

/** Default privileges for the given databases (the ones desiredDatabases computed). */
export function defaultPrivilegesFor(
  ctx: HostContext,
  sys: SystemUsers,
  databases: readonly DesiredDatabase[],
): Desired<readonly DesiredDefaultPrivileges[]> {
  const out: Diagnostic[] = [];
  const { grants, problems } = parsedRules(ctx.vars.pg_default_privileges ?? [], ctx.vars.pg_version);
  for (const { text, index, problem } of problems) {
    out.push(error("objects.default-privilege", `default privilege \`${text}\` does not parse: ${problem}`, {
      source: varPosition(ctx.host, "pg_default_privileges", [index]),
      hint: "write what follows ALTER DEFAULT PRIVILEGES FOR ROLE …, e.g. `GRANT SELECT ON TABLES TO dbrole_readonly`",
    }));
  }
  const present = databases.filter((d) => d.state !== "absent");
  const byRole = new Map<string, Set<string>>();
  // dbrole_admin only when declared: ALTER DEFAULT PRIVILEGES FOR a missing role fails
  const last = new Map([...(ctx.vars.pg_default_roles ?? []), ...(ctx.vars.pg_users ?? [])].map((u) => [u.name, u.state]));
  const creators = [sys.dbsu, sys.admin, ...(last.has("dbrole_admin") && last.get("dbrole_admin") !== "absent" ? ["dbrole_admin"] : [])];
  for (const role of creators) byRole.set(role, new Set(present.map((d) => d.name)));
  for (const d of present) {
    if (d.owner === undefined) continue;
    const set = byRole.get(d.owner) ?? new Set<string>();
    set.add(d.name);
    byRole.set(d.owner, set);
  }
  const entries: DesiredDefaultPrivileges[] = [];
  if (grants.length) for (const [role, dbs] of byRole) entries.push({ role, databases: [...dbs].sort(compareText), grants });
  return { value: entries.sort((a, b) => compareText(a.role, b.role)), diagnostics: out };
}

/** The desired default privileges of the cluster of `ctx` (its primary). */
export function desiredDefaultPrivileges(ctx: HostContext): Desired<readonly DesiredDefaultPrivileges[]> {
  return defaultPrivilegesFor(ctx, systemUsers(ctx), desiredDatabases(ctx).value);
}
