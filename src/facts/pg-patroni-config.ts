/**
 * Fact `patroni.config`: the live dynamic (DCS) configuration of a Patroni cluster, read with
 * `GET /config` from a member's REST API (no credentials needed to read). Keys are base URLs of
 * the REST API (`http://10.10.10.11:8008`). HTTPS is verified against Pigsty's CA when the host
 * has it. Patroni not answering is not an error: the parser returns a `PgDown` marker. Pure.
 */
import { quote } from "../exec/command.js";
import type { Fact } from "./fact.js";
import { parseSections, type PgDown } from "./pg-shell.js";

/** The CA Pigsty installs on every node; used to verify a Patroni REST API served over HTTPS. */
export const PIGSTY_CA = "/etc/pki/ca.crt";

export interface PatroniConfigFact {
  /** The JSON object `GET /config` returned. */
  readonly config: Readonly<Record<string, unknown>>;
}

/** A base URL the fragment may use: http(s)://host:port, nothing else. */
export function isRestUrl(url: string): boolean {
  return /^https?:\/\/[A-Za-z0-9.:[\]-]+(:\d+)?$/.test(url);
}

/** curl options that verify HTTPS with the CA when it exists (a bash fragment). */
export function caOption(url: string): string {
  return url.startsWith("https:") ? `$([ -r ${PIGSTY_CA} ] && printf '%s' '--cacert ${PIGSTY_CA}')` : "";
}

export function patroniConfigScript(keys: readonly string[]): string {
  return keys
    .map((url, i) => {
      if (!isRestUrl(url)) return `printf '### ${i}\\nrc=2\\ninvalid Patroni REST API URL\\n'\n`;
      return `printf '### ${i}\\n'
__pgsty_out=$(curl -sS -f -m 5 ${caOption(url)} ${quote(`${url}/config`)} 2>&1)
printf 'rc=%s\\n%s\\n' "$?" "$__pgsty_out"
`;
    })
    .join("");
}

export function parsePatroniConfig(stdout: string, keys: readonly string[]): Map<string, PatroniConfigFact | PgDown> {
  return parseSections(stdout, keys, (s): PatroniConfigFact | PgDown => {
    try {
      const v: unknown = JSON.parse(s.body.trim());
      if (typeof v === "object" && v !== null && !Array.isArray(v)) return { config: v as Record<string, unknown> };
    } catch {
      // fall through
    }
    return { down: true, reason: "GET /config did not return a JSON object" };
  });
}

export const PATRONI_CONFIG: Fact<PatroniConfigFact | PgDown> = {
  name: "patroni.config",
  script: patroniConfigScript,
  parse: parsePatroniConfig,
};
