/**
 * `JSON.stringify(value, null, 2)` for outputs too large to hold as one string (the JSON plan of
 * 3,000 hosts, `inventory --list` with every default): the caller walks its value with `object`
 * and `list`, hands the rest to `plain` (or `push`es text it wrote itself), and the text goes to
 * `write` in pieces of about 1 MiB, each ending at a line break. Pure apart from `write`; must
 * not import anything.
 */

/** `JSON.stringify(v, null, 2)` at indentation `pad`. */
export function indentedJson(v: unknown, pad: string): string {
  return JSON.stringify(v, null, 2).replaceAll("\n", `\n${pad}`);
}

export class JsonPieces {
  // pieces joined once per write: appending to one string would build a rope to flatten
  #pieces: string[] = [];
  #size = 0;

  constructor(private readonly write: (text: string) => void) {}

  push(text: string): void {
    this.#pieces.push(text);
    this.#size += text.length;
  }

  /** `v` as JSON.stringify writes it at indentation `pad`. */
  plain(v: unknown, pad: string): void {
    this.push(indentedJson(v, pad));
  }

  /**
   * `items` as a JSON list at indentation `pad`, each written by `each` (after its indentation);
   * `count` says how many there are when `items` is not an array (an iterator, read once).
   */
  list(items: Iterable<unknown>, pad: string, each: (item: unknown, pad: string) => void, count = (items as readonly unknown[]).length): void {
    if (count === 0) return this.push("[]");
    this.line("[\n");
    let i = 0;
    for (const item of items) {
      this.push(`${pad}  `);
      each(item, `${pad}  `);
      this.line(++i < count ? ",\n" : "\n");
    }
    this.push(`${pad}]`);
  }

  /** `o` as a JSON object at indentation `pad` (keys JSON.stringify would drop left out), each value written by `value`. */
  object(o: Readonly<Record<string, unknown>>, pad: string, value: (k: string, v: unknown, pad: string) => void): void {
    const keys = Object.keys(o).filter((k) => o[k] !== undefined && typeof o[k] !== "function");
    if (keys.length === 0) return this.push("{}");
    this.line("{\n");
    keys.forEach((k, i) => {
      this.push(`${pad}  ${JSON.stringify(k)}: `);
      value(k, o[k], `${pad}  `);
      this.line(i < keys.length - 1 ? ",\n" : "\n");
    });
    this.push(`${pad}}`);
  }

  /** Writes what is left. */
  end(): void {
    this.write(this.#pieces.join(""));
    this.#pieces = [];
    this.#size = 0;
  }

  /**
   * A piece that ends a line, after which a write may happen. Only these literals: asking every
   * piece (`endsWith`) would flatten each change's text, a rope, once more.
   */
  private line(text: "[\n" | "{\n" | ",\n" | "\n"): void {
    this.push(text);
    if (this.#size > 1 << 20) this.end();
  }
}
