/**
 * Fact `pkg` (key: a package name, optionally "name:arch"): version and status of installed
 * packages — one `dpkg-query -W` (Debian family) or one `rpm -q` (EL) for all keys. A package
 * that is not installed (unknown, or "not-installed" in dpkg's database) is absent.
 * Must not import exec/connector, plan/, ops/ or modules/.
 */
import { quote } from "../exec/command.js";
import type { Fact } from "./fact.js";

/** dpkg's package states (rpm knows only "installed"). */
export type PkgStatus = "installed" | "config-files" | "half-installed" | "unpacked" | "half-configured" | "triggers-awaited" | "triggers-pending";

export interface PkgFact {
  /** dpkg: "15.8-0+deb12u1"; rpm: "[EPOCH:]VERSION-RELEASE". */
  readonly version: string;
  readonly status: PkgStatus;
  /** "amd64", "x86_64", "all", "noarch"… */
  readonly arch: string;
  /** Which database answered. */
  readonly manager: "dpkg" | "rpm";
}

/** Package names both tools accept (no globs, nothing an option parser could take). */
export const isPackageName = (k: string): boolean => /^[A-Za-z0-9][A-Za-z0-9+._~-]*(:[A-Za-z0-9_]+)?$/.test(k);

const DPKG_FORMAT = "${Package}\\t${db:Status-Status}\\t${Version}\\t${Architecture}\\n";
const RPM_FORMAT = "%{NAME}\\t%{EPOCH}:%{VERSION}-%{RELEASE}\\t%{ARCH}\\n";

function script(keys: readonly string[]): string {
  const names = keys.filter(isPackageName);
  if (names.length === 0) return "true";
  const words = names.map(quote).join(" ");
  // exit 1 of dpkg-query means "some pattern matched nothing": not a failure;
  // rpm -q exits with the number of packages not installed and says so on stdout
  return `if command -v dpkg-query >/dev/null 2>&1; then
  echo @dpkg
  dpkg-query -W -f=${quote(DPKG_FORMAT)} ${words}; rc=$?
  [ "$rc" -le 1 ] || exit "$rc"
elif command -v rpm >/dev/null 2>&1; then
  echo @rpm
  rpm -q --qf ${quote(RPM_FORMAT)} ${words}
  true
else
  echo 'pgsty: neither dpkg-query nor rpm is installed' >&2; exit 1
fi`;
}

const STATUSES = new Set<string>(["installed", "config-files", "half-installed", "unpacked", "half-configured", "triggers-awaited", "triggers-pending"]);

/** Pure: "@dpkg"/"@rpm" and tab-separated lines → the fact per key. */
export function parsePkg(stdout: string, keys: readonly string[]): Map<string, PkgFact> {
  if (!keys.some(isPackageName)) return new Map(); // the fragment read nothing
  const lines = stdout.split("\n");
  const head = lines.shift();
  if (head !== "@dpkg" && head !== "@rpm") throw new Error(`pkg: unexpected first line ${JSON.stringify(head)}`);
  const manager = head === "@dpkg" ? "dpkg" : "rpm";
  // name → entries (several with multi-arch)
  const found = new Map<string, PkgFact[]>();
  for (const line of lines) {
    const f = line.split("\t");
    let name: string, status: string, version: string, arch: string;
    if (manager === "dpkg" && f.length === 4) [name = "", status = "", version = "", arch = ""] = f;
    else if (manager === "rpm" && f.length === 3) {
      [name = "", version = "", arch = ""] = f;
      status = "installed";
      version = version.replace(/^\(none\):/, "");
    } else continue; // rpm's "package x is not installed", blank lines
    if (!STATUSES.has(status)) continue;
    const list = found.get(name) ?? [];
    list.push({ version, status: status as PkgStatus, arch, manager });
    found.set(name, list);
  }
  const out = new Map<string, PkgFact>();
  for (const key of keys.filter(isPackageName)) {
    const [name = "", arch] = key.split(":");
    const candidates = (found.get(name) ?? []).filter((p) => arch === undefined || p.arch === arch);
    const best = candidates.find((p) => p.status === "installed") ?? candidates[0];
    if (best) out.set(key, best);
  }
  return out;
}

export const pkgFact: Fact<PkgFact> = { name: "pkg", script, parse: parsePkg };
