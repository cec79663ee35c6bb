/**
 * A throwaway PostgreSQL 15 for integration tests (initdb into a temp dir as user postgres, unix
 * socket in that dir, an unused port, no TCP; always stopped by `stop()`), and fact reading
 * through the engine's gatherer (one script per host) or, for recordings, one fragment alone.
 */
import { execFileSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Connector } from "../../src/exec/connector.js";
import type { Fact, FactRequest, FactSet } from "../../src/facts/fact.js";
import { gatherFacts as gatherWithEngine } from "../../src/facts/gather.js";

export const PG_BIN = "/usr/lib/postgresql/15/bin";

/** Why the suite cannot run here (never skipped under CI). */
export function skipReason(): string | undefined {
  if (process.env.CI) return undefined;
  if (!existsSync(`${PG_BIN}/initdb`)) return `${PG_BIN}/initdb is missing`;
  if (process.getuid?.() !== 0) return "needs root (PostgreSQL runs as user postgres)";
  return undefined;
}

/** A TCP port nothing listens on right now (on loopback). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer().once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === "object" && addr ? resolve(addr.port) : reject(new Error("no port"))));
    });
  });
}

export interface TestServer {
  readonly dir: string;
  readonly port: number;
  /** psql as postgres (superuser) in `database`; returns stdout. For setting up drift by hand. */
  psql(sql: string, database?: string): string;
  stop(): void;
}

export async function startServer(): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), "pgsty-pgops-"));
  const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }));
  const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }));
  chownSync(dir, uid, gid);
  const port = await freePort();
  const run = (prog: string, args: string[], input?: string) =>
    execFileSync("runuser", ["-u", "postgres", "--", prog, ...args], { cwd: dir, encoding: "utf8", input, stdio: ["pipe", "pipe", "pipe"] });
  const data = join(dir, "data");
  run(`${PG_BIN}/initdb`, ["-D", data, "-U", "postgres", "-A", "peer", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"]);
  let started = false;
  const stop = () => {
    if (started) {
      try {
        run(`${PG_BIN}/pg_ctl`, ["-D", data, "-m", "immediate", "-w", "stop"]);
      } catch {
        // already stopped
      }
      started = false;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    run(`${PG_BIN}/pg_ctl`, ["-D", data, "-l", join(dir, "log"), "-w", "-o", `-k ${dir} -p ${port} -c listen_addresses='' -c fsync=off`, "start"]);
    started = true;
  } catch (e) {
    stop();
    throw e;
  }
  return {
    dir,
    port,
    psql: (sql, database = "postgres") =>
      run(`${PG_BIN}/psql`, ["-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-h", dir, "-p", String(port), "-d", database], sql),
    stop,
  };
}

/** Raw outputs of the fragments, by fact name (what a recording writes to fixtures). */
export async function runFragment(conn: Connector, fact: Fact<unknown>, keys: readonly string[]): Promise<string> {
  const r = await conn.exec({ text: `set -u\n${fact.script(keys)}`, display: `facts ${fact.name}` });
  if (r.code !== 0) throw new Error(`fragment of ${fact.name} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

/** Gathers the requested facts in one round trip, with the engine's own gatherer. */
export async function gatherFacts(conn: Connector, registry: ReadonlyMap<string, Fact<unknown>>, requests: readonly FactRequest[]): Promise<FactSet> {
  return gatherWithEngine(conn, requests, registry);
}
