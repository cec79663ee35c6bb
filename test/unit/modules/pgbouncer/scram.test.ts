import { createHash, createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { saslprep } from "../../../../src/modules/pgbouncer/saslprep.js";
import {
  derivedVerifier,
  isPasswordHash,
  parseScram,
  pgbouncerSecret,
  scramSalt,
  scramVerifier,
  verifyScram,
} from "../../../../src/modules/pgbouncer/scram.js";

/**
 * Verifiers PostgreSQL 15.x (Debian 12) produced with `CREATE ROLE … PASSWORD '<password>'`
 * (random salts, recorded with their passwords). The integration test
 * test/integration/pgbouncer-config.test.ts makes new ones against a live server on every run.
 */
const POSTGRES_15: readonly (readonly [string, string, string])[] = [
  ["ascii", "DBUser.Meta", "SCRAM-SHA-256$4096:BgilQ0QmFbOheAJPdlrCCg==$+IbUIf6JlIns/sB6Fd3WskI9cvxe5uOdR9fU5FbD4fo=:Fz9ZEZjFPVmrujlcKz/EKttW9WQLzI/QlLzFc1Dl/ho="],
  ["latin accents", "pässwörd-Ünïcode", "SCRAM-SHA-256$4096:tSb1FGQoIhhHi7M3sU4EmA==$7ZJLkA3sXg7PAOelYOFUmGQcaYTFWZMnMpGgQfDD56U=:juDu9Mrd+w9xx227CgZ+soRE6DF3WhoQzEJQcBMy0v8="],
  ["fullwidth + ideographic space (NFKC, C.1.2)", "ｐａｓｓ　ｗｏｒｄ", "SCRAM-SHA-256$4096:XkhmOxdN7f4wRgQL+fX5nA==$lmRu9CrQKbSTtIaGRxwRYC9Ri+DrAPDJIiGwRQrI188=:6Gb3qU0hmQmcQ9x5JPIvngZoxvGhrujHe2t3iBUQ7Rk="],
  ["no-break space and soft hyphen (B.1)", "a\u00A0b\u00ADc", "SCRAM-SHA-256$4096:5gIhNcrxsdSg+h5MyyX8Fg==$xcCZhlBaq5aF8kuyWEQpl1aNaGOq7WmsTdl/xZRHsbY=:6OqoTPjwOV25I91eE35JjLIHH+quH6WyHSwAwPPpyUk="],
  ["ligature and trade mark (NFKC)", "\uFB01nancial\u2122", "SCRAM-SHA-256$4096:NM4err7R9qrgaJkWD8i4Ig==$cxEOR04bBLf+J7ISOCtpbs0iWn+y76QCQjsdzh2yfDw=:ovBLiZoKQV1ZNfsh5P7yFkgxJnq/lRml7ipovNyWXVE="],
  ["hebrew (RandALCat only)", "שלום", "SCRAM-SHA-256$4096:BxbGFif9/oh3TtyqGbWxhQ==$BlIHsGEfPEibHnWYgQKykm4Z0+/rknV5971ajm0sAvo=:lGipvPiHk4znAkNHRUDIcaDUAs0e46ZeVRXPDk2FF4s="],
  ["latin + hebrew (bidi violation)", "abcשלום", "SCRAM-SHA-256$4096:N8jxD4tIRzvYhf8cY28fpA==$cYoYzx3PFbLiJiyn71UJauuTVJv9tQ5BsriYEpCPypM=:obV/b4cnSJXAGFvyDSptPusidkqOiN4LwyQEAATlGnw="],
  ["control character (prohibited)", "é\u0007x", "SCRAM-SHA-256$4096:X7ZBIIFmvjWYryDzgDtRvQ==$bDXWRo4JkxxRsLdgLqZIHqIsChnqOx/vlRBcvO5I52s=:N3lRbM4VYZB9L/ybMfANjmKImgA1SuUTy0oGqxPhNUo="],
  ["ligature + control: raw bytes, not NFKC", "\uFB01\u0007x", "SCRAM-SHA-256$4096:7Ip4WdCJNOTYJ7JmTeg0jQ==$cZGqNjuyFf9hvabL8FqMlwXzJ4xjn0uyACvKKIdULto=:y85dIW/oVEDLLyTiQNZHymLZLtZTGmCkURdj5tlIveA="],
  ["ligature + hebrew: bidi violation, raw", "\uFB01\u05E9\u05DC\u05D5\u05DD", "SCRAM-SHA-256$4096:3NA12CkbG2KijaYqevG59Q==$mSSY27FAUF34dwiEqRXhRWHAUkQ1XtuhiK936qGrJQ0=:Yuj8fPg8FTi0OO47nPtR9gDDdoyPoMz0LAPkUL7xbKM="],
  ["hebrew then ligature: raw", "\u05E9\u05DC\u05D5\u05DD\uFB01", "SCRAM-SHA-256$4096:7GrNBsv7731Z0VpQAQl69w==$KvPgoU6OAL2nrmeawEnkLBx3QEP3FD9P/4RU1n3F/Xs=:5SEogyHXFqojcG+fn4GwfIGrdVGoV80vOJ/91zz3Oys="],
  ["ligature + private use: raw", "\uFB01\uE000", "SCRAM-SHA-256$4096:SaYfCl8RghhfXxZcpS2JuA==$56zZbL1xXTuoGL7Zmop7AlsI5JSpP7aas/U96Q2vKuY=:VTlG6haDGCM0fG10qVUhHd1mWrm0TA64U4vzxka5l14="],
];

describe("scramVerifier against PostgreSQL 15", () => {
  it.each(POSTGRES_15)("%s: same verifier with the server's salt, and verifyScram accepts it", (_name, password, verifier) => {
    const parts = parseScram(verifier)!;
    expect(scramVerifier(password, { salt: parts.salt, iterations: parts.iterations })).toBe(verifier);
    expect(scramVerifier(password, { salt: parts.salt.toString("base64") })).toBe(verifier);
    expect(verifyScram(password, verifier)).toBe(true);
    expect(verifyScram(`${password}x`, verifier)).toBe(false);
  });
});

describe("RFC 7677 SCRAM-SHA-256 exchange (user, pencil)", () => {
  // §3: the server's keys from our verifier must reproduce the exchange's proof and signature
  const salt = "W22ZaJ0SNY7soEsUEjb6gQ==";
  const nonce = "rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
  const authMessage = `n=user,r=rOprNGfwEbeRWgbNEkqO,r=${nonce},s=${salt},i=4096,c=biws,r=${nonce}`;
  const proof = Buffer.from("dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=", "base64");
  const serverSignature = "6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";
  const parts = parseScram(scramVerifier("pencil", { salt, iterations: 4096 }))!;

  it("ServerKey signs the exchange as the RFC's server did", () => {
    expect(createHmac("sha256", parts.serverKey).update(authMessage).digest("base64")).toBe(serverSignature);
  });
  it("StoredKey checks the RFC client's proof", () => {
    const signature = createHmac("sha256", parts.storedKey).update(authMessage).digest();
    const clientKey = Buffer.from(proof.map((b, i) => b ^ signature[i]!));
    expect(createHash("sha256").update(clientKey).digest().equals(parts.storedKey)).toBe(true);
  });
});

describe("scramVerifier", () => {
  it("passes hashes through", () => {
    const scram = POSTGRES_15[0]![2];
    expect(scramVerifier(scram, { salt: "AAAA" })).toBe(scram);
    expect(scramVerifier("md504d6854b55cce9e2299d9c05c8625b18", { salt: "AAAA" })).toBe("md504d6854b55cce9e2299d9c05c8625b18");
  });
  it("rejects a bad iteration count and an empty salt", () => {
    expect(() => scramVerifier("x", { salt: "AAAA", iterations: 0 })).toThrow(/iteration/);
    expect(() => scramVerifier("x", { salt: "AAAA", iterations: 1.5 })).toThrow(/iteration/);
    expect(() => scramVerifier("x", { salt: new Uint8Array() })).toThrow(/salt/);
  });
  it("honours the iteration count", () => {
    const v = scramVerifier("secret", { salt: Buffer.alloc(16, 7), iterations: 10 });
    expect(v.startsWith("SCRAM-SHA-256$10:BwcHBwcHBwcHBwcHBwcHBw==$")).toBe(true);
    expect(verifyScram("secret", v)).toBe(true);
  });
});

describe("isPasswordHash and parseScram", () => {
  it("tells hashes from passwords", () => {
    expect(isPasswordHash(POSTGRES_15[0]![2])).toBe(true);
    expect(isPasswordHash("md504d6854b55cce9e2299d9c05c8625b18")).toBe(true);
    expect(isPasswordHash("md5-not-a-hash")).toBe(false);
    expect(isPasswordHash("MD504D6854B55CCE9E2299D9C05C8625B18")).toBe(false);
    expect(isPasswordHash("DBUser.Meta")).toBe(false);
  });
  it("rejects malformed verifiers", () => {
    expect(parseScram("SCRAM-SHA-256$4096:abc")).toBeUndefined();
    expect(parseScram("SCRAM-SHA-256$0:BgilQ0QmFbOheAJPdlrCCg==$+IbUIf6JlIns/sB6Fd3WskI9cvxe5uOdR9fU5FbD4fo=:Fz9ZEZjFPVmrujlcKz/EKttW9WQLzI/QlLzFc1Dl/ho=")).toBeUndefined();
    expect(parseScram("SCRAM-SHA-256$4096:BgilQ0QmFbOheAJPdlrCCg==$AAAA:Fz9ZEZjFPVmrujlcKz/EKttW9WQLzI/QlLzFc1Dl/ho=")).toBeUndefined();
    expect(parseScram("SCRAM-SHA-256$4096:BgilQ0QmFbOheAJPdlrCCg==$+IbUIf6JlIns/sB6Fd3WskI9cvxe5uOdR9fU5FbD4fo=:AAAA")).toBeUndefined();
  });
});

describe("verifyScram", () => {
  it("is false for anything but a matching SCRAM verifier", () => {
    expect(verifyScram("DBUser.Meta", "md504d6854b55cce9e2299d9c05c8625b18")).toBe(false);
    expect(verifyScram("DBUser.Meta", "garbage")).toBe(false);
  });
  it("compares a password written as a hash with the verifier as text", () => {
    const v = POSTGRES_15[0]![2];
    expect(verifyScram(v, v)).toBe(true);
    expect(verifyScram(v, POSTGRES_15[1]![2])).toBe(false);
  });
});

describe("derived salts and verifiers", () => {
  it("are deterministic, 16 bytes, and verify", () => {
    const a = scramSalt("DBUser.Meta", "dbuser_meta", "pg-meta");
    expect(a).toHaveLength(16);
    expect(scramSalt("DBUser.Meta", "dbuser_meta", "pg-meta").equals(a)).toBe(true);
    const v = derivedVerifier("DBUser.Meta", "dbuser_meta", "pg-meta");
    expect(derivedVerifier("DBUser.Meta", "dbuser_meta", "pg-meta")).toBe(v); // cached
    expect(parseScram(v)!.salt.equals(a)).toBe(true);
    expect(verifyScram("DBUser.Meta", v)).toBe(true);
  });
  it("differ per user, per cluster and per password", () => {
    const base = scramSalt("p", "u", "c").toString("hex");
    expect(scramSalt("p", "u2", "c").toString("hex")).not.toBe(base);
    expect(scramSalt("p", "u", "c2").toString("hex")).not.toBe(base);
    expect(scramSalt("p2", "u", "c").toString("hex")).not.toBe(base);
    // the separator keeps ("ab","c") and ("a","bc") apart
    expect(scramSalt("p", "ab", "c").toString("hex")).not.toBe(scramSalt("p", "a", "bc").toString("hex"));
  });
  it("is stable across releases (a changed derivation would churn every userlist)", () => {
    expect(derivedVerifier("DBUser.Meta", "dbuser_meta", "pg-meta")).toMatchInlineSnapshot(`"SCRAM-SHA-256$4096:pRcR1MB/Gjr9iKLZjaNR3w==$M9k7egH/bcHsG50klvBgI+ybQE/+EeKnsqzUGOtHI48=:fuT3Q2douSKc2X1ECp5+M0zKbgrz41QpQmRUhK+HZjE="`);
  });
  it("stays correct when its cache overflows", () => {
    const first = derivedVerifier("p0", "u", "c", 1);
    for (let i = 1; i <= 4100; i++) derivedVerifier(`p${i}`, "u", "c", 1);
    expect(derivedVerifier("p0", "u", "c", 1)).toBe(first);
    expect(verifyScram("p0", first)).toBe(true);
  });
  it("passes hashes through", () => {
    expect(derivedVerifier("md504d6854b55cce9e2299d9c05c8625b18", "u", "c")).toBe("md504d6854b55cce9e2299d9c05c8625b18");
  });
});

describe("pgbouncerSecret", () => {
  const pg = POSTGRES_15[0]![2];
  it("keeps an existing verifier that matches the password", () => {
    expect(pgbouncerSecret("DBUser.Meta", "dbuser_meta", "pg-meta", pg)).toBe(pg);
  });
  it("replaces an existing verifier of another password, or anything not SCRAM", () => {
    const derived = derivedVerifier("DBUser.Meta", "dbuser_meta", "pg-meta");
    expect(pgbouncerSecret("DBUser.Meta", "dbuser_meta", "pg-meta", POSTGRES_15[1]![2])).toBe(derived);
    expect(pgbouncerSecret("DBUser.Meta", "dbuser_meta", "pg-meta", "md504d6854b55cce9e2299d9c05c8625b18")).toBe(derived);
    expect(pgbouncerSecret("DBUser.Meta", "dbuser_meta", "pg-meta")).toBe(derived);
  });
  it("passes a hash written in the inventory through", () => {
    expect(pgbouncerSecret("md504d6854b55cce9e2299d9c05c8625b18", "u", "c", pg)).toBe("md504d6854b55cce9e2299d9c05c8625b18");
  });
});

describe("saslprep", () => {
  it("leaves ASCII alone, control characters included", () => {
    expect(saslprep("a\u0007 b")).toEqual({ value: "a\u0007 b", prohibited: false });
  });
  it("maps spaces, drops B.1 characters, applies NFKC", () => {
    expect(saslprep("x\u2003y\u200Dz\uFE0F").value).toBe("x yz");
    expect(saslprep("\u2168").value).toBe("IX");
  });
  it.each([
    ["control", "é\u0080"],
    ["private use", "é\uE000"],
    ["non-character", "é\uFFFE"],
    ["plane-1 non-character", "é\u{1FFFF}"],
    ["unassigned", "é\u0378"],
    ["tagging", "é\u{E0001}"],
    ["empty after mapping", "\u00AD"],
    ["RandAL not last", "\u05E9\u05DC1"],
    ["RandAL with L", "\u05E9a\u05DC"],
  ])("falls back to the raw password on %s", (_name, pw) => {
    expect(saslprep(pw)).toEqual({ value: pw, prohibited: true });
  });
  it("accepts RandAL strings that start and end with RandAL", () => {
    expect(saslprep("\u05E91\u05DC")).toEqual({ value: "\u05E91\u05DC", prohibited: false });
  });
});
