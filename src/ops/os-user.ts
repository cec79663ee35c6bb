/**
 * Op `os.user`: an OS user with its primary group, uid, home and login shell.
 *
 * Args (modules/node/layout.ts): { name, uid, group, home, shell }.
 *
 * - absent: the group is created (gid = uid when that gid is free), then the user, then its home
 *   directory (0755, owned by the user) when missing.
 * - present with another uid, home or primary group: adopted as it is (`noop`, the reason says
 *   what differs). uid, group and home are how the user is *created*: Debian's postgresql-common
 *   makes `postgres` with a system uid before pgsty may run, and changing them would orphan
 *   every file the user owns (data directories, backups) or move its home.
 * - present with another shell: `update` (usermod -s); its own home missing: `update` (mkdir).
 *
 * Apply re-reads the user and home facts (ctx.refresh) and acts on that: safe to run twice.
 */
import { sh, type Command } from "../exec/command.js";
import { execChecked } from "../exec/connector.js";
import type { FieldChange, TaskSpec } from "../plan/types.js";
import { argName, argPath, argString, execOptions, factFailure, NOOP, recheck, unknownDiff, type FileFact, type UserFact } from "./args.js";
import { isUnobservable, type Op, type OpDiff, type Unobservable } from "./op.js";

export interface OsUserArgs {
  readonly name: string;
  readonly uid: number;
  readonly group: string;
  readonly home: string;
  readonly shell: string;
}

export interface OsUserState {
  readonly user: UserFact;
  /** The home directory as the `file` fact saw it (undefined: absent). */
  readonly homeDir: FileFact | undefined;
}

export function osUserArgs(task: TaskSpec): OsUserArgs {
  const uid = task.args["uid"];
  if (typeof uid !== "number" || !Number.isSafeInteger(uid) || uid < 0) throw new TypeError(`${task.op}[${task.key}]: arg \`uid\` must be a non-negative integer`);
  return { name: argName(task, "name"), uid, group: argName(task, "group"), home: argPath(task, "home"), shell: argString(task, "shell") };
}

function needs(task: TaskSpec) {
  const a = osUserArgs(task);
  return [{ fact: "user", key: a.name }, { fact: "file", key: a.home }];
}

export const osUserOp: Op<OsUserState> = {
  kind: "os.user",

  needs,

  observe(task, facts): OsUserState | null | Unobservable {
    const a = osUserArgs(task);
    const failed = factFailure(facts, "user", "file");
    if (failed) return failed;
    const user = facts.get<UserFact>("user", a.name);
    if (!user) return null;
    return { user, homeDir: facts.get<FileFact>("file", a.home) };
  },

  diff(task, observed): OpDiff {
    const a = osUserArgs(task);
    if (isUnobservable(observed)) return unknownDiff(observed.reason);
    if (observed === null) {
      return {
        action: "create", effect: "none", reason: "absent on the host",
        fields: [{ field: "uid", after: a.uid }, { field: "group", after: a.group }, { field: "home", after: a.home }, { field: "shell", after: a.shell }],
      };
    }
    const u = observed.user;
    const clash: string[] = [];
    if (u.uid !== a.uid) clash.push(`uid ${u.uid} (wanted ${a.uid})`);
    if (u.group !== a.group) clash.push(`primary group ${u.group ?? `gid ${u.gid}`} (wanted ${a.group})`);
    if (u.home !== a.home) clash.push(`home ${u.home} (wanted ${a.home})`);
    const fields: FieldChange[] = [];
    if (u.shell !== a.shell) fields.push({ field: "shell", before: u.shell, after: a.shell });
    // the home check only makes sense for the home the user really has
    if (u.home === a.home) {
      if (!observed.homeDir) fields.push({ field: "home directory", after: "created" });
      else if (observed.homeDir.type !== "dir") return unknownDiff(`home ${a.home} of ${a.name} exists and is not a directory`);
    }
    if (fields.length > 0) return { action: "update", effect: "none", reason: fields.map((f) => f.field).join(", ") + " differs", fields };
    return clash.length === 0 ? NOOP : { ...NOOP, reason: `exists with ${clash.join(", ")}: adopted as it is (these apply only when pgsty creates the user)` };
  },

  async apply(ctx, task) {
    const a = osUserArgs(task);
    const cur = await recheck(osUserOp, ctx, task);
    if (cur === undefined) return;
    const o = execOptions(ctx);
    for (const cmd of osUserCommands(a, cur)) await execChecked(ctx.connector, cmd, o);
  },
};

/** What converges the user from `cur` (null: absent). Exported for tests. */
export function osUserCommands(a: OsUserArgs, cur: OsUserState | null): Command[] {
  const out: Command[] = [];
  const home = sh`[ -d ${a.home} ] || install -d -m 0755 -o ${a.name} -g ${a.group} -- ${a.home}`;
  if (cur === null) {
    // gid = uid when that gid is free (Pigsty's dbsu convention), else the system picks one
    out.push(sh`getent group ${a.group} >/dev/null || { if getent group ${a.uid} >/dev/null; then groupadd -- ${a.group}; else groupadd -g ${a.uid} -- ${a.group}; fi; }`);
    out.push(sh`useradd -u ${a.uid} -g ${a.group} -d ${a.home} -M -s ${a.shell} -- ${a.name}`);
    out.push(home);
    return out;
  }
  if (cur.user.shell !== a.shell) out.push(sh`usermod -s ${a.shell} -- ${a.name}`);
  if (!cur.homeDir && cur.user.home === a.home) out.push(home);
  return out;
}
