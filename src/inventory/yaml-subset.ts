/**
 * A fast reader for the plain YAML most inventories are written in, tried before js-yaml: block
 * maps and lists by indentation, one-line flow maps and lists (`{ pg_seq: 1, roles: [a, b] }`),
 * plain and one-line quoted scalars, comments. Anything else — anchors, aliases, tags, merge keys,
 * block scalars, scalars or flow collections over several lines, escapes in double quotes, tabs,
 * CR, duplicate keys, any irregular indentation, document markers after the opening `---`, deep
 * nesting, js-yaml's own quirks — returns {@link NOT_IN_SUBSET} and js-yaml reads
 * the file (and words any error). Where it answers, the answer is js-yaml's: plain scalars are
 * typed by the same resolvers (passed in), keys are stringified as js-yaml does, and
 * test/unit/inventory/yaml-subset.test.ts compares the two on mutated documents.
 *
 * Why: js-yaml takes ~150–250 ms of a 3,000-host validate (issue #2 asks < 0.5 s for all of it);
 * no faster YAML library is well kept (docs/architecture.md, decision 26). Pure; imports nothing.
 */

export const NOT_IN_SUBSET: unique symbol = Symbol("not in the YAML subset");

/** A plain scalar's value: js-yaml's implicit types (null, bool, int, float…), else the string. */
export type ResolvePlain = (plain: string) => unknown;

const LF = 10, SPACE = 32, HASH = 35, QUOTE = 39, DQUOTE = 34, COLON = 58, DASH = 45, COMMA = 44;
const LBRACKET = 91, RBRACKET = 93, LBRACE = 123, RBRACE = 125;

/** What js-yaml refuses anywhere in a document (its own test, restated). */
// eslint-disable-next-line no-control-regex -- these control characters are what it looks for
const NON_PRINTABLE = /[\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x84\x86-\x9F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?:[^\uD800-\uDBFF]|^)[\uDC00-\uDFFF]/;

/**
 * Runs of characters that cannot end a plain scalar, skipped by the regex engine's native code: a
 * cold process spends most of its parse in the first iterations of character loops otherwise.
 */
const BLOCK_PLAIN = /[^:#\n]*/y;
const FLOW_PLAIN = /[^,[\]{}:#\n]*/y;

/** Where the run of `re` (sticky, never failing) that starts at `from` ends. */
function skip(re: RegExp, t: string, from: number): number {
  re.lastIndex = from;
  re.test(t);
  return re.lastIndex;
}

/** Thrown to leave the subset; caught once, in {@link parseYamlSubset}. */
const OUT = new Error("not in the YAML subset");

/** The value of `text`, or {@link NOT_IN_SUBSET} when js-yaml must read it. */
export function parseYamlSubset(text: string, resolve: ResolvePlain): unknown {
  if (text.includes("\t") || text.includes("\r") || text.charCodeAt(0) === 0xfeff || NON_PRINTABLE.test(text)) return NOT_IN_SUBSET;
  try {
    return new Reader(text, resolve).document();
  } catch (e) {
    if (e === OUT) return NOT_IN_SUBSET;
    throw e;
  }
}

function out(): never {
  throw OUT;
}

const isBreakOrEnd = (c: number): boolean => c === LF || Number.isNaN(c);
const isBlankOrEnd = (c: number): boolean => c === SPACE || c === LF || Number.isNaN(c);
const isFlowIndicator = (c: number): boolean => c === COMMA || c === LBRACKET || c === RBRACKET || c === LBRACE || c === RBRACE;

/**
 * Characters that cannot start a plain scalar in the subset: YAML's indicators (`&*!|>'"%@` and
 * the backquote, flow indicators, `#`), and `?`/`:`, which only odd documents start a scalar with.
 */
function cannotStartPlain(c: number): boolean {
  switch (c) {
    case 38: case 42: case 33: case 124: case 62: case QUOTE: case DQUOTE: case 37: case 64: case 96:
    case HASH: case 63: case COLON: case COMMA: case LBRACKET: case RBRACKET: case LBRACE: case RBRACE:
      return true;
    default:
      return false;
  }
}

/**
 * Collections nested deeper than this are left to js-yaml, which refuses more than 100 levels
 * with a positioned error (this reader's recursion would overflow the stack first).
 */
const MAX_DEPTH = 64;

class Reader {
  private p = 0;
  /** Collections open around the one being read. */
  private depth = 0;
  /** Past the optional `---` the document starts with: a line starting `---` or `...` is a marker. */
  private inBody = false;
  /** Indentation of the content line `p` is on, after {@link nextContent}; -1 at the end. */
  private indent = -1;

  constructor(
    private readonly t: string,
    private readonly resolve: ResolvePlain,
  ) {}

  document(): unknown {
    if (this.nextContent() < 0) out();
    const t = this.t;
    if (this.indent === 0 && t.startsWith("...", this.p)) out(); // a document that ends first
    const opening = this.indent === 0 && t.startsWith("---", this.p);
    this.inBody = true;
    if (opening) {
      // js-yaml takes `---` as the document's start even with more on its line (`---x: 1` is {x: 1})
      if (!isBlankOrEnd(t.charCodeAt(this.p + 3))) out();
      this.p += 3;
      this.endOfLine();
      if (this.nextContent() < 0) out();
    }
    const value = this.blockNode();
    if (this.indent >= 0) out(); // a line left of where the document started
    return value;
  }

  /** From the start of a line (or the end), past blank and comment lines to the next content. */
  private nextContent(): number {
    const t = this.t, n = t.length;
    let p = this.p;
    for (;;) {
      const start = p;
      while (t.charCodeAt(p) === SPACE) p++;
      if (p >= n) {
        this.p = n;
        return (this.indent = -1);
      }
      const c = t.charCodeAt(p);
      if (c === LF) p++;
      else if (c === HASH) {
        const e = t.indexOf("\n", p);
        p = e < 0 ? n : e + 1;
      } else {
        // a document marker in the body (another document, or its end) is js-yaml's to read
        if (p === start && this.inBody && (t.startsWith("---", p) || t.startsWith("...", p))) out();
        this.p = p;
        return (this.indent = p - start);
      }
    }
  }

  /**
   * After a value: nothing but blanks and a comment up to the end of the line, which is consumed.
   * A `#` here starts a comment even right after a quote or bracket (`'x'#y`), as in js-yaml; a
   * plain scalar has already taken any `#` not after a blank.
   */
  private endOfLine(): void {
    const t = this.t;
    let p = this.p;
    while (t.charCodeAt(p) === SPACE) p++;
    const c = t.charCodeAt(p);
    if (c === HASH) {
      const e = t.indexOf("\n", p);
      p = e < 0 ? t.length : e;
    } else if (!isBreakOrEnd(c)) out();
    this.p = p < t.length ? p + 1 : p;
  }

  /** A block node whose first line is the current one, at column {@link indent}. */
  private blockNode(): unknown {
    // else a map: a scalar or flow collection on a line of its own (rare) is no key, and leaves
    return this.atListItem() ? this.blockList(this.indent) : this.blockMap(this.indent);
  }

  private blockMap(indent: number): Record<string, unknown> {
    this.enter();
    const t = this.t;
    const map: Record<string, unknown> = {};
    for (;;) {
      const key = this.key();
      if (key === null || key === "__proto__" || Object.hasOwn(map, key)) out();
      let value: unknown = null;
      this.skipSpaces();
      const c = t.charCodeAt(this.p);
      if (isBreakOrEnd(c) || c === HASH) {
        this.endOfLine();
        const next = this.nextContent();
        if (next > indent) value = this.blockNode();
        else if (next === indent && this.atListItem()) value = this.blockList(indent);
      } else {
        value = this.inlineValue();
        this.nextContent();
      }
      map[key] = value;
      if (this.indent < indent) return this.leave(map);
      // deeper: a scalar continued on the next line, or a stray line; `-`: a list not a value
      if (this.indent > indent || this.atListItem()) out();
    }
  }

  private blockList(indent: number): unknown[] {
    this.enter();
    const t = this.t;
    const list: unknown[] = [];
    for (;;) {
      const dash = this.p;
      this.p++;
      this.skipSpaces();
      const c = t.charCodeAt(this.p);
      let value: unknown = null;
      if (isBreakOrEnd(c) || c === HASH) {
        this.endOfLine();
        if (this.nextContent() > indent) value = this.blockNode();
        // js-yaml puts the next item of an outer list into a list that ends with an empty item
        // (`-\n  -\n- x` reads as [[null, "x"]]): such documents are left to it
        else if (this.indent < indent) out();
      } else if (this.atListItem()) {
        out(); // `- - x`
      } else {
        const start = this.p;
        if (this.key() !== null) {
          this.p = start;
          value = this.blockMap(indent + (start - dash));
        } else {
          this.p = start;
          value = this.inlineValue();
          this.nextContent();
        }
      }
      list.push(value);
      if (this.indent > indent) out();
      if (this.indent < indent || !this.atListItem()) return this.leave(list);
    }
  }

  private enter(): void {
    if (++this.depth > MAX_DEPTH) out();
  }

  private leave<T>(collection: T): T {
    this.depth--;
    return collection;
  }

  private atListItem(): boolean {
    return this.t.charCodeAt(this.p) === DASH && isBlankOrEnd(this.t.charCodeAt(this.p + 1));
  }

  /**
   * A map key and its `:` (followed by a blank or the end of the line), as js-yaml names it;
   * else null, with the position unspecified.
   */
  private key(): string | null {
    const t = this.t;
    const c = t.charCodeAt(this.p);
    if (c === QUOTE || c === DQUOTE) {
      const k = this.quoted();
      if (t.charCodeAt(this.p) !== COLON || !isBlankOrEnd(t.charCodeAt(this.p + 1))) return null;
      this.p++;
      return k;
    }
    // (a list item's `- ` is never read as a key: callers look for it first)
    if (cannotStartPlain(c)) return null;
    const start = this.p;
    const q = this.blockPlainEnd(start);
    if (t.charCodeAt(q) !== COLON) return null;
    const raw = t.slice(start, q).trimEnd();
    if (raw === "<<") out(); // a merge key
    this.p = q + 1;
    return String(this.resolve(raw));
  }

  /** Where a plain scalar from `q` stops on its line: the line's end, a ` #` comment, or a `:` and a blank. */
  private blockPlainEnd(q: number): number {
    const t = this.t;
    for (;; q++) {
      q = skip(BLOCK_PLAIN, t, q);
      const ch = t.charCodeAt(q);
      if (isBreakOrEnd(ch) || (ch === HASH && t.charCodeAt(q - 1) === SPACE) || (ch === COLON && isBlankOrEnd(t.charCodeAt(q + 1)))) return q;
    }
  }

  /** A value after `key: ` or `- ` on the same line, through the end of that line. */
  private inlineValue(): unknown {
    const t = this.t;
    const c = t.charCodeAt(this.p);
    let value: unknown;
    if (c === LBRACE || c === LBRACKET) value = this.flowCollection();
    else if (c === QUOTE || c === DQUOTE) value = this.quoted();
    else {
      if (cannotStartPlain(c) || c === DASH && isBlankOrEnd(t.charCodeAt(this.p + 1))) out();
      const start = this.p;
      const q = this.blockPlainEnd(start);
      if (t.charCodeAt(q) === COLON) out(); // `a: b: c`
      this.p = q;
      value = this.resolve(t.slice(start, q).trimEnd());
    }
    this.endOfLine();
    return value;
  }

  private flowCollection(): unknown {
    return this.t.charCodeAt(this.p) === LBRACE ? this.flowMap() : this.flowList();
  }

  private flowMap(): Record<string, unknown> {
    const t = this.t;
    const map: Record<string, unknown> = {};
    if (this.flowOpen(RBRACE)) return this.leave(map);
    for (;;) {
      const c = t.charCodeAt(this.p);
      let key: string;
      if (c === QUOTE || c === DQUOTE) key = this.quoted();
      else {
        const raw = this.flowPlain();
        if (raw === "<<") out();
        key = String(this.resolve(raw));
      }
      if (key === "__proto__" || Object.hasOwn(map, key)) out();
      this.skipSpaces();
      if (t.charCodeAt(this.p) !== COLON) out(); // `{ a }`, `{ a b }`…
      this.p++;
      this.skipSpaces();
      const v = t.charCodeAt(this.p);
      map[key] = v === COMMA || v === RBRACE ? null : this.flowValue();
      if (this.flowNext(RBRACE)) return this.leave(map);
    }
  }

  private flowList(): unknown[] {
    const list: unknown[] = [];
    if (this.flowOpen(RBRACKET)) return this.leave(list);
    for (;;) {
      // `[a: 1]`, a one-pair map, stops at the `:`: flowNext leaves it to js-yaml
      list.push(this.flowValue());
      if (this.flowNext(RBRACKET)) return this.leave(list);
    }
  }

  /** Past the opening bracket and blanks: true when the collection closes right away (`{}`, `[]`). */
  private flowOpen(close: number): boolean {
    this.enter();
    this.p++;
    this.skipSpaces();
    if (this.t.charCodeAt(this.p) !== close) return false;
    this.p++;
    return true;
  }

  /** After a flow entry: `,` and another entry (false), or the closing bracket (true). */
  private flowNext(close: number): boolean {
    const t = this.t;
    this.skipSpaces();
    const c = t.charCodeAt(this.p);
    this.p++;
    if (c === close) return true;
    if (c !== COMMA) out();
    // a trailing or doubled comma is left to js-yaml by the entry reader: no scalar starts with `,]}`
    this.skipSpaces();
    return false;
  }

  private flowValue(): unknown {
    const c = this.t.charCodeAt(this.p);
    if (c === LBRACE || c === LBRACKET) return this.flowCollection();
    if (c === QUOTE || c === DQUOTE) return this.quoted();
    const value = this.resolve(this.flowPlain());
    this.skipSpaces();
    return value;
  }

  /** A plain scalar inside a flow collection, on this line. */
  private flowPlain(): string {
    const t = this.t;
    const start = this.p;
    const c = t.charCodeAt(start);
    if (cannotStartPlain(c) || (c === DASH && (isBlankOrEnd(t.charCodeAt(start + 1)) || isFlowIndicator(t.charCodeAt(start + 1))))) out();
    let q = start;
    for (;; q++) {
      q = skip(FLOW_PLAIN, t, q);
      const ch = t.charCodeAt(q);
      // at a line end the collection goes on over several lines: the caller leaves it to js-yaml
      if (isBreakOrEnd(ch) || isFlowIndicator(ch) || (ch === HASH && t.charCodeAt(q - 1) === SPACE)) break;
      if (ch === COLON) {
        const d = t.charCodeAt(q + 1);
        if (isBlankOrEnd(d) || isFlowIndicator(d)) break;
      }
    }
    this.p = q;
    return t.slice(start, q).trimEnd();
  }

  /** A quoted scalar on one line: `''` is a quote in single quotes; a line break or any `\` escape is left to js-yaml. */
  private quoted(): string {
    const t = this.t;
    const q = t.charCodeAt(this.p);
    let from = this.p + 1;
    let value = "";
    for (;;) {
      const close = t.indexOf(q === QUOTE ? "'" : '"', from);
      if (close < 0) out();
      // only the scalar's own characters are looked at: a line of many scalars is read in linear time
      const part = t.slice(from, close);
      if (part.includes("\n") || (q === DQUOTE && part.includes("\\"))) out();
      if (q === QUOTE && t.charCodeAt(close + 1) === QUOTE) {
        value += part + "'";
        from = close + 2;
        continue;
      }
      this.p = close + 1;
      return value + part;
    }
  }

  private skipSpaces(): void {
    while (this.t.charCodeAt(this.p) === SPACE) this.p++;
  }
}
