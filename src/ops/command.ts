/**
 * Op `command`: the rare step no declarative op covers (an `initdb`-like one-off, a vendor tool),
 * made idempotent by a guard: it runs only while its guard says the work is not done yet.
 *
 * Args: { cmd: string[], creates?: string, unless?: string[], user?: string,
 *         env?: Record<string, string> }
 * - `cmd`, `unless`: argvs (program, then its arguments), never shell strings: every word is
 *   quoted by construction (exec/command.ts), so a value cannot change the command's shape.
 * - `creates`: an absolute path; when anything is there (links not followed), nothing to do.
 * - `unless`: a check; exit 0 means nothing to do. It runs in the host's one fact script (fact
 *   `exit`), as `user` and with `env` like the command, and must be a quick read-only probe.
 * - At least one guard is required (decision): a command without one would run on every apply,
 *   which no plan could show as converged. With both, either one satisfied is enough.
 * - `user`: run as that OS user (Command.become: runuser as root, sudo -n otherwise).
 * - `env`: variables set for the command (and the check), in front of it on the command line.
 *   The line travels on stdin when it holds a secret, so prefer `env` to argv for secrets: an
 *   argv word is visible to `ps` on the host while the program runs.
 * - Secrets: the task's `sensitive` paths (`env.PGPASSWORD`, `cmd.3`, `unless.*`, or true) mark
 *   the words shown as "(sensitive)" in plans, events and errors. An arg `sensitive` is refused,
 *   as is any unknown arg: a misspelt guard must not silently become no guard.
 *
 * Diff: a guard satisfied → noop; a guard unreadable (fact failed, check timed out) → unknown;
 * otherwise `run`, with the reason ("/x does not exist", "`check` exited 1") and the task's
 * effect. Apply re-reads the guards just before running (an earlier task may have done the
 * work), then runs; a non-zero exit throws ExecError with the masked command and stderr's tail.
 */
import { asUser, raw, secret, sh, type Command, type ShellValue } from "../exec/command.js";
import { execChecked } from "../exec/connector.js";
import { EXIT_TIMEOUT_S, exitKey, type ExitFact } from "../facts/exit.js";
import type { FactRequest, FactSet } from "../facts/fact.js";
import { hasDeferredSecrets, materializeSecrets } from "../modules/deferred-secret.js";
import { isSensitivePath } from "../plan/compare.js";
import type { TaskSpec } from "../plan/types.js";
import { argName, argPath, execOptions, factFailure, NOOP, recheck, refuse, unknownDiff, type FileFact } from "./args.js";
import { isUnobservable, unobservable, type Op, type OpDiff, type Unobservable } from "./op.js";

export interface CommandArgs {
  readonly cmd: readonly string[];
  readonly creates?: string;
  readonly unless?: readonly string[];
  readonly user?: string;
  /** Empty when not given. */
  readonly env: Readonly<Record<string, string>>;
}

/** What the guards say on the host; each one present only when the task has it. */
export interface GuardState {
  /** `creates`: whether something is at the path. */
  readonly exists?: boolean | Unobservable;
  /** `unless`: how the check ended. */
  readonly check?: ExitFact | Unobservable;
}

const ARGS = new Set(["cmd", "creates", "unless", "user", "env"]);
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function bad(task: TaskSpec, message: string): TypeError {
  return new TypeError(`${task.op}[${task.key}]: ${message}`);
}

function argArgv(task: TaskSpec, name: "cmd" | "unless"): string[] | undefined {
  const v = task.args[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v === "string") throw bad(task, `arg \`${name}\` must be an argv (a list: program, then its arguments), not a shell string: ${JSON.stringify(v)}`);
  if (!Array.isArray(v) || v.length === 0 || v[0] === "" || !v.every((w) => typeof w === "string" && !w.includes("\0"))) {
    throw bad(task, `arg \`${name}\` must be a non-empty list of strings (program, then its arguments)`);
  }
  return v as string[];
}

function argEnv(task: TaskSpec): Record<string, string> {
  const v = task.args["env"];
  if (v === undefined || v === null) return {};
  if (typeof v !== "object" || Array.isArray(v)) throw bad(task, "arg `env` must be a map of variable names to strings");
  for (const [k, x] of Object.entries(v)) {
    if (!ENV_NAME.test(k)) throw bad(task, `arg \`env\`: not a variable name: ${JSON.stringify(k)}`);
    if (typeof x !== "string" || x.includes("\0")) throw bad(task, `arg \`env.${k}\` must be a string`);
  }
  return v as Record<string, string>;
}

export function commandArgs(task: TaskSpec): CommandArgs {
  for (const k of Object.keys(task.args)) {
    if (k === "sensitive") throw bad(task, 'mark secrets with the task\'s `sensitive` paths (e.g. "env.PGPASSWORD"), not an arg');
    if (!ARGS.has(k)) throw bad(task, `unknown arg \`${k}\` (known: ${[...ARGS].join(", ")})`);
  }
  const cmd = argArgv(task, "cmd");
  if (!cmd) throw bad(task, "arg `cmd` must be a non-empty list of strings (program, then its arguments)");
  const creates = task.args["creates"] === undefined || task.args["creates"] === null ? undefined : argPath(task, "creates");
  const unless = argArgv(task, "unless");
  if (!creates && !unless) throw bad(task, "needs a guard, `creates` or `unless`: without one it would run on every apply");
  const user = task.args["user"] === undefined || task.args["user"] === null || task.args["user"] === "" ? undefined : argName(task, "user");
  return { cmd, ...(creates ? { creates } : {}), ...(unless ? { unless } : {}), ...(user ? { user } : {}), env: argEnv(task) };
}

/**
 * The bash line of `cmd` or `unless`: `NAME=value …` (sorted, so the fact key is stable) then the
 * quoted argv. Words at the task's sensitive paths, and deferred secrets, are secrets: their real
 * value goes into `text`, "(sensitive)" into `display`.
 */
export function commandLine(task: TaskSpec, a: CommandArgs, which: "cmd" | "unless"): Command {
  const word = (path: readonly string[], v: string): ShellValue =>
    isSensitivePath(task.sensitive, path) || hasDeferredSecrets(v) ? secret(materializeSecrets(v)) : v;
  const argv = (which === "cmd" ? a.cmd : a.unless) ?? [];
  // names are checked against ENV_NAME: bare words, so `NAME=` stays an assignment
  const assigns = Object.keys(a.env).sort().map((n) => raw(sh`${raw(n)}=${word(["env", n], a.env[n] ?? "")}`));
  const words = argv.map((w, i) => word([which, String(i)], w));
  return assigns.length > 0 ? sh`${assigns} ${words}` : sh`${words}`;
}

/** The `unless` check as its `exit` fact is keyed and as reasons show it. */
function check(task: TaskSpec, a: CommandArgs): { key: string; shown: string } | undefined {
  if (!a.unless) return undefined;
  const line = commandLine(task, a, "unless");
  return { key: exitKey(line.text, a.user), shown: `\`${line.display}\`${a.user ? ` (as ${a.user})` : ""}` };
}

function needs(task: TaskSpec): FactRequest[] {
  const a = commandArgs(task);
  const c = check(task, a);
  return [...(a.creates ? [{ fact: "file", key: a.creates }] : []), ...(c ? [{ fact: "exit", key: c.key }] : [])];
}

function observe(task: TaskSpec, facts: FactSet): GuardState {
  const a = commandArgs(task);
  const c = check(task, a);
  return {
    ...(a.creates ? { exists: factFailure(facts, "file") ?? facts.get<FileFact>("file", a.creates) !== undefined } : {}),
    ...(c ? { check: factFailure(facts, "exit") ?? facts.get<ExitFact>("exit", c.key) ?? unobservable(`${c.shown} did not report its exit status`) } : {}),
  };
}

const EXIT_HINTS: Readonly<Record<number, string>> = { 126: " (not executable)", 127: " (command not found)" };

function diff(task: TaskSpec, observed: GuardState | null | Unobservable): OpDiff {
  const a = commandArgs(task);
  if (isUnobservable(observed)) return unknownDiff(observed.reason);
  if (observed === null) return unknownDiff("its guards were not read");
  const { exists, check: ended } = observed;
  const read = ended && !isUnobservable(ended) ? ended : undefined;
  // either guard satisfied is enough, even when the other one could not be read
  if (exists === true || (read && !read.timedOut && read.code === 0)) return NOOP;
  const shown = check(task, a)?.shown ?? "the check";
  const unknown = [exists, ended].filter(isUnobservable).map((u) => u.reason);
  // a check that hung said neither yes nor no: running blindly could do the work twice
  if (read?.timedOut) unknown.push(`${shown} did not finish within ${EXIT_TIMEOUT_S} s`);
  if (unknown.length > 0) return unknownDiff(unknown.join("; "));
  const why = [...(a.creates ? [`${a.creates} does not exist`] : []), ...(read ? [`${shown} exited ${read.code}${EXIT_HINTS[read.code] ?? ""}`] : [])];
  return { action: "run", effect: task.effect ?? "none", reason: why.join(" and ") };
}

export const commandOp: Op<GuardState> = {
  kind: "command",
  needs,
  observe,
  diff,

  async apply(ctx, task, d) {
    if (d.action === "noop") return;
    if (d.action !== "run") throw refuse(task, d);
    const a = commandArgs(task);
    // the guard may have come true since the plan (an earlier task did the work): read it again
    if ((await recheck({ needs, observe, diff }, ctx, task)) === undefined) return;
    await execChecked(ctx.connector, asUser(commandLine(task, a, "cmd"), a.user), execOptions(ctx));
  },
};
