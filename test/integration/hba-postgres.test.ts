/**
 * Rendered HBA files against the real programs. pg_hba.conf: every PostgreSQL instance of
 * conf/ha/pg-test.yml and conf/full.yml is loaded into a throwaway PostgreSQL 15 (initdb in a temp
 * dir, unix socket only, always stopped afterwards) and pg_hba_file_rules must report no error.
 * The server runs with ssl=on: otherwise PostgreSQL flags every hostssl line ("SSL is disabled").
 * pgb_hba.conf: every line has a connection type, user and method pgbouncer knows, and the real
 * pgbouncer parses it without a warning (started with nowhere to listen, it reads its HBA file and exits).
 * Skipped (with the reason in the suite name) without the programs or root, but never when CI is set.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadInventory } from "../../src/inventory/load.js";
import { buildModel } from "../../src/model/model.js";
import { hostContext, type HostContext } from "../../src/modules/context.js";
import { renderPgbHba, renderPgHba } from "../../src/modules/pgsql/hba.js";
import { freePort } from "./pg-server.js";

const BIN = "/usr/lib/postgresql/15/bin";
const PGBOUNCER = "/usr/sbin/pgbouncer";
const INVENTORIES = ["conf/ha/pg-test.yml", "conf/full.yml"];

/** Every PostgreSQL instance of the example inventories, as [inventory, host, context]. */
function instances(): [string, string, HostContext][] {
  return INVENTORIES.flatMap((file) => {
    const text = readFileSync(new URL(`../../${file}`, import.meta.url), "utf8");
    const loaded = loadInventory([{ file, text }]);
    const { model, diagnostics } = buildModel(loaded.inventory);
    const errors = [...loaded.diagnostics, ...diagnostics].filter((d) => d.severity === "error");
    if (errors.length) throw new Error(`${file}: ${errors.map((d) => d.summary).join("; ")}`);
    return [...model.instances.keys()].map((h): [string, string, HostContext] => [file, h, hostContext(model, h)]);
  });
}
const CASES = instances();

/** Lines that are rules: neither blank nor comments. */
const ruleLines = (text: string) => text.split("\n").filter((l) => l.trim() !== "" && !l.trimStart().startsWith("#"));

function skipReason(program: string): string | undefined {
  if (process.env.CI) return undefined; // CI must run it: a missing program there is a failure
  if (!existsSync(program)) return `${program} is missing (run test/integration/testbed/prepare.sh)`;
  if (process.getuid?.() !== 0) return "needs root (the programs run as user postgres)";
  return undefined;
}
const SKIP = skipReason(`${BIN}/initdb`);
const SKIP_PGBOUNCER = skipReason(PGBOUNCER);

describe.skipIf(SKIP !== undefined)(`pg_hba.conf loads into PostgreSQL 15${SKIP ? ` (skipped: ${SKIP})` : ""}`, () => {
  let dir = "";
  let data = "";
  let port = 0;
  let started = false;
  let trustHba = "";
  const ids = { uid: 0, gid: 0 };

  /** Runs a PostgreSQL program as user postgres (cwd: the temp dir, which postgres can read). */
  const asPostgres = (prog: string, args: string[]) =>
    execFileSync("runuser", ["-u", "postgres", "--", `${BIN}/${prog}`, ...args], { cwd: dir, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  const putAsPostgres = (path: string, content: string) => {
    writeFileSync(path, content, { mode: 0o600 });
    chownSync(path, ids.uid, ids.gid);
  };
  const psql = (...sql: string[]) => asPostgres("psql", ["-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1", "-h", dir, "-p", String(port), "-U", "postgres", "-d", "postgres", ...sql.flatMap((s) => ["-c", s])]);

  beforeAll(async () => {
    ids.uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }));
    ids.gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }));
    dir = mkdtempSync(join(tmpdir(), "pgsty-hba-"));
    chownSync(dir, ids.uid, ids.gid);
    data = join(dir, "data");
    asPostgres("initdb", ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8", "--locale", "C"]);
    trustHba = readFileSync(join(data, "pg_hba.conf"), "utf8");
    // a self-signed certificate: with ssl off, PostgreSQL reports every hostssl line as an error
    const key = join(dir, "server.key");
    const crt = join(dir, "server.crt");
    execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", crt, "-days", "1", "-subj", "/CN=localhost"], { stdio: "ignore" });
    for (const f of [key, crt]) chownSync(f, ids.uid, ids.gid);
    chmodSync(key, 0o600);
    port = await freePort();
    const opts = [`-k ${dir}`, "-c listen_addresses=''", `-p ${port}`, "-c ssl=on", `-c ssl_cert_file=${crt}`, `-c ssl_key_file=${key}`];
    started = true; // from here on, afterAll stops it even when the start fails half-way
    asPostgres("pg_ctl", ["start", "-w", "-t", "60", "-D", data, "-l", join(dir, "postgres.log"), "-o", opts.join(" ")]);
  }, 120_000);

  afterAll(() => {
    if (started) {
      try {
        asPostgres("pg_ctl", ["stop", "-w", "-m", "immediate", "-D", data]);
      } catch {
        // not running: nothing to stop
      }
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it.each(CASES.map(([file, host, ctx]) => ({ name: `${file} ${host}`, ctx })))("$name", ({ ctx }) => {
    const content = renderPgHba(ctx).content;
    putAsPostgres(join(data, "pg_hba.conf"), content);
    try {
      // one session: it authenticated under the trust file, before the reload
      const out = psql(
        "SELECT pg_reload_conf()",
        "SELECT count(*) FROM pg_hba_file_rules WHERE error IS NOT NULL",
        "SELECT count(*) FROM pg_hba_file_rules",
        "SELECT line_number || ': ' || error FROM pg_hba_file_rules WHERE error IS NOT NULL ORDER BY line_number",
      ).trim().split("\n");
      const [reloaded, errorCount, ruleCount, ...errors] = out;
      if (errorCount !== "0") {
        const lines = content.split("\n");
        console.error(errors.map((e) => `${e}\n    ${lines[Number(e.split(":")[0]) - 1] ?? ""}`).join("\n"));
      }
      expect(reloaded).toBe("t");
      expect(errors).toEqual([]);
      expect(errorCount).toBe("0");
      // every rule line of the file was read (pg_hba_file_rules reads the file on disk)
      expect(Number(ruleCount)).toBe(ruleLines(content).length);
    } finally {
      putAsPostgres(join(data, "pg_hba.conf"), trustHba);
      asPostgres("pg_ctl", ["reload", "-D", data]);
    }
  });
});

describe("pgb_hba.conf uses only what pgbouncer knows", () => {
  const TYPES = new Set(["local", "host", "hostssl", "hostnossl"]);
  const METHODS = new Set(["trust", "reject", "md5", "scram-sha-256", "peer", "cert", "password"]);

  it.each(CASES.map(([file, host, ctx]) => ({ name: `${file} ${host}`, ctx })))("$name", ({ ctx }) => {
    const lines = ruleLines(renderPgbHba(ctx).content);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      const f = line.trim().split(/\s+/);
      const type = f[0] ?? "";
      expect(TYPES.has(type), `connection type of: ${line}`).toBe(true);
      // local: type db user method; others: type db user address method (no options are rendered)
      expect(f.length, `field count of: ${line}`).toBe(type === "local" ? 4 : 5);
      expect(METHODS.has(f[f.length - 1] ?? ""), `method of: ${line}`).toBe(true);
      expect(f[1], `pgbouncer serves no replication: ${line}`).not.toBe("replication");
      expect(f[2]?.startsWith("+"), `pgbouncer has no +group users: ${line}`).toBe(false);
    }
  });
});

describe.skipIf(SKIP_PGBOUNCER !== undefined)(`pgb_hba.conf parses in pgbouncer${SKIP_PGBOUNCER ? ` (skipped: ${SKIP_PGBOUNCER})` : ""}`, () => {
  let dir = "";
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "pgsty-pgb-hba-"));
    execFileSync("chown", ["postgres:postgres", dir]);
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it.each(CASES.map(([file, host, ctx], i) => ({ name: `${file} ${host}`, ctx, i })))("$name", ({ ctx, i }) => {
    const hba = join(dir, `${i}.hba`);
    const log = join(dir, `${i}.log`);
    writeFileSync(hba, renderPgbHba(ctx).content);
    writeFileSync(join(dir, "users"), "");
    // no listen address and no socket dir: pgbouncer loads its config and HBA file, then exits
    const ini = `[databases]\n[pgbouncer]\nlisten_addr =\nunix_socket_dir =\nauth_type = hba\nauth_hba_file = ${hba}\nauth_file = ${join(dir, "users")}\nlogfile = ${log}\n`;
    writeFileSync(join(dir, `${i}.ini`), ini);
    execFileSync("chown", ["-R", "postgres:postgres", dir]);
    try {
      execFileSync("runuser", ["-u", "postgres", "--", PGBOUNCER, join(dir, `${i}.ini`)], { cwd: dir, stdio: "ignore", timeout: 20_000 });
    } catch {
      // expected: exits 1 with "nowhere to listen on"
    }
    const out = readFileSync(log, "utf8");
    expect(out, "pgbouncer got past loading its configuration").toContain("nowhere to listen on");
    expect(out.split("\n").filter((l) => /WARNING|ERROR/.test(l))).toEqual([]);
  });
});
