/**
 * The JSON view of a plan: exactly `JSON.stringify(plan, null, 2)`, but written in pieces ending at
 * line breaks, each change stringified alone — the plan of 3,000 hosts as one string would take
 * hundreds of MB. Pure apart from the `write` callback it is given; imports only json-pieces.ts
 * and the plan's compact changes (plan/created-change.ts).
 */
import { CreatedChange, createdChanges, createdCount, createdRuns, type CreatedPart } from "../plan/created-change.js";
import type { PlanStep } from "../plan/types.js";
import { indentedJson, JsonPieces } from "./json-pieces.js";
export function writeJsonPlan(plan: Readonly<Record<string, unknown>>, write: (text: string) => void): void {
  const out = new JsonPieces(write);
  const changes = new ChangeWriter(indentedJson);
  const created = new CreatedWriter(changes);
  out.object(plan, "", (k, v, pad) => {
    if (k !== "steps" || !Array.isArray(v)) return out.plain(v, pad);
    out.list(v, pad, (step, pad) => {
      // a step of runs (an offline plan's) has no change objects to read: they are made one by one
      const runs = createdRuns(step as PlanStep);
      const s = runs ? { step: (step as PlanStep).step, unchanged: (step as PlanStep).unchanged, changes: runs } : step;
      out.object(s as Record<string, unknown>, pad, (k, v, pad) => {
        if (k !== "changes") return out.plain(v, pad);
        if (runs) return out.list(createdChanges(runs), pad, (c, pad) => created.write(out, c as CreatedChange, pad), createdCount(runs));
        if (!Array.isArray(v)) return out.plain(v, pad);
        out.list(v, pad, (c, pad) => out.push(changes.json(c, pad)));
      });
    });
  });
  out.end();
}

/**
 * `JSON.stringify(c, null, 2)` of one change at indentation `pad`, field by field (a change's
 * fields are mostly strings: no indenting pass over the result), and what follows `address` and
 * `host` written once per distinct task: the hosts that share a task have changes that differ in
 * those two fields only (400,000 changes on 3,000 hosts). Other values go through `json`.
 */
class ChangeWriter {
  /** By the change's key: the last change written with it, its indentation and its text after `host`. */
  readonly #rest = new Map<string, { readonly c: Readonly<Record<string, unknown>>; readonly keys: readonly string[]; readonly pad: string; readonly text: string }>();

  constructor(private readonly plain: (v: unknown, pad: string) => string) {}

  json(c: unknown, pad: string): string {
    // a compact change (plan/created-change.ts) stands for the plain object its toJSON returns,
    // which JSON.stringify would write (no change's toJSON looks at its key)
    if (c !== null && typeof c === "object" && typeof (c as { toJSON?: unknown }).toJSON === "function") c = (c as { toJSON(): unknown }).toJSON();
    if (c === null || typeof c !== "object" || Array.isArray(c)) return this.plain(c, pad);
    const o = c as Readonly<Record<string, unknown>>;
    const keys = Object.keys(o);
    if (keys[0] !== "address" || keys[1] !== "host" || typeof o.address !== "string" || typeof o.host !== "string" || typeof o.key !== "string") {
      return this.fields(o, keys, 0, pad, true);
    }
    const inner = `${pad}  `;
    return `{\n${inner}"address": ${JSON.stringify(o.address)},\n${inner}"host": ${JSON.stringify(o.host)}${this.#afterHost(o, keys, pad)}`;
  }

  /** What `json` writes after a change's `host` field (its first two are `address` and `host`, its key a string). */
  afterHost(o: Readonly<Record<string, unknown>>, pad: string): string {
    return this.#afterHost(o, Object.keys(o), pad);
  }

  #afterHost(o: Readonly<Record<string, unknown>>, keys: readonly string[], pad: string): string {
    const known = this.#rest.get(o.key as string);
    if (known && known.pad === pad && sameRest(known.c, known.keys, o, keys)) return known.text;
    const text = this.fields(o, keys, 2, pad, false);
    this.#rest.set(o.key as string, { c: o, keys, pad, text });
    return text;
  }

  /** The fields from `keys[from]` on, each after `,\n` (the first after `{\n` when `opens`), then the closing brace. */
  private fields(o: Readonly<Record<string, unknown>>, keys: readonly string[], from: number, pad: string, opens: boolean): string {
    const inner = `${pad}  `;
    // joined, not appended: the text is kept and written for many changes, and a rope of one
    // node per field would be walked again each time (join does not flatten it for good)
    const out: string[] = [];
    let first = opens;
    for (let i = from; i < keys.length; i++) {
      const k = keys[i]!;
      const v = o[k];
      let text: string;
      if (typeof v === "string") text = JSON.stringify(v);
      else if (typeof v === "boolean") text = v ? "true" : "false";
      else if (v === undefined || typeof v === "function" || typeof v === "symbol") continue;
      else text = this.plain(v, inner);
      out.push(first ? "{\n" : ",\n", inner, JSON.stringify(k), ": ", text);
      first = false;
    }
    if (opens && first) return "{}";
    out.push("\n", pad, "}");
    return out.join("");
  }
}

/**
 * A created change (plan/created-change.ts) as ChangeWriter writes it, from flat pieces kept per
 * host and step (the address's prefix, the host) and per part (the address's tail, the fields
 * after `host`), pushed one by one: no plain object per change, and nothing to flatten when the
 * pieces are joined — the bench plan has 429,000 such changes and 61,000 distinct parts.
 * An address holding a surrogate falls back to ChangeWriter (a pair split between prefix and
 * tail would be escaped apart).
 */
class CreatedWriter {
  /** Per part: the address's tail as JSON without its opening quote ("" when it holds a surrogate), and the text after `host`. */
  readonly #parts = new Map<CreatedPart, { readonly tail: string; readonly rest: string }>();
  #pad = "";
  #open = "";
  #prefix = "";
  #prefixJson = "";
  #host = "";
  #hostJson = "";

  constructor(private readonly changes: ChangeWriter) {}

  write(out: JsonPieces, c: CreatedChange, pad: string): void {
    if (pad !== this.#pad) {
      // the pieces hold the indentation: a change at another one starts afresh
      this.#pad = pad;
      this.#open = `{\n${pad}  "address": `;
      this.#parts.clear();
      this.#prefix = this.#host = "";
    }
    const part = c.part;
    if (c.prefix !== this.#prefix) {
      this.#prefix = c.prefix;
      this.#prefixJson = SURROGATE.test(c.prefix) ? "" : JSON.stringify(c.prefix).slice(0, -1);
    }
    let known = this.#parts.get(part);
    if (known === undefined) {
      const tail = SURROGATE.test(part.tail) ? "" : JSON.stringify(part.tail).slice(1);
      this.#parts.set(part, (known = { tail, rest: this.changes.afterHost(c.toJSON() as unknown as Readonly<Record<string, unknown>>, pad) }));
    }
    if (this.#prefixJson === "" || known.tail === "") return out.push(this.changes.json(c, pad));
    if (c.host !== this.#host) {
      this.#host = c.host;
      this.#hostJson = `,\n${pad}  "host": ${JSON.stringify(c.host)}`;
    }
    out.push(this.#open);
    out.push(this.#prefixJson);
    out.push(known.tail);
    out.push(this.#hostJson);
    out.push(known.rest);
  }
}

const SURROGATE = /[\ud800-\udfff]/;

/** Whether two changes have the same fields after `address` and `host`, with the same values. */
function sameRest(a: Readonly<Record<string, unknown>>, ka: readonly string[], b: Readonly<Record<string, unknown>>, kb: readonly string[]): boolean {
  if (ka.length !== kb.length) return false;
  for (let i = 2; i < ka.length; i++) {
    const k = ka[i]!;
    if (k !== kb[i] || a[k] !== b[k]) return false;
  }
  return true;
}
