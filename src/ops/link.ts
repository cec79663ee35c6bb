/**
 * Op `link`: a symbolic link at `path` pointing at `target` (stored exactly as given; the target
 * need not exist). Created when absent, repointed when it points elsewhere — atomically: a new
 * link beside it renamed over the old one, so readers never see the path missing.
 *
 * Args: { path, target }.
 *
 * A real directory, regular file or special file at the path is `unknown` with a reason naming
 * it, and apply refuses it with an error that names it: nothing already on a host is lost.
 */
import { sh } from "../exec/command.js";
import { execChecked } from "../exec/connector.js";
import type { TaskSpec } from "../plan/types.js";
import { argPath, argString, execOptions, factFailure, NOOP, refuse, unknownDiff, type FileFact } from "./args.js";
import { isUnobservable, type Op, type OpDiff, type Unobservable } from "./op.js";

export interface LinkArgs {
  readonly path: string;
  readonly target: string;
}

export function linkArgs(task: TaskSpec): LinkArgs {
  const path = argPath(task);
  if (path === "/") throw new TypeError(`${task.op}[${task.key}]: cannot make / a link`);
  return { path, target: argString(task, "target") };
}

export const linkOp: Op<FileFact> = {
  kind: "link",

  needs(task) {
    return [{ fact: "file", key: argPath(task) }];
  },

  observe(task, facts): FileFact | null | Unobservable {
    return factFailure(facts, "file") ?? facts.get<FileFact>("file", argPath(task)) ?? null;
  },

  diff(task, observed): OpDiff {
    const a = linkArgs(task);
    if (isUnobservable(observed)) return unknownDiff(observed.reason);
    if (observed === null) return { action: "create", effect: "none", reason: "absent on the host", fields: [{ field: "target", after: a.target }] };
    if (observed.type !== "link") {
      const what = observed.type === "dir" ? "a directory" : observed.type === "file" ? "a regular file" : "a special file";
      return unknownDiff(`${a.path} is ${what}, not a symbolic link: pgsty does not replace it (move it away first)`);
    }
    if (observed.linkTarget === a.target) return NOOP;
    return { action: "update", effect: "none", reason: "points elsewhere", fields: [{ field: "target", ...(observed.linkTarget !== undefined ? { before: observed.linkTarget } : {}), after: a.target }] };
  },

  async apply(ctx, task, diff) {
    if (diff.action === "noop") return;
    if (diff.action !== "create" && diff.action !== "update") throw refuse(task, diff);
    const a = linkArgs(task);
    const tmp = `${a.path}.pgsty-link`;
    const cmd = sh`if [ -e ${a.path} ] && [ ! -L ${a.path} ]; then echo ${`pgsty: ${a.path} exists and is not a symbolic link: not replaced`} >&2; exit 3; fi
rm -f -- ${tmp} && ln -s -- ${a.target} ${tmp} && mv -fT -- ${tmp} ${a.path}`;
    await execChecked(ctx.connector, cmd, execOptions(ctx));
  },
};
