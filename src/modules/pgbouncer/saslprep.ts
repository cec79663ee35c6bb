/**
 * SASLprep (RFC 4013) of a password the way PostgreSQL applies it before hashing it into a SCRAM
 * verifier (src/common/saslprep.c): ASCII passwords are used as they are; other passwords are
 * mapped (non-ASCII spaces → U+0020, "commonly mapped to nothing" characters removed),
 * NFKC-normalised and checked for prohibited characters and bidirectional rules; a password that
 * fails the checks is used as it was given (raw bytes), exactly as PostgreSQL does. A SCRAM
 * verifier computed without this step would not match what libpq or psql send for non-ASCII
 * passwords. Pure; must not import I/O modules.
 *
 * Approximation: RFC 3454 table A.1 (code points unassigned in Unicode 3.2) is approximated by
 * the JavaScript engine's `\p{Cn}`, and the bidi categories D.1/D.2 by scripts and letter
 * classes; these only matter for passwords mixing rare characters with characters that the
 * mapping or NFKC would change.
 */

type Ranges = readonly (readonly [number, number])[];

/** Non-ASCII space characters (RFC 3454 C.1.2): mapped to U+0020. */
const NON_ASCII_SPACE: Ranges = [[0xa0, 0xa0], [0x1680, 0x1680], [0x2000, 0x200b], [0x202f, 0x202f], [0x205f, 0x205f], [0x3000, 0x3000]];

/** Characters commonly mapped to nothing (RFC 3454 B.1). */
const MAPPED_TO_NOTHING: Ranges = [
  [0xad, 0xad], [0x34f, 0x34f], [0x1806, 0x1806], [0x180b, 0x180d], [0x200b, 0x200d], [0x2060, 0x2060],
  [0xfe00, 0xfe0f], [0xfeff, 0xfeff],
];

/** Prohibited output (RFC 4013 §2.3: C.1.2, C.2.1, C.2.2, C.3-C.9). */
const PROHIBITED: Ranges = [
  ...NON_ASCII_SPACE, // C.1.2
  [0x0, 0x1f], [0x7f, 0x7f], // C.2.1
  [0x80, 0x9f], [0x6dd, 0x6dd], [0x70f, 0x70f], [0x180e, 0x180e], [0x200c, 0x200d], [0x2028, 0x2029],
  [0x2060, 0x2063], [0x206a, 0x206f], [0xfeff, 0xfeff], [0xfff9, 0xfffc], [0x1d173, 0x1d17a], // C.2.2
  [0xe000, 0xf8ff], [0xf0000, 0xffffd], [0x100000, 0x10fffd], // C.3
  [0xfdd0, 0xfdef], // C.4 (with every plane's xFFFE-xFFFF below)
  [0xd800, 0xdfff], // C.5
  [0xfff9, 0xfffd], // C.6
  [0x2ff0, 0x2ffb], // C.7
  [0x340, 0x341], [0x200e, 0x200f], [0x202a, 0x202e], // C.8
  [0xe0001, 0xe0001], [0xe0020, 0xe007f], // C.9
];

function inRanges(cp: number, ranges: Ranges): boolean {
  return ranges.some(([lo, hi]) => cp >= lo && cp <= hi);
}

function prohibited(ch: string): boolean {
  const cp = ch.codePointAt(0)!;
  return inRanges(cp, PROHIBITED) || (cp & 0xfffe) === 0xfffe || /\p{Cn}/u.test(ch); // C.4; A.1 approximately
}

/** Right-to-left characters (D.1, approximately: letters of RTL scripts and the RTL mark). */
const RAND_AL = /[\u200F\u05BE\u05C0\u05C3\u05C6\u05F3\u05F4\u061B\u061F\u066D\u06D4\u06DD]|(?=[\p{L}\p{Nl}])[\p{Script=Hebrew}\p{Script=Arabic}\p{Script=Syriac}\p{Script=Thaana}\p{Script=Nko}]/u;
/** Left-to-right characters (D.2, approximately: other letters and spacing marks). */
const L_CAT = /[\p{L}\p{Mc}\u200E]/u;

/**
 * The password as PostgreSQL hashes it. `prohibited` tells whether SASLprep rejected it (then the
 * password is used unchanged, like PostgreSQL does).
 */
export function saslprep(password: string): { readonly value: string; readonly prohibited: boolean } {
  // eslint-disable-next-line no-control-regex
  if (/^[\u0000-\u007F]*$/.test(password)) return { value: password, prohibited: false };
  let mapped = "";
  for (const ch of password) {
    const cp = ch.codePointAt(0)!;
    if (inRanges(cp, NON_ASCII_SPACE)) mapped += " ";
    else if (!inRanges(cp, MAPPED_TO_NOTHING)) mapped += ch;
  }
  const normalised = mapped.normalize("NFKC");
  const chars = [...normalised];
  if (chars.length === 0 || chars.some(prohibited)) return { value: password, prohibited: true };
  if (chars.some((c) => RAND_AL.test(c))) {
    const first = chars[0]!;
    const last = chars[chars.length - 1]!;
    const mixed = chars.some((c) => L_CAT.test(c) && !RAND_AL.test(c));
    if (mixed || !RAND_AL.test(first) || !RAND_AL.test(last)) return { value: password, prohibited: true };
  }
  return { value: normalised, prohibited: false };
}
