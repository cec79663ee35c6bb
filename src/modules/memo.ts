/**
 * Sharing what several hosts compute identically — a cluster's HBA rules, its pgbouncer users,
 * its Patroni DCS settings — without listing by hand what each computation depends on: the
 * computation runs once on a host context that records every field and var it reads, and a later
 * host reuses the result when each recorded read gives the same value for it (primitives by
 * value, objects by identity: resolved vars are shared by the hosts that inherit them and never
 * mutated). A read the recorder cannot follow (enumerating the vars) ties the result to its host.
 * Computations must be pure functions of the context and of `args`. Results are shared, so they
 * are deep-frozen: a caller that changed one would change it for every host (and frozen data
 * lets the YAML writer reuse what it wrote for it).
 *
 * A shared computation may use another: the inner one records on the plain context and passes
 * its reads to the outer recorder, so both are replayed for the next host.
 *
 * Bounded, so memory stays flat on 3,000 hosts: hosts are expanded in inventory order, the
 * members of a cluster next to each other, and the most recent results catch the repeats.
 * Lives as long as the model (a WeakMap on it): nothing outlives a command.
 * Pure; must not import anything but types and ../freeze.ts.
 */
import { deepFreeze } from "../freeze.js";
import type { HostContext, NodeSize } from "./context.js";

/** What one read saw: a context field, a var, a node-size field, or whether a var exists. */
type Read = readonly [kind: "ctx" | "var" | "node" | "has", key: string, value: unknown];

interface Entry {
  readonly args: readonly unknown[];
  /** Reordered as entries are told apart (sameReads): every read must match, in any order. */
  readonly reads: Read[];
  readonly value: unknown;
}

/** Results kept per computation name: a cluster's members are expanded one after the other. */
const MAX_ENTRIES = 8;

const memos = new WeakMap<object, Map<string, Entry[]>>();

/**
 * `compute(ctx, ...args)`, or the result it gave for an earlier host of the same model whose
 * context reads the same where that run read.
 */
export function sharedAcrossHosts<T, A extends readonly unknown[]>(ctx: HostContext, name: string, compute: (ctx: HostContext, ...args: A) => T, ...args: A): T {
  let byName = memos.get(ctx.model);
  if (!byName) memos.set(ctx.model, (byName = new Map()));
  let entries = byName.get(name);
  if (!entries) byName.set(name, (entries = []));
  for (let i = entries.length - 1; i >= 0; i--) {
    const e = entries[i]!;
    if (sameArgs(e.args, args) && sameReads(ctx, e.reads)) return e.value as T;
  }
  const reads = new Reads();
  // Nested in another shared computation: record on the plain context and pass every read on to
  // the outer recorder (a proxy over a proxy would trip the outer one's enumeration traps when V8
  // checks the get trap's invariants, tying the outer result to its host).
  const outer = recorders.get(ctx);
  const value = deepFreeze(compute(recording(outer?.ctx ?? ctx, reads, outer?.note), ...args));
  if (entries.length >= MAX_ENTRIES) entries.shift();
  entries.push({ args, reads: reads.list, value });
  return value;
}

const itemNames = new Map<string, string[]>();

/**
 * `<list>[<i>]`, the same string on every call: a name for the memo of one item of a list (a
 * default role, an HBA rule), which sharedAcrossHosts looks up for every host.
 */
export function listItemName(list: string, i: number): string {
  let names = itemNames.get(list);
  if (!names) itemNames.set(list, (names = []));
  return (names[i] ??= `${list}[${i}]`);
}

function sameArgs(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

function sameReads(ctx: HostContext, reads: Read[]): boolean {
  for (let i = 0; i < reads.length; i++) {
    const r = reads[i]!;
    if (Object.is(readAgain(ctx, r), r[2])) continue;
    // The read that told this entry apart (the cluster's pg_users, say) most likely tells the
    // next host apart too: checked first from now on, a miss costs one read per entry instead of
    // every read the hosts share (reads have no effects, so their order is free).
    if (i > 0) {
      reads[i] = reads[0]!;
      reads[0] = r;
    }
    return false;
  }
  return true;
}

function readAgain(ctx: HostContext, [kind, key]: Read): unknown {
  switch (kind) {
    case "ctx":
      return (ctx as unknown as Record<string, unknown>)[key];
    case "var":
      return (ctx.vars as Record<string, unknown>)[key];
    case "node":
      return (ctx.node as unknown as Record<string, unknown>)[key];
    case "has":
      return key in ctx.vars;
  }
}

type Note = (kind: Read[0], key: string, value: unknown) => void;

/** Each recording context: the context it stands for and where its reads go. */
const recorders = new WeakMap<HostContext, { readonly ctx: HostContext; readonly note: Note }>();

/** The first read of each field or var, in order: one set of names per kind, no key string per read. */
class Reads {
  readonly list: Read[] = [];
  readonly #seen = { ctx: new Set<string>(), var: new Set<string>(), node: new Set<string>(), has: new Set<string>() };

  add(kind: Read[0], key: string, value: unknown): void {
    const seen = this.#seen[kind];
    if (seen.has(key)) return;
    seen.add(key);
    this.list.push([kind, key, value]);
  }
}

/** `ctx` as the computation sees it: the same values, every read noted in `reads` (and passed to `outer`). */
function recording(ctx: HostContext, reads: Reads, outer?: Note): HostContext {
  const note: Note = (kind, key, value) => {
    reads.add(kind, key, value);
    outer?.(kind, key, value);
  };
  // enumerating, or a symbol key: a read that cannot be replayed, so only this host matches
  const tieToHost = () => note("ctx", "host", ctx.host);
  const vars = new Proxy(ctx.vars, {
    get(target, key, receiver) {
      const value: unknown = Reflect.get(target, key, receiver);
      if (typeof key === "string") note("var", key, value);
      else tieToHost();
      return value;
    },
    has(target, key) {
      const value = Reflect.has(target, key);
      if (typeof key === "string") note("has", key, value);
      else tieToHost();
      return value;
    },
    ownKeys(target) {
      tieToHost();
      return Reflect.ownKeys(target);
    },
    getOwnPropertyDescriptor(target, key) {
      tieToHost();
      return Reflect.getOwnPropertyDescriptor(target, key);
    },
  });
  const node = new Proxy(ctx.node, {
    get(target, key, receiver) {
      const value: unknown = Reflect.get(target, key, receiver);
      if (typeof key === "string") note("node", key, value);
      else tieToHost();
      return value;
    },
  }) as NodeSize;
  const proxy = new Proxy(ctx, {
    get(target, key, receiver) {
      if (key === "vars") return vars;
      if (key === "node") return node;
      const value: unknown = Reflect.get(target, key, receiver);
      // the model is the memo's scope: the same for every host that can match
      if (key !== "model") {
        if (typeof key === "string") note("ctx", key, value);
        else tieToHost();
      }
      return value;
    },
    has: (target, key) => (tieToHost(), Reflect.has(target, key)),
    ownKeys: (target) => (tieToHost(), Reflect.ownKeys(target)),
  });
  recorders.set(proxy, { ctx, note });
  return proxy;
}
