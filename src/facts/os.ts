/**
 * Fact `os` (key "os"): distribution, version, architecture, CPUs, memory, service manager and
 * host name, read in one pass (`/etc/os-release` is parsed here, never sourced on the host).
 * Must not import exec/connector, plan/, ops/ or modules/.
 */
import type { Fact } from "./fact.js";

/** The host's operating system. */
export interface OsFact {
  /** os-release ID: "debian", "ubuntu", "rocky", "rhel", "almalinux"… */
  readonly id: string;
  /** os-release ID_LIKE, split: ["rhel", "centos", "fedora"]. */
  readonly idLike: readonly string[];
  /** Package family: apt/dpkg ("debian") or dnf/rpm ("el"). */
  readonly family: "debian" | "el" | "other";
  /** os-release VERSION_ID: "12", "9.4" ("" when absent, e.g. Debian testing). */
  readonly versionId: string;
  /** os-release VERSION_CODENAME ("bookworm"); absent on EL. */
  readonly codename?: string;
  readonly prettyName?: string;
  /** `uname -m`: "x86_64", "aarch64". */
  readonly arch: string;
  /** Online CPUs usable by processes (nproc). */
  readonly cpu: number;
  /** MemTotal in MiB (floored). */
  readonly memMb: number;
  /** "systemd" only when /run/systemd/system exists (systemd is PID 1 and running). */
  readonly serviceManager: "systemd" | "none";
  /** Kernel host name (`uname -n`). */
  readonly hostname: string;
}

const SCRIPT = `printf 'arch=%s\\n' "$(uname -m)"
printf 'cpu=%s\\n' "$(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN)"
printf 'hostname=%s\\n' "$(uname -n)"
if [ -d /run/systemd/system ]; then echo systemd=1; else echo systemd=0; fi
while read -r k v _; do [ "$k" = MemTotal: ] && printf 'mem_kb=%s\\n' "$v"; done < /proc/meminfo
cat /etc/os-release 2>/dev/null || cat /usr/lib/os-release`;

/** Unquotes one os-release value (shell-like: "…" with \\ escapes, '…', or bare). */
export function osReleaseValue(v: string): string {
  if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) return v.slice(1, -1).replace(/\\([\\$"`])/g, "$1");
  if (v.length >= 2 && v.startsWith("'") && v.endsWith("'")) return v.slice(1, -1);
  return v;
}

/** Pure: the fragment's output → the `os` fact. */
export function parseOs(stdout: string): OsFact {
  const mine = new Map<string, string>();
  const release = new Map<string, string>();
  for (const line of stdout.split("\n")) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!m) continue;
    const [, k = "", v = ""] = m;
    // our own keys are lower case, os-release keys upper case
    if (/^[a-z_]+$/.test(k)) mine.set(k, v);
    else release.set(k, osReleaseValue(v));
  }
  const id = release.get("ID") ?? "";
  if (!id) throw new Error("no ID in os-release");
  const idLike = (release.get("ID_LIKE") ?? "").split(/\s+/).filter(Boolean);
  const all = [id, ...idLike];
  const family = all.some((x) => x === "debian" || x === "ubuntu") ? "debian" : all.some((x) => ["rhel", "centos", "fedora"].includes(x)) ? "el" : "other";
  const cpu = Number(mine.get("cpu"));
  const memKb = Number(mine.get("mem_kb"));
  if (!Number.isInteger(cpu) || cpu < 1) throw new Error(`bad cpu count: ${mine.get("cpu")}`);
  if (!Number.isFinite(memKb)) throw new Error(`bad MemTotal: ${mine.get("mem_kb")}`);
  const codename = release.get("VERSION_CODENAME");
  const prettyName = release.get("PRETTY_NAME");
  return {
    id,
    idLike,
    family,
    versionId: release.get("VERSION_ID") ?? "",
    ...(codename ? { codename } : {}),
    ...(prettyName ? { prettyName } : {}),
    arch: mine.get("arch") ?? "",
    cpu,
    memMb: Math.floor(memKb / 1024),
    serviceManager: mine.get("systemd") === "1" ? "systemd" : "none",
    hostname: mine.get("hostname") ?? "",
  };
}

export const osFact: Fact<OsFact> = {
  name: "os",
  script: () => SCRIPT,
  parse: (stdout, keys) => (keys.includes("os") ? new Map([["os", parseOs(stdout)]]) : new Map()),
};
