/** A rendered file as a task spec of op `file` (its args carry content, owner, mode, validation). Pure. */
import type { TaskDraft } from "../plan/types.js";
import type { RenderedFile } from "./types.js";

/** Drafts of files that hosts share (frozen: modules/memo.ts), so that the hosts share the draft too. */
const drafts = new WeakMap<RenderedFile, TaskDraft>();

export function fileTask(f: RenderedFile): TaskDraft {
  if (!Object.isFrozen(f)) return draft(f);
  let t = drafts.get(f);
  if (!t) {
    t = draft(f);
    Object.freeze(t.args);
    drafts.set(f, Object.freeze(t));
  }
  return t;
}

function draft(f: RenderedFile): TaskDraft {
  return {
    op: "file",
    key: f.path,
    args: { path: f.path, content: f.content, owner: f.owner, group: f.group, mode: f.mode, sensitive: f.sensitive, ...(f.validate ? { validate: f.validate } : {}) },
    ...(f.sensitive ? { sensitive: ["content"] } : {}),
    effect: f.effect,
    ...(f.service ? { service: f.service } : {}),
  };
}
