/** A rendered file as a task spec of op `file` (its args carry content, owner, mode, validation). Pure. */
import type { TaskDraft } from "../plan/types.js";
import type { RenderedFile } from "./types.js";

export function fileTask(f: RenderedFile): TaskDraft {
  return {
    op: "file",
    key: f.path,
    args: { path: f.path, content: f.content, owner: f.owner, group: f.group, mode: f.mode, sensitive: f.sensitive, ...(f.validate ? { validate: f.validate } : {}) },
    ...(f.sensitive ? { sensitive: ["content"] } : {}),
    effect: f.effect,
    ...(f.service ? { service: f.service } : {}),
  };
}
