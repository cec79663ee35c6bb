/**
 * Op `pkg.removed`: OS packages not installed. Used by removal playbooks (pgsql-rm with
 * pg_rm_pkg) for the packages pgsty installed for PostgreSQL; the counterpart of `pkg.installed`.
 *
 * Args (modules/steps-pgsql-rm.ts): { names }.
 *
 * - observe: the `pkg` fact per name and the `os` fact (which package manager).
 * - diff: the names still installed → `delete` (field `remove`); none → noop.
 * - apply (re-reads the facts first; safe to run twice): `apt-get remove` (not purge: the
 *   configuration files under /etc stay, as with any apt removal) with DEBIAN_FRONTEND=
 *   noninteractive and the same lock timeout as installs, or `dnf remove`. Only the packages
 *   still installed are named. Like any removal, the package manager also removes packages that
 *   depend on them: the plan names only what was asked for.
 * Must not import modules/.
 */
import { raw, sh, type Command } from "../exec/command.js";
import { execChecked } from "../exec/connector.js";
import type { FactRequest, FactSet } from "../facts/fact.js";
import type { TaskSpec } from "../plan/types.js";
import { execOptions, factFailure, NOOP, OS_REQUEST, recheck, refuse, unknownDiff, type HostOs, type PkgFact } from "./args.js";
import { isUnobservable, type Op, type OpDiff, type Unobservable } from "./op.js";
import { isInstalled, packageManager, pkgNames, type PackageManager } from "./pkg-installed.js";

export interface PkgRemoveState {
  readonly manager: PackageManager | undefined;
  readonly osId: string;
  /** The wanted-gone names still installed. */
  readonly installed: readonly string[];
}

function needs(task: TaskSpec): FactRequest[] {
  return [OS_REQUEST, ...pkgNames(task).map((key) => ({ fact: "pkg", key }))];
}

function observe(task: TaskSpec, facts: FactSet): PkgRemoveState | Unobservable {
  const failed = factFailure(facts, "os", "pkg");
  if (failed) return failed;
  const os = facts.get<HostOs>("os", "os");
  if (!os) return { unobservable: true, reason: "os fact missing" };
  const installed = pkgNames(task).filter((n) => isInstalled(facts.get<PkgFact>("pkg", n)));
  return { manager: packageManager(os), osId: os.id ?? "?", installed };
}

function diff(task: TaskSpec, observed: PkgRemoveState | null | Unobservable): OpDiff {
  if (isUnobservable(observed)) return unknownDiff(observed.reason);
  if (observed === null) return unknownDiff("package state not read");
  if (observed.installed.length === 0) return NOOP;
  if (!observed.manager) return unknownDiff(`no package manager known for OS ${observed.osId}`);
  const n = pkgNames(task).length;
  return { action: "delete", effect: "none", reason: `${observed.installed.length} of ${n} packages installed`, fields: [{ field: "remove", before: observed.installed }] };
}

/** The removal command. Exported for tests. */
export function pkgRemoveCommand(manager: PackageManager, names: readonly string[]): Command {
  if (manager === "dnf") return sh`dnf remove -y -q ${names}`;
  return sh`DEBIAN_FRONTEND=noninteractive apt-get -o ${raw("DPkg::Lock::Timeout=600")} -q -y remove ${names}`;
}

export const pkgRemovedOp: Op<PkgRemoveState> = {
  kind: "pkg.removed",
  needs,
  observe,
  diff,

  async apply(ctx, task) {
    const cur = await recheck({ needs, observe, diff }, ctx, task);
    if (cur === undefined) return;
    if (!cur?.manager) throw refuse(task, diff(task, cur));
    await execChecked(ctx.connector, pkgRemoveCommand(cur.manager, cur.installed), execOptions(ctx));
  },
};
