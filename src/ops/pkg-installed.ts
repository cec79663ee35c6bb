/**
 * Op `pkg.installed`: OS packages installed (never upgraded, never removed).
 *
 * Args (modules/steps-node.ts): { names }.
 *
 * - observe: the `pkg` fact per name, the `os` fact (which package manager), and on Debian the
 *   `file` fact of `/etc/postgresql/<v>/main/start.conf` for every `postgresql-<v>` wanted.
 * - diff: the names not installed (`install` field); on Debian also every auto-created `main`
 *   cluster whose start.conf is not pgsty's `manual` one: Patroni runs PostgreSQL, and Debian's
 *   cluster must never start on port 5432 beside it (TESTBED pitfall 8) — this covers a package
 *   installed before pgsty as well as one pgsty installs.
 * - apply (re-reads the facts first; safe to run twice), Debian: one script that
 *   1. puts a `policy-rc.d` that exits 101 in place, so no maintainer script starts a daemon
 *      (a pre-existing policy-rc.d is moved aside and moved back exactly — rename keeps its
 *      content, mode and owner; an EXIT/HUP/INT/TERM trap restores it on every path; a guard
 *      left by an interrupted run is recognised by its marker line and not mistaken for the
 *      original),
 *   2. runs `apt-get update` once per host per apply run (the first install on that connector;
 *      a failed update is tolerated: the install then uses the lists present),
 *   3. `apt-get install -y --no-install-recommends` with DEBIAN_FRONTEND=noninteractive and
 *      `-o DPkg::Lock::Timeout=600` (waits for another apt instead of failing),
 *   4. stops each Debian `main` cluster of the wanted versions if it runs (`pg_ctlcluster stop`)
 *      and writes start.conf `manual` (data is kept; pg_ctlcluster can still start it by hand).
 *   EL: `dnf install -y --setopt=install_weak_deps=False` (EL packages start nothing and create
 *   no cluster).
 */
import { raw, sh, type Command } from "../exec/command.js";
import { execChecked, type Connector } from "../exec/connector.js";
import type { FactRequest, FactSet } from "../facts/fact.js";
import type { FieldChange, TaskSpec } from "../plan/types.js";
import { execOptions, factFailure, NOOP, OS_REQUEST, recheck, refuse, sha256Hex, unknownDiff, type FileFact, type HostOs, type PkgFact } from "./args.js";
import { isUnobservable, type Op, type OpDiff, type Unobservable } from "./op.js";

export type PackageManager = "apt" | "dnf";

export interface PkgState {
  readonly manager: PackageManager | undefined;
  readonly osId: string;
  /** Installed packages among the wanted names, with their versions. */
  readonly installed: ReadonlyMap<string, string>;
  /** PostgreSQL major → its Debian `main` cluster's start.conf (undefined: no such cluster). */
  readonly clusters: ReadonlyMap<string, FileFact | undefined>;
}

/** What pgsty writes into a Debian cluster's start.conf. */
export const START_CONF = "# written by pgsty: Patroni runs PostgreSQL on this host; this cluster must not start by itself\nmanual\n";
const START_CONF_SHA = sha256Hex(START_CONF);
const LOCK = "DPkg::Lock::Timeout=600";
const PACKAGE_NAME = /^[A-Za-z0-9][A-Za-z0-9+._~:-]*$/;

export function pkgNames(task: TaskSpec): string[] {
  const v = task.args["names"];
  if (!Array.isArray(v) || v.some((n) => typeof n !== "string" || !PACKAGE_NAME.test(n))) {
    throw new TypeError(`${task.op}[${task.key}]: arg \`names\` must be a list of package names`);
  }
  return [...new Set(v as string[])].sort();
}

/** Majors of the `postgresql-<v>` server packages among the names. */
export function serverVersions(names: readonly string[]): string[] {
  return names.map((n) => /^postgresql-(\d+)$/.exec(n)?.[1]).filter((v): v is string => v !== undefined);
}

export const startConfPath = (v: string): string => `/etc/postgresql/${v}/main/start.conf`;

export function packageManager(os: HostOs): PackageManager | undefined {
  const like = Array.isArray(os.idLike) ? os.idLike.join(" ") : String(os.idLike ?? "");
  const words = `${os.family ?? ""} ${os.id ?? ""} ${like}`.toLowerCase().split(/[\s,]+/);
  if (words.some((w) => w === "debian" || w === "ubuntu")) return "apt";
  if (words.some((w) => ["rhel", "el", "fedora", "centos", "rocky", "almalinux", "ol"].includes(w))) return "dnf";
  return undefined;
}

/** dpkg's "install ok installed" / "ii", rpm's "installed"; half-installed or config-files: not. */
export function isInstalled(p: PkgFact | undefined): boolean {
  if (!p) return false;
  const s = p.status.trim().toLowerCase();
  return s === "installed" || s === "ii" || s === "hi" || /^(install|hold) ok installed$/.test(s);
}

function needs(task: TaskSpec): FactRequest[] {
  const names = pkgNames(task);
  return [OS_REQUEST, ...names.map((key) => ({ fact: "pkg", key })), ...serverVersions(names).map((v) => ({ fact: "file", key: startConfPath(v) }))];
}

function observe(task: TaskSpec, facts: FactSet): PkgState | Unobservable {
  const names = pkgNames(task);
  const failed = factFailure(facts, "os", "pkg", ...(serverVersions(names).length ? ["file"] : []));
  if (failed) return failed;
  const os = facts.get<HostOs>("os", "os");
  if (!os) return { unobservable: true, reason: "os fact missing" };
  const installed = new Map<string, string>();
  for (const n of names) {
    const p = facts.get<PkgFact>("pkg", n);
    if (isInstalled(p)) installed.set(n, p?.version ?? "");
  }
  const clusters = new Map(serverVersions(names).map((v) => [v, facts.get<FileFact>("file", startConfPath(v))] as const));
  return { manager: packageManager(os), osId: os.id ?? "?", installed, clusters };
}

function diff(task: TaskSpec, observed: PkgState | null | Unobservable): OpDiff {
  const names = pkgNames(task);
  if (isUnobservable(observed)) return unknownDiff(observed.reason);
  if (observed === null) return unknownDiff("package state not read");
  if (!observed.manager) return unknownDiff(`no package manager known for OS ${observed.osId}`);
  const missing = names.filter((n) => !observed.installed.has(n));
  const clusters = observed.manager === "apt" ? [...observed.clusters].filter(([, f]) => f && f.sha256 !== START_CONF_SHA).map(([v]) => v) : [];
  if (missing.length === 0 && clusters.length === 0) return NOOP;
  const fields: FieldChange[] = [];
  if (missing.length) fields.push({ field: "install", after: missing });
  for (const v of clusters) fields.push({ field: `cluster ${v}/main`, after: "stopped, start.conf manual" });
  const reasons = [
    ...(missing.length ? [`${missing.length} of ${names.length} packages missing`] : []),
    ...(clusters.length ? [`Debian cluster ${clusters.map((v) => `${v}/main`).join(", ")} may start by itself`] : []),
  ];
  return { action: missing.length === names.length ? "create" : "update", effect: "none", reason: reasons.join("; "), fields };
}

/** Connectors on which `apt-get update` already ran during this process (one apply run per connector). */
const updated = new WeakSet<Connector>();

export const pkgInstalledOp: Op<PkgState> = {
  kind: "pkg.installed",
  needs,
  observe,
  diff,

  async apply(ctx, task) {
    const cur = await recheck({ needs, observe, diff }, ctx, task);
    if (cur === undefined) return;
    if (!cur?.manager) throw refuse(task, diff(task, cur));
    const names = pkgNames(task);
    const missing = names.filter((n) => !cur.installed.has(n));
    const update = cur.manager === "apt" && missing.length > 0 && !updated.has(ctx.connector);
    const cmd = pkgCommand(cur.manager, missing, serverVersions(names), update);
    await execChecked(ctx.connector, cmd, execOptions(ctx));
    if (update) updated.add(ctx.connector);
  },
};

// policy-rc.d handling: $guard is replaced by ours for the install; the original (if any) waits
// in $saved and is renamed back by the trap.
const GUARD_SCRIPT = `guard=/usr/sbin/policy-rc.d saved=/usr/sbin/policy-rc.d.pgsty-saved
marker='# pgsty-guard: no daemon may start during a package install'
restore() { if [ -e "$saved" ] || [ -L "$saved" ]; then mv -fT -- "$saved" "$guard"; else rm -f -- "$guard"; fi; }
if [ -e "$saved" ] || [ -L "$saved" ]; then :                       # an interrupted run left the original there
elif [ -L "$guard" ] || { [ -e "$guard" ] && ! grep -qxF -- "$marker" "$guard"; }; then mv -fT -- "$guard" "$saved"
fi
trap restore EXIT
trap 'exit 129' HUP; trap 'exit 130' INT; trap 'exit 143' TERM
printf '#!/bin/sh\\n%s\\nexit 101\\n' "$marker" > "$guard.pgsty-new" && chmod 0755 -- "$guard.pgsty-new" && mv -fT -- "$guard.pgsty-new" "$guard"`;

const CLUSTERS_SCRIPT = `for v in $versions; do
  conf=/etc/postgresql/$v/main/start.conf
  [ -f "$conf" ] || continue
  [ "$(cat -- "$conf")" = "$start_conf" ] && continue
  if pg_ctlcluster "$v" main status >/dev/null 2>&1; then pg_ctlcluster "$v" main stop -m fast; fi
  printf '%s\\n' "$start_conf" > "$conf"
done`;

/** The one command that converges the packages (and Debian's clusters). Exported for tests. */
export function pkgCommand(manager: PackageManager, missing: readonly string[], versions: readonly string[], update: boolean): Command {
  if (manager === "dnf") {
    return sh`dnf install -y -q --setopt=install_weak_deps=False ${missing}`;
  }
  const shown: string[] = [];
  let body = "set -euo pipefail\nexport DEBIAN_FRONTEND=noninteractive\n";
  if (missing.length > 0) {
    body += `${GUARD_SCRIPT}\n`;
    shown.push("policy-rc.d exit 101");
    if (update) {
      body += `apt-get -o ${LOCK} -q update || echo "pgsty: apt-get update failed; installing from the package lists present" >&2\n`;
      shown.push(`apt-get -o ${LOCK} update`);
    }
    const install = sh`apt-get -o ${raw(LOCK)} -q -y --no-install-recommends install ${missing}`;
    body += `${install.text}\n`;
    shown.push(`DEBIAN_FRONTEND=noninteractive ${install.display}`);
  }
  if (versions.length > 0) {
    const vars = sh`versions=${versions.join(" ")} start_conf=${START_CONF.replace(/\n$/, "")}`;
    body += `${vars.text}\n${CLUSTERS_SCRIPT}\n`;
    shown.push(`Debian cluster(s) ${versions.map((v) => `${v}/main`).join(" ")}: stop, start.conf manual`);
  }
  if (missing.length > 0) shown.push("restore policy-rc.d");
  return { text: raw(body).text, display: shown.join(" && ") };
}
