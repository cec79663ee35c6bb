/**
 * The JSON view of a plan: exactly `JSON.stringify(plan, null, 2)`, but written in pieces ending at
 * line breaks, each change stringified alone — the plan of 3,000 hosts as one string would take
 * hundreds of MB. Pure apart from the `write` callback it is given; must not import anything.
 */
export function writeJsonPlan(plan: Readonly<Record<string, unknown>>, write: (text: string) => void): void {
  // pieces joined once per write: appending to one string would build a rope to flatten
  let pieces: string[] = [];
  let size = 0;
  const push = (t: string) => {
    pieces.push(t);
    size += t.length;
  };
  // A write ends at a line break: after the pieces that end in one, all of them literals below.
  // Asking every piece (`endsWith`) would flatten each change's text, a rope, once more.
  const pushLine = (t: "[\n" | "{\n" | ",\n" | "\n") => {
    push(t);
    if (size > 1 << 20) {
      write(pieces.join(""));
      pieces = [];
      size = 0;
    }
  };
  const json = (v: unknown, pad: string) => JSON.stringify(v, null, 2).replaceAll("\n", `\n${pad}`);
  const entries = (o: Readonly<Record<string, unknown>>) => Object.keys(o).filter((k) => o[k] !== undefined && typeof o[k] !== "function");
  const list = (items: readonly unknown[], pad: string, each: (item: unknown, pad: string) => void) => {
    if (items.length === 0) return push("[]");
    pushLine("[\n");
    items.forEach((item, i) => {
      push(`${pad}  `);
      each(item, `${pad}  `);
      pushLine(i < items.length - 1 ? ",\n" : "\n");
    });
    push(`${pad}]`);
  };
  const object = (o: Readonly<Record<string, unknown>>, pad: string, value: (k: string, v: unknown, pad: string) => void) => {
    const keys = entries(o);
    if (keys.length === 0) return push("{}");
    pushLine("{\n");
    keys.forEach((k, i) => {
      push(`${pad}  ${JSON.stringify(k)}: `);
      value(k, o[k], `${pad}  `);
      pushLine(i < keys.length - 1 ? ",\n" : "\n");
    });
    push(`${pad}}`);
  };
  const plain = (_k: string, v: unknown, pad: string) => push(json(v, pad));
  const changes = new ChangeWriter(json);
  object(plan, "", (k, v, pad) => {
    if (k !== "steps" || !Array.isArray(v)) return plain(k, v, pad);
    list(v, pad, (step, pad) => object(step as Record<string, unknown>, pad, (k, v, pad) => {
      if (k !== "changes" || !Array.isArray(v)) return plain(k, v, pad);
      list(v, pad, (c, pad) => push(changes.json(c, pad)));
    }));
  });
  write(pieces.join(""));
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
    const known = this.#rest.get(o.key);
    let text: string;
    if (known && known.pad === pad && sameRest(known.c, known.keys, o, keys)) text = known.text;
    else {
      text = this.fields(o, keys, 2, pad, false);
      this.#rest.set(o.key, { c: o, keys, pad, text });
    }
    const inner = `${pad}  `;
    return `{\n${inner}"address": ${JSON.stringify(o.address)},\n${inner}"host": ${JSON.stringify(o.host)}${text}`;
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

/** Whether two changes have the same fields after `address` and `host`, with the same values. */
function sameRest(a: Readonly<Record<string, unknown>>, ka: readonly string[], b: Readonly<Record<string, unknown>>, kb: readonly string[]): boolean {
  if (ka.length !== kb.length) return false;
  for (let i = 2; i < ka.length; i++) {
    const k = ka[i]!;
    if (k !== kb[i] || a[k] !== b[k]) return false;
  }
  return true;
}
