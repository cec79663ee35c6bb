/**
 * Whether a role's live password is the desired one, from the fingerprint `pg.roles` reads (the
 * SCRAM iteration count and salt, and the SHA-256 of the whole verifier — never the verifier).
 *
 * - A desired hash (SCRAM verifier or md5) must be stored exactly: digests are compared.
 * - A desired plaintext matches a SCRAM verifier made from it with the live salt and iteration
 *   count, or an md5 hash of it (md5 of password + role name).
 * - A deferred-secret token (the verifier pgbouncer's userlist also gets) is materialized here,
 *   in memory, to be compared: it must be stored exactly too, or pgbouncer could not log in with
 *   it. The value never leaves this function; only the answer does.
 * Pure computation (node:crypto).
 */
import { createHash } from "node:crypto";
import type { Secret } from "../exec/command.js";
import { hasDeferredSecrets, materializeSecrets } from "../modules/deferred-secret.js";
import { isPasswordHash, scramVerifier } from "../modules/pgbouncer/scram.js";

const FINGERPRINT = /^(?:SCRAM-SHA-256\$(\d+):([A-Za-z0-9+/]+={0,2})\$)?sha256:([0-9a-f]{64})$/;

const sha256 = (s: string) => createHash("sha256").update(s, "utf8").digest("hex");

/** Whether `desired` (plaintext, hash or token) is what the live role `role` has. */
export function passwordMatches(desired: string, role: string, live: Secret | null): boolean {
  if (live === null) return false;
  const m = FINGERPRINT.exec(live.reveal());
  if (!m) return false;
  const [, iterations, salt, digest] = m;
  const value = hasDeferredSecrets(desired) ? materializeSecrets(desired) : desired;
  if (isPasswordHash(value)) return sha256(value) === digest;
  if (iterations !== undefined && salt !== undefined) {
    return sha256(scramVerifier(value, { salt, iterations: Number(iterations) })) === digest;
  }
  return sha256(`md5${createHash("md5").update(value + role, "utf8").digest("hex")}`) === digest;
}
