/**
 * The YAML subset reader, in AssemblyScript: compiled to WebAssembly by scripts/build.mjs
 * (dist/yaml-subset.wasm) and driven by yaml-subset.ts, which says what the subset is and why.
 * It reads the document's UTF-8 bytes and writes the same document as JSON text, which the
 * caller hands to JSON.parse. Anything outside the subset traps (`unreachable`): the caller then
 * leaves the document to js-yaml. Plain scalars are typed here where the answer is certain (null,
 * booleans, decimal integers, strings); other numbers (octal, hex, floats, sexagesimal…) are
 * written as they stand and listed, for the caller to type with js-yaml's own resolvers.
 *
 * Why WebAssembly: the same reader in JavaScript spent 100–200 ms on a 1 MiB inventory in a
 * fresh process, most of it running code V8 had not compiled yet; compiled ahead it takes 20–35
 * ms, and JSON.parse about 20 more (docs/architecture.md, decision 26).
 * Not type-checked by tsc (AssemblyScript's types: i32, usize, load<u8>…): asc checks it.
 */

/** What reading past either end gives: the caller puts a NUL byte there, and NUL is never in the text. */
const END: i32 = 0;
const LF: i32 = 10;
const SPACE: i32 = 32;
const BANG: i32 = 33;
const DQUOTE: i32 = 34;
const HASH: i32 = 35;
const PERCENT: i32 = 37;
const AMPERSAND: i32 = 38;
const QUOTE: i32 = 39;
const STAR: i32 = 42;
const PLUS: i32 = 43;
const COMMA: i32 = 44;
const DASH: i32 = 45;
const DOT: i32 = 46;
const COLON: i32 = 58;
const LESS: i32 = 60;
const GREATER: i32 = 62;
const QUESTION: i32 = 63;
const AT: i32 = 64;
const LBRACKET: i32 = 91;
const BACKSLASH: i32 = 92;
const RBRACKET: i32 = 93;
const BACKQUOTE: i32 = 96;
const LBRACE: i32 = 123;
const PIPE: i32 = 124;
const RBRACE: i32 = 125;
const TILDE: i32 = 126;

/** Collections nested deeper are left to js-yaml (which refuses more than 100 levels, with a position). */
const MAX_DEPTH: i32 = 64;

// what a plain scalar is
const STRING: i32 = 0;
const NULL: i32 = 1;
const TRUE: i32 = 2;
const FALSE: i32 = 3;
const INTEGER: i32 = 4;
/** A number of another form (or maybe one): typed by the caller. */
const OTHER: i32 = 5;

let src: usize = 0;
let n: i32 = 0;
let p: i32 = 0;
let out: usize = 0;
let outEnd: usize = 0;
let depth: i32 = 0;
/** Past the optional `---` the document starts with: a line starting `---` or `...` is a marker. */
let inBody: bool = false;
/** Indentation of the content line `p` is on, after nextContent; -1 at the end. */
let indent: i32 = -1;
/** Open-addressing set of (map, key) for duplicate keys: 16-byte entries (hash, map, key at, key length). */
let table: usize = 0;
let tableMask: u32 = 0;
let tableFree: u32 = 0;
let maps: u32 = 0;
/** Output ranges (start, end) of the scalars the caller types. */
let side: usize = 0;
let sideEnd: usize = 0;
let sideCount: i32 = 0;

/** Where the caller may put its buffers: past this module's own data. */
export function heapBase(): usize {
  return __heap_base;
}

/** How many `:` there are in the `length` bytes at `input`: keys have one each. */
export function colons(input: usize, length: i32): i32 {
  let count = 0;
  for (let i = 0; i < length; i++) if (load<u8>(input + <usize>i) == COLON) count++;
  return count;
}

/**
 * Reads `length` bytes at `input` (with a NUL byte just before and just after them), writes JSON
 * from `output` (at most up to `outputEnd`) and returns its length. `entries` (a power of two, more than twice the keys the document can have)
 * 16-byte entries at `keys` are the duplicate-key set; the scalars the caller must type are
 * listed from `scalars` (up to `scalarsEnd`), how many: {@link scalarCount}. Traps when the
 * document is not in the subset (or a buffer is too small).
 */
export function read(input: usize, length: i32, output: usize, outputEnd: usize, keys: usize, entries: u32, scalars: usize, scalarsEnd: usize): i32 {
  src = input;
  n = length;
  p = 0;
  out = output;
  outEnd = outputEnd;
  depth = 0;
  inBody = false;
  indent = -1;
  table = keys;
  tableMask = entries - 1;
  tableFree = entries >> 1;
  maps = 0;
  side = scalars;
  sideEnd = scalarsEnd;
  sideCount = 0;
  memory.fill(table, 0, (<usize>entries) << 4);
  document();
  return <i32>(out - output);
}

export function scalarCount(): i32 {
  return sideCount;
}

function fail(): void {
  unreachable();
}

/** The byte at `i`, from -1 (END) to `n` (END): no read goes further (each looks one byte past a byte it has seen). */
@inline function ch(i: i32): i32 {
  return <i32>load<u8>(src + <usize>i);
}

@inline function isBreakOrEnd(c: i32): bool {
  return c == LF || c == END;
}

@inline function isBlankOrEnd(c: i32): bool {
  return c == SPACE || c == LF || c == END;
}

@inline function isFlowIndicator(c: i32): bool {
  return c == COMMA || c == LBRACKET || c == RBRACKET || c == LBRACE || c == RBRACE;
}

/** YAML's indicators, and `?`/`:`, which only odd documents start a scalar with. */
function cannotStartPlain(c: i32): bool {
  return c == AMPERSAND || c == STAR || c == BANG || c == PIPE || c == GREATER || c == QUOTE || c == DQUOTE ||
    c == PERCENT || c == AT || c == BACKQUOTE || c == HASH || c == QUESTION || c == COLON || isFlowIndicator(c);
}

function three(i: i32, c: i32): bool {
  return ch(i) == c && ch(i + 1) == c && ch(i + 2) == c;
}

@inline function emit(c: i32): void {
  if (out >= outEnd) fail();
  store<u8>(out, <u8>c);
  out++;
}

function emitWord(a: i32, b: i32, c: i32, d: i32, e: i32): void {
  emit(a);
  emit(b);
  emit(c);
  emit(d);
  if (e != 0) emit(e);
}

function emitNull(): void {
  emitWord(110, 117, 108, 108, 0);
}

function document(): void {
  if (nextContent() < 0) fail();
  if (indent == 0 && three(p, DOT)) fail(); // a document that ends first
  const opening = indent == 0 && three(p, DASH);
  inBody = true;
  if (opening) {
    // js-yaml takes `---` as the document's start even with more on its line
    if (!isBlankOrEnd(ch(p + 3))) fail();
    p += 3;
    endOfLine();
    if (nextContent() < 0) fail();
  }
  blockNode();
  if (indent >= 0) fail(); // a line left of where the document started
}

function lineEnd(q: i32): i32 {
  while (q < n && ch(q) != LF) q++;
  return q;
}

/** From the start of a line (or the end), past blank and comment lines to the next content. */
function nextContent(): i32 {
  let q = p;
  let start = q;
  for (;;) {
    start = q;
    while (ch(q) == SPACE) q++;
    if (q >= n) {
      p = n;
      indent = -1;
      return -1;
    }
    const c = ch(q);
    if (c == LF) q++;
    else if (c == HASH) {
      q = lineEnd(q);
      q = q < n ? q + 1 : n;
    } else break;
  }
  // a document marker in the body is js-yaml's to read
  if (q == start && inBody && (three(q, DASH) || three(q, DOT))) fail();
  p = q;
  indent = q - start;
  return indent;
}

/** After a value: nothing but blanks and a comment up to the end of the line, which is consumed. */
function endOfLine(): void {
  let q = p;
  while (ch(q) == SPACE) q++;
  const c = ch(q);
  if (c == HASH) q = lineEnd(q);
  else if (!isBreakOrEnd(c)) fail();
  p = q < n ? q + 1 : q;
}

function skipSpaces(): void {
  while (ch(p) == SPACE) p++;
}

function atListItem(): bool {
  return ch(p) == DASH && isBlankOrEnd(ch(p + 1));
}

function enter(): void {
  if (++depth > MAX_DEPTH) fail();
}

/** A block node whose first line is the current one, at column `indent`: a list, else a map. */
function blockNode(): void {
  if (atListItem()) blockList(indent);
  else blockMap(indent);
}

function blockMap(at: i32): void {
  enter();
  const id = ++maps;
  emit(LBRACE);
  for (let first = true; ; first = false) {
    if (!first) emit(COMMA);
    const keyStart = out;
    if (!key()) fail();
    checkKey(id, keyStart);
    emit(COLON);
    skipSpaces();
    const c = ch(p);
    if (isBreakOrEnd(c) || c == HASH) {
      endOfLine();
      const next = nextContent();
      if (next > at) blockNode();
      else if (next == at && atListItem()) blockList(at);
      else emitNull();
    } else {
      inlineValue();
      nextContent();
    }
    if (indent < at) break;
    // deeper: a scalar continued on the next line, or a stray line; `-`: a list not a value
    if (indent > at || atListItem()) fail();
  }
  emit(RBRACE);
  depth--;
}

function blockList(at: i32): void {
  enter();
  emit(LBRACKET);
  for (let first = true; ; first = false) {
    if (!first) emit(COMMA);
    const dash = p;
    p++;
    skipSpaces();
    const c = ch(p);
    if (isBreakOrEnd(c) || c == HASH) {
      endOfLine();
      if (nextContent() > at) blockNode();
      // js-yaml puts the next item of an outer list into a list that ends with an empty item
      else if (indent < at) fail();
      else emitNull();
    } else if (atListItem()) {
      fail(); // `- - x`
    } else {
      const start = p;
      const mark = out;
      const isMap = key();
      p = start;
      out = mark;
      if (isMap) blockMap(at + (start - dash));
      else {
        inlineValue();
        nextContent();
      }
    }
    if (indent > at) fail();
    if (indent < at || !atListItem()) break;
  }
  emit(RBRACKET);
  depth--;
}

/** A map key and its `:` (followed by a blank or the end of the line), written as a JSON string; false if there is none. */
function key(): bool {
  const c = ch(p);
  if (c == QUOTE || c == DQUOTE) {
    quoted();
    if (ch(p) != COLON || !isBlankOrEnd(ch(p + 1))) return false;
    p++;
    return true;
  }
  // (a list item's `- ` is never read as a key: callers look for it first)
  if (cannotStartPlain(c)) return false;
  const start = p;
  const q = blockPlainEnd(start);
  if (ch(q) != COLON) return false;
  p = q + 1;
  plainKey(start, trimSpaces(start, q));
  return true;
}

/** Where a plain scalar from `q` stops on its line: the line's end, a ` #` comment, or a `:` and a blank. */
function blockPlainEnd(q: i32): i32 {
  let c = ch(q);
  for (;;) {
    while (c != COLON && c != HASH && c != LF && c != END) c = ch(++q);
    if (isBreakOrEnd(c) || (c == HASH && ch(q - 1) == SPACE) || (c == COLON && isBlankOrEnd(ch(q + 1)))) break;
    c = ch(++q);
  }
  return q;
}

function trimSpaces(start: i32, end: i32): i32 {
  while (end > start && ch(end - 1) == SPACE) end--;
  return end;
}

/** A flow collection or a quoted scalar, if one starts here (block and flow values alike); false before a plain scalar. */
function collectionOrQuoted(): bool {
  const c = ch(p);
  if (c == LBRACE) flowMap();
  else if (c == LBRACKET) flowList();
  else if (c == QUOTE || c == DQUOTE) quoted();
  else return false;
  return true;
}

/** A value after `key: ` or `- ` on the same line, through the end of that line. */
function inlineValue(): void {
  if (!collectionOrQuoted()) {
    const c = ch(p);
    if (cannotStartPlain(c) || (c == DASH && isBlankOrEnd(ch(p + 1)))) fail();
    const start = p;
    const q = blockPlainEnd(start);
    if (ch(q) == COLON) fail(); // `a: b: c`
    p = q;
    plainValue(start, trimSpaces(start, q));
  }
  endOfLine();
}

function flowMap(): void {
  const id = ++maps;
  emit(LBRACE);
  if (!flowOpen(RBRACE)) {
    for (let first = true; ; first = false) {
      if (!first) emit(COMMA);
      const keyStart = out;
      const c = ch(p);
      if (c == QUOTE || c == DQUOTE) quoted();
      else {
        const start = p;
        plainKey(start, flowPlain());
      }
      checkKey(id, keyStart);
      skipSpaces();
      if (ch(p) != COLON) fail(); // `{ a }`, `{ a b }`…
      p++;
      skipSpaces();
      emit(COLON);
      const v = ch(p);
      if (v == COMMA || v == RBRACE) emitNull();
      else flowValue();
      if (flowNext(RBRACE)) break;
    }
  }
  emit(RBRACE);
  depth--;
}

function flowList(): void {
  emit(LBRACKET);
  if (!flowOpen(RBRACKET)) {
    for (let first = true; ; first = false) {
      if (!first) emit(COMMA);
      // `[a: 1]`, a one-pair map, stops at the `:`: flowNext leaves it to js-yaml
      flowValue();
      if (flowNext(RBRACKET)) break;
    }
  }
  emit(RBRACKET);
  depth--;
}

/** Past the opening bracket and blanks: true when the collection closes right away (`{}`, `[]`). */
function flowOpen(close: i32): bool {
  enter();
  p++;
  skipSpaces();
  if (ch(p) != close) return false;
  p++;
  return true;
}

/** After a flow entry: `,` and another entry (false), or the closing bracket (true). */
function flowNext(close: i32): bool {
  skipSpaces();
  const c = ch(p);
  p++;
  if (c == close) return true;
  if (c != COMMA) fail();
  // a trailing or doubled comma is left to js-yaml by the entry reader: no scalar starts with `,]}`
  skipSpaces();
  return false;
}

function flowValue(): void {
  if (!collectionOrQuoted()) {
    const start = p;
    plainValue(start, flowPlain());
    skipSpaces();
  }
}

/** A plain scalar inside a flow collection, on this line: moves past it, returns where it ends without trailing blanks. */
function flowPlain(): i32 {
  const start = p;
  const c = ch(start);
  if (cannotStartPlain(c) || (c == DASH && (isBlankOrEnd(ch(start + 1)) || isFlowIndicator(ch(start + 1))))) fail();
  let q = start;
  let x = c;
  for (;;) {
    while (x != END && x != LF && x != COLON && x != HASH && !isFlowIndicator(x)) x = ch(++q);
    // at a line end the collection goes on over several lines: the caller leaves it to js-yaml
    if (isBreakOrEnd(x) || isFlowIndicator(x) || (x == HASH && ch(q - 1) == SPACE)) break;
    if (x == COLON) {
      const d = ch(q + 1);
      if (isBlankOrEnd(d) || isFlowIndicator(d)) break;
    }
    x = ch(++q);
  }
  p = q;
  return trimSpaces(start, q);
}

/** A quoted scalar on one line, as a JSON string: `''` is a quote in single quotes; a line break or any `\` escape is left to js-yaml. */
function quoted(): void {
  const q = ch(p);
  let i = p + 1;
  emit(DQUOTE);
  for (;;) {
    const c = ch(i);
    if (c == END || c == LF) fail();
    if (c == q) {
      if (q == QUOTE && ch(i + 1) == QUOTE) {
        emit(QUOTE);
        i += 2;
        continue;
      }
      break;
    }
    if (c == BACKSLASH) {
      if (q == DQUOTE) fail();
      emit(BACKSLASH);
    } else if (c == DQUOTE) emit(BACKSLASH);
    emit(c);
    i++;
  }
  emit(DQUOTE);
  p = i + 1;
}

/** The bytes from `start` to `end` as a JSON string (no control characters reach here: the caller refuses them). */
function emitString(start: i32, end: i32): void {
  emit(DQUOTE);
  for (let i = start; i < end; i++) {
    const c = ch(i);
    if (c == DQUOTE || c == BACKSLASH) emit(BACKSLASH);
    emit(c);
  }
  emit(DQUOTE);
}

function copy(start: i32, end: i32): void {
  for (let i = start; i < end; i++) emit(ch(i));
}

/** A null, boolean or integer as JSON; false for a number of another form (nothing written). */
function emitCertain(kind: i32, start: i32, end: i32): bool {
  if (kind == NULL) emitNull();
  else if (kind == TRUE) emitWord(116, 114, 117, 101, 0);
  else if (kind == FALSE) emitWord(102, 97, 108, 115, 101);
  else if (kind == INTEGER) copy(start, end);
  else return false;
  return true;
}

/** A plain scalar as a value. */
function plainValue(start: i32, end: i32): void {
  const kind = classify(start, end);
  if (kind == STRING) emitString(start, end);
  else if (!emitCertain(kind, start, end)) {
    const from = out;
    copy(start, end);
    if (side + 8 > sideEnd) fail();
    store<u32>(side, <u32>from);
    store<u32>(side + 4, <u32>out);
    side += 8;
    sideCount++;
  }
}

/** A plain scalar as a key: the string js-yaml makes of its value. A merge key (`<<`) is js-yaml's. */
function plainKey(start: i32, end: i32): void {
  if (end - start == 2 && ch(start) == LESS && ch(start + 1) == LESS) fail();
  const kind = classify(start, end);
  if (kind == STRING) {
    emitString(start, end);
    return;
  }
  emit(DQUOTE);
  // a key such as `0x1f:` or `1.5:`: rare, and js-yaml's to name
  if (!emitCertain(kind, start, end)) fail();
  emit(DQUOTE);
}

@inline function isDigit(c: i32): bool {
  return c >= 48 && c <= 57;
}

@inline function lower(c: i32): i32 {
  return c >= 65 && c <= 90 ? c + 32 : c;
}

/** null, bool, a decimal integer that is the same in JSON, maybe another number (OTHER), or a string. */
function classify(start: i32, end: i32): i32 {
  const len = end - start;
  if (len == 0) return NULL;
  const c = ch(start);
  if (len == 1 && c == TILDE) return NULL;
  if (len <= 5 && ((c >= 65 && c <= 90) || (c >= 97 && c <= 122))) return word(start, len);
  if (isDigit(c) || c == DASH || c == PLUS || c == DOT) return number(start, end);
  return STRING;
}

/**
 * The YAML 1.1 words of the schema: null, true/false, yes/no, on/off, each in lower case, with a
 * capital, or in capitals (yaml.ts: null11, bool11).
 */
function word(start: i32, len: i32): i32 {
  let uppers = 0;
  for (let i = 0; i < len; i++) {
    const c = ch(start + i);
    if (c >= 65 && c <= 90) uppers++;
    else if (c < 97 || c > 122) return STRING;
  }
  const capitalised = uppers == 1 && ch(start) <= 90;
  if (!(uppers == 0 || uppers == len || capitalised)) return STRING;
  const a = lower(ch(start));
  const b = lower(ch(start + 1));
  const c = len > 2 ? lower(ch(start + 2)) : 0;
  const d = len > 3 ? lower(ch(start + 3)) : 0;
  const e = len > 4 ? lower(ch(start + 4)) : 0;
  if (len == 4 && a == 110 && b == 117 && c == 108 && d == 108) return NULL; // null
  if (len == 4 && a == 116 && b == 114 && c == 117 && d == 101) return TRUE; // true
  if (len == 5 && a == 102 && b == 97 && c == 108 && d == 115 && e == 101) return FALSE; // false
  if (len == 3 && a == 121 && b == 101 && c == 115) return TRUE; // yes
  if (len == 2 && a == 110 && b == 111) return FALSE; // no
  if (len == 2 && a == 111 && b == 110) return TRUE; // on
  if (len == 3 && a == 111 && b == 102 && c == 102) return FALSE; // off
  return STRING;
}

/**
 * A scalar starting with a digit, sign or dot: a decimal integer JSON writes alike (`-?(0|[1-9]\d{0,14})`,
 * but not `-0`, whose key is "0"), else OTHER when some number form could take it, else a string. No
 * number form of the schema (yaml.ts: int11, float11) has two dots or a character outside
 * `0-9 a-f A-F x i I n N _ + - . :` (hex digits, `0x`, `.inf`, `.nan`, exponents, sexagesimal).
 */
function number(start: i32, end: i32): i32 {
  let i = start;
  if (ch(i) == DASH) i++;
  const digits = end - i;
  if (digits >= 1 && digits <= 15 && isDigit(ch(i)) && (ch(i) != 48 || (digits == 1 && i == start))) {
    let j = i;
    while (j < end && isDigit(ch(j))) j++;
    if (j == end) return INTEGER;
  }
  let dots = 0;
  for (let j = start; j < end; j++) {
    const c = ch(j);
    if (c == DOT) dots++;
    else if (!(isDigit(c) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70) || c == 120 || c == 105 || c == 73 || c == 110 || c == 78 || c == 95 || c == PLUS || c == DASH || c == COLON)) return STRING;
  }
  return dots >= 2 ? STRING : OTHER;
}

/** The key just written from `keyStart` (a JSON string): not `__proto__`, not already in map `id`. */
function checkKey(id: u32, keyStart: usize): void {
  const k = keyStart + 1;
  const len = <u32>(out - 1 - k);
  if (len == 9 && isProto(k)) fail();
  let h: u32 = 2166136261 ^ id;
  for (let i: u32 = 0; i < len; i++) h = (h ^ <u32>load<u8>(k + i)) * 16777619;
  if (h == 0) h = 1;
  if (tableFree == 0) fail();
  for (let slot = h & tableMask; ; slot = (slot + 1) & tableMask) {
    const e = table + ((<usize>slot) << 4);
    const eh = load<u32>(e);
    if (eh == 0) {
      store<u32>(e, h);
      store<u32>(e + 4, id);
      store<u32>(e + 8, <u32>k);
      store<u32>(e + 12, len);
      tableFree--;
      return;
    }
    if (eh == h && load<u32>(e + 4) == id && load<u32>(e + 12) == len && same(<usize>load<u32>(e + 8), k, len)) fail();
  }
}

function same(a: usize, b: usize, len: u32): bool {
  for (let i: u32 = 0; i < len; i++) if (load<u8>(a + i) != load<u8>(b + i)) return false;
  return true;
}

function isProto(k: usize): bool {
  // "__proto__"
  return load<u8>(k) == 95 && load<u8>(k + 1) == 95 && load<u8>(k + 2) == 112 && load<u8>(k + 3) == 114 && load<u8>(k + 4) == 111 &&
    load<u8>(k + 5) == 116 && load<u8>(k + 6) == 111 && load<u8>(k + 7) == 95 && load<u8>(k + 8) == 95;
}
