/**
 * One frozen task draft per distinct value: directories, links, services and package lists are
 * the same on many hosts (every node's /etc/patroni, every member's data directory), and hosts
 * that hold the same frozen draft share its spec and its change's summary (plan/expand.ts,
 * plan/desired.ts: frozen means shared, as with modules/memo.ts). Bounded: cleared when full, as
 * a cache may be. Drafts are deep-frozen: what they hold (a target, a list) is shared as well.
 * `frozenValueId` names a shared part inside an id by its identity.
 * Pure; must not import anything but types and ../freeze.ts.
 */
import { deepFreeze } from "../freeze.js";
import type { TaskDraft } from "../plan/types.js";

/** Drafts by scope (see internTaskIn; "" for internTask), then id. */
const interned = new Map<string, Map<string, TaskDraft>>();
let count = 0;
const MAX_INTERNED = 10000;

/** The draft `make()` gives, the same (frozen) object for every `id`: `id` must say all it holds. */
export function internTask(id: string, make: () => TaskDraft): TaskDraft {
  return internTaskIn("", id, make);
}

/**
 * `internTask` for drafts that all hold one long part, `scope` (the server they talk to): `id`
 * says the rest. The scope is looked up once per call rather than hashed into every id — a
 * cluster's default privileges are ~90 drafts per member, 270,000 lookups on 3,000 hosts.
 */
export function internTaskIn(scope: string, id: string, make: () => TaskDraft): TaskDraft {
  let byId = interned.get(scope);
  if (!byId) interned.set(scope, (byId = new Map()));
  let t = byId.get(id);
  if (!t) {
    if (count >= MAX_INTERNED) {
      interned.clear();
      interned.set(scope, (byId = new Map()));
      count = 0;
    }
    t = deepFreeze(make());
    byId.set(id, t);
    count++;
  }
  return t;
}

const valueIds = new WeakMap<object, number>();
let lastValueId = 0;

/**
 * A number for a frozen value, the same while it lives: how an id names a part that drafts hold
 * by identity (a list the memo shares, such as a default privilege's grants) without writing it
 * out for every draft.
 */
export function frozenValueId(v: object): number {
  let id = valueIds.get(v);
  if (id === undefined) valueIds.set(v, (id = ++lastValueId));
  return id;
}
