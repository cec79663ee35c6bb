/**
 * One frozen task draft per distinct value: directories, links, services and package lists are
 * the same on many hosts (every node's /etc/patroni, every member's data directory), and hosts
 * that hold the same frozen draft share its spec and its change's summary (plan/expand.ts,
 * plan/desired.ts: frozen means shared, as with modules/memo.ts). Bounded: cleared when full, as
 * a cache may be. Pure; must not import anything but types.
 */
import type { TaskDraft } from "../plan/types.js";

const interned = new Map<string, TaskDraft>();
const MAX_INTERNED = 10000;

/** The draft `make()` gives, the same (frozen) object for every `id`: `id` must say all it holds. */
export function internTask(id: string, make: () => TaskDraft): TaskDraft {
  let t = interned.get(id);
  if (!t) {
    if (interned.size >= MAX_INTERNED) interned.clear();
    t = make();
    Object.freeze(t.args);
    interned.set(id, Object.freeze(t));
  }
  return t;
}
