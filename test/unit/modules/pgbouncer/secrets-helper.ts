// Shared by the golden tests: every secret written in an inventory (values of keys that name a
// password, secret or passphrase, anywhere), with `${pg_cluster}` left as is and also cut off, so
// a per-cluster substitution cannot hide one.
const SECRET_KEY = /password|secret|cipher_pass|passphrase|token/;

export function inventorySecrets(doc: unknown): string[] {
  const out = new Set<string>();
  const walk = (v: unknown, key: string): void => {
    if (Array.isArray(v)) v.forEach((x) => walk(x, key));
    else if (v !== null && typeof v === "object") for (const [k, x] of Object.entries(v)) walk(x, k);
    else if (typeof v === "string" && SECRET_KEY.test(key) && v.length >= 6) {
      out.add(v);
      const cut = v.split("${")[0]!;
      if (cut.length >= 6) out.add(cut);
    }
  };
  walk(doc, "");
  return [...out].sort();
}
