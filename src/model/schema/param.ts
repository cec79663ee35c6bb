/**
 * The shape of one parameter's definition: its zod schema (with a `.describe()` text that feeds
 * docs/parameters.md and the JSON Schema), the documented default, the level where the seed says it
 * belongs, and which parts of its value are secret. Pure: imports only zod.
 */
import type * as z from "zod";

/** Where a parameter is meant to be set: G(lobal), C(luster), I(nstance) — the seed's "Level". */
export type Level = "G" | "C" | "I" | "G/C" | "C/I" | "G/C/I";

/**
 * Which parts of a value are secret. `true`: the whole value. A list of paths relative to the
 * value, `*` matching any list index or map key: `["*.password"]` for `pg_users`,
 * `["*.s3_key_secret", "*.cipher_pass"]` for `pgbackrest_repo`.
 */
export type Sensitive = true | readonly string[];

export interface ParamSpec<T = unknown> {
  readonly name: string;
  /** Parameter group, as in the seed: PG_ID, PG_BUSINESS, …, NODE_ID, ETCD, HAPROXY. */
  readonly group: string;
  /** Validates a value as written (defaults are not applied by the schema). */
  readonly schema: z.ZodType<T>;
  /** The documented default; `undefined` means "no default": the parameter is unset unless written. */
  readonly default: T | undefined;
  readonly level: Level;
  readonly sensitive?: Sensitive;
  /** One-paragraph description (the schema's `.describe()` text). */
  readonly description: string;
}

export interface ParamGroup {
  readonly name: string;
  readonly description: string;
  readonly params: readonly ParamSpec[];
}

/** Options of {@link param}; `default` omitted = no default. */
export interface ParamOptions<T> {
  readonly default?: T;
  readonly level: Level;
  readonly sensitive?: Sensitive;
}

/** Define one parameter; `name` and `group` are filled in by {@link defineGroup}. */
export function param<T>(schema: z.ZodType<T>, o: ParamOptions<T>): Omit<ParamSpec<T>, "name" | "group"> {
  const description = schema.description;
  if (!description) throw new Error("every parameter needs a .describe() text");
  return { schema, default: o.default, level: o.level, sensitive: o.sensitive, description };
}

export function defineGroup(
  name: string,
  description: string,
  params: Record<string, Omit<ParamSpec, "name" | "group">>,
): ParamGroup {
  return {
    name,
    description,
    params: Object.entries(params).map(([pname, p]) => ({ ...p, name: pname, group: name })),
  };
}
