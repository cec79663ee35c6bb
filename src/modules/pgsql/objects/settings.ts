/**
 * Helpers shared by the desired-object builders: role/database-level settings (`ALTER ROLE|DATABASE
 * … SET`) normalised to text with DEFAULT meaning reset, and small value helpers. Pure: must not
 * import I/O modules.
 */

/**
 * Settings whose value is a list written raw in SQL (`SET search_path = app, public`), not as a
 * quoted string. The SQL layer needs this; `log_destination` only applies to databases.
 */
export const LIST_VALUED_SETTINGS: readonly string[] = [
  "search_path", "temp_tablespaces", "local_preload_libraries", "session_preload_libraries", "log_destination",
];

/** Settings normalised: values to set (sorted by name) and names to reset (sorted). */
export interface NormalisedSettings {
  readonly parameters: Readonly<Record<string, string>>;
  readonly resetParameters: readonly string[];
}

/**
 * A setting's value as text: strings as written, numbers in decimal, booleans as on/off (what
 * pgsty writes is what it compares with later). null/undefined: skipped, as Pigsty does.
 */
export function settingText(v: unknown): string | undefined {
  if (v === null || v === undefined) return undefined;
  if (typeof v === "boolean") return v ? "on" : "off";
  return String(v);
}

/**
 * Normalises a settings map: `DEFAULT` (any case) resets the setting, null skips it. Several maps
 * apply in order (a later definition of the same role): the last word on each name wins.
 */
export function normaliseSettings(...maps: readonly (Readonly<Record<string, unknown>> | undefined)[]): NormalisedSettings {
  const last = new Map<string, string | null>();
  for (const m of maps) {
    for (const [name, raw] of Object.entries(m ?? {})) {
      const text = settingText(raw);
      if (text === undefined) continue;
      last.set(name, text.toUpperCase() === "DEFAULT" ? null : text);
    }
  }
  const names = [...last.keys()].sort(compareText);
  const parameters: Record<string, string> = {};
  for (const n of names) {
    const v = last.get(n);
    if (v !== null && v !== undefined) parameters[n] = v;
  }
  return { parameters, resetParameters: names.filter((n) => last.get(n) === null) };
}

/** Code-point order: the same on every machine, unlike localeCompare. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A date-or-string value as `YYYY-MM-DD` (YAML timestamps may arrive as Date objects). */
export function dateText(v: string | Date): string {
  return v instanceof Date ? v.toISOString().slice(0, 10) : v;
}

/** A copy of `o` without its undefined fields (so spreads and JSON output stay clean). */
export function defined<T extends object>(o: T): T {
  const out: Record<string, unknown> = {};
  const src = o as Record<string, unknown>;
  for (const k of Object.keys(src)) if (src[k] !== undefined) out[k] = src[k];
  return out as T;
}

/** The name of a list item written as a name or as an object with `name`. */
export function itemName(item: string | { readonly name: string }): string {
  return typeof item === "string" ? item : item.name;
}
