/**
 * SQL safe by construction: identifier and literal quoting, statements whose secrets stay masked
 * until the text is sent, and psql run as the dbsu over the local socket with the SQL on stdin
 * (never in argv: `ps` shows every argument to every user of the host).
 *
 * - `quoteIdent` always double-quotes (no keyword list to keep up to date).
 * - `quoteLiteral` assumes standard_conforming_strings = on (backslashes are plain characters);
 *   every script sent sets it first, so a role or database that turned it off changes nothing.
 * - A `Sql` statement keeps its secrets apart: `display` shows "(sensitive)"; only `reveal()`,
 *   called when the text is written to psql's stdin, materializes deferred secrets and quotes them.
 */
import { asUser, raw, SENSITIVE, sh, type Command } from "../exec/command.js";
import { ExecError, failureMessage, type Connector } from "../exec/connector.js";
import { DEFAULT_PG_TARGET, PSQL_BINARY, type PgTarget } from "../facts/pg-shell.js";
import { materializeSecrets } from "../modules/deferred-secret.js";
import { LIST_VALUED_SETTINGS } from "../modules/pgsql/objects/settings.js";

const MASK = SENSITIVE;

function assertNoNul(s: string, what: string): void {
  if (s.includes("\0")) throw new TypeError(`${what} cannot contain a NUL byte`);
}

/** `"name"` with embedded quotes doubled. */
export function quoteIdent(name: string): string {
  assertNoNul(name, "an SQL identifier");
  if (name === "") throw new TypeError("an SQL identifier cannot be empty");
  return `"${name.replaceAll('"', '""')}"`;
}

/** `'value'` with embedded quotes doubled (standard_conforming_strings on). */
export function quoteLiteral(value: string): string {
  assertNoNul(value, "an SQL literal");
  return `'${value.replaceAll("'", "''")}'`;
}

/** A role name as a grantee: PUBLIC is the keyword, anything else an identifier. */
export function quoteGrantee(name: string): string {
  return name === "PUBLIC" ? "PUBLIC" : quoteIdent(name);
}

/** A literal whose value is secret (a password, a deferred-secret token). */
export class SqlSecret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  /** The quoted literal with deferred secrets materialized: only for the text sent to psql. */
  reveal(): string {
    return quoteLiteral(materializeSecrets(this.#value));
  }
  toString(): string {
    return MASK;
  }
  toJSON(): string {
    return MASK;
  }
}

export type SqlPart = string | SqlSecret;

/** One SQL statement (without the trailing semicolon). */
export class Sql {
  constructor(readonly parts: readonly SqlPart[]) {}
  /** Safe to show: secrets as "(sensitive)". */
  get display(): string {
    return this.parts.map((p) => (typeof p === "string" ? p : MASK)).join("");
  }
  get sensitive(): boolean {
    return this.parts.some((p) => p instanceof SqlSecret);
  }
  /** The real text: secrets materialized and quoted. Never print it. */
  reveal(): string {
    return this.parts.map((p) => (typeof p === "string" ? p : p.reveal())).join("");
  }
  toString(): string {
    return this.display;
  }
  toJSON(): string {
    return this.display;
  }
}

/** A statement from trusted text and parts (strings must already be quoted SQL). */
export function sql(...parts: readonly (SqlPart | Sql)[]): Sql {
  return new Sql(parts.flatMap((p) => (p instanceof Sql ? p.parts : [p])));
}

/** Statements run together in one database. */
export interface SqlBatch {
  readonly database: string;
  /** Wrapped in BEGIN/COMMIT (false for CREATE/DROP DATABASE, which refuse a transaction). */
  readonly transaction: boolean;
  readonly statements: readonly Sql[];
}

/** What psql reads on stdin for a batch: settings first; secrets masked in `display`. */
export function batchScript(b: SqlBatch): { text: () => string; display: string } {
  const secret = b.statements.some((s) => s.sensitive);
  const head = ["SET standard_conforming_strings = on"];
  if (b.transaction) head.push("BEGIN");
  // a statement carrying a password must not reach the server log
  if (secret) head.push(`SET ${b.transaction ? "LOCAL " : ""}log_statement = 'none'`, `SET ${b.transaction ? "LOCAL " : ""}log_min_error_statement = 'panic'`);
  const tail = b.transaction ? ["COMMIT"] : [];
  const lines = (body: readonly string[]) => [...head, ...body, ...tail].map((s) => `${s};\n`).join("");
  return { text: () => lines(b.statements.map((s) => s.reveal())), display: lines(b.statements.map((s) => s.display)) };
}

/** Where psql connects; the target's socket directory and port (tests use a throwaway server). */
export interface PsqlOptions {
  readonly socketDir?: string;
  readonly port?: number;
}

/**
 * psql as `dbsu` over the local socket: no psqlrc, stop at the first error, quiet, unaligned
 * tuples only. The SQL goes to its stdin. The database name travels in PGDATABASE, which psql
 * never expands as a connection string (a name like `host=x` stays a name). The packaged binary
 * is called directly: Debian's `psql` wrapper costs a Perl start (~90 ms) per call.
 */
export function psqlCommand(dbsu: string, database: string, o: PsqlOptions = {}): Command {
  const cmd = sh`PGHOST=${o.socketDir ?? DEFAULT_PG_TARGET.socketDir} PGPORT=${o.port ?? DEFAULT_PG_TARGET.port} PGDATABASE=${database} PGCLIENTENCODING=UTF8 PGAPPNAME=pgsty ${raw(PSQL_BINARY)} -X -v ON_ERROR_STOP=1 -q -At`;
  return asUser(cmd, dbsu);
}

const VERIFIER = /SCRAM-SHA-256\$[^\s'"]+|md5[0-9a-f]{32}/g;

/** Runs one batch; throws an ExecError whose message shows the masked SQL and psql's error. */
export async function runBatch(conn: Connector, target: PgTarget, b: SqlBatch, signal?: AbortSignal): Promise<string> {
  const cmd = psqlCommand(target.dbsu, b.database, target);
  const script = batchScript(b);
  const text = script.text();
  const result = await conn.exec(cmd, { stdin: text, ...(signal ? { signal } : {}) });
  if (result.code === 0) return result.stdout;
  // psql may echo the failing statement (LINE 1: …): mask whatever a secret revealed there
  const secrets = b.statements.flatMap((s) => s.parts.filter((p): p is SqlSecret => p instanceof SqlSecret).map((p) => p.reveal()));
  const scrub = (s: string) => secrets.reduce((acc, q) => acc.replaceAll(q, MASK).replaceAll(q.slice(1, -1), MASK), s).replace(VERIFIER, MASK);
  const masked = { ...result, stderr: scrub(result.stderr), stdout: scrub(result.stdout) };
  const display = `${cmd.display} <<SQL (database ${b.database})\n${script.display}SQL`;
  throw new ExecError("failed", conn.host, display, failureMessage(conn.host, display, masked), masked);
}

/** Runs batches in order, stopping at the first that fails. */
export async function runBatches(conn: Connector, target: PgTarget, batches: readonly SqlBatch[], signal?: AbortSignal): Promise<void> {
  for (const b of batches) if (b.statements.length) await runBatch(conn, target, b, signal);
}

// ---------------------------------------------------------------------------
// Role- and database-level settings (ALTER ROLE|DATABASE … SET name = value)

/** A setting's name: each dotted part quoted (`"pg_stat_statements"."max"`). */
export function settingName(name: string): string {
  return name.split(".").map(quoteIdent).join(".");
}

/** The elements of a list setting (`"$user", public` → [$user, public]). */
export function splitList(value: string): string[] {
  const out: string[] = [];
  const re = /\s*(?:"((?:[^"]|"")*)"|([^,]*?))\s*(?:,|$)/y;
  let m: RegExpExecArray | null;
  while (re.lastIndex < value.length && (m = re.exec(value))) {
    out.push(m[1] !== undefined ? m[1].replaceAll('""', '"') : m[2]!);
    if (m[0] === "") break;
  }
  return out;
}

function isList(name: string): boolean {
  return LIST_VALUED_SETTINGS.includes(name);
}

/** `name = 'value'`; list settings get one literal per element (never raw text). */
export function settingAssignment(name: string, value: string): string {
  const v = isList(name) ? splitList(value).map(quoteLiteral).join(", ") : quoteLiteral(value);
  return `${settingName(name)} = ${v || "''"}`;
}

/** Whether a stored setting (pg_db_role_setting) says what the desired value says. */
export function settingEquals(name: string, desired: string, stored: string | undefined): boolean {
  if (stored === undefined) return false;
  if (!isList(name)) return desired === stored;
  return JSON.stringify(splitList(desired)) === JSON.stringify(splitList(stored));
}
