/**
 * Compares two states of one task (desired vs empty, or vs another inventory's desired state):
 * unified diffs for file contents, field diffs for objects, secrets masked. Pure.
 */
import { createTwoFilesPatch } from "diff";
import { MASK, maskPath } from "../model/secrets.js";
import { maskDeferredSecrets } from "../modules/deferred-secret.js";
import type { FieldChange, TaskSpec } from "./types.js";

/** Unified diff of two file contents, without the file header lines; "" when equal. */
export function unifiedDiff(path: string, before: string, after: string): string {
  if (before === after) return "";
  const patch = createTwoFilesPatch(path, path, before, after, "", "", { context: 2 });
  return patch.split("\n").slice(4).join("\n").trimEnd();
}

/** Whether `path` (dot-separated, `*` wildcards) is covered by the task's sensitive paths. */
export function isSensitivePath(spec: TaskSpec["sensitive"], path: readonly string[]): boolean {
  if (spec === true) return true;
  return (spec ?? []).some((pattern) => {
    const parts = pattern.split(".");
    return parts.length <= path.length && parts.every((p, i) => p === "*" || p === path[i]);
  });
}

/** `args` with sensitive paths replaced by "(sensitive)" (the same object when nothing is sensitive). */
export function maskArgs(args: Readonly<Record<string, unknown>>, spec: TaskSpec["sensitive"]): Readonly<Record<string, unknown>> {
  if (spec === true) return Object.fromEntries(Object.keys(args).map((k) => [k, maskPath(args[k], [])]));
  if (!spec?.length) return args;
  return spec.reduce<Readonly<Record<string, unknown>>>((acc, pattern) => maskPath(acc, pattern.split(".")) as Record<string, unknown>, args);
}

/** Fields of two arg objects that differ (top level; nested values compared whole), masked. */
export function fieldChanges(before: Readonly<Record<string, unknown>> | undefined, after: Readonly<Record<string, unknown>>, spec: TaskSpec["sensitive"]): FieldChange[] {
  const keys = [...new Set([...Object.keys(before ?? {}), ...Object.keys(after)])].sort();
  const out: FieldChange[] = [];
  const shownBefore = before && maskArgs(before, spec), shownAfter = maskArgs(after, spec);
  for (const k of keys) {
    const b = before?.[k], a = after[k];
    if (JSON.stringify(b) === JSON.stringify(a)) continue;
    const masked = isSensitivePath(spec, [k]);
    out.push({ field: k, ...(b !== undefined ? { before: masked ? MASK : shownBefore![k] } : {}), ...(a !== undefined ? { after: masked ? MASK : shownAfter[k] } : {}) });
  }
  return out;
}

/**
 * Lines of config files that carry secrets, whatever the format and wherever the keyword stands:
 * `password: x` (YAML), `repo1-cipher-pass=x` (INI), `user admin insecure-password 'x'`
 * (HAProxy); and SCRAM/MD5 verifiers anywhere. Comment lines are left alone.
 */
const KEYWORD = String.raw`password|passwd|secret|cipher[-_]pass|s3[-_]key|auth[-_]key`;
const VERIFIER_START = String.raw`SCRAM-SHA-256\$|md5[0-9a-f]{32}`;
const SECRET_WORD = new RegExp(String.raw`([-\w."]*(?:${KEYWORD})[-\w."]*\s*(?:[:=]\s*|\s+))(\S.*)$`, "i");
const VERIFIER = /SCRAM-SHA-256\$[^\s"',]+|md5[0-9a-f]{32}/g;
// cheap pre-tests of what the patterns above need: a text or line without it is left as it is
const HAS_VERIFIER = new RegExp(VERIFIER_START);
const HAS_KEYWORD = new RegExp(KEYWORD, "i");
// Every keyword holds "pass", "secret" or "key": a line with none of them cannot change. Fewer,
// shorter alternatives scan ~3x faster (render scans 68 MB of files on the bench inventory);
// the few more lines it finds ("key" alone) are only tested by maskLine and left as they are.
const MAYBE_SECRET = new RegExp(`${VERIFIER_START}|pass|secret|key`, "gi");

/** A file's content with every secret replaced by "(sensitive)", so a diff can be shown. */
export function maskSecretsInText(content: string): string {
  const text = maskDeferredSecrets(content, MASK);
  // Only a line where one of the patterns could start can change: found by one scan of the whole
  // text, and every other line copied as it is, in runs, rather than each tested three times.
  const pieces: string[] = [];
  let copied = 0;
  MAYBE_SECRET.lastIndex = 0;
  for (let m = MAYBE_SECRET.exec(text); m; m = MAYBE_SECRET.exec(text)) {
    const start = text.lastIndexOf("\n", m.index) + 1;
    const newline = text.indexOf("\n", m.index);
    const end = newline === -1 ? text.length : newline;
    pieces.push(text.slice(copied, start), maskLine(text.slice(start, end)));
    copied = end;
    MAYBE_SECRET.lastIndex = end;
  }
  if (copied === 0) return text;
  pieces.push(text.slice(copied));
  return pieces.join("");
}

function maskLine(line: string): string {
  const masked = HAS_VERIFIER.test(line) ? line.replace(VERIFIER, MASK) : line;
  // SECRET_WORD needs a keyword; testing for one first spares its backtracking on other lines
  if (!HAS_KEYWORD.test(masked) || /^\s*[#;]/.test(masked)) return masked;
  const m = SECRET_WORD.exec(masked);
  return m && !m[2]!.startsWith(MASK) ? `${masked.slice(0, m.index)}${m[1]}${MASK}` : masked;
}
