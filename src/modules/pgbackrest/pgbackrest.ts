/**
 * `/etc/pgbackrest/pgbackrest.conf` of a PostgreSQL instance (reference §7.1–7.2): the selected
 * repository (`pgbackrest_repo[pgbackrest_method]`) as `repo1-*` options, archiving, logging and
 * parallelism in `[global]` and its command sections, and the `[<pg_cluster>]` stanza pointing at
 * the local instance. Pure: lays the values out through templates/pgbackrest/pgbackrest.conf.njk;
 * must not import I/O modules.
 *
 * Decisions:
 * - Repository options are written in the schema's field order (not as written in YAML), so the
 *   file does not change when the inventory only reorders keys; `${pg_cluster}` in a value is
 *   replaced by the cluster name (per-cluster cipher passphrases); y/n options accept booleans;
 *   list options (sftp_known_host) repeat the key.
 * - The stanza also names the socket directory and port (pg_localhost, pg_port) and the dbsu, so a
 *   non-default socket or port works (pgBackRest otherwise assumes libpq's built-in socket
 *   directory and port 5432).
 * - process-max scales with the node's CPUs: a quarter of them (1–4) for backups and archiving,
 *   so a backup on a busy primary does not take over the node; up to 8 for restores, when the
 *   node has nothing else to do.
 * - The file holds repository secrets (S3 keys, cipher passphrase) for some methods: mode 0640 for
 *   the dbsu, and sensitive (plans never show its diff) whenever the selected repository has one.
 * - Effect "none": pgBackRest reads the file on every command.
 * - `block` (block incremental) is left out on Debian 12, with a warning: its pgBackRest 2.45
 *   treats it as a beta feature and refuses every backup while it is set (2.46+ is needed).
 */
import { error, warning, type Diagnostic } from "../../diagnostics.js";
import { varPosition } from "../../model/resolve.js";
import { pgbackrestRepoSchema, type PgBackrestRepo } from "../../model/schema/index.js";
import { renderTemplate } from "../../template.js";
import type { HostContext, PlatformId } from "../context.js";
import { sharedAcrossHosts } from "../memo.js";
import type { RenderedFile } from "../types.js";

export const PGBACKREST_CONF = "/etc/pgbackrest/pgbackrest.conf";
/** Repository fields holding secrets. */
export const REPO_SECRET_FIELDS: readonly string[] = ["s3_key_secret", "cipher_pass", "s3_token", "s3_sse_customer_key", "azure_key", "sftp_private_key_passphrase"];

export interface ConfOption {
  readonly key: string;
  readonly value: string;
}

export interface ConfSection {
  readonly name: string;
  readonly options: readonly ConfOption[];
}

const FIELD_ORDER: readonly string[] = Object.keys(pgbackrestRepoSchema.shape);
/** Platforms whose packaged pgBackRest (2.45 on Debian 12) refuses backups with repo1-block. */
const NO_BLOCK_INCREMENTAL: readonly PlatformId[] = ["debian12"];

function blockDropped(ctx: HostContext, repo: PgBackrestRepo): boolean {
  return NO_BLOCK_INCREMENTAL.includes(ctx.platform.id) && (repo.block === "y" || repo.block === true);
}

/** A value on one line of the file; a line break would start a new option. */
function confValue(v: string, what: string): string {
  if (/[\r\n\0]/.test(v)) throw new Error(`${what} contains a line break or NUL`);
  return v;
}

/** The selected repository, or undefined when pgbackrest_method names none. */
export function selectedRepo(ctx: HostContext): PgBackrestRepo | undefined {
  const repos = ctx.vars.pgbackrest_repo as Readonly<Record<string, PgBackrestRepo>>;
  return Object.hasOwn(repos, ctx.vars.pgbackrest_method) ? repos[ctx.vars.pgbackrest_method] : undefined;
}

/** `repo1-*` options of a repository. */
export function repoOptions(repo: PgBackrestRepo, cluster: string): ConfOption[] {
  const r = repo as Readonly<Record<string, unknown>>;
  const keys = [...FIELD_ORDER.filter((k) => k in r), ...Object.keys(r).filter((k) => !FIELD_ORDER.includes(k)).sort()];
  const out: ConfOption[] = [];
  for (const k of keys) {
    const raw = r[k];
    if (raw === undefined || raw === null) continue;
    const key = `repo1-${k.replaceAll("_", "-")}`;
    for (const item of Array.isArray(raw) ? raw : [raw]) {
      const text = typeof item === "boolean" ? (item ? "y" : "n") : String(item).replaceAll("${pg_cluster}", cluster);
      out.push({ key, value: confValue(text, `pgbackrest_repo option ${k}`) });
    }
  }
  return out;
}

const clamp = (n: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, n));

/** process-max per command for a node with `cpu` CPUs. */
export function processMax(cpu: number): { backup: number; archive: number; restore: number } {
  const n = Number.isFinite(cpu) && cpu >= 1 ? Math.floor(cpu) : 1;
  const quarter = clamp(Math.ceil(n / 4), 1, 4);
  return { backup: quarter, archive: quarter, restore: clamp(n, 1, 8) };
}

/** Every section of the file, in order. */
export function pgbackrestSections(ctx: HostContext): ConfSection[] {
  const v = ctx.vars;
  const cluster = ctx.cluster?.name ?? String(v.pg_cluster ?? "");
  const repo = selectedRepo(ctx);
  if (!repo) throw new Error(`pgbackrest_method ${v.pgbackrest_method} is not a key of pgbackrest_repo`);
  const pm = processMax(ctx.node.cpu);
  const opt = (key: string, value: string | number): ConfOption => ({ key, value: confValue(String(value), key) });
  return [
    {
      name: "global",
      options: [
        ...repoOptions(repo, cluster).filter((o) => o.key !== "repo1-block" || !NO_BLOCK_INCREMENTAL.includes(ctx.platform.id)),
        opt("archive-async", "y"),
        opt("archive-push-queue-max", "4GiB"),
        opt("spool-path", "/pg/spool"),
        opt("compress-type", "zst"),
        opt("start-fast", "y"),
        opt("delta", "y"),
        opt("log-path", v.pgbackrest_log_dir),
        opt("log-level-console", "info"),
        opt("log-level-file", "info"),
      ],
    },
    { name: "global:archive-push", options: [opt("process-max", pm.archive)] },
    { name: "global:archive-get", options: [opt("process-max", pm.archive)] },
    { name: "global:backup", options: [opt("process-max", pm.backup)] },
    { name: "global:restore", options: [opt("process-max", pm.restore)] },
    {
      name: confValue(cluster, "pg_cluster"),
      options: [opt("pg1-path", v.pg_data), opt("pg1-socket-path", v.pg_localhost), opt("pg1-port", v.pg_port), opt("pg1-user", v.pg_dbsu)],
    },
  ];
}

/** Whether the selected repository carries a secret. */
export function repoHasSecret(repo: PgBackrestRepo | undefined): boolean {
  const r = (repo ?? {}) as Readonly<Record<string, unknown>>;
  return REPO_SECRET_FIELDS.some((k) => r[k] !== undefined && r[k] !== "");
}

/** The sections as the file lists them: each after an empty line, `key=value` per option. */
export function layoutSections(sections: readonly ConfSection[]): string {
  let out = "";
  for (const s of sections) {
    out += `\n[${s.name}]\n`;
    for (const o of s.options) out += `${o.key}=${o.value}\n`;
  }
  return out;
}

const sectionsText = (ctx: HostContext): string => layoutSections(pgbackrestSections(ctx));

/** pgbackrest.conf of this host; none unless it runs PostgreSQL with pgbackrest_enabled. */
export function renderPgbackrest(ctx: HostContext): RenderedFile[] {
  if (!ctx.instance || !ctx.vars.pgbackrest_enabled) return [];
  const v = ctx.vars;
  const content = renderTemplate("pgbackrest/pgbackrest.conf.njk", {
    path: PGBACKREST_CONF,
    cluster: ctx.cluster?.name ?? String(v.pg_cluster ?? ""),
    instance: ctx.instance.name,
    ip: ctx.ip,
    method: v.pgbackrest_method,
    // the sections are the cluster's (and the node size's): laid out once for its members
    body: sharedAcrossHosts(ctx, "pgbackrest", sectionsText),
  });
  return [
    {
      path: PGBACKREST_CONF,
      content,
      owner: v.pg_dbsu,
      group: v.pg_dbsu,
      mode: "0640",
      sensitive: repoHasSecret(selectedRepo(ctx)),
      effect: "none",
    },
  ];
}

/**
 * Problems that stop pgbackrest.conf from rendering or working, as diagnostics (run before
 * rendering): an unknown pgbackrest_method; encryption without a passphrase (every pgBackRest
 * command would fail); block incremental where the packaged pgBackRest refuses it (left out).
 */
export function pgbackrestDiagnostics(ctx: HostContext): Diagnostic[] {
  const v = ctx.vars;
  if (!ctx.instance || !v.pgbackrest_enabled) return [];
  const repo = selectedRepo(ctx);
  if (!repo) {
    const known = Object.keys(v.pgbackrest_repo).sort();
    return [
      error("pgbackrest.method", `pgbackrest_method ${v.pgbackrest_method} is not a repository of pgbackrest_repo`, {
        source: varPosition(ctx.host, "pgbackrest_method"),
        detail: known.length ? `pgbackrest_repo defines: ${known.join(", ")}` : "pgbackrest_repo is empty",
        hint: "set pgbackrest_method to one of them, or define that repository in pgbackrest_repo",
      }),
    ];
  }
  const out: Diagnostic[] = [];
  if (blockDropped(ctx, repo)) {
    out.push(
      warning("pgbackrest.block", `block incremental (block: y) of repository ${v.pgbackrest_method} is left out on ${ctx.platform.id}`, {
        source: varPosition(ctx.host, "pgbackrest_repo", [v.pgbackrest_method, "block"]),
        detail: "Debian 12 ships pgBackRest 2.45, where block incremental is a beta feature: backups refuse to run while repo1-block is set",
        hint: "remove `block` from the repository (it needs pgBackRest 2.46 or later)",
      }),
    );
  }
  if (repo.cipher_type === "aes-256-cbc" && !repo.cipher_pass) {
    out.push(
      error("pgbackrest.cipher", `repository ${v.pgbackrest_method} is encrypted (aes-256-cbc) but has no cipher_pass`, {
        source: varPosition(ctx.host, "pgbackrest_repo", [v.pgbackrest_method]),
        hint: "set cipher_pass (e.g. 'pgBR.${pg_cluster}'), or cipher_type: none",
      }),
    );
  }
  return out;
}
