/**
 * Fact `patroni` (key: the REST API address, "10.10.10.11:8008" or "https://host:8008"): the
 * member's state from GET /patroni and the cluster's from GET /cluster (curl on the host itself,
 * so a firewall between pgsty and the API does not matter). An API that does not answer (Patroni
 * not running) or does not answer JSON is absent, not failed; a host without curl fails.
 * Must not import exec/connector, plan/, ops/ or modules/.
 */
import { quote } from "../exec/command.js";
import type { Fact } from "./fact.js";

/** One member as /cluster lists it. */
export interface PatroniMember {
  readonly name: string;
  /** "leader", "replica", "sync_standby", "standby_leader". */
  readonly role: string;
  /** "running", "streaming", "stopped", "starting"… */
  readonly state: string;
  readonly host?: string;
  readonly port?: number;
  readonly timeline?: number;
  /** Replication lag in bytes ("unknown" when Patroni cannot tell). */
  readonly lag?: number | "unknown";
  readonly apiUrl?: string;
}

export interface PatroniFact {
  /** PostgreSQL's state as Patroni sees it: "running", "stopped", "starting", "restarting"… */
  readonly state: string;
  /** "primary" (Patroni < 3.0 says "master"), "replica", "standby_leader"… */
  readonly role: string;
  readonly timeline?: number;
  /** Some changed parameter needs a restart of this member. */
  readonly pendingRestart: boolean;
  /** The cluster is in maintenance mode. */
  readonly pause: boolean;
  /** Member name, scope (cluster) and Patroni's version, when reported. */
  readonly name?: string;
  readonly scope?: string;
  readonly version?: string;
  /** PostgreSQL's version number, e.g. 150008. */
  readonly serverVersion?: number;
  /** Members of the cluster ([] when /cluster did not answer). */
  readonly members: readonly PatroniMember[];
}

/** Keys that are REST addresses (host:port, optionally with a scheme). */
export const isRestAddress = (k: string): boolean => /^(https?:\/\/)?[A-Za-z0-9.[\]:-]+(:\d+)?$/.test(k);

const baseUrl = (k: string): string => (/^https?:\/\//.test(k) ? k : `http://${k}`);

function script(keys: readonly string[]): string {
  const urls = keys.filter(isRestAddress).map(baseUrl);
  if (urls.length === 0) return "true";
  // -k: only state is read and no credential is sent; the API often has a self-signed cert
  return `command -v curl >/dev/null || { echo 'pgsty: curl is not installed' >&2; exit 1; }
get() { curl -sk --noproxy '*' --connect-timeout 2 --max-time 5 "$1" | base64 -w0; }
i=0
for u in ${urls.map(quote).join(" ")}; do
  m=$(get "$u/patroni"); c=
  [ -n "$m" ] && c=$(get "$u/cluster")
  printf '%d %s %s\\n' "$i" "\${m:--}" "\${c:--}"
  i=$((i+1))
done`;
}

type Json = Record<string, unknown>;

function json(b64: string): Json | undefined {
  if (b64 === "-") return undefined;
  try {
    const v: unknown = JSON.parse(Buffer.from(b64, "base64").toString("utf8"));
    return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Json) : undefined;
  } catch {
    return undefined;
  }
}

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === "number" ? v : undefined);

function member(m: Json): PatroniMember {
  const lag = m["lag"];
  const host = str(m["host"]);
  const port = num(m["port"]);
  const timeline = num(m["timeline"]);
  const apiUrl = str(m["api_url"]);
  return {
    name: str(m["name"]) ?? "",
    role: str(m["role"]) ?? "",
    state: str(m["state"]) ?? "",
    ...(host !== undefined ? { host } : {}),
    ...(port !== undefined ? { port } : {}),
    ...(timeline !== undefined ? { timeline } : {}),
    ...(typeof lag === "number" ? { lag } : lag !== undefined ? { lag: "unknown" as const } : {}),
    ...(apiUrl !== undefined ? { apiUrl } : {}),
  };
}

/** Pure: the JSON of /patroni and /cluster → the fact. */
export function patroniFromJson(self: Json, cluster: Json | undefined): PatroniFact {
  const p = typeof self["patroni"] === "object" && self["patroni"] !== null ? (self["patroni"] as Json) : {};
  const role = str(self["role"]) ?? "";
  const members = Array.isArray(cluster?.["members"]) ? (cluster["members"] as unknown[]).filter((m): m is Json => typeof m === "object" && m !== null).map(member) : [];
  const timeline = num(self["timeline"]);
  const name = str(p["name"]);
  const scope = str(p["scope"]);
  const version = str(p["version"]);
  const serverVersion = num(self["server_version"]);
  return {
    state: str(self["state"]) ?? "",
    role: role === "master" ? "primary" : role,
    ...(timeline !== undefined ? { timeline } : {}),
    pendingRestart: self["pending_restart"] === true,
    pause: self["pause"] === true || cluster?.["pause"] === true,
    ...(name !== undefined ? { name } : {}),
    ...(scope !== undefined ? { scope } : {}),
    ...(version !== undefined ? { version } : {}),
    ...(serverVersion !== undefined ? { serverVersion } : {}),
    members,
  };
}

/** Pure: lines "INDEX BASE64(/patroni) BASE64(/cluster)" ("-": no answer) → the fact per key. */
export function parsePatroni(stdout: string, keys: readonly string[]): Map<string, PatroniFact> {
  const addresses = keys.filter(isRestAddress);
  const out = new Map<string, PatroniFact>();
  for (const line of stdout.split("\n")) {
    const m = /^(\d+) (\S+) (\S+)$/.exec(line);
    if (!m) continue;
    const key = addresses[Number(m[1])];
    if (key === undefined) throw new Error(`patroni: index ${m[1]} out of range`);
    const self = json(m[2] ?? "-");
    if (self && typeof self["state"] === "string") out.set(key, patroniFromJson(self, json(m[3] ?? "-")));
  }
  return out;
}

export const patroniFact: Fact<PatroniFact> = { name: "patroni", script, parse: parsePatroni };
