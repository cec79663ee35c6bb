// Shared by the pg op tests: live catalog builders, fact sets, a fake connector recording commands.
import { createHash } from "node:crypto";
import { Secret, type Command } from "../../../src/exec/command.js";
import type { Connector, ExecOptions, ExecResult } from "../../../src/exec/connector.js";
import type { FactSet } from "../../../src/facts/fact.js";
import type { PgDatabase, PgRole } from "../../../src/facts/pg-catalog.js";
import { pgTargetKey } from "../../../src/facts/pg-shell.js";
import type { PgTaskTarget } from "../../../src/ops/pg-common.js";

export const TARGET: PgTaskTarget = {
  dbsu: "postgres",
  socketDir: "/var/run/postgresql",
  port: 5432,
  systemUsers: { dbsu: "postgres", replicator: "replicator", admin: "dbuser_dba", monitor: "dbuser_monitor" },
};
export const KEY = pgTargetKey(TARGET);

/** The fingerprint pg.roles prints for a stored verifier or md5 hash. */
export function fingerprint(stored: string): Secret {
  const digest = createHash("sha256").update(stored, "utf8").digest("hex");
  const m = /^(SCRAM-SHA-256\$\d+:[^$]+\$)/.exec(stored);
  return new Secret(`${m ? m[1] : ""}sha256:${digest}`);
}

export function liveRole(name: string, o: Partial<PgRole> = {}): PgRole {
  return {
    name, oid: 16400, superuser: false, inherit: true, createrole: false, createdb: false, login: true, replication: false,
    bypassrls: false, connlimit: -1, validUntil: null, validUntilEpoch: null, password: null, comment: `business user ${name}`,
    memberships: [], settings: new Map(), ...o,
  };
}

export function liveDatabase(name: string, o: Partial<PgDatabase> = {}): PgDatabase {
  return {
    name, owner: "postgres", encoding: "UTF8", collate: "C.UTF-8", ctype: "C.UTF-8", localeProvider: "libc", icuLocale: null,
    icuRules: null, builtinLocale: null, connlimit: -1, allowconn: true, isTemplate: false, tablespace: "pg_default",
    comment: `business database ${name}`, settings: new Map(),
    acl: [
      { grantee: "PUBLIC", privilege: "TEMPORARY", grantable: false },
      { grantee: "PUBLIC", privilege: "CONNECT", grantable: false },
      { grantee: "postgres", privilege: "CONNECT", grantable: false },
    ],
    ...o,
  };
}

/** A FactSet holding `values` (fact name → value for KEY) and failures. */
export function facts(values: Record<string, unknown>, failed: Record<string, string> = {}): FactSet {
  return {
    get: <T>(fact: string, key: string) => (key === KEY || fact === "patroni.config" ? (values[fact] as T | undefined) : undefined),
    failed: (fact: string) => failed[fact],
  };
}

export interface Recorded {
  readonly display: string;
  readonly text: string;
  readonly become?: string;
  readonly stdin: string;
}

/** A connector that records what it is asked to run and answers with `reply`. */
export function fakeConnector(reply: (cmd: Command, stdin: string) => Partial<ExecResult> = () => ({})): Connector & { readonly calls: Recorded[] } {
  const calls: Recorded[] = [];
  return {
    host: "10.10.10.11",
    calls,
    async exec(cmd: Command, o?: ExecOptions): Promise<ExecResult> {
      const stdin = typeof o?.stdin === "string" ? o.stdin : o?.stdin ? Buffer.from(o.stdin).toString("utf8") : "";
      calls.push({ display: cmd.display, text: cmd.text, stdin, ...(cmd.become ? { become: cmd.become } : {}) });
      const r = reply(cmd, stdin);
      const stdout = r.stdout ?? "";
      const stderr = r.stderr ?? "";
      return { code: 0, stdoutBytes: Buffer.from(stdout), stderrBytes: Buffer.from(stderr), durationMs: 1, ...r, stdout, stderr };
    },
    async put() {},
    async close() {},
  };
}
