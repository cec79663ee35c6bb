/**
 * pgbouncer and pgBackRest configuration against the real programs (Debian 12: PostgreSQL 15,
 * pgbouncer 1.18, pgBackRest 2.45): a throwaway PostgreSQL (initdb as postgres with SCRAM and a
 * superuser password, unix socket in a temp dir, unused ports) checks our SCRAM verifiers both
 * ways; pgbouncer started on the rendered files logs users in with their passwords (SCRAM from
 * the client, SCRAM pass-through to PostgreSQL), refuses users the inventory no longer lists after
 * a RELOAD, and routes to the right port; pgBackRest parses the rendered config and creates the
 * stanza. Passwords travel in PGPASSWORD or on stdin, never in argv. Everything started here is
 * stopped by pid. Skips (with the reason) when binaries are missing, never when CI is set.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderPgbackrest } from "../../src/modules/pgbackrest/pgbackrest.js";
import { PGBOUNCER_PIDFILE, renderPgbouncer } from "../../src/modules/pgbouncer/pgbouncer.js";
import { derivedVerifier, parseScram, scramVerifier, verifyScram } from "../../src/modules/pgbouncer/scram.js";
import { contextFor } from "../unit/modules/context-helper.js";
import { freePort } from "./pg-server.js";

const PG_BIN = "/usr/lib/postgresql/15/bin";
const SUPER_PASSWORD = "It.Super.Secret";
const CLUSTER = "pg-it";

function which(cmd: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;
}

function probe(): string | undefined {
  if (process.platform !== "linux") return "needs Linux";
  if (process.getuid?.() !== 0) return "needs root (to run PostgreSQL and pgbouncer as postgres)";
  if (spawnSync("id", ["postgres"]).status !== 0) return "no postgres OS user";
  for (const b of [`${PG_BIN}/initdb`, `${PG_BIN}/pg_ctl`]) if (!existsSync(b)) return `${b} missing (apt-get install postgresql-15)`;
  for (const c of ["pgbouncer", "psql", "pgbackrest", "runuser"]) if (!which(c)) return `${c} missing`;
  return undefined;
}
const reason = probe();
const skip = reason !== undefined && !process.env["CI"];

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command as postgres; `env` adds variables (PGPASSWORD), `input` goes to stdin. */
function asPostgres(argv: readonly string[], o: { env?: Record<string, string>; input?: string; timeoutMs?: number } = {}): Run {
  const r = spawnSync("runuser", ["-u", "postgres", "--", ...argv], {
    env: { ...process.env, LANG: "C.UTF-8", ...o.env },
    input: o.input,
    encoding: "utf8",
    timeout: o.timeoutMs ?? 30_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
}

async function waitForPort(port: number, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const ok = await new Promise<boolean>((resolve) => {
      const c = connect(port, "127.0.0.1");
      c.once("connect", () => (c.destroy(), resolve(true)));
      c.once("error", () => resolve(false));
    });
    if (ok) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

describe.skipIf(skip)(`pgbouncer and pgBackRest config against real programs${skip ? ` (skipped: ${reason})` : ""}`, () => {
  let dir = "";
  let sock = "";
  let pgPort = 0;
  let pgbPort = 0;
  let pgStarted = false;

  /** SQL as the superuser over the socket, on stdin (passwords never in argv). */
  const sql = (text: string, db = "postgres"): string => {
    const r = asPostgres(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-h", sock, "-p", String(pgPort), "-U", "postgres", "-d", db], {
      env: { PGPASSWORD: SUPER_PASSWORD },
      input: text,
    });
    if (r.code !== 0) throw new Error(`psql failed: ${r.stderr}`);
    return r.stdout.trim();
  };
  /** A login through pgbouncer over TCP with a password from the environment. */
  const viaPgbouncer = (user: string, password: string, db: string): Run =>
    asPostgres(["psql", "-X", "-At", "-h", "127.0.0.1", "-p", String(pgbPort), "-U", user, "-d", db, "-c", "SELECT current_user || '@' || current_database()"], {
      env: { PGPASSWORD: password, PGCONNECT_TIMEOUT: "5" },
    });
  /** The admin console as the dbsu over the unix socket (peer authentication). */
  const admin = (command: string): string => {
    const r = asPostgres(["psql", "-X", "-At", "-h", sock, "-p", String(pgbPort), "-U", "postgres", "-d", "pgbouncer", "-c", command]);
    if (r.code !== 0) throw new Error(`admin console: ${r.stderr}`);
    return r.stdout;
  };

  function inventory(users: string): string {
    return `all:
  vars: { admin_ip: 127.0.0.1, pg_version: 15, pg_admin_password: It.Admin.Pass, pg_monitor_password: It.Monitor.Pass }
  children:
    ${CLUSTER}:
      hosts: { 127.0.0.1: { pg_seq: 1, pg_role: primary } }
      vars:
        pg_cluster: ${CLUSTER}
        pg_port: ${pgPort}
        pgbouncer_port: ${pgbPort}
        pg_localhost: ${sock}
        pg_data: ${dir}/data
        pg_listen: '\${lo}'
        pgbouncer_log_dir: ${dir}/log
        pgbackrest_log_dir: ${dir}/log
        pgbackrest_repo: { local: { path: ${dir}/backup, retention_full_type: count, retention_full: 2 } }
        pg_databases: [ { name: appdb, owner: dbuser_app }, { name: app-db } ]
        pg_users:
${users}`;
  }
  const ALL_USERS = `          - { name: dbuser_app, password: App.It.Pass, pgbouncer: true, pool_mode: session, pool_connlimit: 5 }
          - { name: dbuser_keep, password: 'Kéép.It.Pass', pgbouncer: true }
          - { name: dbuser_nopool, password: NoPool.It.Pass }
`;

  /** Renders pgbouncer's files into dir/pgbouncer (paths moved from /etc/pgbouncer), for postgres. */
  function writePgbouncer(users: string, existing: Map<string, string>): void {
    const ctx = contextFor(inventory(users), "127.0.0.1");
    for (const f of renderPgbouncer(ctx, { existingSecrets: existing })) {
      const content = f.content.replaceAll("/etc/pgbouncer/", `${dir}/pgbouncer/`).replaceAll(PGBOUNCER_PIDFILE, `${dir}/pgbouncer.pid`);
      const path = f.path.replace("/etc/pgbouncer/", `${dir}/pgbouncer/`);
      writeFileSync(path, content, { mode: Number.parseInt(f.mode, 8) });
      chownSync(path, uid, gid);
    }
  }
  let uid = 0;
  let gid = 0;

  beforeAll(async () => {
    if (reason) throw new Error(`cannot run: ${reason}`); // only reached in CI
    uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
    gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
    dir = mkdtempSync(join(tmpdir(), "pgsty-pgb-"));
    sock = join(dir, "sock");
    for (const d of ["sock", "log", "pgbouncer", "backup", "spool"]) mkdirSync(join(dir, d));
    for (const d of [dir, sock, join(dir, "log"), join(dir, "pgbouncer"), join(dir, "backup"), join(dir, "spool")]) chownSync(d, uid, gid);
    [pgPort, pgbPort] = [await freePort(), await freePort()];
    writeFileSync(join(dir, "pwfile"), `${SUPER_PASSWORD}\n`, { mode: 0o600 });
    chownSync(join(dir, "pwfile"), uid, gid);
    const init = asPostgres([`${PG_BIN}/initdb`, "-D", join(dir, "data"), "-A", "scram-sha-256", "-U", "postgres", `--pwfile=${join(dir, "pwfile")}`, "-E", "UTF8", "--locale=C.UTF-8"]);
    if (init.code !== 0) throw new Error(`initdb: ${init.stderr}`);
    const start = asPostgres([`${PG_BIN}/pg_ctl`, "-D", join(dir, "data"), "-l", join(dir, "log", "postgres.log"), "-w", "-o", `-p ${pgPort} -k ${sock} -c listen_addresses=''`, "start"]);
    if (start.code !== 0) throw new Error(`pg_ctl start: ${start.stderr}\n${readFileSync(join(dir, "log", "postgres.log"), "utf8")}`);
    pgStarted = true;
  }, 60_000);

  afterAll(() => {
    const pidfile = join(dir, "pgbouncer.pid");
    if (dir && existsSync(pidfile)) {
      const pid = Number(readFileSync(pidfile, "utf8").trim());
      if (pid > 0) spawnSync("kill", ["-INT", String(pid)]);
    }
    if (pgStarted) asPostgres([`${PG_BIN}/pg_ctl`, "-D", join(dir, "data"), "-m", "fast", "-w", "stop"]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it("PostgreSQL's verifier has our format, and we compute and verify it", () => {
    const password = "Pg.Made.Pässword";
    sql(`CREATE ROLE fx_pg LOGIN PASSWORD '${password}';`);
    const stored = sql("SELECT rolpassword FROM pg_authid WHERE rolname = 'fx_pg'");
    const parts = parseScram(stored);
    expect(parts?.iterations).toBe(4096);
    expect(parts?.salt).toHaveLength(16);
    expect(verifyScram(password, stored)).toBe(true);
    expect(verifyScram("wrong", stored)).toBe(false);
    expect(scramVerifier(password, { salt: parts!.salt })).toBe(stored);
    console.log(`fixture: password ${JSON.stringify(password)} → ${stored}`);
  });

  it("PostgreSQL takes our deterministic verifier as a password, and the password logs in", () => {
    const verifier = derivedVerifier("App.It.Pass", "dbuser_app", CLUSTER);
    sql(`CREATE ROLE dbuser_app LOGIN PASSWORD '${verifier}';`);
    expect(sql("SELECT rolpassword FROM pg_authid WHERE rolname = 'dbuser_app'")).toBe(verifier);
    const r = asPostgres(["psql", "-X", "-At", "-h", sock, "-p", String(pgPort), "-U", "dbuser_app", "-d", "postgres", "-c", "SELECT current_user"], {
      env: { PGPASSWORD: "App.It.Pass" },
    });
    expect(r.stderr).toBe("");
    expect(r.stdout.trim()).toBe("dbuser_app");
  });

  it("pgbouncer logs users in with the rendered files, routes by port, and drops removed users on RELOAD", async () => {
    // dbuser_keep gets a verifier PostgreSQL salted at random: a live plan passes it as existing
    sql("CREATE ROLE dbuser_keep LOGIN PASSWORD 'Kéép.It.Pass'; CREATE ROLE dbuser_nopool LOGIN PASSWORD 'NoPool.It.Pass';");
    sql(`CREATE DATABASE appdb OWNER dbuser_app; CREATE DATABASE "app-db"; GRANT ALL ON DATABASE "app-db" TO dbuser_keep;`);
    const keep = sql("SELECT rolpassword FROM pg_authid WHERE rolname = 'dbuser_keep'");
    writePgbouncer(ALL_USERS, new Map([["dbuser_keep", keep]]));
    writeFileSync(join(dir, "pgbouncer", "pgb_hba.conf"), "local pgbouncer postgres peer\nlocal all all scram-sha-256\nhost all all 127.0.0.1/32 scram-sha-256\n");
    chownSync(join(dir, "pgbouncer", "pgb_hba.conf"), uid, gid);
    expect(readFileSync(join(dir, "pgbouncer", "userlist.txt"), "utf8")).toContain(`"dbuser_keep" "${keep}"`);

    const started = asPostgres(["pgbouncer", "-d", join(dir, "pgbouncer", "pgbouncer.ini")]);
    expect(started.code, started.stderr).toBe(0);
    expect(await waitForPort(pgbPort, 10_000)).toBe(true);

    expect(viaPgbouncer("dbuser_app", "App.It.Pass", "appdb")).toMatchObject({ code: 0, stdout: "dbuser_app@appdb\n" });
    expect(viaPgbouncer("dbuser_keep", "Kéép.It.Pass", "app-db")).toMatchObject({ code: 0, stdout: "dbuser_keep@app-db\n" });
    expect(viaPgbouncer("dbuser_app", "wrong", "appdb").code).not.toBe(0);
    expect(viaPgbouncer("dbuser_nopool", "NoPool.It.Pass", "appdb").code).not.toBe(0);

    const databases = admin("SHOW DATABASES");
    expect(databases).toMatch(new RegExp(`^appdb\\|${sock.replaceAll("/", "\\/")}\\|${pgPort}\\|appdb\\|`, "m"));
    expect(admin("SHOW USERS")).toMatch(/^dbuser_app\|session$/m);
    expect(admin("SHOW CONFIG")).toMatch(/^server_login_retry\|1\|/m);

    // the inventory drops dbuser_keep: the next render leaves it out, RELOAD applies it
    writePgbouncer(ALL_USERS.split("\n").filter((l) => !l.includes("dbuser_keep")).join("\n"), new Map());
    expect(readFileSync(join(dir, "pgbouncer", "userlist.txt"), "utf8")).not.toContain("dbuser_keep");
    admin("RELOAD");
    expect(viaPgbouncer("dbuser_keep", "Kéép.It.Pass", "app-db").code).not.toBe(0);
    expect(viaPgbouncer("dbuser_app", "App.It.Pass", "appdb")).toMatchObject({ code: 0, stdout: "dbuser_app@appdb\n" });
  }, 60_000);

  it("pgBackRest parses the rendered config and creates the stanza", () => {
    const ctx = contextFor(inventory(ALL_USERS), "127.0.0.1");
    const conf = join(dir, "pgbackrest.conf");
    const write = (content: string) => {
      writeFileSync(conf, content.replace("spool-path=/pg/spool", `spool-path=${dir}/spool`), { mode: 0o640 });
      chownSync(conf, uid, gid);
    };
    write(renderPgbackrest(ctx)[0]!.content);
    const info = asPostgres(["pgbackrest", `--config=${conf}`, `--lock-path=${dir}/lock`, "info"]);
    expect(info.stderr + info.stdout).not.toMatch(/invalid option|not valid|\[03[12]\]/);
    expect(info).toMatchObject({ code: 0, stdout: "No stanzas exist in the repository.\n" });
    const create = asPostgres(["pgbackrest", `--config=${conf}`, `--lock-path=${dir}/lock`, `--stanza=${CLUSTER}`, "--log-level-console=warn", "stanza-create"], {
      env: { PGPASSWORD: SUPER_PASSWORD },
    });
    expect(create.stderr + create.stdout).toBe("");
    expect(create.code).toBe(0);
    expect(asPostgres(["pgbackrest", `--config=${conf}`, `--lock-path=${dir}/lock`, "info"]).stdout).toContain(`stanza: ${CLUSTER}`);
  }, 60_000);

  it("pgBackRest parses a rendered S3 repository config (it fails only on reaching the store)", () => {
    const text = inventory(ALL_USERS).replace(
      /pgbackrest_repo: .*\n/,
      `pgbackrest_method: minio\n        pgbackrest_repo: { minio: { type: s3, s3_endpoint: s3.invalid, s3_region: us-east-1, s3_bucket: pgsql, s3_key: k, s3_key_secret: It.S3.Secret, s3_uri_style: path, path: /pgbackrest, storage_port: 9000, storage_verify_tls: n, bundle: y, bundle_limit: 20MiB, bundle_size: 128MiB, cipher_type: aes-256-cbc, cipher_pass: 'It.\${pg_cluster}', retention_full_type: time, retention_full: 14 } }\n`,
    );
    const f = renderPgbackrest(contextFor(text, "127.0.0.1"))[0]!;
    expect(f.sensitive).toBe(true);
    const conf = join(dir, "pgbackrest-s3.conf");
    writeFileSync(conf, f.content.replace("spool-path=/pg/spool", `spool-path=${dir}/spool`), { mode: 0o640 });
    chownSync(conf, uid, gid);
    // a closed local port instead of the endpoint: fails at once, after the config is parsed
    const r = asPostgres(["pgbackrest", `--config=${conf}`, `--lock-path=${dir}/lock`, "--repo1-storage-host=127.0.0.1", "--io-timeout=2", "info"]);
    const out = r.stderr + r.stdout;
    expect(out).not.toMatch(/invalid option|not valid|\[03[12]\]|unable to parse/);
    expect(out).toMatch(/HostConnectError|unable to connect/);
  }, 60_000);
});
