/**
 * A fast reader for the plain YAML most inventories are written in, tried before js-yaml: block
 * maps and lists by indentation, one-line flow maps and lists (`{ pg_seq: 1, roles: [a, b] }`),
 * plain and one-line quoted scalars, comments. Anything else — anchors, aliases, tags, merge keys,
 * block scalars, scalars or flow collections over several lines, escapes in double quotes, tabs,
 * CR, duplicate keys, any irregular indentation, document markers after the opening `---`, deep
 * nesting, js-yaml's own quirks — returns {@link NOT_IN_SUBSET} and js-yaml reads the file (and
 * words any error). Where it answers, the answer is js-yaml's: plain scalars are typed as the
 * same resolvers type them (numbers other than plain decimal integers by those resolvers, passed
 * in), keys are stringified as js-yaml does, and test/unit/inventory/yaml-subset.test.ts compares
 * the two on thousands of mutated documents.
 *
 * The reading itself is WebAssembly (yaml-subset.as.ts, built to dist/yaml-subset.wasm), which
 * writes the document as JSON for JSON.parse: in a fresh process the same reader in JavaScript
 * spent 100–200 ms on a 1 MiB inventory, most of it running code not yet compiled (decision 26).
 * Without the module (not built, or no WebAssembly: `--jitless`), and with PGSTY_YAML_SUBSET=0,
 * every document goes to js-yaml. Reads its module (and the environment) the first time it is
 * called, never when loaded.
 */
import { Buffer } from "node:buffer";
import { readFileSync } from "node:fs";
import { packagePath } from "../package-root.js";
import { timingNote } from "../timing.js";

export const NOT_IN_SUBSET: unique symbol = Symbol("not in the YAML subset");

/** A plain scalar's value: js-yaml's implicit types (null, bool, int, float…), else the string. */
export type ResolvePlain = (plain: string) => unknown;

/** What js-yaml refuses anywhere in a document (its own test, restated). */
// eslint-disable-next-line no-control-regex -- these control characters are what it looks for
const NON_PRINTABLE = /[\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x84\x86-\x9F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?:[^\uD800-\uDBFF]|^)[\uDC00-\uDFFF]/;

/** The parts of the WebAssembly API used here (TypeScript declares it only with the DOM's types). */
interface WasmApi {
  readonly Module: new (bytes: Uint8Array) => object;
  readonly Instance: new (module: object, imports: object) => { readonly exports: unknown };
  readonly RuntimeError: abstract new () => Error;
}

interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

interface Reader {
  /** What the module traps with. */
  readonly trap: WasmApi["RuntimeError"];
  readonly memory: WasmMemory;
  heapBase(): number;
  colons(input: number, length: number): number;
  read(input: number, length: number, output: number, outputEnd: number, keys: number, entries: number, scalars: number, scalarsEnd: number): number;
  scalarCount(): number;
}

/** The compiled reader; null when it cannot be had. */
let reader: Reader | null | undefined;

function loadReader(): Reader | null {
  // PGSTY_YAML_SUBSET=0: js-yaml reads every file (to compare the two, or to rule the reader out)
  if (process.env.PGSTY_YAML_SUBSET === "0") {
    timingNote("no YAML subset reader: PGSTY_YAML_SUBSET=0");
    return null;
  }
  // asked here, not when this module loads: the startup snapshot loads it (and has no WebAssembly
  // then); absent under `--jitless`
  const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  if (!wasm) {
    timingNote("no YAML subset reader: no WebAssembly in this process");
    return null;
  }
  try {
    const module = new wasm.Module(readFileSync(packagePath("dist", "yaml-subset.wasm")));
    return { ...(new wasm.Instance(module, {}).exports as Omit<Reader, "trap">), trap: wasm.RuntimeError };
  } catch (e) {
    timingNote(`no YAML subset reader: ${(e as Error).message}`);
    return null;
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const PAGE = 65536;

/** The value of `text`, or {@link NOT_IN_SUBSET} when js-yaml must read it. */
export function parseYamlSubset(text: string, resolve: ResolvePlain): unknown {
  if (text.includes("\t") || text.includes("\r") || text.charCodeAt(0) === 0xfeff || NON_PRINTABLE.test(text)) return NOT_IN_SUBSET;
  reader ??= loadReader();
  if (reader === null) return NOT_IN_SUBSET;
  // Buffers, one after the other: the text as UTF-8 between two NUL bytes; the JSON (at most 4
  // bytes a byte of text: `a:\n` becomes `"a":null,`); the list of scalars to type here (8 bytes
  // each; more of them than fit leave the document to js-yaml); the duplicate-key set, twice as
  // many 16-byte entries as the document can have keys (each has its `:`), a power of two.
  const size = Buffer.byteLength(text);
  const input = align(reader.heapBase()) + 16;
  const output = align(input + size + 1);
  const outputCap = 4 * size + 64;
  const scalars = align(output + outputCap);
  const keys = align(scalars + Math.min(4 * size, 1 << 20) + 64);
  if (!grow(reader.memory, keys)) return NOT_IN_SUBSET;
  encoder.encodeInto(text, new Uint8Array(reader.memory.buffer, input, size));
  const bytes = new Uint8Array(reader.memory.buffer);
  bytes[input - 1] = 0;
  bytes[input + size] = 0;
  const entries = 2 ** Math.ceil(Math.log2(2 * reader.colons(input, size) + 16));
  if (!grow(reader.memory, keys + 16 * entries)) return NOT_IN_SUBSET;
  let length: number;
  try {
    length = reader.read(input, size, output, output + outputCap, keys, entries, scalars, keys);
  } catch (e) {
    // the reader traps on what is not in the subset
    if (e instanceof reader.trap) return NOT_IN_SUBSET;
    throw e;
  }
  const json = new Uint8Array(reader.memory.buffer, output, length);
  const count = reader.scalarCount();
  if (count === 0) return JSON.parse(decoder.decode(json));
  // numbers the reader left as written (octal, floats, sexagesimal…): typed here, in JSON
  const spans = new Uint32Array(reader.memory.buffer, scalars, 2 * count);
  const parts: string[] = [];
  let at = 0;
  for (let i = 0; i < count; i++) {
    const from = spans[2 * i]! - output, to = spans[2 * i + 1]! - output;
    const value = resolve(decoder.decode(json.subarray(from, to)));
    // JSON has no infinities or NaN (`.inf`, `.nan`): such documents are js-yaml's
    if (typeof value === "number" && !Number.isFinite(value)) return NOT_IN_SUBSET;
    parts.push(decoder.decode(json.subarray(at, from)), Object.is(value, -0) ? "-0" : JSON.stringify(value));
    at = to;
  }
  parts.push(decoder.decode(json.subarray(at)));
  return JSON.parse(parts.join(""));
}

/** Whether `memory` reaches `end`, grown if need be (not past WebAssembly's 4 GiB: a text of hundreds of MiB). */
function grow(memory: WasmMemory, end: number): boolean {
  if (end <= memory.buffer.byteLength) return true;
  try {
    memory.grow(Math.ceil((end - memory.buffer.byteLength) / PAGE));
    return true;
  } catch (e) {
    if (e instanceof RangeError) return false;
    throw e;
  }
}

function align(n: number): number {
  return (n + 15) & ~15;
}
