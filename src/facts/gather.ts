/**
 * The fact engine: gathers every fact a plan needs on one host in ONE round trip.
 *
 * The requests are grouped by fact; each fact's bash fragment (for all of its keys at once) runs in
 * a subshell of one script, framed on stdout and on stderr by markers that carry a random nonce
 * drawn per run, so nothing a fragment prints (file names, JSON, a copy of the script) can forge a
 * frame. The end marker carries the fragment's exit status: a fragment that fails, cannot be
 * built, prints no end marker or whose output does not parse marks only its own fact failed.
 * `FactCache` keeps a host's facts for a run and fetches only what it lacks.
 *
 * May import exec/ for types, errors and quoting only (the connector is passed in); must not import
 * plan/, ops/, modules/ or cli/. Prints nothing.
 */
import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import { quote } from "../exec/command.js";
import { ExecError, failureMessage, type Connector } from "../exec/connector.js";
import type { Fact, FactRequest, FactSet } from "./fact.js";

/** What the fact registry maps names to. */
export type FactRegistry = ReadonlyMap<string, Fact<unknown>>;

/** One round trip to a host, for counting (bench) and debug logs. */
export interface RoundTrip {
  readonly host: string;
  /** Facts read, sorted. */
  readonly facts: readonly string[];
  /** (fact, key) pairs read. */
  readonly requests: number;
  readonly durationMs: number;
  /** Bytes of stdout received. */
  readonly bytes: number;
}

export interface GatherOptions {
  /** Called once per round trip (one `connector.exec`). */
  readonly onRoundTrip?: (trip: RoundTrip) => void;
  /** Limit of the whole script; default 60 s. */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  /** Marker nonce (tests); default: 16 random bytes, hex. */
  readonly nonce?: string;
}

/** The script of one gather, and what it reads. Pure data. */
export interface FactScript {
  readonly text: string;
  readonly nonce: string;
  /** Facts in script order (sorted by name), each with its keys (deduplicated, request order). */
  readonly groups: readonly { readonly fact: string; readonly keys: readonly string[] }[];
}

/** One fragment's output, cut out of the script's streams. */
export interface FactSection {
  readonly stdout: string;
  readonly stderr: string;
  /** Exit status; undefined when the end marker is missing (script killed mid-way). */
  readonly status: number | undefined;
}

const FACT_NAME = /^[a-z][a-z0-9_.-]*$/;
const DEFAULT_TIMEOUT_MS = 60_000;

/** A fresh marker nonce: 32 hex digits no fragment output can guess. */
export function newNonce(): string {
  return randomBytes(16).toString("hex");
}

/**
 * Builds the script that reads `requests` (pure). The nonce never appears in marker form in the
 * text (it is printed from a variable), so a fragment echoing the script cannot forge a frame.
 * Throws TypeError for a fact the registry lacks (a bug in the caller).
 */
export function factScript(requests: readonly FactRequest[], registry: FactRegistry, nonce: string = newNonce()): FactScript {
  if (!/^[0-9a-f]{16,}$/.test(nonce)) throw new TypeError(`factScript: nonce must be 16+ hex digits: ${nonce}`);
  const byFact = new Map<string, string[]>();
  for (const r of requests) {
    if (!registry.has(r.fact)) throw new TypeError(`factScript: unknown fact "${r.fact}"`);
    if (!FACT_NAME.test(r.fact)) throw new TypeError(`factScript: invalid fact name "${r.fact}"`);
    const keys = byFact.get(r.fact) ?? [];
    if (!keys.includes(r.key)) keys.push(r.key);
    byFact.set(r.fact, keys);
  }
  const groups = [...byFact.keys()].sort().map((fact) => ({ fact, keys: byFact.get(fact) ?? [] }));
  const lines = [
    "set -u",
    "export LC_ALL=C",
    `__pgsty_nonce=${nonce}`,
    // the frame goes to both streams, so stderr splits like stdout
    `__pgsty_mark() { printf '\\n@@pgsty-%s %s@@\\n' "$__pgsty_nonce" "$*"; printf '\\n@@pgsty-%s %s@@\\n' "$__pgsty_nonce" "$*" >&2; }`,
  ];
  const fragments = groups.map(({ fact, keys }) => {
    let fragment: string;
    try {
      fragment = (registry.get(fact) as Fact<unknown>).script(keys);
    } catch (e) {
      const message = (e instanceof Error ? e.message : String(e)).replaceAll("\0", "");
      fragment = `printf '%s\\n' ${quote(`pgsty: cannot build the script of fact ${fact}: ${message}`)} >&2; exit 70`;
    }
    // eval: a syntax error in one fragment fails that fragment, not the whole script
    return { fact, run: `( eval ${quote(fragment.replaceAll("\0", ""))} ) </dev/null`, concurrent: registry.get(fact)?.concurrent === true };
  });
  // concurrent fragments (when two or more) start first, in the background, each into files of a
  // private (0700) directory removed on exit; their frames are printed in order once they are done
  const concurrent = fragments.filter((f) => f.concurrent);
  const background = concurrent.length > 1 ? concurrent : [];
  if (background.length) {
    lines.push(`__pgsty_tmp=$(mktemp -d) || exit 70`, `trap 'rm -rf -- "$__pgsty_tmp"' EXIT`);
    background.forEach((f, i) => lines.push(`{ ${f.run} >"$__pgsty_tmp/${i}.out" 2>"$__pgsty_tmp/${i}.err"; echo $? >"$__pgsty_tmp/${i}.rc"; } &`));
  }
  for (const f of fragments) {
    if (!background.includes(f)) lines.push(`__pgsty_mark begin ${f.fact}`, f.run, `__pgsty_mark end ${f.fact} $?`);
  }
  if (background.length) {
    lines.push("wait");
    background.forEach((f, i) =>
      lines.push(`__pgsty_mark begin ${f.fact}`, `cat "$__pgsty_tmp/${i}.out"; cat "$__pgsty_tmp/${i}.err" >&2`, `__pgsty_mark end ${f.fact} "$(cat "$__pgsty_tmp/${i}.rc" 2>/dev/null || echo 70)"`),
    );
  }
  lines.push("exit 0", "");
  return { text: lines.join("\n"), nonce, groups };
}

/** Cuts the output of a script with `nonce` into sections per fact (pure). */
export function splitFactOutput(stdout: string, stderr: string, nonce: string): Map<string, FactSection> {
  const out = frames(stdout, nonce);
  const err = frames(stderr, nonce);
  const sections = new Map<string, FactSection>();
  for (const [fact, o] of out) sections.set(fact, { stdout: o.text, stderr: err.get(fact)?.text ?? "", status: o.status });
  return sections;
}

function frames(text: string, nonce: string): Map<string, { text: string; status: number | undefined }> {
  const marker = new RegExp(`\\n@@pgsty-${nonce} (begin|end) ([a-z0-9_.-]+)(?: (\\d+))?@@\\n`, "g");
  const found = new Map<string, { text: string; status: number | undefined }>();
  let open: { fact: string; start: number } | undefined;
  for (const m of text.matchAll(marker)) {
    const [, kind, fact = "", status] = m;
    if (kind === "begin") {
      if (open) found.set(open.fact, { text: text.slice(open.start, m.index), status: undefined });
      open = { fact, start: m.index + m[0].length };
    } else if (open && open.fact === fact) {
      found.set(fact, { text: text.slice(open.start, m.index), status: Number(status) });
      open = undefined;
    }
  }
  if (open) found.set(open.fact, { text: text.slice(open.start), status: undefined });
  return found;
}

/** The facts of one host as gathered: values per fact and key, and the facts that failed. */
export class GatheredFacts implements FactSet {
  constructor(
    private readonly values: ReadonlyMap<string, ReadonlyMap<string, unknown>>,
    private readonly failures: ReadonlyMap<string, string>,
    /** Round trips this set cost (0 when nothing had to be read). */
    readonly roundTrips: number,
  ) {}

  get<T>(fact: string, key: string): T | undefined {
    return this.values.get(fact)?.get(key) as T | undefined;
  }

  failed(fact: string): string | undefined {
    return this.failures.get(fact);
  }

  /** Whether the host has `key` (read and present). */
  has(fact: string, key: string): boolean {
    return this.values.get(fact)?.has(key) ?? false;
  }
}

/**
 * Reads `requests` on the host behind `connector` with ONE exec (none when there is nothing to
 * read). A fragment that fails marks its fact failed; a failing transport (connection lost,
 * timeout of the whole script) rejects with the connector's ExecError, and a script that did not
 * start at all (`sudo -n` asking for a password) with ExecError "failed" and its stderr.
 */
export async function gatherFacts(
  connector: Connector,
  requests: readonly FactRequest[],
  registry: FactRegistry,
  options: GatherOptions = {},
): Promise<GatheredFacts> {
  if (requests.length === 0) return new GatheredFacts(new Map(), new Map(), 0);
  const script = factScript(requests, registry, options.nonce);
  const started = performance.now();
  const display = `gather facts ${script.groups.map((g) => g.fact).join(" ")}`;
  const limits = { timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS, ...(options.signal ? { signal: options.signal } : {}) };
  const result = await connector.exec({ text: script.text, display }, limits);
  options.onRoundTrip?.({
    host: connector.host,
    facts: script.groups.map((g) => g.fact),
    requests: script.groups.reduce((n, g) => n + g.keys.length, 0),
    durationMs: performance.now() - started,
    bytes: result.stdoutBytes.length,
  });
  // not one frame: the script never ran (sudo refused, no bash…); that is the host's failure,
  // not every fact's, and the caller must be told why
  if (result.code !== 0 && !result.stdout.includes(`@@pgsty-${script.nonce} begin `)) {
    throw new ExecError("failed", connector.host, display, failureMessage(connector.host, display, result), result);
  }
  const { values, failures } = parseFactOutput(script, result.stdout, result.stderr, registry);
  return new GatheredFacts(values, failures, 1);
}

/** Parses the output of `script` into values and failures per fact (pure). */
export function parseFactOutput(
  script: FactScript,
  stdout: string,
  stderr: string,
  registry: FactRegistry,
): { values: Map<string, Map<string, unknown>>; failures: Map<string, string> } {
  const sections = splitFactOutput(stdout, stderr, script.nonce);
  const values = new Map<string, Map<string, unknown>>();
  const failures = new Map<string, string>();
  for (const { fact, keys } of script.groups) {
    const s = sections.get(fact);
    const why = sectionFailure(s);
    if (why || !s) {
      failures.set(fact, why ?? "no output");
      continue;
    }
    try {
      const parsed = (registry.get(fact) as Fact<unknown>).parse(s.stdout, keys);
      values.set(fact, new Map(keys.filter((k) => parsed.has(k)).map((k) => [k, parsed.get(k)])));
    } catch (e) {
      failures.set(fact, `cannot parse the output: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return { values, failures };
}

function sectionFailure(s: FactSection | undefined): string | undefined {
  if (!s) return "the script ended before this fact was read";
  const tail = s.stderr.trim().split("\n").slice(-3).join(" | ");
  if (s.status === undefined) return `the script ended while reading this fact${tail ? `: ${tail}` : ""}`;
  if (s.status !== 0) return `exited ${s.status}${tail ? `: ${tail}` : ""}`;
  return undefined;
}

type Entry = { readonly ok: true; readonly present: boolean; readonly value?: unknown } | { readonly ok: false; readonly reason: string };

/**
 * The facts of one host for one run. `gather` reads only the (fact, key) pairs not cached yet, in
 * one round trip, and answers with a snapshot of the requested pairs. Failures are cached too (a
 * plan is one snapshot of the host); `invalidate` after a change forgets them. Gathers on one
 * cache run one after another.
 */
export class FactCache {
  readonly #entries = new Map<string, Map<string, Entry>>();
  #queue: Promise<unknown> = Promise.resolve();
  #roundTrips = 0;

  constructor(
    readonly connector: Connector,
    readonly registry: FactRegistry,
    private readonly options: GatherOptions = {},
  ) {}

  /** Round trips made so far. */
  get roundTrips(): number {
    return this.#roundTrips;
  }

  /** The requested facts, reading from the host only those not cached (at most one round trip). */
  gather(requests: readonly FactRequest[]): Promise<GatheredFacts> {
    const run = this.#queue.then(() => this.#gather(requests));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** Forgets `requests` and reads them again: what apply does just before a change. */
  refresh(requests: readonly FactRequest[]): Promise<GatheredFacts> {
    this.invalidate(requests);
    return this.gather(requests);
  }

  /**
   * Forgets the (fact, key) pairs, and the same key of the facts derived from each (`file` also
   * forgets `file.content`: a name with the fact's name and a dot as prefix).
   */
  invalidate(requests: readonly FactRequest[]): void {
    for (const r of requests) {
      for (const [fact, entries] of this.#entries) {
        if (fact === r.fact || fact.startsWith(`${r.fact}.`)) entries.delete(r.key);
      }
    }
  }

  /** Forgets everything. */
  clear(): void {
    this.#entries.clear();
  }

  async #gather(requests: readonly FactRequest[]): Promise<GatheredFacts> {
    const missing = requests.filter((r) => !this.#entries.get(r.fact)?.has(r.key));
    if (missing.length > 0) {
      const got = await gatherFacts(this.connector, missing, this.registry, this.options);
      this.#roundTrips += got.roundTrips;
      for (const r of missing) {
        const reason = got.failed(r.fact);
        const entries = this.#entries.get(r.fact) ?? new Map<string, Entry>();
        this.#entries.set(r.fact, entries);
        entries.set(r.key, reason !== undefined ? { ok: false, reason } : { ok: true, present: got.has(r.fact, r.key), value: got.get(r.fact, r.key) });
      }
    }
    const values = new Map<string, Map<string, unknown>>();
    const failures = new Map<string, string>();
    for (const r of requests) {
      const e = this.#entries.get(r.fact)?.get(r.key);
      if (!e) continue;
      if (!e.ok) failures.set(r.fact, e.reason);
      else if (e.present) {
        const m = values.get(r.fact) ?? new Map<string, unknown>();
        m.set(r.key, e.value);
        values.set(r.fact, m);
      }
    }
    return new GatheredFacts(values, failures, missing.length > 0 ? 1 : 0);
  }
}
