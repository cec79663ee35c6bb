// pgbackrest.conf (src/modules/pgbackrest/pgbackrest.ts): repository options, sections,
// parallelism from the node size, secrets, which hosts get it, and its diagnostics.
import { describe, expect, it } from "vitest";
import { EL9, type HostContext } from "../../../../src/modules/context.js";
import {
  pgbackrestDiagnostics,
  pgbackrestSections,
  processMax,
  renderPgbackrest,
  repoHasSecret,
  repoOptions,
} from "../../../../src/modules/pgbackrest/pgbackrest.js";
import { contextFor } from "../context-helper.js";

function inventory(vars = ""): string {
  const v = vars.split("\n").map((l) => `        ${l}`).join("\n");
  return `all:
  vars: { admin_ip: 10.10.10.10 }
  children:
    etcd: { hosts: { 10.10.10.20: { etcd_seq: 1 } } }
    pg-test:
      hosts:
        10.10.10.11: { pg_seq: 1, pg_role: primary }
      vars:
        pg_cluster: pg-test
${v}
`;
}
const ctxOf = (vars = "", host = "10.10.10.11", o: { cpu?: number } = {}) =>
  contextFor(inventory(vars), host, o.cpu ? { nodeSizes: new Map([[host, { cpu: o.cpu, memMb: 8192, fsBytes: 1e11 }]]) } : {});
const conf = (vars = "", o: { cpu?: number } = {}) => renderPgbackrest(ctxOf(vars, "10.10.10.11", o))[0]!;
const withVars = (ctx: HostContext, vars: Record<string, unknown>): HostContext => ({
  ...ctx,
  vars: Object.assign(Object.create(ctx.vars) as HostContext["vars"], vars),
});
/** `key=value` lines of one section. */
function section(text: string, name: string): string[] {
  const m = new RegExp(`^\\[${name.replace(/[:-]/g, "\\$&")}\\]\\n((?:[^\\[\\n][^\\n]*\\n)*)`, "m").exec(text);
  return (m?.[1] ?? "").split("\n").filter((l) => l !== "");
}

describe("renderPgbackrest", () => {
  it("writes /etc/pgbackrest/pgbackrest.conf for the dbsu, 0640, effect none", () => {
    expect(renderPgbackrest(ctxOf()).map((f) => [f.path, f.owner, f.group, f.mode, f.sensitive, f.effect, f.service])).toEqual([
      ["/etc/pgbackrest/pgbackrest.conf", "postgres", "postgres", "0640", false, "none", undefined],
    ]);
  });
  it("writes nothing where pgbackrest is disabled or no PostgreSQL runs", () => {
    expect(renderPgbackrest(ctxOf("pgbackrest_enabled: false"))).toEqual([]);
    expect(renderPgbackrest(ctxOf("", "10.10.10.20"))).toEqual([]);
  });
  it("has the local repository, global options and a stanza named after the cluster", () => {
    const t = conf().content;
    expect(section(t, "global")).toEqual([
      "repo1-path=/pg/backup",
      "repo1-retention-full-type=count",
      "repo1-retention-full=2",
      "archive-async=y",
      "archive-push-queue-max=4GiB",
      "spool-path=/pg/spool",
      "compress-type=zst",
      "start-fast=y",
      "delta=y",
      "log-path=/pg/log/pgbackrest",
      "log-level-console=info",
      "log-level-file=info",
    ]);
    expect(section(t, "pg-test")).toEqual(["pg1-path=/pg/data", "pg1-socket-path=/var/run/postgresql", "pg1-port=5432", "pg1-user=postgres"]);
    expect(t.match(/^\[[^\]]+\]$/gm)).toEqual(["[global]", "[global:archive-push]", "[global:archive-get]", "[global:backup]", "[global:restore]", "[pg-test]"]);
    expect(t).not.toMatch(/\d{4}-\d{2}-\d{2}/);
  });
  it("follows pg_data, pg_port, pg_localhost, pg_dbsu and pgbackrest_log_dir", () => {
    const t = conf("pg_data: /data/pg\npg_port: 5433\npg_localhost: /tmp\npg_dbsu: pgdba\npgbackrest_log_dir: /var/log/pbr").content;
    expect(section(t, "pg-test")).toEqual(["pg1-path=/data/pg", "pg1-socket-path=/tmp", "pg1-port=5433", "pg1-user=pgdba"]);
    expect(section(t, "global")).toContain("log-path=/var/log/pbr");
  });
  it("writes the minio repository in schema order, secrets marked sensitive", () => {
    const f = conf("pgbackrest_method: minio");
    expect(f.sensitive).toBe(true);
    expect(section(f.content, "global").filter((l) => l.startsWith("repo1-"))).toEqual([
      "repo1-type=s3",
      "repo1-path=/pgbackrest",
      "repo1-retention-full-type=time",
      "repo1-retention-full=14",
      "repo1-bundle=y",
      "repo1-bundle-limit=20MiB",
      "repo1-bundle-size=128MiB",
      "repo1-cipher-type=aes-256-cbc",
      "repo1-cipher-pass=pgBackRest",
      "repo1-s3-endpoint=sss.pigsty",
      "repo1-s3-region=us-east-1",
      "repo1-s3-bucket=pgsql",
      "repo1-s3-key=pgbackrest",
      "repo1-s3-key-secret=S3User.Backup",
      "repo1-s3-uri-style=path",
      "repo1-storage-port=9000",
      "repo1-storage-ca-file=/etc/pki/ca.crt",
    ]);
  });
  it("keeps block incremental where the packaged pgBackRest supports it (EL9), not on Debian 12", () => {
    const el9 = renderPgbackrest(contextFor(inventory("pgbackrest_method: minio"), "10.10.10.11", { platforms: new Map([["10.10.10.11", EL9]]) }))[0]!;
    expect(el9.content).toContain("repo1-block=y\nrepo1-bundle=y\n");
    expect(conf("pgbackrest_method: minio").content).not.toContain("repo1-block");
  });
  it("renders the same file whatever the key order in YAML", () => {
    const a = conf("pgbackrest_repo: { r: { path: /b, type: posix, retention_full: 3 } }\npgbackrest_method: r").content;
    const b = conf("pgbackrest_repo: { r: { retention_full: 3, type: posix, path: /b } }\npgbackrest_method: r").content;
    expect(a).toBe(b);
  });
  it("refuses an unknown method and values with line breaks", () => {
    expect(() => conf("pgbackrest_method: nowhere")).toThrow(/not a key of pgbackrest_repo/);
    const ctx = withVars(ctxOf(), { pgbackrest_repo: { local: { path: "/pg/backup\n[global]" } } });
    expect(() => renderPgbackrest(ctx)).toThrow(/line break/);
  });
});

describe("repoOptions", () => {
  it("maps booleans to y/n, substitutes ${pg_cluster}, repeats list options, keeps unknown keys sorted last", () => {
    const repo = { cipher_pass: "pgBR.${pg_cluster}", block: true, bundle: false, sftp_known_host: ["/a", "/b"], zz: 1, aa: "x" } as never;
    expect(repoOptions(repo, "pg-test")).toEqual([
      { key: "repo1-block", value: "y" },
      { key: "repo1-bundle", value: "n" },
      { key: "repo1-cipher-pass", value: "pgBR.pg-test" },
      { key: "repo1-sftp-known-host", value: "/a" },
      { key: "repo1-sftp-known-host", value: "/b" },
      { key: "repo1-aa", value: "x" },
      { key: "repo1-zz", value: "1" },
    ]);
  });
  it("skips undefined and null values", () => {
    expect(repoOptions({ path: "/x", type: undefined, host: null } as never, "c")).toEqual([{ key: "repo1-path", value: "/x" }]);
  });
});

describe("repoHasSecret", () => {
  it.each([
    ["s3_key_secret", true],
    ["cipher_pass", true],
    ["s3_token", true],
    ["azure_key", true],
    ["s3_key", false],
  ])("%s → %s", (k, expected) => expect(repoHasSecret({ [k]: "v" } as never)).toBe(expected));
  it("is false for empty values and no repository", () => {
    expect(repoHasSecret({ cipher_pass: "" } as never)).toBe(false);
    expect(repoHasSecret(undefined)).toBe(false);
  });
});

describe("processMax", () => {
  it.each([
    [1, { backup: 1, archive: 1, restore: 1 }],
    [4, { backup: 1, archive: 1, restore: 4 }],
    [8, { backup: 2, archive: 2, restore: 8 }],
    [16, { backup: 4, archive: 4, restore: 8 }],
    [64, { backup: 4, archive: 4, restore: 8 }],
    [0, { backup: 1, archive: 1, restore: 1 }],
    [Number.NaN, { backup: 1, archive: 1, restore: 1 }],
    [6.5, { backup: 2, archive: 2, restore: 6 }],
  ])("%s CPUs → %j", (cpu, expected) => expect(processMax(cpu)).toEqual(expected));
  it("uses the node's CPU count", () => {
    const t = conf("", { cpu: 16 }).content;
    expect(section(t, "global:backup")).toEqual(["process-max=4"]);
    expect(section(t, "global:restore")).toEqual(["process-max=8"]);
    expect(section(t, "global:archive-push")).toEqual(["process-max=4"]);
    expect(section(t, "global:archive-get")).toEqual(["process-max=4"]);
  });
  it("takes node_cpu from the inventory offline", () => {
    expect(pgbackrestSections(ctxOf("node_cpu: 8")).find((s) => s.name === "global:restore")!.options).toEqual([{ key: "process-max", value: "8" }]);
  });
});

describe("pgbackrestDiagnostics", () => {
  it("is empty for a valid setup, a disabled one and hosts without PostgreSQL", () => {
    expect(pgbackrestDiagnostics(ctxOf())).toEqual([]);
    expect(pgbackrestDiagnostics(ctxOf("pgbackrest_method: nowhere\npgbackrest_enabled: false"))).toEqual([]);
    expect(pgbackrestDiagnostics(ctxOf("", "10.10.10.20"))).toEqual([]);
  });
  it("reports an unknown method with the known ones", () => {
    const [d] = pgbackrestDiagnostics(ctxOf("pgbackrest_method: nowhere"));
    expect(d).toMatchObject({ severity: "error", code: "pgbackrest.method", detail: "pgbackrest_repo defines: local, minio" });
    expect(d!.source?.line).toBe(10);
    const [e] = pgbackrestDiagnostics(ctxOf("pgbackrest_method: x\npgbackrest_repo: {}"));
    expect(e!.detail).toBe("pgbackrest_repo is empty");
  });
  it("warns that block incremental is left out on Debian 12 only", () => {
    const [d] = pgbackrestDiagnostics(ctxOf("pgbackrest_method: minio"));
    expect(d).toMatchObject({ severity: "warning", code: "pgbackrest.block" });
    const el9 = contextFor(inventory("pgbackrest_method: minio"), "10.10.10.11", { platforms: new Map([["10.10.10.11", EL9]]) });
    expect(pgbackrestDiagnostics(el9)).toEqual([]);
    expect(pgbackrestDiagnostics(ctxOf("pgbackrest_method: r\npgbackrest_repo: { r: { path: /x, bundle: y, block: n } }"))).toEqual([]);
    expect(pgbackrestDiagnostics(ctxOf("pgbackrest_method: r\npgbackrest_repo: { r: { path: /x, bundle: true, block: true } }"))).toHaveLength(1);
  });
  it("reports encryption without a passphrase", () => {
    const [d] = pgbackrestDiagnostics(ctxOf("pgbackrest_method: r\npgbackrest_repo: { r: { path: /x, cipher_type: aes-256-cbc } }"));
    expect(d).toMatchObject({ severity: "error", code: "pgbackrest.cipher" });
  });
});
