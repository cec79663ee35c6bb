/**
 * Masks secrets in values before anything is shown: parameters marked `sensitive` in the schema
 * (whole value or paths inside it), and unknown keys whose names say they are secrets (other
 * modules' `*_password`, `*_secret`…). Pure.
 */
import { PARAMETERS } from "./schema/index.js";

export const MASK = "(sensitive)";

const SECRET_NAME = /(password|passwd|secret|token|_pass)$|_key_secret|cipher_pass/;

/** True when values under this (unknown) key should never be shown. */
export function looksSecret(name: string): boolean {
  return SECRET_NAME.test(name);
}

/** A copy of `value` (the value of parameter `name`) with its secrets replaced by `(sensitive)`. */
export function maskValue(name: string, value: unknown): unknown {
  const spec = PARAMETERS.get(name);
  const sensitive = spec?.sensitive ?? (looksSecret(name) ? true : undefined);
  if (value === undefined || value === null || value === "") return value;
  if (sensitive === true) return MASK;
  let out = maskNested(value);
  for (const path of sensitive ?? []) out = maskPath(out, path.split("."));
  return out;
}

/** `value` with what lies at `path` (`*` matches any key or index) replaced by "(sensitive)". */
export function maskPath(value: unknown, path: readonly string[]): unknown {
  if (path.length === 0) return value === undefined || value === null || value === "" ? value : MASK;
  if (value === null || typeof value !== "object") return value;
  const [head, ...rest] = path as [string, ...string[]];
  if (Array.isArray(value)) return value.map((v, i) => (head === "*" || head === String(i) ? maskPath(v, rest) : v));
  const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  for (const k of Object.keys(out)) if (head === "*" || head === k) out[k] = maskPath(out[k], rest);
  return out;
}

/** Secret-named keys anywhere inside a value (e.g. `password` of an object in an unknown list). */
function maskNested(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(maskNested);
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = looksSecret(k) && v !== null && v !== "" && v !== undefined ? MASK : maskNested(v);
  return out;
}
