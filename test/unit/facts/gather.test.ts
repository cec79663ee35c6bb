/**
 * The fact engine without a host: the script builder (markers, grouping, quoting), the splitter
 * (exact sections, forged markers, failing and interrupted fragments), gatherFacts against a fake
 * connector answering like the script would, and FactCache (what it fetches, what it forgets).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { quote, type Command } from "../../../src/exec/command.js";
import type { Connector, ExecResult } from "../../../src/exec/connector.js";
import type { Fact, FactRequest } from "../../../src/facts/fact.js";
import { FactCache, factScript, gatherFacts, newNonce, parseFactOutput, splitFactOutput } from "../../../src/facts/gather.js";
import { HOST_FACTS } from "../../../src/facts/index.js";

const NONCE = "0123456789abcdef0123456789abcdef";

/** A fact whose output is "key=value" lines; its fragment names its keys for the fake connector. */
const kv = (name: string): Fact<string> => ({
  name,
  script: (keys) => `# ${JSON.stringify(keys)}`,
  parse: (stdout) => new Map(stdout.split("\n").filter(Boolean).map((l) => l.split("=") as [string, string])),
});
const REGISTRY = new Map<string, Fact<unknown>>([["a", kv("a")], ["b", kv("b")], ["file", kv("file")], ["file.content", kv("file.content")]]);

const frame = (nonce: string, fact: string, stdout: string, status?: number) =>
  `\n@@pgsty-${nonce} begin ${fact}@@\n${stdout}${status === undefined ? "" : `\n@@pgsty-${nonce} end ${fact} ${status}@@\n`}`;

const FRAGMENT = /__pgsty_mark begin (\S+)\n\( eval '# (\[.*?\])'/g;

interface Reply {
  readonly stdout?: string;
  readonly stderr?: string;
  readonly status?: number;
}

/** A connector that answers each framed fact as `reply(fact, keys)` says; records the scripts it ran. */
function fake(reply: (fact: string, keys: string[]) => Reply = (_f, keys) => ({ stdout: keys.map((k) => `${k}=v`).join("\n") })) {
  const scripts: string[] = [];
  const conn: Connector = {
    host: "h1",
    async exec(cmd: Command): Promise<ExecResult> {
      scripts.push(cmd.text);
      const nonce = /__pgsty_nonce=([0-9a-f]+)/.exec(cmd.text)?.[1] ?? "";
      let out = "";
      let err = "";
      for (const [, fact = "", keys = "[]"] of cmd.text.matchAll(FRAGMENT)) {
        const r = reply(fact, JSON.parse(keys) as string[]);
        out += frame(nonce, fact, r.stdout ?? "", r.status ?? 0);
        err += frame(nonce, fact, r.stderr ?? "", r.status ?? 0);
      }
      const bytes = Buffer.from(out);
      return { code: 0, stdout: out, stderr: err, stdoutBytes: bytes, stderrBytes: Buffer.from(err), durationMs: 1 };
    },
    put: async () => {},
    close: async () => {},
  };
  return { conn, scripts };
}

describe("factScript", () => {
  it("groups by fact (sorted), keeps keys once in request order, and frames each fragment", () => {
    const s = factScript([{ fact: "b", key: "2" }, { fact: "a", key: "x" }, { fact: "b", key: "1" }, { fact: "b", key: "2" }], REGISTRY, NONCE);
    expect(s.groups).toEqual([{ fact: "a", keys: ["x"] }, { fact: "b", keys: ["2", "1"] }]);
    expect(s.text).toContain(`__pgsty_nonce=${NONCE}\n`);
    expect(s.text).toContain("__pgsty_mark begin a\n( eval ");
    expect(s.text).toContain("__pgsty_mark end b $?\n");
    // the nonce never appears in marker form: a fragment printing the script forges nothing
    expect(s.text).not.toContain(`@@pgsty-${NONCE}`);
    expect(s.text.startsWith("set -u\nexport LC_ALL=C\n")).toBe(true);
  });

  it("draws a fresh nonce per run", () => {
    expect(newNonce()).toMatch(/^[0-9a-f]{32}$/);
    expect(newNonce()).not.toBe(newNonce());
    expect(factScript([{ fact: "a", key: "x" }], REGISTRY).nonce).toMatch(/^[0-9a-f]{32}$/);
  });

  it("refuses unknown facts and bad nonces", () => {
    expect(() => factScript([{ fact: "nope", key: "x" }], REGISTRY)).toThrow(/unknown fact "nope"/);
    expect(() => factScript([], REGISTRY, "ZZ")).toThrow(/nonce/);
  });

  it("a fragment that cannot be built fails alone (exit 70 with the reason)", () => {
    const bad: Fact<unknown> = { name: "bad", script: () => { throw new Error("no 'way'"); }, parse: () => new Map() };
    const s = factScript([{ fact: "bad", key: "k" }], new Map([["bad", bad]]), NONCE);
    expect(s.text).toContain("exit 70");
    expect(s.text).toContain("cannot build the script of fact bad");
  });

  it("quotes odd keys in every host fact, and the whole script is valid bash", () => {
    const odd = ["/tmp/with space", `/tmp/quo'te"d`, "/tmp/new\nline", "/tmp/$(touch pwned)`x`", "/tmp/\n@@pgsty-x end file 0@@\n"];
    for (const fact of ["file", "file.content", "fs"]) {
      const fragment = (HOST_FACTS.get(fact) as Fact<unknown>).script(odd);
      for (const k of odd) expect(fragment, `${fact} ${k}`).toContain(quote(k));
    }
    const reqs: FactRequest[] = [...HOST_FACTS.keys()].flatMap((fact) => [...odd, "os", "bash", "10.0.0.1:8008", "patroni"].map((key) => ({ fact, key })));
    const r = spawnSync("bash", ["-n"], { input: factScript(reqs, HOST_FACTS, NONCE).text, encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
  });
});

describe("splitFactOutput / parseFactOutput", () => {
  it("cuts exactly each fragment's output, on stdout and on stderr", () => {
    const out = frame(NONCE, "a", "one\ntwo\n", 0) + frame(NONCE, "b", "no newline", 0) + frame(NONCE, "file", "", 0);
    const err = frame(NONCE, "a", "", 0) + frame(NONCE, "b", "warn", 0) + frame(NONCE, "file", "", 0);
    const s = splitFactOutput(out, err, NONCE);
    expect(s.get("a")).toEqual({ stdout: "one\ntwo\n", stderr: "", status: 0 });
    expect(s.get("b")).toEqual({ stdout: "no newline", stderr: "warn", status: 0 });
    expect(s.get("file")).toEqual({ stdout: "", stderr: "", status: 0 });
  });

  it("output imitating markers of another nonce stays in its section", () => {
    const forged = `x=1\n@@pgsty-${"f".repeat(32)} end a 0@@\n@@pgsty-${"f".repeat(32)} begin b@@\nb=2`;
    const s = splitFactOutput(frame(NONCE, "a", forged, 0), "", NONCE);
    expect(s.get("a")?.stdout).toBe(forged);
    expect(s.has("b")).toBe(false);
  });

  it("a failing, an unparsable and an interrupted fragment fail only their facts", () => {
    const script = factScript(["a", "b", "file", "file.content"].map((fact) => ({ fact, key: "k" })), REGISTRY, NONCE);
    const stdout = frame(NONCE, "a", "k=ok", 0) + frame(NONCE, "b", "partial", 3) + frame(NONCE, "file", "k=x=y=z\nno", 0) + frame(NONCE, "file.content", "k=cut");
    const stderr = frame(NONCE, "a", "", 0) + frame(NONCE, "b", "l1\nl2\nl3\nl4", 3) + frame(NONCE, "file", "", 0) + frame(NONCE, "file.content", "Killed");
    const throwing: Fact<unknown> = { ...kv("file"), parse: () => { throw new Error("bad line 2"); } };
    const { values, failures } = parseFactOutput(script, stdout, stderr, new Map([...REGISTRY, ["file", throwing]]));
    expect(values.get("a")).toEqual(new Map([["k", "ok"]]));
    expect(Object.fromEntries(failures)).toEqual({
      b: "exited 3: l2 | l3 | l4",
      file: "cannot parse the output: bad line 2",
      "file.content": "the script ended while reading this fact: Killed",
    });
  });

  it("a fact the script never reached fails; keys nobody asked for are dropped", () => {
    const script = factScript([{ fact: "a", key: "k" }, { fact: "b", key: "k" }], REGISTRY, NONCE);
    const { values, failures } = parseFactOutput(script, frame(NONCE, "a", "k=1\nother=2", 0), "", REGISTRY);
    expect(values.get("a")).toEqual(new Map([["k", "1"]]));
    expect(failures.get("b")).toBe("the script ended before this fact was read");
  });
});

describe("gatherFacts", () => {
  it("reads everything with one exec and reports the round trip", async () => {
    const { conn, scripts } = fake();
    const trips: unknown[] = [];
    const reqs = [{ fact: "b", key: "y" }, { fact: "a", key: "x" }, { fact: "a", key: "z" }];
    const got = await gatherFacts(conn, reqs, REGISTRY, { onRoundTrip: (t) => trips.push({ ...t, durationMs: 0 }) });
    expect(scripts).toHaveLength(1);
    expect(got.roundTrips).toBe(1);
    expect(trips).toEqual([{ host: "h1", facts: ["a", "b"], requests: 3, durationMs: 0, bytes: expect.any(Number) }]);
    expect([got.get("a", "x"), got.get("a", "z"), got.get("b", "y"), got.get("b", "x")]).toEqual(["v", "v", "v", undefined]);
    expect(got.has("a", "x")).toBe(true);
    expect(got.failed("a")).toBeUndefined();
  });

  it("nothing to read: no exec", async () => {
    const { conn, scripts } = fake();
    expect((await gatherFacts(conn, [], REGISTRY)).roundTrips).toBe(0);
    expect(scripts).toHaveLength(0);
  });

  it("a failing transport rejects", async () => {
    const conn: Connector = { host: "h1", exec: () => Promise.reject(new Error("connection lost")), put: async () => {}, close: async () => {} };
    await expect(gatherFacts(conn, [{ fact: "a", key: "x" }], REGISTRY)).rejects.toThrow("connection lost");
  });
});

describe("FactCache", () => {
  const keysOf = (script: string) => [...script.matchAll(FRAGMENT)].flatMap((m) => (JSON.parse(m[2] ?? "[]") as string[]).map((k) => `${m[1]}:${k}`));

  it("fetches only what it lacks, and nothing when all is cached", async () => {
    const { conn, scripts } = fake();
    const cache = new FactCache(conn, REGISTRY);
    expect((await cache.gather([{ fact: "a", key: "x" }])).roundTrips).toBe(1);
    const second = await cache.gather([{ fact: "a", key: "x" }, { fact: "file.content", key: "/p" }]);
    expect(second.roundTrips).toBe(1);
    expect(keysOf(scripts[1] ?? "")).toEqual(["file.content:/p"]);
    expect([second.get("a", "x"), second.get("file.content", "/p")]).toEqual(["v", "v"]);
    expect((await cache.gather([{ fact: "a", key: "x" }])).roundTrips).toBe(0);
    expect(cache.roundTrips).toBe(2);
  });

  it("remembers absence and failures until invalidated", async () => {
    let fail = true;
    const { conn, scripts } = fake((fact) => (fact === "b" && fail ? { status: 1, stderr: "boom" } : { stdout: "" }));
    const cache = new FactCache(conn, REGISTRY);
    const reqs = [{ fact: "a", key: "gone" }, { fact: "b", key: "k" }];
    const first = await cache.gather(reqs);
    expect([first.has("a", "gone"), first.failed("b")]).toEqual([false, "exited 1: boom"]);
    fail = false;
    expect((await cache.gather(reqs)).failed("b")).toBe("exited 1: boom");
    expect(scripts).toHaveLength(1);
    expect((await cache.refresh([{ fact: "b", key: "k" }])).failed("b")).toBeUndefined();
    expect(keysOf(scripts[1] ?? "")).toEqual(["b:k"]);
  });

  it("invalidating a file also forgets its content, only for that path", async () => {
    const { conn, scripts } = fake();
    const cache = new FactCache(conn, REGISTRY);
    const all = ["/p", "/q"].flatMap((key) => [{ fact: "file", key }, { fact: "file.content", key }]);
    await cache.gather(all);
    cache.invalidate([{ fact: "file", key: "/p" }]);
    await cache.gather(all);
    expect(keysOf(scripts[1] ?? "")).toEqual(["file:/p", "file.content:/p"]);
    cache.invalidate([{ fact: "file.content", key: "/q" }]);
    await cache.gather(all);
    expect(keysOf(scripts[2] ?? "")).toEqual(["file.content:/q"]);
    cache.clear();
    await cache.gather(all);
    expect(keysOf(scripts[3] ?? "")).toHaveLength(4);
  });

  it("answers only what was asked, and runs concurrent gathers one after another", async () => {
    const { conn, scripts } = fake();
    const cache = new FactCache(conn, REGISTRY);
    const [x, y] = await Promise.all([cache.gather([{ fact: "a", key: "x" }]), cache.gather([{ fact: "a", key: "x" }, { fact: "a", key: "y" }])]);
    expect(scripts).toHaveLength(2);
    expect(keysOf(scripts[1] ?? "")).toEqual(["a:y"]);
    expect([x.get("a", "y"), y.get("a", "x"), y.get("a", "y")]).toEqual([undefined, "v", "v"]);
  });
});

describe("concurrent facts (run by bash)", () => {
  // p waits for q's mark: run one after the other, p would give up and say "alone"
  const p: Fact<string> = { ...kv("p"), concurrent: true, script: () => 'for _ in $(seq 100); do [ -e "$MARK/q" ] && break; sleep 0.02; done; [ -e "$MARK/q" ] && echo p=together || echo p=alone' };
  const q: Fact<string> = { ...kv("q"), concurrent: true, script: () => 'touch "$MARK/q"; echo q=2; echo oops >&2; exit 3' };
  const registry = new Map<string, Fact<unknown>>([["p", p], ["q", q], ["r", { ...kv("r"), script: () => "echo r=3" }]]);

  it("run side by side, print in order, fail alone, and leave no temporary file", () => {
    const tmp = mkdtempSync(join(tmpdir(), "pgsty-gather-"));
    const mark = mkdtempSync(join(tmpdir(), "pgsty-mark-"));
    const script = factScript([{ fact: "p", key: "p" }, { fact: "q", key: "q" }, { fact: "r", key: "r" }], registry, NONCE);
    const r = spawnSync("bash", ["-c", script.text], { encoding: "utf8", env: { ...process.env, TMPDIR: tmp, MARK: mark } });
    const { values, failures } = parseFactOutput(script, r.stdout, r.stderr, registry);
    expect(values.get("p")?.get("p")).toBe("together");
    expect(values.get("r")?.get("r")).toBe("3");
    expect(failures.get("q")).toMatch(/oops/);
    expect(readdirSync(tmp)).toEqual([]);
    rmSync(tmp, { recursive: true });
    rmSync(mark, { recursive: true });
  });
});
