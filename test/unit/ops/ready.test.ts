// The readiness probe run by bash against a local HTTP server: ready when one of the paths
// answers 200, a clear error with the last answer when none does in time.
import { spawn } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readyArg, readyCommand } from "../../../src/ops/ready.js";
import type { TaskSpec } from "../../../src/plan/types.js";

describe("readiness probe", () => {
  let server: Server;
  let port = 0;
  let healthyAfter = 0;
  beforeAll(async () => {
    const started = Date.now();
    server = createServer((req, res) => {
      const ok = req.url === "/replica" && Date.now() - started > healthyAfter;
      res.writeHead(ok ? 200 : 503).end();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => server.close());

  // async: the server answers from this very process
  const bash = (text: string) =>
    new Promise<{ status: number | null; stderr: string }>((resolve) => {
      const p = spawn("bash", ["-c", text]);
      let stderr = "";
      p.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      p.on("close", (status) => resolve({ status, stderr }));
    });
  const run = (paths: string[], timeoutSec: number) => bash(readyCommand({ address: `127.0.0.1:${port}`, paths, timeoutSec, what: "test" }).text);

  it("ready once one of the paths answers 200", async () => {
    healthyAfter = 700;
    const r = await run(["/leader", "/replica"], 10);
    expect(r.status).toBe(0);
  });

  it("not ready: exits 1 naming the last answer", async () => {
    const r = await run(["/leader"], 1);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`not ready after 1s (test): http://127.0.0.1:${port} answered /leader: HTTP/1.1 503 Service Unavailable`);
  });

  it("nobody listening: 'no answer'", async () => {
    const r = await bash(readyCommand({ address: "127.0.0.1:1", paths: ["/health"], timeoutSec: 1, what: "test" }).text);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("answered no answer");
  });

  it("rejects a malformed probe", () => {
    const task = (ready: unknown): TaskSpec => ({ step: "s", op: "service.running", key: "patroni", args: { unit: "patroni", ready } });
    expect(readyArg(task(undefined))).toBeUndefined();
    expect(() => readyArg(task({ address: "x:1", paths: ["no-slash"], timeoutSec: 1, what: "w" }))).toThrow(/ready/);
    expect(() => readyArg(task({ address: "x; rm -rf /:1", paths: ["/"], timeoutSec: 1, what: "w" }))).toThrow(/ready/);
  });
});
