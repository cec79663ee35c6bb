/**
 * Building blocks shared by the parameter schema files: typed wrappers around `param()` that keep
 * "has a default" in the type (so `HostVars` knows which vars are always set), small reusable
 * value schemas (ports, YAML 1.1 y/n flags, pool modes), and `stringOr()` for list items that may
 * be written as a plain name or as an object. Everything is built once at module load.
 * Pure: imports only zod, ./param.ts and ../../freeze.ts; must not import I/O modules.
 */
import * as z from "zod";
import { deepFreeze } from "../../freeze.js";
import { param, type Level, type ParamSpec, type Sensitive } from "./param.js";

/** A parameter definition as the group files write it (name and group are filled in later). */
export type ParamDef<T> = Omit<ParamSpec<T>, "name" | "group">;
/** A parameter that always has a value after resolution. */
export type DefaultedParam<T> = ParamDef<T> & { readonly default: T };
/** A parameter that is unset unless the inventory writes it. */
export type OptionalParam<T> = ParamDef<T> & { readonly default: undefined };

/** A parameter with a documented default; the default is frozen (defaults are shared by every host). */
export function withDefault<T>(
  schema: z.ZodType<T>,
  level: Level,
  dflt: NoInfer<T>,
  sensitive?: Sensitive,
): DefaultedParam<T> {
  return param(schema, { level, default: deepFreeze(dflt), sensitive }) as DefaultedParam<T>;
}

/** A parameter without a default (identity parameters, optional overrides). */
export function noDefault<T>(schema: z.ZodType<T>, level: Level, sensitive?: Sensitive): OptionalParam<T> {
  return param(schema, { level, sensitive }) as OptionalParam<T>;
}

/** An optional object field with its description (the description goes on the outer schema). */
export function field<S extends z.ZodType>(schema: S, description: string): z.ZodOptional<S> {
  return schema.optional().describe(description);
}

/** TCP port: integer 1-65535. */
export const port = z.int().min(1).max(65535);
/** Integer ≥ 0. */
export const nonNegativeInt = z.int().nonnegative();
/** Connection limits: -1 means no limit. */
export const connLimit = z.int().min(-1);
/** Pgbouncer pooling modes. */
export const POOL_MODES = ["transaction", "session", "statement"] as const;
export const poolMode = z.enum(POOL_MODES);
/**
 * pgBackRest-style y/n switch. Inventories are read as YAML 1.1 (like Ansible), where an unquoted
 * `y`/`n` is a boolean, so booleans are accepted too.
 */
export const yesNo = z.union([z.enum(["y", "n"]), z.boolean()]);
/** Values of `ALTER ROLE/DATABASE … SET` and `postgresql.auto.conf` entries. */
export const settingValue = z.union([z.string(), z.number(), z.boolean()]);

/** Maps a validating `stringOr()` schema to the plain union used to describe it in JSON Schema. */
const DISPLAY = new WeakMap<object, z.ZodType>();

/** Pure object test: a map, not null, not a list (and not a YAML timestamp). */
function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

/**
 * A value written either as a plain string (a name) or as an object. A `z.union` would report any
 * problem inside the object as one "invalid_union" at the item itself; this dispatches on the
 * value's kind so issues keep their exact path (e.g. `[0, "roles", 1, "admin"]`) and their code
 * (`unrecognized_keys` stays a warning-able issue).
 */
export function stringOr<O extends z.ZodType>(obj: O): z.ZodType<string | z.output<O>> {
  const expected = `a string or ${obj.meta()?.title ? `a ${String(obj.meta()?.title)} object` : "an object"}`;
  const schema = z.custom<string | z.output<O>>().superRefine((value, ctx) => {
    if (typeof value === "string") return;
    if (!isPlainObject(value)) {
      ctx.addIssue({ code: "invalid_type", expected: "object", input: value, message: `Invalid input: expected ${expected}` });
      return;
    }
    const r = obj.safeParse(value);
    if (!r.success) for (const issue of r.error.issues) ctx.addIssue({ ...issue, continue: true });
  });
  DISPLAY.set(schema, z.union([z.string(), obj]));
  return schema;
}

/** The schema to show in JSON Schema for `s` (follows clones made by `.describe()`/`.optional()`). */
export function displaySchemaOf(s: z.ZodType): z.ZodType | undefined {
  let cur: { _zod: { parent?: unknown } } | undefined = s as unknown as { _zod: { parent?: unknown } };
  while (cur) {
    const d = DISPLAY.get(cur);
    if (d) return d;
    cur = cur._zod.parent as typeof cur | undefined;
  }
  return undefined;
}
