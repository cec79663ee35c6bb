import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { asUser, hasSecret, quote, raw, secret, SENSITIVE, sh } from "../../../src/exec/command.js";

/** What bash makes of `text`: the words it expands to. */
function bashWords(text: string): string[] {
  const out = execFileSync("bash", ["-c", `printf '%s\\0' ${text}`], { encoding: "utf8" });
  return out.split("\0").slice(0, -1);
}

const tricky: readonly string[] = [
  "plain",
  "",
  "two words",
  "it's",
  `"double"`,
  "'",
  "''",
  "a\nb\n",
  "$HOME",
  "${x:-y}",
  "`id`",
  "$(id)",
  "back\\slash",
  "tab\there",
  "*",
  "~root",
  "!x",
  "a;b|c&d>e<f",
  "A=b",
  "-n",
  "ünïcødé ✓ 日本",
  "emoji 🐘",
  "#comment",
  "{a,b}",
  "\x01\x7f",
];

describe("quote", () => {
  it.each(tricky.map((s) => [JSON.stringify(s), s]))("round-trips %s through bash", (_, s) => {
    expect(bashWords(quote(s))).toEqual([s]);
  });

  it("leaves plain words bare and quotes the rest", () => {
    expect(quote("patroni")).toBe("patroni");
    expect(quote("/etc/patroni/patroni.yml")).toBe("/etc/patroni/patroni.yml");
    expect(quote("10.10.10.11:5432")).toBe("10.10.10.11:5432");
    expect(quote("")).toBe("''");
    expect(quote("a b")).toBe("'a b'");
    expect(quote("it's")).toBe(`'it'\\''s'`);
    expect(quote("A=b")).toBe("'A=b'");
  });

  it("rejects NUL, which no shell word can hold", () => {
    expect(() => quote("a\0b")).toThrow(/NUL/);
  });
});

describe("sh", () => {
  it("quotes every interpolated value by construction", () => {
    for (const s of tricky) {
      const cmd = sh`printf '%s\0' ${s}`;
      const out = execFileSync("bash", ["-c", cmd.text], { encoding: "utf8" });
      expect(out).toBe(`${s}\0`);
    }
  });

  it("keeps the literal parts exactly as written (raw)", () => {
    expect(sh`systemctl reload ${"patroni"} && echo ok`.text).toBe("systemctl reload patroni && echo ok");
    expect(sh`printf 'a\n' | sed 's/\./x/'`.text).toBe(String.raw`printf 'a\n' | sed 's/\./x/'`);
    expect(sh`true`).toEqual({ text: "true", display: "true" });
  });

  it("renders numbers and bigints bare, rejects non-finite numbers", () => {
    expect(sh`sleep ${1.5} ${5432} ${10n}`.text).toBe("sleep 1.5 5432 10");
    expect(() => sh`sleep ${Number.NaN}`).toThrow(TypeError);
    expect(() => sh`sleep ${Number.POSITIVE_INFINITY}`).toThrow(TypeError);
  });

  it("turns arrays into space-joined quoted words, nested arrays flattened", () => {
    const cmd = sh`printf '[%s]' ${["a b", "", "c'd", ["e", 7]]}`;
    expect(cmd.text).toBe(`printf '[%s]' 'a b' '' 'c'\\''d' e 7`);
    expect(execFileSync("bash", ["-c", cmd.text], { encoding: "utf8" })).toBe("[a b][][c'd][e][7]");
    expect(sh`ls ${[]}`.text).toBe("ls ");
  });

  it("rejects values of other types (a bug in the caller)", () => {
    const bad = [undefined, null, true, { a: 1 }] as unknown as string[];
    for (const v of bad) expect(() => sh`echo ${v}`).toThrow(TypeError);
  });

  it("inserts raw fragments unquoted, and nested commands with their masking", () => {
    expect(sh`ls ${raw("-la | wc -l")}`.text).toBe("ls -la | wc -l");
    const inner = sh`psql -c ${secret("pw")}`;
    const outer = sh`cd / && ${raw(inner)}`;
    expect(outer.text).toBe("cd / && psql -c pw");
    expect(outer.display).toBe(`cd / && psql -c ${SENSITIVE}`);
    expect(() => raw("a\0b")).toThrow(/NUL/);
  });
});

describe("secret", () => {
  it("puts the real value (quoted) in text and (sensitive) in display", () => {
    const pw = `p@ss w'rd$1`;
    const cmd = sh`PGPASSWORD=${secret(pw)} psql -U ${"dbuser"}`;
    expect(cmd.text).toContain(quote(pw));
    expect(cmd.display).toBe("PGPASSWORD=(sensitive) psql -U dbuser");
    expect(cmd.display).not.toContain("ss w");
    expect(execFileSync("bash", ["-c", sh`printf %s ${secret(pw)}`.text], { encoding: "utf8" })).toBe(pw);
    expect(hasSecret(cmd)).toBe(true);
    expect(hasSecret(sh`echo ${"x"}`)).toBe(false);
  });

  it("masks secrets inside arrays, and never leaks through String() or JSON", () => {
    const s = secret(12345);
    const cmd = sh`cmd ${["--user", "u", "--password", s]}`;
    expect(cmd.text).toBe("cmd --user u --password 12345");
    expect(cmd.display).toBe("cmd --user u --password (sensitive)");
    expect(String(s)).toBe(SENSITIVE);
    expect(JSON.stringify({ s })).toBe(`{"s":"${SENSITIVE}"}`);
    expect(s.reveal()).toBe("12345");
  });
});

describe("asUser", () => {
  it("sets or clears become", () => {
    const c = asUser(sh`id -un`, "postgres");
    expect(c).toEqual({ text: "id -un", display: "id -un", become: "postgres" });
    expect(asUser(c, undefined)).toEqual({ text: "id -un", display: "id -un" });
  });
});
