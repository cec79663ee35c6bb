/**
 * Deep freezing, for values many readers share: parameter defaults (model/schema), results the
 * memo shares across hosts (modules/memo.ts) and interned task drafts (modules/intern.ts). A
 * reader that changed a shared value would change it for all of them. Pure; imports nothing.
 */

/** `v`, frozen with everything it holds; an object frozen already is taken as frozen throughout. */
export function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === "object" && !Object.isFrozen(v)) {
    Object.freeze(v);
    // no call per string or number: results hold thousands of them
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const x: unknown = v[i];
        if (x !== null && typeof x === "object") deepFreeze(x);
      }
    } else {
      for (const k of Object.keys(v)) {
        const x: unknown = (v as Record<string, unknown>)[k];
        if (x !== null && typeof x === "object") deepFreeze(x);
      }
    }
  }
  return v;
}
