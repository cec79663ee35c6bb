// Secrets masked in file text: only the lines that can hold one are looked at, and the text is the
// same as masking every line on its own.
import { describe, expect, it } from "vitest";
import { maskSecretsInText } from "../../../src/plan/compare.js";

/** The definition, line by line (what maskSecretsInText did before it looked only where a secret can start). */
function everyLine(text: string): string {
  const KEYWORD = String.raw`password|passwd|secret|cipher[-_]pass|s3[-_]key|auth[-_]key`;
  const word = new RegExp(String.raw`([-\w."]*(?:${KEYWORD})[-\w."]*\s*(?:[:=]\s*|\s+))(\S.*)$`, "i");
  return text.split("\n").map((line) => {
    const masked = /SCRAM-SHA-256\$|md5[0-9a-f]{32}/.test(line) ? line.replace(/SCRAM-SHA-256\$[^\s"',]+|md5[0-9a-f]{32}/g, "(sensitive)") : line;
    if (!new RegExp(KEYWORD, "i").test(masked) || /^\s*[#;]/.test(masked)) return masked;
    const m = word.exec(masked);
    return m && !m[2]!.startsWith("(sensitive)") ? `${masked.slice(0, m.index)}${m[1]}(sensitive)` : masked;
  }).join("\n");
}

const SCRAM = "SCRAM-SHA-256$4096:c2FsdA==$a2V5:c2VydmVy";
const MD5 = `md5${"0123456789abcdef".repeat(2)}`;

describe("maskSecretsInText", () => {
  const texts = [
    "",
    "nothing to hide\nat all\n",
    "password: first line\nplain\nlast: x",
    "plain\nrepo1-cipher-pass=abc",
    "plain\nrepo1-cipher-pass=abc\n",
    `"user" = "${SCRAM}" and "other" = "${MD5}"\r\nnext\r\n`,
    `# password: in a comment\n; secret = also a comment\n  PASSWORD = Upper\n`,
    `user admin insecure-password 'x' password y\nsecret\n\npasswd\n`,
    `scram-sha-256$ lower case is no verifier\n${MD5.toUpperCase()}\npassword: (sensitive)\n`,
    `a: 1\nb: ${SCRAM}\nauth_key: k\ns3-key: s\nauth-key:\n`,
    // lines the quick scan stops at that hold no secret ("key", "pass" alone)
    `keys: none\nmonkey: 1\npass-through: yes\nKEY_FILE = x\nbypass ${MD5.slice(0, 20)}\ns3_key: k\n`,
  ];
  for (const [i, text] of texts.entries()) {
    it(`text ${i}: the same as masking each line`, () => {
      expect(maskSecretsInText(text)).toBe(everyLine(text));
    });
  }

  it("masks a token of a deferred secret, and leaves a text without secrets as it is", () => {
    expect(maskSecretsInText("x ⟦secret:3⟧ y")).toBe("x (sensitive) y");
    const plain = "listen 5432\n";
    expect(maskSecretsInText(plain)).toBe(plain);
  });
});
