/**
 * What the PostgreSQL facts share: where and as whom psql reaches the server (a target, which is
 * the fact key), the bash that runs psql as the dbsu over the local socket inside a fact fragment,
 * and how a fragment frames its output so the pure parsers can read it back. A server that cannot
 * be reached (not installed, not running, dbsu missing) is not an error: the parser returns a
 * `PgDown` marker and the ops report `unknown`, never a change.
 * Pure (strings in, strings out); imports only exec/command's quoting, never a connector.
 */
import { quote } from "../exec/command.js";

/** How psql reaches PostgreSQL on a host: as the OS user `dbsu`, over the unix socket. */
export interface PgTarget {
  /** OS user (and database superuser) psql runs as: `pg_dbsu`. */
  readonly dbsu: string;
  /** Unix socket directory: `pg_localhost`. */
  readonly socketDir: string;
  readonly port: number;
}

export const DEFAULT_PG_TARGET: PgTarget = { dbsu: "postgres", socketDir: "/var/run/postgresql", port: 5432 };

/** The fact key of a target (every PostgreSQL fact is keyed by the server it reads). */
export function pgTargetKey(t: PgTarget): string {
  return JSON.stringify([t.dbsu, t.socketDir, t.port]);
}

/** The target of a fact key; undefined when the key is not one `pgTargetKey` made. */
export function parsePgTargetKey(key: string): PgTarget | undefined {
  try {
    const v: unknown = JSON.parse(key);
    if (!Array.isArray(v) || v.length !== 3) return undefined;
    const [dbsu, socketDir, port] = v as unknown[];
    if (typeof dbsu !== "string" || typeof socketDir !== "string" || !Number.isInteger(port)) return undefined;
    return { dbsu, socketDir, port: port as number };
  } catch {
    return undefined;
  }
}

/** The server could not be asked: why (psql's own message). */
export interface PgDown {
  readonly down: true;
  readonly reason: string;
}

export function isPgDown(x: unknown): x is PgDown {
  return typeof x === "object" && x !== null && (x as PgDown).down === true;
}

/** Bash: the newest packaged psql binary, or `psql` from PATH (no Debian layout). */
export const PSQL_BINARY = '"$(b=$(ls -d /usr/lib/postgresql/*/bin/psql 2>/dev/null | sort -V | tail -n 1); echo "${b:-psql}")"';

/**
 * Bash function `__pgsty_psql DBSU SOCKETDIR PORT DATABASE`: psql as the dbsu (runuser when root,
 * sudo -n otherwise), SQL on stdin, read-only transactions, tuples only. The database name goes
 * through PGDATABASE, which psql never expands as a connection string. On Debian the newest
 * packaged psql binary is called directly: the `psql` wrapper script costs a Perl start per call,
 * and a fact fragment calls psql once per database.
 */
export const PSQL_FUNCTION = [
  `__pgsty_psql_bin=${PSQL_BINARY}`,
  "__pgsty_psql() {",
  "  local __run=(env)",
  '  if [ "$(id -un)" = "$1" ]; then :',
  '  elif [ "$(id -u)" = 0 ]; then __run=(runuser -u "$1" -- env)',
  '  else __run=(sudo -n -u "$1" -- env); fi',
  '  "${__run[@]}" "PGHOST=$2" "PGPORT=$3" "PGDATABASE=$4" PGCLIENTENCODING=UTF8 PGAPPNAME=pgsty PGCONNECT_TIMEOUT=5 \\',
  '    "PGOPTIONS=-c default_transaction_read_only=on -c statement_timeout=30000" "$__pgsty_psql_bin" -X -q -At -v ON_ERROR_STOP=1',
  "}",
].join("\n");

const HEREDOC = "__PGSTY_SQL__";

/** Bash: one `__pgsty_psql` call (PSQL_FUNCTION defined before it), SQL in a heredoc, stderr into stdout. */
export function psqlCall(t: PgTarget, database: string, sql: string): string {
  if (sql.split("\n").includes(HEREDOC)) throw new Error("SQL of a fact cannot contain the heredoc marker");
  return `__pgsty_psql ${quote(t.dbsu)} ${quote(t.socketDir)} ${t.port} ${database} 2>&1 <<'${HEREDOC}'\n${sql}\n${HEREDOC}\n`;
}

/** Each key's section starts with `### <index>` then `rc=<exit status>`. */
function section(i: number, t: PgTarget | undefined, body: (t: PgTarget) => string): string {
  if (!t) return `printf '### ${i}\\nrc=2\\ninvalid PostgreSQL target key\\n'\n`;
  return `printf '### ${i}\\n'\n${body(t)}`;
}

/** A fragment that runs one query per target in the `postgres` database and prints its output. */
export function globalQueryScript(keys: readonly string[], sql: string): string {
  const parts = keys.map((key, i) =>
    section(i, parsePgTargetKey(key), (t) => `__pgsty_out=$(${psqlCall(t, "postgres", sql)})\nprintf 'rc=%s\\n%s\\n' "$?" "$__pgsty_out"\n`),
  );
  return `${PSQL_FUNCTION}\n${parts.join("")}`;
}

/**
 * A fragment that lists the connectable databases of each target (none on a standby), then runs
 * `sql` once in each (one psql per database). Names travel hex-encoded, so any name survives the shell. A database
 * whose query fails prints `db-error <hex name> <message>`; the others print their own line.
 */
export function perDatabaseScript(keys: readonly string[], sql: string): string {
  // none on a standby: its objects are the leader's, converged there (ops stop at `recovery`,
  // read from pg.roles / pg.databases), and a psql per database on every replica is costly
  const list = "SELECT encode(convert_to(datname, 'UTF8'), 'hex') FROM pg_database WHERE datallowconn AND NOT pg_is_in_recovery() ORDER BY datname";
  const parts = keys.map((key, i) =>
    section(i, parsePgTargetKey(key), (t) => `__pgsty_dbs=$(${psqlCall(t, "postgres", list)})
__pgsty_rc=$?
printf 'rc=%s\\n' "$__pgsty_rc"
if [ "$__pgsty_rc" -ne 0 ]; then printf '%s\\n' "$__pgsty_dbs"; else
  for __pgsty_hex in $__pgsty_dbs; do
    __pgsty_db=$(printf '%b' "$(printf '%s' "$__pgsty_hex" | sed 's/../\\\\x&/g')")
    __pgsty_out=$(${psqlCall(t, '"$__pgsty_db"', sql)})
    if [ $? -eq 0 ]; then printf '%s\\n' "$__pgsty_out"; else printf 'db-error %s %s\\n' "$__pgsty_hex" "$(printf '%s' "$__pgsty_out" | tr '\\n' ' ')"; fi
  done
fi
`),
  );
  return `${PSQL_FUNCTION}\n${parts.join("")}`;
}

/** One key's output: psql's exit status and what it printed. */
export interface Section {
  readonly rc: number;
  readonly body: string;
}

/** Splits a fragment's stdout into the sections of its keys (by index). */
export function splitSections(stdout: string, keys: readonly string[]): Map<string, Section> {
  const out = new Map<string, Section>();
  const chunks = stdout.split(/^### (\d+)\n/m);
  for (let i = 1; i + 1 < chunks.length; i += 2) {
    const key = keys[Number(chunks[i])];
    const text = chunks[i + 1]!;
    const m = /^rc=(\d+)\n?/.exec(text);
    if (key === undefined || !m) continue;
    out.set(key, { rc: Number(m[1]), body: text.slice(m[0].length) });
  }
  return out;
}

/** The marker of a failed section: psql's message, first lines, one line. */
export function downOf(s: Section): PgDown {
  const msg = s.body.trim().split("\n").slice(0, 3).join(" ").slice(0, 500);
  return { down: true, reason: msg || `psql exited ${s.rc}` };
}

/** The first line of a section that is a JSON object, parsed; undefined when there is none. */
export function jsonLine(body: string): Record<string, unknown> | undefined {
  for (const line of body.split("\n")) {
    if (!line.startsWith("{")) continue;
    try {
      const v: unknown = JSON.parse(line);
      if (typeof v === "object" && v !== null && !Array.isArray(v)) return v as Record<string, unknown>;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** Parses every key's section with `parse`, or returns the down marker. */
export function parseSections<T>(stdout: string, keys: readonly string[], parse: (s: Section) => T | PgDown): Map<string, T | PgDown> {
  const out = new Map<string, T | PgDown>();
  for (const [key, s] of splitSections(stdout, keys)) out.set(key, s.rc === 0 ? parse(s) : downOf(s));
  return out;
}

/** Decodes the hex database name of a `db-error` line. */
export function hexName(hex: string): string {
  return Buffer.from(hex, "hex").toString("utf8");
}

// ---------------------------------------------------------------------------
// Small readers of untrusted JSON (a parser must not throw on odd output)

export const str = (v: unknown): string => (typeof v === "string" ? v : v === null || v === undefined ? "" : String(v));
export const optStr = (v: unknown): string | null => (typeof v === "string" ? v : null);
export const bool = (v: unknown): boolean => v === true;
export const optBool = (v: unknown): boolean | null => (typeof v === "boolean" ? v : null);
export const num = (v: unknown, dflt = 0): number => (typeof v === "number" && Number.isFinite(v) ? v : typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v)) ? Number(v) : dflt);
export const arr = (v: unknown): readonly unknown[] => (Array.isArray(v) ? v : []);
export const obj = (v: unknown): Record<string, unknown> => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

/** `name=value` entries of setconfig as a map (split at the first `=`). */
export function settingsMap(v: unknown): ReadonlyMap<string, string> {
  const out = new Map<string, string>();
  for (const e of arr(v)) {
    const s = str(e);
    const i = s.indexOf("=");
    if (i > 0) out.set(s.slice(0, i), s.slice(i + 1));
  }
  return out;
}

/** One privilege of an ACL, decoded by aclexplode: grantee (a role or PUBLIC), privilege, grant option. */
export interface PgAclItem {
  readonly grantee: string;
  readonly privilege: string;
  readonly grantable: boolean;
}

/** `[grantee, privilege, grantable]` triples as SQL emits them. */
export function aclItems(v: unknown): PgAclItem[] {
  return arr(v).map((e) => {
    const [grantee, privilege, grantable] = arr(e);
    return { grantee: str(grantee), privilege: str(privilege), grantable: grantable === true };
  });
}
