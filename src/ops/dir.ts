/**
 * Op `dir`: a directory with owner, group and mode. Created (with missing parents, owned by root)
 * when absent, its owner/mode fixed when they differ; never deleted, never emptied.
 *
 * Args (modules/node/layout.ts): { path, owner, group, mode }.
 *
 * A symlink, regular file or special file at the path is `unknown` and apply refuses it:
 * chown/chmod through a link would change whatever it points to, and what is already on a host
 * is never replaced. Modes are applied with five digits (`chmod 00750`): GNU chmod keeps a
 * directory's setgid bit on a four-digit mode, which would make the next plan differ again.
 */
import { sh } from "../exec/command.js";
import { execChecked } from "../exec/connector.js";
import type { TaskSpec } from "../plan/types.js";
import { argMode, argName, argPath, execOptions, factFailure, NOOP, ownershipChanges, refuse, unknownDiff, type FileFact } from "./args.js";
import { isUnobservable, type Op, type OpDiff, type Unobservable } from "./op.js";

export interface DirArgs {
  readonly path: string;
  readonly owner: string;
  readonly group: string;
  readonly mode: string;
}

export function dirArgs(task: TaskSpec): DirArgs {
  return { path: argPath(task), owner: argName(task, "owner"), group: argName(task, "group"), mode: argMode(task) };
}


export const dirOp: Op<FileFact> = {
  kind: "dir",

  needs(task) {
    return [{ fact: "file", key: argPath(task) }];
  },

  observe(task, facts): FileFact | null | Unobservable {
    return factFailure(facts, "file") ?? facts.get<FileFact>("file", argPath(task)) ?? null;
  },

  diff(task, observed): OpDiff {
    const a = dirArgs(task);
    if (isUnobservable(observed)) return unknownDiff(observed.reason);
    if (observed === null) return { action: "create", effect: "none", reason: "absent on the host", fields: ownershipChanges(a, undefined) };
    if (observed.type !== "dir") {
      const what = observed.type === "link" ? `a symbolic link (→ ${observed.linkTarget ?? "?"})` : observed.type === "file" ? "a regular file" : "a special file";
      return unknownDiff(`${a.path} is ${what}, not a directory: pgsty does not replace it (move it away first)`);
    }
    const f = ownershipChanges(a, observed);
    return f.length === 0 ? NOOP : { action: "update", effect: "none", reason: "owner or mode differs", fields: f };
  },

  async apply(ctx, task, diff) {
    if (diff.action === "noop") return;
    if (diff.action !== "create" && diff.action !== "update") throw refuse(task, diff);
    const a = dirArgs(task);
    // the guard repeats the plan's check at the moment of the change (the host may have moved on)
    const cmd = sh`if [ -L ${a.path} ] || { [ -e ${a.path} ] && [ ! -d ${a.path} ]; }; then echo ${`pgsty: ${a.path} exists and is not a directory: not replaced`} >&2; exit 3; fi
mkdir -p -- ${a.path} && chown -- ${`${a.owner}:${a.group}`} ${a.path} && chmod -- ${`0${a.mode}`} ${a.path}`;
    await execChecked(ctx.connector, cmd, execOptions(ctx));
  },
};
