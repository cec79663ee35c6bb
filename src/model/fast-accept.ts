/**
 * A fast, conservative pre-check for zod schemas: compiled once per schema from its definition,
 * it answers `true` only for values the schema certainly accepts, and `false` for anything else
 * (including whatever it does not understand). A `true` skips zod; a `false` runs zod, which
 * produces the real result and the exact messages. So behaviour is the schema's own: this only
 * spares zod's per-field allocations on the common, valid case. Pure.
 */

import type * as z from "zod";
import { displaySchemaOf } from "./schema/common.js";

type Accept = (v: unknown) => boolean;

interface Def {
  readonly type?: string;
  readonly [k: string]: unknown;
}

const defOf = (s: unknown): Def | undefined => (s as { _zod?: { def?: Def } } | undefined)?._zod?.def;

const compiled = new WeakMap<object, Accept | null>();

/** The acceptor of `schema`, or null when it has a part this module does not model. */
export function acceptorOf(schema: object): Accept | null {
  let a = compiled.get(schema);
  if (a === undefined) {
    a = compile(schema, 0);
    compiled.set(schema, a);
  }
  return a;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== "object" || Array.isArray(v)) return false;
  const p = Object.getPrototypeOf(v) as unknown;
  return p === Object.prototype || p === null;
}

/** Checks attached to a schema (`.min(1)`, `.regex()`…): only the simple ones are modelled. */
function compileChecks(def: Def, kind: "string" | "number" | "array"): Accept | null | undefined {
  const checks = (def.checks as unknown[] | undefined) ?? [];
  const tests: Accept[] = [];
  for (const c of checks) {
    const cd = defOf(c);
    if (!cd) return null;
    if (cd.abort !== undefined) return null;
    // a `when` (zod's "has a length" guard of length checks) always holds for strings and arrays
    if (cd.when !== undefined && ((cd.check !== "min_length" && cd.check !== "max_length") || kind === "number")) return null;
    switch (cd.check) {
      case "min_length": {
        if (kind === "number") return null;
        const min = cd.minimum as number;
        tests.push((v) => (v as { length: number }).length >= min);
        break;
      }
      case "max_length": {
        if (kind === "number") return null;
        const max = cd.maximum as number;
        tests.push((v) => (v as { length: number }).length <= max);
        break;
      }
      case "string_format": {
        if (kind !== "string" || cd.format !== "regex" || !(cd.pattern instanceof RegExp)) return null;
        const re = cd.pattern;
        tests.push((v) => {
          re.lastIndex = 0;
          return re.test(v as string);
        });
        break;
      }
      case "greater_than": {
        if (kind !== "number" || typeof cd.value !== "number") return null;
        const min = cd.value, inclusive = cd.inclusive === true;
        tests.push(inclusive ? (v) => (v as number) >= min : (v) => (v as number) > min);
        break;
      }
      case "less_than": {
        if (kind !== "number" || typeof cd.value !== "number") return null;
        const max = cd.value, inclusive = cd.inclusive === true;
        tests.push(inclusive ? (v) => (v as number) <= max : (v) => (v as number) < max);
        break;
      }
      default:
        return null;
    }
  }
  if (tests.length === 0) return undefined;
  return (v) => {
    for (const t of tests) if (!t(v)) return false;
    return true;
  };
}

function compile(schema: unknown, depth: number): Accept | null {
  if (depth > 40) return null;
  const def = defOf(schema);
  if (!def) return null;
  switch (def.type) {
    case "string": {
      if (def.coerce || def.format !== undefined) return null;
      const checks = compileChecks(def, "string");
      if (checks === null) return null;
      return checks ? (v) => typeof v === "string" && checks(v) : (v) => typeof v === "string";
    }
    case "number": {
      if (def.coerce) return null;
      const checks = compileChecks(def, "number");
      if (checks === null) return null;
      let base: Accept;
      if (def.format === undefined) base = (v) => typeof v === "number" && Number.isFinite(v);
      else if (def.format === "safeint") base = (v) => typeof v === "number" && Number.isSafeInteger(v);
      else return null;
      return checks ? (v) => base(v) && checks(v) : base;
    }
    case "boolean":
      if (def.coerce || (def.checks as unknown[] | undefined)?.length) return null;
      return (v) => typeof v === "boolean";
    case "enum": {
      if ((def.checks as unknown[] | undefined)?.length) return null;
      const values = new Set(Object.values(def.entries as Record<string, unknown>));
      for (const x of values) if (typeof x !== "string") return null;
      return (v) => typeof v === "string" && values.has(v);
    }
    case "literal": {
      if ((def.checks as unknown[] | undefined)?.length) return null;
      const values = def.values as unknown[];
      if (!values.every((x) => typeof x === "string" || typeof x === "boolean" || (typeof x === "number" && Number.isFinite(x)))) return null;
      return (v) => values.includes(v);
    }
    case "optional": {
      if ((def.checks as unknown[] | undefined)?.length) return null;
      const inner = compile(def.innerType, depth + 1);
      if (!inner) return null;
      return (v) => v === undefined || inner(v);
    }
    case "nullable": {
      if ((def.checks as unknown[] | undefined)?.length) return null;
      const inner = compile(def.innerType, depth + 1);
      if (!inner) return null;
      return (v) => v === null || inner(v);
    }
    case "array": {
      const checks = compileChecks(def, "array");
      if (checks === null) return null;
      const el = compile(def.element, depth + 1);
      if (!el) return null;
      return (v) => {
        if (!Array.isArray(v)) return false;
        for (let i = 0; i < v.length; i++) if (!el(v[i])) return false;
        return checks ? checks(v) : true;
      };
    }
    case "union": {
      // `inclusive: false` (xor) needs exactly one option to match: not modelled
      if ((def.checks as unknown[] | undefined)?.length || def.inclusive === false) return null;
      const options: Accept[] = [];
      for (const o of def.options as unknown[]) {
        const a = compile(o, depth + 1);
        if (!a) return null;
        options.push(a);
      }
      return (v) => {
        for (const o of options) if (o(v)) return true;
        return false;
      };
    }
    case "object": {
      if ((def.checks as unknown[] | undefined)?.length) return null;
      const catchall = defOf(def.catchall);
      // strip (no catchall) ignores unknown keys; strict (`never`) rejects them; others: not modelled
      if (def.catchall !== undefined && catchall?.type !== "never") return null;
      const strict = def.catchall !== undefined;
      const shape = def.shape as Record<string, unknown>;
      const keys = Object.keys(shape);
      const fields: Accept[] = [];
      for (const k of keys) {
        const a = compile(shape[k], depth + 1);
        if (!a) return null;
        fields.push(a);
      }
      const known = new Set(keys);
      return (v) => {
        if (!isPlainObject(v)) return false;
        for (let i = 0; i < keys.length; i++) {
          const k = keys[i]!;
          const x = v[k];
          // a key present with `undefined` is not what YAML produces: leave such cases to zod
          if (x === undefined && k in v) return false;
          if (!fields[i]!(x)) return false;
        }
        if (strict) for (const k in v) if (!known.has(k)) return false;
        return true;
      };
    }
    case "record": {
      // only string keys (no enum/literal keys: those make zod require every key)
      if ((def.checks as unknown[] | undefined)?.length || defOf(def.keyType)?.type !== "string") return null;
      const key = compile(def.keyType, depth + 1);
      const value = compile(def.valueType, depth + 1);
      if (!key || !value) return null;
      return (v) => {
        if (!isPlainObject(v)) return false;
        for (const k of Reflect.ownKeys(v)) {
          if (typeof k !== "string" || k === "__proto__" || !key(k)) return false;
          const x = v[k];
          if (x === undefined || !value(x)) return false;
        }
        return true;
      };
    }
    case "null":
      if ((def.checks as unknown[] | undefined)?.length) return null;
      return (v) => v === null;
    case "custom": {
      // `stringOr(obj)` (schema/common.ts): a string, or a plain object `obj` accepts — exactly
      // its display union; any other custom schema, or one with checks added, is not modelled
      const display = displaySchemaOf(schema as z.ZodType);
      if (!display || (def.checks as unknown[] | undefined)?.length !== 1) return null;
      return compile(display, depth + 1);
    }
    case "date":
      if (def.coerce || (def.checks as unknown[] | undefined)?.length) return null;
      return (v) => v instanceof Date && !Number.isNaN(v.getTime());
    case "any":
    case "unknown":
      if ((def.checks as unknown[] | undefined)?.length) return null;
      return () => true;
    default:
      return null;
  }
}
