/**
 * Secrets that are costly to compute — SCRAM verifiers take 4,096 PBKDF2 rounds, ~1.5 ms each —
 * stand in rendered content as opaque tokens and are computed only when something is really
 * written (apply, `render --with-secrets`). A plan never needs their value: two tokens are equal
 * exactly when their inputs are, and every view masks them. Token ids are sequence numbers given
 * out per distinct input within this process: they carry nothing of the password.
 */
import { hash } from "node:crypto";

const TOKEN = /⟦secret:(\d+)⟧/g;
const ids = new Map<string, number>();
const producers: (() => string)[] = [];
const values = new Map<number, string>();

/** A token for the secret `compute()` returns; `inputs` identify it (hashed, never kept). */
export function deferredSecret(inputs: readonly string[], compute: () => string): string {
  // one-shot: a plan asks for thousands of them
  const key = hash("sha256", JSON.stringify(inputs), "base64");
  let id = ids.get(key);
  if (id === undefined) {
    id = producers.length;
    ids.set(key, id);
    producers.push(compute);
  }
  return `⟦secret:${id}⟧`;
}

/** The text with every token replaced by its secret (computed once). */
export function materializeSecrets(text: string): string {
  return text.replace(TOKEN, (_, n: string) => {
    const id = Number(n);
    let v = values.get(id);
    if (v === undefined) {
      v = producers[id]!();
      values.set(id, v);
    }
    return v;
  });
}

/** The text with every token replaced by `mask`. */
export function maskDeferredSecrets(text: string, mask: string): string {
  return text.replace(TOKEN, mask);
}

export function hasDeferredSecrets(text: string): boolean {
  TOKEN.lastIndex = 0;
  return TOKEN.test(text);
}
