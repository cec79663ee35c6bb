/**
 * Op `pgbackrest.stanza`: the pgBackRest stanza of a cluster exists, and (when asked) its first
 * full backup was taken. Runs on the cluster's primary.
 *
 * Args (modules/steps-pgsql.ts): { stanza, initialBackup, dbsu?: string (default postgres) }.
 *
 * Observed through a marker file, `/etc/pgbackrest/pgsty-<stanza>.done` (decision): the `file`
 * fact reads it in the plan's one round trip, whether or not PostgreSQL runs yet, whereas
 * `pgbackrest info` needs a running repository and costs a second or more per plan. Its content
 * records what was done (`initial_backup=full|none`), so turning initialBackup on later is an
 * `update`. The marker is written last, only after every command succeeded.
 *
 * Apply (re-reads the marker first; safe to run twice), as the dbsu:
 *   1. `pgbackrest --stanza=S stanza-create` (succeeds on an existing, valid stanza);
 *   2. with initialBackup: `pgbackrest --stanza=S --output=json info`, and a full backup
 *      (`--type=full backup`) only when the stanza has no backup yet — so a marker lost with a
 *      failed-over primary costs no second full backup;
 *   3. the marker (root, 0644).
 */
import { asUser, sh } from "../exec/command.js";
import { execChecked } from "../exec/connector.js";
import type { FactRequest, FactSet } from "../facts/fact.js";
import type { FieldChange, TaskSpec } from "../plan/types.js";
import { argBool, argName, argString, execOptions, factFailure, NOOP, recheck, sha256Hex, unknownDiff, type FileFact } from "./args.js";
import { DEFAULT_DBSU } from "./daemon.js";
import { isUnobservable, type Op, type OpDiff, type Unobservable } from "./op.js";

export interface StanzaArgs {
  readonly stanza: string;
  readonly initialBackup: boolean;
  readonly dbsu: string;
}

export function stanzaArgs(task: TaskSpec): StanzaArgs {
  const stanza = argString(task, "stanza");
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(stanza)) throw new TypeError(`${task.op}[${task.key}]: not a stanza name: ${JSON.stringify(stanza)}`);
  const dbsu = task.args["dbsu"] === undefined ? DEFAULT_DBSU : argName(task, "dbsu");
  return { stanza, initialBackup: argBool(task, "initialBackup", true), dbsu };
}

export const markerPath = (stanza: string): string => `/etc/pgbackrest/pgsty-${stanza}.done`;

/** The marker's content after stanza-create (and a first full backup when `full`). */
export function markerContent(stanza: string, full: boolean): string {
  const what = full ? "stanza created, first full backup taken" : "stanza created";
  return `# written by pgsty: pgBackRest ${what}; delete this file to run both again\nstanza=${stanza}\ninitial_backup=${full ? "full" : "none"}\n`;
}

function needs(task: TaskSpec): FactRequest[] {
  return [{ fact: "file", key: markerPath(stanzaArgs(task).stanza) }];
}

function observe(task: TaskSpec, facts: FactSet): FileFact | null | Unobservable {
  return factFailure(facts, "file") ?? facts.get<FileFact>("file", markerPath(stanzaArgs(task).stanza)) ?? null;
}

function diff(task: TaskSpec, observed: FileFact | null | Unobservable): OpDiff {
  const a = stanzaArgs(task);
  if (isUnobservable(observed)) return unknownDiff(observed.reason);
  const backup: FieldChange[] = a.initialBackup ? [{ field: "initial backup", after: "full" }] : [];
  if (observed === null) {
    return { action: "create", effect: "none", reason: "stanza not initialized by pgsty", fields: [{ field: "stanza", after: a.stanza }, ...backup] };
  }
  if (observed.type !== "file") return unknownDiff(`${markerPath(a.stanza)} is not a regular file`);
  if (observed.sha256 === sha256Hex(markerContent(a.stanza, true))) return NOOP;
  if (observed.sha256 === sha256Hex(markerContent(a.stanza, false))) {
    return a.initialBackup ? { action: "update", effect: "none", reason: "no initial backup taken yet", fields: backup } : NOOP;
  }
  return { action: "update", effect: "none", reason: `${markerPath(a.stanza)} not recognised: stanza-create runs again`, fields: [{ field: "stanza", after: a.stanza }, ...backup] };
}

/** Whether `pgbackrest info --output=json` lists a backup for the stanza. */
export function hasBackup(infoJson: string, stanza: string): boolean {
  try {
    const info = JSON.parse(infoJson) as unknown;
    if (!Array.isArray(info)) return false;
    return info.some((s: { name?: unknown; backup?: unknown }) => s?.name === stanza && Array.isArray(s.backup) && s.backup.length > 0);
  } catch {
    return false;
  }
}

export const pgbackrestStanzaOp: Op<FileFact> = {
  kind: "pgbackrest.stanza",
  needs,
  observe,
  diff,

  async apply(ctx, task) {
    const a = stanzaArgs(task);
    if ((await recheck({ needs, observe, diff }, ctx, task)) === undefined) return;
    const o = execOptions(ctx);
    const conn = ctx.connector;
    await execChecked(conn, asUser(sh`pgbackrest --stanza=${a.stanza} stanza-create`, a.dbsu), o);
    if (a.initialBackup) {
      const info = await execChecked(conn, asUser(sh`pgbackrest --stanza=${a.stanza} --output=json info`, a.dbsu), o);
      if (!hasBackup(info.stdout, a.stanza)) await execChecked(conn, asUser(sh`pgbackrest --stanza=${a.stanza} --type=full backup`, a.dbsu), o);
    }
    await conn.put(markerPath(a.stanza), markerContent(a.stanza, a.initialBackup), { mode: "0644", owner: "root", group: "root" });
  },
};
