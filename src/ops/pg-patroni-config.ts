/**
 * Op `patroni.config`: Patroni's dynamic (DCS) configuration of a cluster (key: the cluster; args:
 * PatroniConfigArgs). Observed with `GET /config` (fact `patroni.config`); only the keys whose
 * values differ are sent, with `PATCH /config`. Keys the inventory does not set are left alone,
 * except PostgreSQL parameters: pgsty renders all of them, so one it no longer wants (removed
 * from `pg_parameters`, or set by hand) is removed (`null`), or the DCS would keep it forever.
 * Credentials and body reach curl on stdin as a config file (`-K -`), never in argv.
 */
import { raw, sh } from "../exec/command.js";
import { ExecError, failureMessage } from "../exec/connector.js";
import type { FactSet } from "../facts/fact.js";
import { caOption, isRestUrl, type PatroniConfigFact } from "../facts/pg-patroni-config.js";
import { isPgDown } from "../facts/pg-shell.js";
import { restartParameters } from "../modules/pgsql/restart-params.js";
import type { FieldChange, TaskSpec } from "../plan/types.js";
import { isUnobservable, unobservable, type ApplyContext, type Op, type OpDiff, type Unobservable } from "./op.js";
import { field, unknownDiff } from "./pg-common.js";
import { execOptions } from "./args.js";

export interface PatroniConfigArgs {
  /** Base URL of a member's REST API: `http://10.10.10.11:8008`. */
  readonly url: string;
  /** patroni_username / patroni_password (sensitive). */
  readonly username: string;
  readonly password: string;
  /** The desired dynamic configuration (patroniDynamicConfig). */
  readonly config: Readonly<Record<string, unknown>>;
  /** Decides which parameter changes need a restart; default 16. */
  readonly pgVersion?: number;
}

type Json = Readonly<Record<string, unknown>>;

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const BOOL_WORDS: Readonly<Record<string, boolean>> = { on: true, true: true, yes: true, "1": true, off: false, false: false, no: false, "0": false };

/** Equal as Patroni means them: 100 and "100", true and "on" are the same setting. */
function same(want: unknown, live: unknown): boolean {
  if (JSON.stringify(want) === JSON.stringify(live)) return true;
  if (typeof want === "boolean" && typeof live === "string") return BOOL_WORDS[live.toLowerCase()] === want;
  const scalar = (v: unknown) => typeof v === "number" || typeof v === "string";
  return scalar(want) && scalar(live) && String(want) === String(live);
}

/** The smallest PATCH body that makes `live` say what `want` says, and the fields it changes. */
export function configPatch(want: Json, live: Json, path: readonly string[] = []): { patch: Record<string, unknown> | undefined; fields: FieldChange[] } {
  const patch: Record<string, unknown> = {};
  const fields: FieldChange[] = [];
  for (const [k, v] of Object.entries(want)) {
    if (v === undefined) continue;
    const cur = live[k];
    if (isObject(v) && isObject(cur)) {
      const sub = configPatch(v, cur, [...path, k]);
      if (sub.patch) patch[k] = sub.patch;
      fields.push(...sub.fields);
    } else if (!same(v, cur)) {
      patch[k] = v;
      fields.push(field([...path, k].join("."), cur, v));
    }
  }
  if (path.length === 2 && path[0] === "postgresql" && path[1] === "parameters") {
    for (const [k, cur] of Object.entries(live)) {
      if (want[k] !== undefined || cur === null || cur === undefined) continue;
      patch[k] = null;
      fields.push(field(`postgresql.parameters.${k}`, cur, undefined));
    }
  }
  return { patch: Object.keys(patch).length ? patch : undefined, fields };
}

const args = (task: TaskSpec) => task.args as unknown as PatroniConfigArgs;

function observe(task: TaskSpec, facts: FactSet): PatroniConfigFact | Unobservable {
  const failed = facts.failed("patroni.config");
  if (failed !== undefined) return unobservable(`patroni.config could not be read: ${failed}`);
  const v = facts.get<unknown>("patroni.config", args(task).url);
  if (v === undefined) return unobservable("patroni.config was not read");
  if (isPgDown(v)) return unobservable(`Patroni not running yet (${v.reason})`);
  return v as PatroniConfigFact;
}

function restarts(a: PatroniConfigArgs, fields: readonly FieldChange[]): string[] {
  const params = restartParameters(a.pgVersion ?? 16);
  return fields.map((f) => f.field).filter((f) => f.startsWith("postgresql.parameters.") && params.has(f.slice(22)));
}

/** A value inside double quotes of a curl config file. */
function curlQuoted(s: string): string {
  if (s.includes("\0")) throw new TypeError("a curl config value cannot contain a NUL byte");
  return `"${s.replace(/[\\"]/g, (c) => `\\${c}`).replace(/\n/g, "\\n").replace(/\r/g, "\\r").replace(/\t/g, "\\t")}"`;
}

/** The curl config (stdin) of a PATCH: credentials and body. Holds a secret: never print it. */
export function patchCurlConfig(a: PatroniConfigArgs, patch: Json): string {
  return `user = ${curlQuoted(`${a.username}:${a.password}`)}\ndata-binary = ${curlQuoted(JSON.stringify(patch))}\n`;
}

export const patroniConfigOp: Op<PatroniConfigFact> = {
  kind: "patroni.config",
  needs: (task) => [{ fact: "patroni.config", key: args(task).url }],
  observe,
  diff(task, observed): OpDiff {
    if (isUnobservable(observed)) return unknownDiff(observed);
    if (observed === null) return unknownDiff(unobservable("patroni.config was not read"));
    const { patch, fields } = configPatch(args(task).config, observed.config);
    if (!patch) return { action: "noop", effect: "none" };
    const restart = restarts(args(task), fields);
    return {
      action: "update",
      effect: restart.length ? "restart" : "none",
      reason: restart.length ? `${restart.map((f) => f.slice(22)).join(", ")} need${restart.length > 1 ? "" : "s"} a restart` : "Patroni applies it (reload)",
      fields,
    };
  },
  async apply(ctx: ApplyContext, task: TaskSpec): Promise<void> {
    const a = args(task);
    if (!isRestUrl(a.url)) throw new Error(`patroni.config: invalid REST API URL ${a.url}`);
    const state = observe(task, await ctx.refresh(patroniConfigOp.needs(task)));
    if (isUnobservable(state)) throw new Error(`patroni.config ${task.key}: ${state.reason}`);
    const { patch } = configPatch(a.config, state.config);
    if (!patch) return;
    const ca = caOption(a.url);
    const cmd = sh`curl -sS -f -m 10${raw(ca ? ` ${ca}` : "")} -K - -X PATCH -H ${"Content-Type: application/json"} ${`${a.url}/config`}`;
    const result = await ctx.connector.exec(cmd, { stdin: patchCurlConfig(a, patch), ...execOptions(ctx) });
    if (result.code !== 0) throw new ExecError("failed", ctx.connector.host, cmd.display, failureMessage(ctx.connector.host, cmd.display, result), result);
  },
};
