/**
 * Op `path.absent`: something pgsty laid out (a directory with everything in it, a file, a
 * symbolic link) is gone. Used by removal playbooks (pgsql-rm) only.
 *
 * Args (modules/steps-pgsql-rm.ts): { path, type: "dir" | "file" | "link" } — what pgsty put
 * there. Decisions, all to make a wrong path fail loudly instead of deleting what pgsty never
 * made:
 * - `type` is required and must match what is on the host: a directory where pgsty made a link
 *   (`/pg`), or a link where it made a directory, is `unknown` and apply refuses it.
 * - System paths (`/`, `/etc`, `/usr`, `/var`, `/data`…, see PROTECTED) are refused as args
 *   (a TypeError: a module bug or a bad inventory value), as is any top-level path other than a
 *   link (`/pg` is a link; a top-level directory never belongs to one instance).
 * - A directory is removed with `rm -rf --one-file-system`: a file system mounted inside it (a
 *   data volume) is not crossed, and apply then fails naming it.
 * - Links are never followed: removing `/pg` removes the link, not the instance home.
 *
 * Diff: absent → noop; present with the expected type → `delete` (with the task's effect, e.g.
 * a HAProxy reload after a service file goes). Apply re-reads the path (ctx.refresh) and the
 * shell command checks the type again at the moment of removal. Must not import modules/.
 */
import { raw, sh, type Command } from "../exec/command.js";
import { execChecked } from "../exec/connector.js";
import type { FactRequest, FactSet } from "../facts/fact.js";
import type { TaskSpec } from "../plan/types.js";
import { argPath, execOptions, factFailure, NOOP, recheck, unknownDiff, type FileFact } from "./args.js";
import { isUnobservable, type Op, type OpDiff, type Unobservable } from "./op.js";

export type PathType = "dir" | "file" | "link";

export interface PathAbsentArgs {
  readonly path: string;
  readonly type: PathType;
}

/** Paths never removed, whatever a task says (the system's and the usual mount points). */
export const PROTECTED: ReadonlySet<string> = new Set([
  "/", "/bin", "/boot", "/data", "/dev", "/etc", "/home", "/lib", "/lib32", "/lib64", "/media", "/mnt", "/opt",
  "/proc", "/root", "/run", "/sbin", "/srv", "/sys", "/tmp", "/usr", "/var", "/etc/default", "/etc/cron.d",
  "/etc/systemd", "/etc/systemd/system", "/etc/haproxy", "/etc/haproxy/conf.d", "/usr/bin", "/usr/lib",
  "/usr/local", "/usr/sbin", "/usr/share", "/var/lib", "/var/log", "/var/run", "/var/backups", "/var/lib/postgresql",
  "/run/postgresql", "/var/run/postgresql",
]);

const TYPES: ReadonlySet<string> = new Set(["dir", "file", "link"]);
const WHAT: Readonly<Record<FileFact["type"], string>> = { dir: "a directory", file: "a regular file", link: "a symbolic link", other: "a special file" };

export function pathAbsentArgs(task: TaskSpec): PathAbsentArgs {
  const path = argPath(task);
  const type = task.args["type"];
  if (typeof type !== "string" || !TYPES.has(type)) throw new TypeError(`${task.op}[${task.key}]: arg \`type\` must be "dir", "file" or "link" (what pgsty laid out there)`);
  if (PROTECTED.has(path)) throw new TypeError(`${task.op}[${task.key}]: refusing to remove ${path}: a system path`);
  if (path.lastIndexOf("/") === 0 && type !== "link") throw new TypeError(`${task.op}[${task.key}]: refusing to remove ${path}: a top-level ${type === "dir" ? "directory" : "file"}`);
  return { path, type: type as PathType };
}

function needs(task: TaskSpec): FactRequest[] {
  return [{ fact: "file", key: pathAbsentArgs(task).path }];
}

function observe(task: TaskSpec, facts: FactSet): FileFact | null | Unobservable {
  return factFailure(facts, "file") ?? facts.get<FileFact>("file", pathAbsentArgs(task).path) ?? null;
}

function diff(task: TaskSpec, observed: FileFact | null | Unobservable): OpDiff {
  const a = pathAbsentArgs(task);
  if (isUnobservable(observed)) return unknownDiff(observed.reason);
  if (observed === null) return NOOP;
  if (observed.type !== a.type) {
    return unknownDiff(`${a.path} is ${WHAT[observed.type]}, not ${WHAT[a.type]} as pgsty laid it out: not removed (remove it by hand if it should go)`);
  }
  const reason = a.type === "dir" ? "present: removed with everything in it" : a.type === "link" ? `present (→ ${observed.linkTarget ?? "?"}): the link is removed, not its target` : "present";
  return { action: "delete", effect: task.effect ?? "none", reason };
}

/** The removal, re-checking the type on the host (it may have changed since the plan). Exported for tests. */
export function removeCommand(a: PathAbsentArgs): Command {
  const p = a.path;
  const stop = (what: string) => raw(sh`echo ${`pgsty: ${p} is not ${what}: not removed`} >&2; exit 3`);
  if (a.type === "link") return sh`if [ -L ${p} ]; then rm -f -- ${p}; elif [ -e ${p} ]; then ${stop("a symbolic link")}; fi`;
  if (a.type === "file") return sh`if [ -f ${p} ] && [ ! -L ${p} ]; then rm -f -- ${p}; elif [ -e ${p} ] || [ -L ${p} ]; then ${stop("a regular file")}; fi`;
  return sh`if [ -d ${p} ] && [ ! -L ${p} ]; then rm -rf --one-file-system -- ${p}; elif [ -e ${p} ] || [ -L ${p} ]; then ${stop("a directory")}; fi`;
}

export const pathAbsentOp: Op<FileFact> = {
  kind: "path.absent",
  needs,
  observe,
  diff,

  async apply(ctx, task) {
    const cur = await recheck({ needs, observe, diff }, ctx, task);
    if (cur === undefined) return;
    await execChecked(ctx.connector, removeCommand(pathAbsentArgs(task)), execOptions(ctx));
  },
};
