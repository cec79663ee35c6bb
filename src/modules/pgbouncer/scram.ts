/**
 * SCRAM-SHA-256 verifiers in PostgreSQL's format (RFC 5803, as `pg_authid.rolpassword` holds
 * them): `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`, base64 fields. pgbouncer's
 * userlist gets these, never plaintext (principle 7). Pure computation with node:crypto; must not
 * import I/O modules.
 *
 * Deterministic salts: a plan must be reproducible (the same inventory renders the same
 * userlist.txt, so a second plan is empty), so the salt cannot be random. `scramSalt` derives it
 * from the password, the user name and the cluster: unique per user and per cluster (one leaked
 * verifier says nothing about another cluster's), stable across renders. It is HMAC-SHA256 over
 * the user and cluster keyed by a PBKDF2 stretch of the password with the same iteration count as
 * the verifier, so the salt published inside the verifier is no cheaper a brute-force oracle than
 * the verifier itself (a plain HMAC of the password would be). Live plans keep a verifier the host
 * already has whenever it matches the password (`pgbouncerSecret` with `existing`), so verifiers
 * created by PostgreSQL with random salts are never churned — and pgbouncer can only log in to
 * PostgreSQL with a SCRAM secret identical to the server's (same salt), so pgsty sets roles'
 * passwords to the same verifier it writes here.
 */
import { createHash, createHmac, pbkdf2Sync, timingSafeEqual } from "node:crypto";
import { saslprep } from "./saslprep.js";

/** PostgreSQL's default `scram_iterations`. */
export const SCRAM_ITERATIONS = 4096;
const SALT_BYTES = 16;
const PREFIX = "SCRAM-SHA-256$";
const MD5_HASH = /^md5[0-9a-f]{32}$/;
const VERIFIER = /^SCRAM-SHA-256\$(\d+):([A-Za-z0-9+/]+={0,2})\$([A-Za-z0-9+/]+={0,2}):([A-Za-z0-9+/]+={0,2})$/;

export interface ScramOptions {
  /** Raw bytes, or base64 text as it appears in a verifier. */
  readonly salt: Uint8Array | string;
  /** PBKDF2 iterations; PostgreSQL's default 4096. */
  readonly iterations?: number;
}

/** The parts of a SCRAM-SHA-256 verifier. */
export interface ScramParts {
  readonly iterations: number;
  readonly salt: Buffer;
  readonly storedKey: Buffer;
  readonly serverKey: Buffer;
}

/** A password already hashed: a SCRAM-SHA-256 verifier or an md5 hash (`md5` + 32 hex digits). */
export function isPasswordHash(password: string): boolean {
  return password.startsWith(PREFIX) || MD5_HASH.test(password);
}

/** The parts of a SCRAM-SHA-256 verifier, or undefined when `verifier` is not one. */
export function parseScram(verifier: string): ScramParts | undefined {
  const m = VERIFIER.exec(verifier);
  if (!m) return undefined;
  const iterations = Number(m[1]);
  const [salt, storedKey, serverKey] = [m[2]!, m[3]!, m[4]!].map((b) => Buffer.from(b, "base64"));
  if (!Number.isSafeInteger(iterations) || iterations < 1 || storedKey!.length !== 32 || serverKey!.length !== 32) return undefined;
  return { iterations, salt: salt!, storedKey: storedKey!, serverKey: serverKey! };
}

function keys(password: string, salt: Buffer, iterations: number): { storedKey: Buffer; serverKey: Buffer } {
  const salted = pbkdf2Sync(Buffer.from(saslprep(password).value, "utf8"), salt, iterations, 32, "sha256");
  const clientKey = createHmac("sha256", salted).update("Client Key").digest();
  return {
    storedKey: createHash("sha256").update(clientKey).digest(),
    serverKey: createHmac("sha256", salted).update("Server Key").digest(),
  };
}

/**
 * The SCRAM-SHA-256 verifier of `password` with this salt. A password already written as a hash
 * (SCRAM verifier or md5) is returned unchanged.
 */
export function scramVerifier(password: string, o: ScramOptions): string {
  if (isPasswordHash(password)) return password;
  const iterations = o.iterations ?? SCRAM_ITERATIONS;
  if (!Number.isSafeInteger(iterations) || iterations < 1) throw new RangeError(`invalid SCRAM iteration count ${iterations}`);
  const salt = typeof o.salt === "string" ? Buffer.from(o.salt, "base64") : Buffer.from(o.salt);
  if (salt.length === 0) throw new RangeError("empty SCRAM salt");
  const k = keys(password, salt, iterations);
  return `${PREFIX}${iterations}:${salt.toString("base64")}$${k.storedKey.toString("base64")}:${k.serverKey.toString("base64")}`;
}

/**
 * Whether `password` matches `verifier` (a SCRAM-SHA-256 verifier). A password written as a hash
 * matches only the identical string.
 */
export function verifyScram(password: string, verifier: string): boolean {
  if (isPasswordHash(password)) return password === verifier;
  const p = parseScram(verifier);
  if (!p) return false;
  const k = keys(password, p.salt, p.iterations);
  return timingSafeEqual(k.storedKey, p.storedKey) && timingSafeEqual(k.serverKey, p.serverKey);
}

/** The deterministic 16-byte salt of `user` in `cluster` for `password` (see the header). */
export function scramSalt(password: string, user: string, cluster: string, iterations = SCRAM_ITERATIONS): Buffer {
  const stretched = pbkdf2Sync(Buffer.from(saslprep(password).value, "utf8"), `pgsty-scram-salt\0${cluster}\0${user}`, iterations, 32, "sha256");
  return createHmac("sha256", stretched).update(`${cluster}\0${user}`).digest().subarray(0, SALT_BYTES);
}

// Renders of the hosts of one cluster compute the same verifiers: remember them, keyed by a hash
// (never the password itself). Bounded so a long-lived process does not grow without limit.
const cache = new Map<string, string>();
const CACHE_MAX = 4096;

/** `scramVerifier` with the deterministic salt of `user` in `cluster` (hashes pass through). */
export function derivedVerifier(password: string, user: string, cluster: string, iterations = SCRAM_ITERATIONS): string {
  if (isPasswordHash(password)) return password;
  const key = createHash("sha256").update(JSON.stringify([password, user, cluster, iterations])).digest("base64");
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const v = scramVerifier(password, { salt: scramSalt(password, user, cluster, iterations), iterations });
  if (cache.size >= CACHE_MAX) cache.clear();
  cache.set(key, v);
  return v;
}

/**
 * The secret pgbouncer's userlist holds for `user`: a hash written in the inventory as is; else
 * `existing` (the verifier the host or PostgreSQL already has) when it matches the password;
 * else the deterministic verifier.
 */
export function pgbouncerSecret(password: string, user: string, cluster: string, existing?: string): string {
  if (isPasswordHash(password)) return password;
  if (existing !== undefined && existing.startsWith(PREFIX) && verifyScram(password, existing)) return existing;
  return derivedVerifier(password, user, cluster);
}
