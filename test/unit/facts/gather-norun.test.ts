// The fact engine when its script never starts (sudo -n refused, before any fragment ran): the
// host fails with the script's stderr, which the preflight turns into a sudo refusal; a script
// that printed frames before failing keeps failing per fact.
import { describe, expect, it } from "vitest";
import { ExecError, type Connector, type ExecResult } from "../../../src/exec/connector.js";
import { gatherFacts } from "../../../src/facts/gather.js";
import { HOST_FACTS } from "../../../src/facts/index.js";

const result = (code: number, stdout: string, stderr: string): ExecResult => ({
  code, stdout, stderr, stdoutBytes: Buffer.from(stdout), stderrBytes: Buffer.from(stderr), durationMs: 1,
});
const conn = (r: ExecResult): Connector => ({ host: "h1", exec: () => Promise.resolve(r), put: async () => {}, close: async () => {} });
const NONCE = "0123456789abcdef0123456789abcdef";

describe("gatherFacts: a script that never ran", () => {
  it("rejects with ExecError failed and sudo's message", async () => {
    const p = gatherFacts(conn(result(1, "", "sudo: a password is required\n")), [{ fact: "os", key: "os" }], HOST_FACTS, { nonce: NONCE });
    await expect(p).rejects.toBeInstanceOf(ExecError);
    await expect(p).rejects.toThrow(/h1: `gather facts os` exited 1: sudo: a password is required/);
  });

  it("a script cut short after its first frame: per-fact failures, as before", async () => {
    const out = `\n@@pgsty-${NONCE} begin os@@\nID=debian\n`;
    const got = await gatherFacts(conn(result(137, out, "")), [{ fact: "os", key: "os" }, { fact: "pkg", key: "patroni" }], HOST_FACTS, { nonce: NONCE });
    expect(got.failed("os")).toMatch(/ended while reading/);
    expect(got.failed("pkg")).toMatch(/ended before/);
  });
});
