/**
 * Fact `exit`: its keys, its parser (hand-made outputs: the checks answer in any order), and its
 * fragment run by the local bash inside a real fact script (quick checks as the current user).
 */
import { spawnSync } from "node:child_process";
import { userInfo } from "node:os";
import { describe, expect, it } from "vitest";
import { quote } from "../../../src/exec/command.js";
import { EXIT_TIMEOUT_S, exitFact, exitKey, parseExit, parseExitKey } from "../../../src/facts/exit.js";
import { factScript, parseFactOutput } from "../../../src/facts/gather.js";
import { HOST_FACTS } from "../../../src/facts/index.js";

const NONCE = "0123456789abcdef0123456789abcdef";

describe("exit: keys", () => {
  it("round-trip the command line and the user", () => {
    expect(exitKey("test -e /x")).toBe('{"cmd":"test -e /x"}');
    expect(parseExitKey(exitKey("test -e /x"))).toEqual({ cmd: "test -e /x" });
    expect(parseExitKey(exitKey("psql -c 'select 1'", "postgres"))).toEqual({ cmd: "psql -c 'select 1'", user: "postgres" });
  });
  it.each(["test -e /x", "{}", "[]", '{"cmd":""}', '{"cmd":"x","user":"a b"}', '{"cmd":"x","other":1}', '{"cmd":"a\\u0000b"}', '{"cmd":3}'])("refuses %j", (k) => {
    expect(parseExitKey(k)).toBeUndefined();
  });
  it("is registered as a host fact", () => expect(HOST_FACTS.get("exit")).toBe(exitFact));
});

describe("exit: parse", () => {
  const keys = [exitKey("true"), "not a key", exitKey("false", "postgres"), exitKey("sleep 99")];
  it("reads status lines in any order; the timed-out flag", () => {
    expect(parseExit(`3 124 1\n0 0 0\n2 1 0\n`, keys)).toEqual(new Map([
      [keys[3], { code: 124, timedOut: true }],
      [keys[0], { code: 0, timedOut: false }],
      [keys[2], { code: 1, timedOut: false }],
    ]));
  });
  it("a check that printed nothing is absent", () => expect(parseExit("0 0 0\n", keys).has(keys[2]!)).toBe(false));
  it.each([["garbage\n", /unexpected line/], ["7 0 0\n", /index 7 is not a check/], ["1 0 0\n", /index 1 is not a check/]])("fails on %j", (out, message) => {
    expect(() => parseExit(out, keys)).toThrow(message);
  });
  it("a fragment with no valid key reads nothing", () => {
    expect(exitFact.script(["nope"])).toBe("true");
    expect(parseExit("", ["nope"]).size).toBe(0);
  });
});

describe("exit: the fragment, run by bash in a fact script", () => {
  /** Runs the fact script for `keys` with the local bash and returns the exit facts. */
  function run(keys: string[]) {
    const script = factScript(keys.map((key) => ({ fact: "exit", key })), HOST_FACTS, NONCE);
    const r = spawnSync("bash", [], { input: script.text, encoding: "utf8", timeout: 20_000 });
    expect(r.status).toBe(0);
    const { values, failures } = parseFactOutput(script, r.stdout, r.stderr, HOST_FACTS);
    expect(failures).toEqual(new Map());
    return values.get("exit") ?? new Map();
  }

  it("records each check's status, its output discarded, its line never in an argv", () => {
    const me = userInfo().username;
    const keys = [
      exitKey("true"),
      exitKey("exit 7"),
      exitKey(`test -e ${quote("/nonexistent/it's here")}`),
      exitKey("echo noise; echo more >&2; read -r x; exit 0"),
      exitKey(`A=${quote("x y")} bash -c ${quote('[ "$A" = "x y" ]')}`),
      exitKey("exit 124"),
      exitKey("no-such-command-pgsty"),
      exitKey("false", me),
      "not a key",
      // the check's own bash was started with the loader as argv, not with this line
      exitKey(`w=SECRET-WORD; ! grep -qzF "$w" /proc/$$/cmdline && grep -qzF __pgsty_cmd /proc/$$/cmdline`),
    ];
    const got = run(keys);
    expect(Object.fromEntries([...got].map(([k, v]) => [k, v]))).toEqual({
      [keys[0]!]: { code: 0, timedOut: false },
      [keys[1]!]: { code: 7, timedOut: false },
      [keys[2]!]: { code: 1, timedOut: false },
      [keys[3]!]: { code: 0, timedOut: false },
      [keys[4]!]: { code: 0, timedOut: false },
      // a check's own 124 in time is a status, not a timeout
      [keys[5]!]: { code: 124, timedOut: false },
      [keys[6]!]: { code: 127, timedOut: false },
      [keys[7]!]: { code: 1, timedOut: false },
      [keys[9]!]: { code: 0, timedOut: false },
    });
  });

  it.skipIf(process.getuid?.() !== 0)("as root, runs a check as another user through runuser", () => {
    const keys = [exitKey(`[ "$(id -un)" = nobody ]`, "nobody"), exitKey(`[ "$(id -un)" = nobody ]`)];
    const got = run(keys);
    expect(got.get(keys[0]!)).toEqual({ code: 0, timedOut: false });
    expect(got.get(keys[1]!)).toEqual({ code: 1, timedOut: false });
  });

  it("the checks run at once and under a limit", () => {
    const script = exitFact.script([exitKey("sleep 1"), exitKey("sleep 1"), exitKey("sleep 1")]);
    expect(script).toContain(`timeout -k 2 ${EXIT_TIMEOUT_S} bash -c`);
    const started = Date.now();
    run([exitKey("sleep 1"), exitKey("sleep 1 && true"), exitKey("sleep 1 || true")]);
    expect(Date.now() - started).toBeLessThan(2_500);
  });
});
