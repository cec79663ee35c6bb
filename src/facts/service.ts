/**
 * Fact `service` (key: a unit, "patroni" or "patroni.service"): is it running, is it enabled.
 *
 * - systemd (where /run/systemd/system exists): one `systemctl show` for all units. A unit systemd
 *   does not know (LoadState not-found) is absent.
 * - otherwise (containers, the tini test hosts): the daemon's pidfile from {@link PIDFILES} and
 *   `kill -0`; "enabled" has no meaning there ("unknown"). Every key is present.
 * Must not import exec/connector, plan/, ops/ or modules/.
 */
import { quote } from "../exec/command.js";
import type { Fact } from "./fact.js";

export interface ServiceFact {
  /** How it was read. */
  readonly manager: "systemd" | "pidfile";
  /** Running (systemd: ActiveState active or reloading; pidfile: the pid is alive). */
  readonly active: boolean;
  /** systemd: UnitFileState enabled/enabled-runtime/alias → true, disabled/masked → false. */
  readonly enabled: boolean | "unknown";
  /** Main process, when running. */
  readonly pid?: number;
  /** systemd's ActiveState ("active", "failed", "activating"…); pidfile: "running"/"stopped". */
  readonly state: string;
  /** systemd's UnitFileState ("enabled", "static", "masked"…; "" for none). */
  readonly unitFileState?: string;
  /** pidfile mode: the pidfile read. */
  readonly pidfile?: string;
}

/**
 * Where each daemon pgsty runs keeps its pid when there is no systemd. The service op's direct
 * driver starts daemons with these pidfiles (start-stop-daemon refuses a pidfile in a directory
 * not owned by root, so only pgbouncer, which writes its own, lives in /var/run/postgresql).
 * Units not listed: /run/<unit>.pid.
 */
export const PIDFILES: Readonly<Record<string, string>> = {
  patroni: "/run/patroni.pid",
  pgbouncer: "/var/run/postgresql/pgbouncer.pid",
  haproxy: "/run/haproxy.pid",
  etcd: "/run/etcd.pid",
  ssh: "/run/sshd.pid",
  sshd: "/run/sshd.pid",
};

/** Unit names systemctl accepts (anything else would fail the whole call). */
export const isUnitName = (k: string): boolean => /^[A-Za-z0-9:_.@-]+$/.test(k) && !k.startsWith("-");

const baseName = (unit: string): string => unit.replace(/\.service$/, "");

/** The pidfile of a unit without systemd. */
export function pidfileOf(unit: string): string {
  const base = baseName(unit);
  return PIDFILES[base] ?? `/run/${base}.pid`;
}

function script(keys: readonly string[]): string {
  const units = keys.filter(isUnitName);
  if (units.length === 0) return "true";
  return `if [ -d /run/systemd/system ]; then
  echo @systemd
  systemctl show -p Id,LoadState,ActiveState,UnitFileState,MainPID ${units.map(quote).join(" ")}
else
  echo @pidfile
  i=0
  for f in ${units.map((u) => quote(pidfileOf(u))).join(" ")}; do
    pid=; [ -r "$f" ] && read -r pid _ < "$f"
    alive=0; [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null && alive=1
    printf '%d %s %s\\n' "$i" "\${pid:--}" "$alive"
    i=$((i+1))
  done
fi`;
}

const ENABLED = new Set(["enabled", "enabled-runtime", "alias", "linked", "linked-runtime"]);
const DISABLED = new Set(["disabled", "masked", "masked-runtime"]);

/** Pure: "@systemd" + systemctl show blocks, or "@pidfile" + "INDEX PID ALIVE" lines → the fact per key. */
export function parseService(stdout: string, keys: readonly string[]): Map<string, ServiceFact> {
  const units = keys.filter(isUnitName);
  const out = new Map<string, ServiceFact>();
  if (units.length === 0) return out; // the fragment read nothing
  const lines = stdout.split("\n");
  const head = lines.shift();
  if (head === "@pidfile") {
    for (const line of lines) {
      const m = /^(\d+) (\S+) ([01])$/.exec(line);
      if (!m) continue;
      const unit = units[Number(m[1])];
      if (unit === undefined) throw new Error(`service: index ${m[1]} out of range`);
      const active = m[3] === "1";
      const pid = active ? Number(m[2]) : undefined;
      out.set(unit, { manager: "pidfile", active, enabled: "unknown", state: active ? "running" : "stopped", pidfile: pidfileOf(unit), ...(pid ? { pid } : {}) });
    }
    return out;
  }
  if (head !== "@systemd") throw new Error(`service: unexpected first line ${JSON.stringify(head)}`);
  // one block per unit, in argument order, separated by blank lines
  const blocks = lines.join("\n").split(/\n\n+/).map((b) => b.trim()).filter(Boolean);
  if (blocks.length !== units.length) throw new Error(`service: ${blocks.length} blocks for ${units.length} units`);
  blocks.forEach((block, i) => {
    const p = new Map(block.split("\n").map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)] as const));
    const unit = units[i] as string;
    if (p.get("LoadState") === "not-found") return;
    const state = p.get("ActiveState") ?? "";
    const ufs = p.get("UnitFileState") ?? "";
    const pid = Number(p.get("MainPID") ?? 0);
    out.set(unit, {
      manager: "systemd",
      active: state === "active" || state === "reloading",
      enabled: ENABLED.has(ufs) ? true : DISABLED.has(ufs) ? false : "unknown",
      state,
      unitFileState: ufs,
      ...(pid > 0 ? { pid } : {}),
    });
  });
  return out;
}

export const serviceFact: Fact<ServiceFact> = { name: "service", script, parse: parseService };
