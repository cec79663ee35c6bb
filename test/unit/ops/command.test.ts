import { describe, expect, it } from "vitest";
import { exitKey } from "../../../src/facts/exit.js";
import { deferredSecret } from "../../../src/modules/deferred-secret.js";
import { commandArgs, commandLine, commandOp } from "../../../src/ops/command.js";
import type { TaskSpec } from "../../../src/plan/types.js";
import { applyContext, factSet, FakeConnector, fileFact, task } from "./fake.js";

const C = "/var/lib/thing/.initialized";
const CHECK = ["test", "-f", "/etc/thing.conf"];
const cmdTask = (args: Record<string, unknown> = {}, extra: Partial<TaskSpec> = {}) =>
  task("command", "thing-init", { cmd: ["thing", "init", "--dir", "/var/lib/thing"], creates: C, ...args }, extra);
const checkKey = (user?: string) => exitKey("test -f /etc/thing.conf", user);
/** Facts: `exists` → the creates path is there; `code` → the check's status. */
const facts = (o: { exists?: boolean; code?: number; timedOut?: boolean; user?: string } = {}, failed: Record<string, string> = {}) =>
  factSet({
    file: o.exists ? { [C]: fileFact("0".repeat(64)) } : {},
    exit: o.code === undefined ? {} : { [checkKey(o.user)]: { code: o.code, timedOut: o.timedOut ?? false } },
  }, failed);
const diffOf = (t: TaskSpec, f: ReturnType<typeof facts>) => commandOp.diff(t, commandOp.observe(t, f));
const RUN = { action: "run", effect: "none" } as const;

describe("command: args", () => {
  it("needs the file fact of `creates` and the exit fact of `unless`, keyed by the quoted line and user", () => {
    expect(commandOp.needs(cmdTask())).toEqual([{ fact: "file", key: C }]);
    expect(commandOp.needs(cmdTask({ creates: undefined, unless: CHECK }))).toEqual([{ fact: "exit", key: checkKey() }]);
    expect(commandOp.needs(cmdTask({ unless: ["psql", "-c", "select 1"], user: "postgres" }))).toEqual([
      { fact: "file", key: C },
      { fact: "exit", key: exitKey("psql -c 'select 1'", "postgres") },
    ]);
  });

  it.each([
    [{ cmd: "thing init" }, /arg `cmd` must be an argv \(a list: program, then its arguments\), not a shell string: "thing init"/],
    [{ cmd: [] }, /arg `cmd` must be a non-empty list of strings/],
    [{ cmd: ["", "x"] }, /arg `cmd` must be a non-empty list of strings/],
    [{ cmd: ["thing", 3] }, /arg `cmd` must be a non-empty list of strings/],
    [{ cmd: undefined }, /arg `cmd` must be a non-empty list of strings/],
    [{ unless: "test -f /x" }, /arg `unless` must be an argv/],
    [{ creates: "relative/path" }, /arg `creates` must be a normalized absolute path/],
    [{ creates: undefined }, /needs a guard, `creates` or `unless`: without one it would run on every apply/],
    [{ user: "no body" }, /arg `user` is not a valid user or group name/],
    [{ env: ["A=b"] }, /arg `env` must be a map of variable names to strings/],
    [{ env: { "A-B": "x" } }, /arg `env`: not a variable name: "A-B"/],
    [{ env: { PORT: 5432 } }, /arg `env.PORT` must be a string/],
    [{ unles: CHECK }, /unknown arg `unles` \(known: cmd, creates, unless, user, env\)/],
    [{ sensitive: true }, /mark secrets with the task's `sensitive` paths/],
  ])("refuses %j", (args, message) => {
    expect(() => commandOp.needs(cmdTask(args))).toThrow(TypeError);
    expect(() => commandOp.needs(cmdTask(args))).toThrow(message);
  });

  it("names the task in its errors", () => expect(() => commandArgs(cmdTask({ cmd: [] }))).toThrow(/^command\[thing-init\]: /));

  it("builds the line: env sorted in front, every word quoted", () => {
    const a = commandArgs(cmdTask({ cmd: ["sh", "-c", "echo $HOME; rm -rf /"], env: { ZED: "1", A_B: "x y" } }));
    expect(commandLine(cmdTask(), a, "cmd")).toEqual({ text: `A_B='x y' ZED=1 sh -c 'echo $HOME; rm -rf /'`, display: `A_B='x y' ZED=1 sh -c 'echo $HOME; rm -rf /'` });
  });

  it("masks words at the task's sensitive paths, and deferred secrets", () => {
    const t = cmdTask({ cmd: ["thing", "--token", "s3cr3t!"], env: { PGPASSWORD: "hunter22", PGUSER: "dba" } }, { sensitive: ["cmd.2", "env.PGPASSWORD"] });
    const line = commandLine(t, commandArgs(t), "cmd");
    expect(line.display).toBe("PGPASSWORD=(sensitive) PGUSER=dba thing --token (sensitive)");
    expect(line.text).toBe("PGPASSWORD=hunter22 PGUSER=dba thing --token 's3cr3t!'");
    const token = deferredSecret(["command-test"], () => "computed");
    const d = cmdTask({ env: { V: token } });
    expect(commandLine(d, commandArgs(d), "cmd")).toMatchObject({ text: "V=computed thing init --dir /var/lib/thing", display: "V=(sensitive) thing init --dir /var/lib/thing" });
  });
});

describe("command: diff", () => {
  it("creates: the path exists → noop, whatever it is", () => {
    expect(diffOf(cmdTask(), facts({ exists: true }))).toEqual({ action: "noop", effect: "none" });
  });
  it("creates: absent → run, with the reason and the task's effect", () => {
    expect(diffOf(cmdTask(), facts())).toEqual({ ...RUN, reason: `${C} does not exist` });
    expect(diffOf(cmdTask({}, { effect: "restart" }), facts())).toEqual({ action: "run", effect: "restart", reason: `${C} does not exist` });
  });
  it("unless: exit 0 → noop; non-zero → run, with the masked check, user and a hint", () => {
    const t = cmdTask({ creates: undefined, unless: CHECK });
    expect(diffOf(t, facts({ code: 0 })).action).toBe("noop");
    expect(diffOf(t, facts({ code: 1 }))).toEqual({ ...RUN, reason: "`test -f /etc/thing.conf` exited 1" });
    expect(diffOf(t, facts({ code: 127 }))).toEqual({ ...RUN, reason: "`test -f /etc/thing.conf` exited 127 (command not found)" });
    expect(diffOf(cmdTask({ creates: undefined, unless: CHECK, user: "postgres" }), facts({ code: 126, user: "postgres" }))).toEqual({
      ...RUN, reason: "`test -f /etc/thing.conf` (as postgres) exited 126 (not executable)",
    });
    const s = cmdTask({ creates: undefined, unless: ["check", "--key", "k3y-value"] }, { sensitive: ["unless.2"] });
    const key = exitKey("check --key k3y-value");
    expect(commandOp.needs(s)).toEqual([{ fact: "exit", key }]);
    expect(diffOf(s, factSet({ exit: { [key]: { code: 2, timedOut: false } } }))).toEqual({ ...RUN, reason: "`check --key (sensitive)` exited 2" });
  });
  it("both guards: either one satisfied is enough; neither → both reasons", () => {
    const t = cmdTask({ unless: CHECK });
    expect(diffOf(t, facts({ exists: true, code: 1 })).action).toBe("noop");
    expect(diffOf(t, facts({ exists: false, code: 0 })).action).toBe("noop");
    expect(diffOf(t, facts({ code: 3 }))).toEqual({ ...RUN, reason: `${C} does not exist and \`test -f /etc/thing.conf\` exited 3` });
  });
  it("a guard satisfied wins over the other one being unreadable", () => {
    const t = cmdTask({ unless: CHECK });
    expect(diffOf(t, facts({ exists: true }, { exit: "exited 2" })).action).toBe("noop");
    expect(diffOf(t, facts({ code: 0 }, { file: "timeout" })).action).toBe("noop");
  });
  it("unreadable guards → unknown", () => {
    expect(diffOf(cmdTask(), facts({}, { file: "timeout" }))).toEqual({ action: "unknown", effect: "none", reason: "file fact unavailable: timeout" });
    const t = cmdTask({ creates: undefined, unless: CHECK });
    expect(diffOf(t, facts({}, { exit: "exited 2" }))).toEqual({ action: "unknown", effect: "none", reason: "exit fact unavailable: exited 2" });
    expect(diffOf(t, facts())).toEqual({ action: "unknown", effect: "none", reason: "`test -f /etc/thing.conf` did not report its exit status" });
    expect(diffOf(cmdTask({ unless: CHECK }), facts({ code: 1 }, { file: "boom" }))).toMatchObject({ action: "unknown", reason: "file fact unavailable: boom" });
    expect(diffOf(cmdTask({ unless: CHECK }), facts({}, { file: "boom" }))).toMatchObject({
      action: "unknown", reason: "file fact unavailable: boom; `test -f /etc/thing.conf` did not report its exit status",
    });
    expect(commandOp.diff(cmdTask(), null)).toMatchObject({ action: "unknown" });
  });
  it("a check that timed out → unknown, never run blindly", () => {
    const t = cmdTask({ unless: CHECK });
    expect(diffOf(t, facts({ code: 124, timedOut: true }))).toEqual({ action: "unknown", effect: "none", reason: "`test -f /etc/thing.conf` did not finish within 10 s" });
  });
});

describe("command: apply", () => {
  it("re-reads the guards (the check with the same user and env), then runs the line as the user", async () => {
    const c = new FakeConnector();
    const t = cmdTask({ unless: CHECK, user: "postgres", env: { PGPORT: "5433" } });
    const key = exitKey("PGPORT=5433 test -f /etc/thing.conf", "postgres");
    expect(commandOp.needs(t)).toEqual([{ fact: "file", key: C }, { fact: "exit", key }]);
    const ctx = applyContext(c, factSet({ exit: { [key]: { code: 1, timedOut: false } } }));
    await commandOp.apply(ctx, t, { ...RUN, reason: "x" });
    expect(ctx.refreshed).toEqual([commandOp.needs(t)]);
    expect(c.log).toEqual(["[postgres] PGPORT=5433 thing init --dir /var/lib/thing"]);
  });
  it("without a user: the connector's default", async () => {
    const c = new FakeConnector();
    await commandOp.apply(applyContext(c, facts()), cmdTask(), RUN);
    expect(c.commands).toEqual([{ display: "thing init --dir /var/lib/thing", text: "thing init --dir /var/lib/thing" }]);
  });
  it("a guard come true since the plan: nothing runs", async () => {
    const c = new FakeConnector();
    await commandOp.apply(applyContext(c, facts({ exists: true })), cmdTask(), RUN);
    expect(c.log).toEqual([]);
  });
  it("guards unreadable at apply: refused, nothing runs", async () => {
    const c = new FakeConnector();
    await expect(commandOp.apply(applyContext(c, facts({}, { file: "timeout" })), cmdTask(), RUN)).rejects.toThrow(/^command\[thing-init\]: not applied: file fact unavailable: timeout/);
    expect(c.log).toEqual([]);
  });
  it("noop does nothing; unknown is refused without reading anything", async () => {
    const c = new FakeConnector();
    const ctx = applyContext(c, facts());
    await commandOp.apply(ctx, cmdTask(), { action: "noop", effect: "none" });
    await expect(commandOp.apply(ctx, cmdTask(), { action: "unknown", effect: "none", reason: "check timed out" })).rejects.toThrow(/not applied: check timed out/);
    expect(ctx.refreshed).toEqual([]);
    expect(c.log).toEqual([]);
  });
  it("secrets: masked in the display, real in the text", async () => {
    const c = new FakeConnector();
    const t = cmdTask({ env: { PGPASSWORD: "hunter22" } }, { sensitive: ["env.PGPASSWORD"] });
    await commandOp.apply(applyContext(c, facts()), t, RUN);
    expect(c.commands).toEqual([{ display: "PGPASSWORD=(sensitive) thing init --dir /var/lib/thing", text: "PGPASSWORD=hunter22 thing init --dir /var/lib/thing" }]);
  });
  it("a non-zero exit throws with the masked command and stderr's tail", async () => {
    const c = new FakeConnector(() => ({ code: 2, stderr: "thing: warming up\nthing: /var/lib/thing: permission denied\n" }));
    const t = cmdTask({ cmd: ["thing", "init", "--token", "t0ken"] }, { sensitive: ["cmd.3"] });
    const err = await commandOp.apply(applyContext(c, facts()), t, RUN).then(() => undefined, (e: unknown) => e as Error);
    expect(err?.message).toBe("fake-1: `thing init --token (sensitive)` exited 2: thing: warming up | thing: /var/lib/thing: permission denied");
    expect(err?.name).toBe("ExecError");
  });
});
