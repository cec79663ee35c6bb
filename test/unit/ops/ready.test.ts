// The readiness probe run by bash against a local HTTP server: ready when one of the paths
// answers 200, a clear error with the last answer when none does in time.
import { spawn, spawnSync } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { userInfo } from "node:os";
import { readyArg, readyCommand, streamingArg, streamingCommand } from "../../../src/ops/ready.js";
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

describe("streaming probe", () => {
  it("no server to ask: exits 1 after its time with psql's last answer", () => {
    // as this user (no runuser), on a socket directory where nothing listens
    const p = { dbsu: userInfo().username, socketDir: "/nonexistent-pgsty-socket", port: 5999, timeoutSec: 1 };
    const t0 = Date.now();
    const r = spawnSync("bash", ["-c", streamingCommand(p).text], { encoding: "utf8" });
    expect(r.status).toBe(1);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1000);
    expect(r.stderr).toMatch(/^not streaming WAL from its upstream after 1s: .*(nonexistent-pgsty-socket|not found)/);
  });

  it("rejects a malformed probe", () => {
    const task = (streaming: unknown): TaskSpec => ({ step: "s", op: "service.running", key: "patroni", args: { unit: "patroni", streaming } });
    expect(streamingArg(task(undefined))).toBeUndefined();
    expect(streamingArg(task({ dbsu: "postgres", socketDir: "/run/postgresql", port: 5432, timeoutSec: 60 }))).toMatchObject({ port: 5432 });
    expect(() => streamingArg(task({ dbsu: "postgres", socketDir: "/run/postgresql", port: "5432; reboot", timeoutSec: 60 }))).toThrow(/streaming/);
    expect(() => streamingArg(task({ dbsu: "postgres", port: 5432, timeoutSec: 60 }))).toThrow(/streaming/);
  });
});
