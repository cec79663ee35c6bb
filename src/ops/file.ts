/**
 * Op `file`: a regular file with exact content, owner, group and mode.
 *
 * Args (modules/file-task.ts): { path, content, owner, group, mode, sensitive, validate? }.
 *
 * - observe: the `file` fact (lstat: type, sha256, mode, owner). When the hash differs from the
 *   wanted content, `moreNeeds` asks for `file.content` (second round trip, only for those files)
 *   so the plan can show a unified diff. Contents holding deferred secrets are compared by the
 *   hash of their materialized form (computed here, never shown).
 * - diff: create / update (content → unified diff, masked when the file is sensitive or holds
 *   deferred secrets — maskSecretsInText, plus a secret keyword anywhere in a line such as
 *   HAProxy's `user admin insecure-password x`; owner/group/mode → fields) / noop. A directory, symlink
 *   or special file at the path is `unknown`: pgsty never replaces what it did not write as a file.
 * - apply: secrets are materialized right before writing.
 *   - without `validate`: `connector.put` (temp file in the same directory, owner/mode set,
 *     fsync, rename; the temp file is removed on any failure).
 *   - with `validate` (e.g. `haproxy -c -f {path}`): ONE remote script, content on stdin, writes a
 *     temp file in the same directory, sets owner/mode, runs the validator on it (`{path}` → the
 *     temp file), and renames it into place only if the validator succeeds. Its EXIT/HUP/INT/TERM
 *     traps remove the temp file on every path — a failed validator, a dropped connection, a
 *     killed command — so no temp file (with or without secrets) stays behind, and the old file
 *     is never touched unless the new one is valid. On failure apply throws with the validator's
 *     output, secrets masked.
 *   - `<path>.pgsty-prev` (decision): kept only for validated files that are NOT sensitive — a
 *     hard link to the replaced file made just before the rename (same inode, owner, mode), so a
 *     later step that finds the new file wrong at run time (a reload that fails) can put it back
 *     with `restorePreviousFile`. A failed validation needs no rollback (the old file was never
 *     replaced). Sensitive files get no copy: an old password must not linger on disk.
 *   - owner/mode-only changes: chown + chmod, the content is not rewritten.
 */
import { quote, raw, SENSITIVE, sh, type Command } from "../exec/command.js";
import { execChecked, type Connector } from "../exec/connector.js";
import type { FactRequest, FactSet } from "../facts/fact.js";
import { hasDeferredSecrets, materializeSecrets } from "../modules/deferred-secret.js";
import { maskSecretsInText, unifiedDiff } from "../plan/compare.js";
import type { TaskSpec } from "../plan/types.js";
import { argBool, argMode, argName, argOptionalString, argPath, execOptions, factFailure, NOOP, ownershipChanges, refuse, sha256Hex, unknownDiff, type FileContentFact, type FileFact } from "./args.js";
import type { RenderedFile } from "../modules/types.js";
import { isUnobservable, type ApplyContext, type Op, type OpDiff, type Unobservable } from "./op.js";

/** The args of a `file` task: the rendered file as modules/file-task.ts puts it in the task. */
export type FileArgs = Pick<RenderedFile, "path" | "content" | "owner" | "group" | "mode" | "sensitive" | "validate">;

/** What the host has at the path; `content` when the second round trip read it. */
export interface FileState extends FileFact {
  readonly content?: string;
  /** Why the content read cannot be shown as a diff ("binary", "larger than 4 MiB"). */
  readonly contentNote?: string;
}

/** An op that may ask for more facts once the first round trip is in (the engine's second round). */
export interface FollowUpOp<S = unknown> extends Op<S> {
  moreNeeds(task: TaskSpec, facts: FactSet): FactRequest[];
}

export function hasFollowUp(op: Op): op is FollowUpOp {
  return typeof (op as Partial<FollowUpOp>).moreNeeds === "function";
}

export function fileArgs(task: TaskSpec): FileArgs {
  const content = task.args["content"];
  if (typeof content !== "string") throw new TypeError(`${task.op}[${task.key}]: arg \`content\` must be a string`);
  const validate = argOptionalString(task, "validate");
  return {
    path: argPath(task),
    content,
    owner: argName(task, "owner"),
    group: argName(task, "group"),
    mode: argMode(task),
    sensitive: argBool(task, "sensitive", false) || task.sensitive === true || (Array.isArray(task.sensitive) && task.sensitive.includes("content")),
    ...(validate !== undefined ? { validate } : {}),
  };
}

/** sha256 of what will really be written (deferred secrets materialized; cached per content). */
const hashCache = new Map<string, string>();
export function wantedHash(content: string): string {
  let h = hashCache.get(content);
  if (h === undefined) {
    h = sha256Hex(hasDeferredSecrets(content) ? materializeSecrets(content) : content);
    if (hashCache.size > 4096) hashCache.clear();
    hashCache.set(content, h);
  }
  return h;
}

/** Why an existing path cannot be treated as a regular file (pgsty never replaces it). */
export function notAFile(path: string, f: FileFact): string | undefined {
  if (f.type === "file") return undefined;
  const what = f.type === "dir" ? "a directory" : f.type === "link" ? `a symbolic link (→ ${f.linkTarget ?? "?"})` : "a special file";
  return `${path} is ${what}, not a regular file: pgsty does not replace it (move it away first)`;
}


// A secret keyword anywhere in a line (HAProxy's `user admin insecure-password x`), which
// maskSecretsInText only finds at the start of a line.

/** maskSecretsInText, and the value after a secret keyword anywhere in a line (comments kept). */
export function maskSensitiveText(text: string): string {
  return maskSecretsInText(text);
}

/** The content diff as the plan shows it: masked when sensitive or holding deferred secrets. */
function contentDiff(a: FileArgs, before: string): Partial<OpDiff> {
  const masked = a.sensitive || hasDeferredSecrets(a.content);
  const d = masked ? unifiedDiff(a.path, maskSensitiveText(before), maskSensitiveText(a.content)) : unifiedDiff(a.path, before, a.content);
  if (d) return { diff: d, ...(masked ? { reason: "content differs (secrets masked)" } : { reason: "content differs" }) };
  return { reason: masked ? "content differs (sensitive)" : "content differs" };
}

export const fileOp: FollowUpOp<FileState> = {
  kind: "file",

  needs(task) {
    return [{ fact: "file", key: argPath(task) }];
  },

  moreNeeds(task, facts) {
    const a = fileArgs(task);
    const f = facts.get<FileFact>("file", a.path);
    if (!f || f.type !== "file" || f.sha256 === wantedHash(a.content)) return [];
    if (facts.get<FileContentFact>("file.content", a.path) !== undefined || facts.failed("file.content") !== undefined) return [];
    return [{ fact: "file.content", key: a.path }];
  },

  observe(task, facts): FileState | null | Unobservable {
    const path = argPath(task);
    const failed = factFailure(facts, "file");
    if (failed) return failed;
    const f = facts.get<FileFact>("file", path);
    if (!f) return null;
    const c = facts.get<FileContentFact>("file.content", path);
    if (c === undefined) return f;
    if (c.truncated) return { ...f, contentNote: "larger than the diff limit" };
    return c.text === undefined ? { ...f, contentNote: "not UTF-8 text" } : { ...f, content: c.text };
  },

  diff(task, observed): OpDiff {
    const a = fileArgs(task);
    const effect = task.effect ?? "none";
    if (isUnobservable(observed)) return unknownDiff(observed.reason);
    if (observed === null) return { action: "create", effect, reason: "absent on the host", fields: ownershipChanges(a, undefined) };
    const wrong = notAFile(a.path, observed);
    if (wrong) return unknownDiff(wrong);
    const meta = ownershipChanges(a, observed);
    const same = observed.sha256 === wantedHash(a.content);
    if (same && meta.length === 0) return NOOP;
    if (same) return { action: "update", effect: "none", reason: "owner or mode differs", fields: meta };
    const content = observed.content === undefined
      ? { reason: `content differs (sha256 ${short(observed.sha256)} → ${short(wantedHash(a.content))}${observed.contentNote ? `; on the host: ${observed.contentNote}` : ""})` }
      : contentDiff(a, observed.content);
    return { action: "update", effect, ...content, fields: [{ field: "content" }, ...meta] };
  },

  async apply(ctx: ApplyContext, task: TaskSpec, diff: OpDiff): Promise<void> {
    if (diff.action === "noop") return;
    if (diff.action !== "create" && diff.action !== "update") throw refuse(task, diff);
    const a = fileArgs(task);
    const conn = ctx.connector;
    const contentChanges = diff.action === "create" || (diff.fields ?? []).some((f) => f.field === "content");
    if (!contentChanges) {
      await execChecked(conn, sh`chown -h -- ${`${a.owner}:${a.group}`} ${a.path} && chmod -- ${a.mode} ${a.path}`, execOptions(ctx));
      return;
    }
    const bytes = Buffer.from(materializeSecrets(a.content), "utf8");
    if (a.validate === undefined) {
      await conn.put(a.path, bytes, { mode: a.mode, owner: a.owner, group: a.group });
      return;
    }
    await writeValidated(conn, a, bytes, ctx.signal);
  },
};

function short(h: string | undefined): string {
  return h ? h.slice(0, 12) : "?";
}

// The write-validate-activate script. Runs with dest, mode, owner_spec, keep_prev set; content
// on stdin. Exit 3: the path is not a regular file; 4: the validator failed.
const WRITE_SCRIPT = `set -uo pipefail
dir=$(dirname -- "$dest") && base=$(basename -- "$dest") || exit 1
if [ -L "$dest" ] || { [ -e "$dest" ] && [ ! -f "$dest" ]; }; then
  echo "pgsty: $dest exists and is not a regular file: not replaced" >&2; exit 3
fi
tmp=$(mktemp -- "$dir/.$base.pgsty.XXXXXX") || exit 1
trap 'rm -f -- "$tmp"' EXIT
trap 'exit 129' HUP; trap 'exit 130' INT; trap 'exit 143' TERM
set -e
cat > "$tmp"
chown -- "$owner_spec" "$tmp"
chmod -- "$mode" "$tmp"
set +e
out=$(__PGSTY_VALIDATE__ 2>&1 </dev/null); rc=$?
set -e
if [ "$rc" != 0 ]; then printf '%s\\n' "$out" >&2; echo "pgsty: validation exited $rc: $dest not changed" >&2; exit 4; fi
sync -- "$tmp"
if [ "$keep_prev" = 1 ] && [ -f "$dest" ]; then ln -f -- "$dest" "$dest.pgsty-prev"; fi
mv -fT -- "$tmp" "$dest"
sync -- "$dir" 2>/dev/null || true`;

/** The Command that writes, validates and activates a file (content on stdin). */
export function writeValidatedCommand(a: FileArgs, size: number): Command {
  const v = a.validate ?? "";
  if (!v.includes("{path}")) throw new TypeError(`file[${a.path}]: validate must contain {path}: ${v}`);
  const validator = v.split("{path}").join(`"$tmp"`);
  const script = sh`dest=${a.path} mode=${a.mode} owner_spec=${`${a.owner}:${a.group}`} keep_prev=${a.sensitive ? "0" : "1"}
${raw(WRITE_SCRIPT.replace("__PGSTY_VALIDATE__", validator))}`;
  return {
    text: script.text,
    display: `write ${quote(a.path)} (${size} bytes, mode=${a.mode} owner=${a.owner}:${a.group}) if \`${v}\` accepts it`,
  };
}

/** The secret values of a content (values of lines maskSecretsInText hides, deferred secrets). */
function secretValues(content: string): string[] {
  const out = new Set<string>();
  const real = materializeSecrets(content).split("\n");
  const masked = maskSensitiveText(content).split("\n");
  real.forEach((line, i) => {
    const m = masked[i];
    if (m === undefined || m === line) return;
    let p = 0;
    while (p < line.length && p < m.length && line[p] === m[p]) p++;
    const value = line.slice(p).trim();
    if (value.length >= 4) {
      out.add(value);
      const unq = value.replace(/^['"]|['"]$/g, "");
      if (unq.length >= 4) out.add(unq);
    }
  });
  return [...out].sort((x, y) => y.length - x.length);
}

/** Output of a command that saw the file: secrets masked. */
export function maskOutput(output: string, content: string): string {
  let s = output;
  for (const v of secretValues(content)) s = s.split(v).join(SENSITIVE);
  return maskSensitiveText(s);
}

async function writeValidated(conn: Connector, a: FileArgs, bytes: Buffer, signal: AbortSignal | undefined): Promise<void> {
  const cmd = writeValidatedCommand(a, bytes.length);
  const r = await conn.exec(cmd, { stdin: bytes, ...(signal ? { signal } : {}) });
  if (r.code === 0) return;
  const out = maskOutput(`${r.stdout}${r.stderr}`.trim(), a.content);
  if (r.code === 4) throw new Error(`${conn.host}: ${a.path}: the new content failed validation (\`${a.validate ?? ""}\`); the file was not changed:\n${out}`);
  throw new Error(`${conn.host}: ${a.path}: not written (exit ${r.code}):\n${out}`);
}

/** Puts `<path>.pgsty-prev` back (a later step found the new file wrong). False when there is none. */
export async function restorePreviousFile(conn: Connector, path: string): Promise<boolean> {
  const r = await conn.exec(sh`if [ -f ${`${path}.pgsty-prev`} ]; then mv -fT -- ${`${path}.pgsty-prev`} ${path}; else exit 3; fi`);
  if (r.code === 3) return false;
  if (r.code !== 0) throw new Error(`${conn.host}: could not restore ${path}.pgsty-prev: ${r.stderr.trim()}`);
  return true;
}
