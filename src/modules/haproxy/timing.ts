/**
 * Health-check timings of PostgreSQL services: the HAProxy half of a `pg_rto` preset, and the
 * `default-server` option string built from it (reference §5.2, §6.4). Pure; imports nothing
 * but the schema's preset names, and must not import I/O or template code.
 */
import type { RTO_PRESETS } from "../../model/schema/pg-bootstrap.js";

export type RtoPreset = (typeof RTO_PRESETS)[number];

/** HAProxy check timings of one preset: check interval when up, while changing state, when down. */
export interface CheckTimings {
  readonly inter: string;
  readonly fastinter: string;
  readonly downinter: string;
  readonly rise: number;
  readonly fall: number;
}

/**
 * The recovery time objective of each preset in seconds: the most a failover should take, from a
 * crashed primary to writes through HAProxy resuming. A numeric `pg_rto` is matched to the nearest.
 */
export const PRESET_OBJECTIVE: Readonly<Record<RtoPreset, number>> = { fast: 15, norm: 30, safe: 60, wide: 120 };

/**
 * HAProxy takes integer durations only: Pigsty's `fast` preset writes `fastinter 0.5s`, which
 * `haproxy -c` rejects ("unexpected character '.'"), so the same half second is written `500ms`.
 */
const PRESET_TIMINGS: Readonly<Record<RtoPreset, CheckTimings>> = {
  fast: { inter: "1s", fastinter: "500ms", downinter: "1s", rise: 3, fall: 3 },
  norm: { inter: "2s", fastinter: "1s", downinter: "2s", rise: 3, fall: 3 },
  safe: { inter: "3s", fastinter: "1500ms", downinter: "3s", rise: 3, fall: 3 },
  wide: { inter: "4s", fastinter: "2s", downinter: "4s", rise: 3, fall: 3 },
};

/**
 * The preset a `pg_rto` value stands for: a preset name as is; a number of seconds → the preset
 * with the nearest objective (ties go to the faster one); anything else → `norm`, as Pigsty.
 */
export function rtoPreset(pgRto: unknown): RtoPreset {
  if (typeof pgRto === "string" && pgRto in PRESET_OBJECTIVE) return pgRto as RtoPreset;
  if (typeof pgRto !== "number" || !Number.isFinite(pgRto)) return "norm";
  let best: RtoPreset = "fast";
  for (const p of Object.keys(PRESET_OBJECTIVE) as RtoPreset[]) {
    if (Math.abs(PRESET_OBJECTIVE[p] - pgRto) < Math.abs(PRESET_OBJECTIVE[best] - pgRto)) best = p;
  }
  return best;
}

export function checkTimings(pgRto: unknown): CheckTimings {
  return PRESET_TIMINGS[rtoPreset(pgRto)];
}

/**
 * Seconds HAProxy takes to send traffic to a newly promoted primary: its server is down, so the
 * first good check comes within `downinter`, then `rise - 1` more follow at `fastinter`.
 */
export function routingSeconds(pgRto: unknown): number {
  const t = checkTimings(pgRto);
  return seconds(t.downinter) + (t.rise - 1) * seconds(t.fastinter);
}

/** `500ms` or `2s` in seconds. */
function seconds(duration: string): number {
  return duration.endsWith("ms") ? Number(duration.slice(0, -2)) / 1000 : Number(duration.slice(0, -1));
}

/**
 * The `default-server` options of a service without `options`: the preset's check timings, then
 * fixed per-server limits (sessions to a server marked down are cut so clients reconnect to the
 * new primary at once; a server coming back gets load gradually over 30 s).
 */
export function defaultServerOptions(pgRto: unknown): string {
  const t = checkTimings(pgRto);
  return (
    `inter ${t.inter} fastinter ${t.fastinter} downinter ${t.downinter} rise ${t.rise} fall ${t.fall} ` +
    "on-marked-down shutdown-sessions slowstart 30s maxconn 3000 maxqueue 128 weight 100"
  );
}
