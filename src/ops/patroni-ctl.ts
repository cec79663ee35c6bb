/**
 * Commands of a PostgreSQL restart through Patroni (exec/patroni-restart.ts runs them): reading a
 * member's REST API (`/patroni`, `/cluster`) with bash's /dev/tcp — no curl or python needed —
 * and `patronictl restart` / `switchover`. patronictl reads the REST credentials from
 * /etc/patroni/patroni.yml: no secret is ever in an argv. patronictl exits 0 even when Patroni
 * refused, so each command checks its "Success" line itself. Also the JSON shapes the REST API
 * answers with (Patroni 3). Pure: builds commands, runs nothing; must not import the connectors.
 */
import { raw, sh, type Command } from "../exec/command.js";
import { PATRONI_CONFIG_PATH } from "../modules/pgsql/patroni.js";
import { HTTP_GET_FUNCTION as GET, splitAddress } from "./ready.js";

/** `GET /patroni` of a member (only the fields used). */
export interface PatroniStatus {
  readonly state?: string;
  /** `master` (Patroni 3.0), `primary`, `replica` or `standby_leader`. */
  readonly role?: string;
  readonly pending_restart?: boolean;
  readonly patroni?: { readonly scope?: string; readonly name?: string };
}

/** One member of `GET /cluster`. */
export interface ClusterMember {
  readonly name: string;
  /** `leader`, `standby_leader`, `sync_standby` or `replica`. */
  readonly role: string;
  /** `running`, `streaming` (3.0.4+), `starting`, `stopped`, … */
  readonly state: string;
  readonly api_url?: string;
  readonly pending_restart?: boolean;
  readonly lag?: number | string;
  readonly tags?: { readonly nofailover?: boolean };
}

export const isLeaderRole = (role: string | undefined): boolean => role === "leader" || role === "standby_leader" || role === "master" || role === "primary";

/** host:port of a member's REST API from its `api_url` (`http://10.0.0.2:8008/patroni`). */
export function restAddress(apiUrl: string | undefined): string | undefined {
  const m = /^https?:\/\/([A-Za-z0-9.-]+:\d{1,5})\//.exec(apiUrl ?? "");
  return m?.[1];
}

// bash's `${…}` cannot be written inside sh`…` (a JS template). The body without blanks: Patroni
// writes `"role": "replica"`, other JSON writers `"role":"replica"`.
const BODY = raw("\"${body:-nothing}\"");
const FLAT = raw("flat=${body//[[:space:]]/}");

/** The body of `GET path` (a 200 answer); fails with what was answered otherwise. */
export function restGetCommand(address: string, path: "/patroni" | "/cluster"): Command {
  const [host, port] = splitAddress(address);
  return sh`${GET}
pgsty_get ${host} ${port} ${path} || { echo ${`no answer 200 from http://${address}${path}`} >&2; exit 1; }`;
}

/**
 * This member's `/patroni` once it shows `pending_restart`, or after `settleSec` without it:
 * Patroni takes a reloaded file at once, but a DCS change only at its next HA loop.
 */
export function pendingRestartCommand(address: string, settleSec: number): Command {
  const [host, port] = splitAddress(address);
  return sh`${GET}
deadline=$((SECONDS + ${String(settleSec)})); body=
while :; do
  body=$(pgsty_get ${host} ${port} /patroni) || body=
  ${FLAT}
  case "$flat" in *'"pending_restart":true'*) break ;; esac
  [ "$SECONDS" -lt "$deadline" ] || break
  sleep 0.5
done
[ -n "$body" ] || { echo ${`no answer from Patroni at http://${address}/patroni`} >&2; exit 1; }
printf '%s\n' "$body"`;
}

/** Waits until the member at `address` runs PostgreSQL as `role` (`/patroni`'s role and state). */
export function waitRoleCommand(address: string, roles: readonly string[], timeoutSec: number, what: string): Command {
  const [host, port] = splitAddress(address);
  const pattern = roles.map((r) => `*'"role":"${r}"'*`).join("|");
  return sh`${GET}
deadline=$((SECONDS + ${String(timeoutSec)})); body=
while :; do
  body=$(pgsty_get ${host} ${port} /patroni) || body=
  ${FLAT}
  case "$flat" in *'"state":"running"'*) case "$flat" in ${raw(pattern)}) exit 0 ;; esac ;; esac
  [ "$SECONDS" -lt "$deadline" ] || { echo ${`${what}: not so after ${timeoutSec}s; http://${address}/patroni answered:`} ${BODY} >&2; exit 1; }
  sleep 0.5
done`;
}

const CTL = sh`patronictl -c ${PATRONI_CONFIG_PATH}`;

/** Restarts one member's PostgreSQL (Patroni waits for it to start again). */
export function ctlRestartCommand(cluster: string, member: string): Command {
  return sh`out=$(${raw(CTL)} restart ${cluster} ${member} --force 2>&1); rc=$?
printf '%s\n' "$out"
[ "$rc" = 0 ] && printf '%s\n' "$out" | grep -qF ${`Success: restart on member ${member}`} || { echo ${`patronictl restart of ${member} failed`} >&2; exit 1; }`;
}

/** Asks one member's Patroni to reload its configuration (done at its next HA loop). */
export function ctlReloadCommand(cluster: string, member: string): Command {
  return sh`out=$(${raw(CTL)} reload ${cluster} ${member} --force 2>&1); rc=$?
printf '%s\n' "$out"
[ "$rc" = 0 ] && printf '%s\n' "$out" | grep -qF ${`Reload request received for member ${member}`} || { echo ${`patronictl reload of ${member} failed`} >&2; exit 1; }`;
}

/** Hands the leader lock from `leader` to `candidate`, a planned switchover. */
export function ctlSwitchoverCommand(cluster: string, leader: string, candidate: string): Command {
  return sh`out=$(${raw(CTL)} switchover ${cluster} --leader ${leader} --candidate ${candidate} --force 2>&1); rc=$?
printf '%s\n' "$out"
[ "$rc" = 0 ] && printf '%s\n' "$out" | grep -qF ${`Successfully switched over to "${candidate}"`} || { echo ${`patronictl switchover from ${leader} to ${candidate} failed`} >&2; exit 1; }`;
}
