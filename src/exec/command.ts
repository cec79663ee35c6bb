/**
 * Commands: shell text that is safe by construction.
 *
 * A {@link Command} carries two renderings of the same shell text: `text`, the
 * real one a connector runs, and `display`, the one anything may print, with
 * every secret replaced by `(sensitive)`.  The `sh` tagged template builds
 * both at once and single-quotes every interpolated value, so a value can never
 * change the shape of the command.  Only `raw()` fragments (trusted text
 * written in pgsty, or a Command built earlier) go in unquoted.
 *
 * Pure: imports nothing, does no I/O.
 */

/** A shell command. `display` has every secret masked; `become` runs it as that user. */
export interface Command {
  /** The shell (bash) text the connector runs. May contain secrets: never print it. */
  readonly text: string;
  /** The same text with every secret replaced by `(sensitive)`: safe to print and log. */
  readonly display: string;
  /** Run as this user (sudo/runuser on the host); absent: the connector's default user. */
  readonly become?: string;
}

/** What a masked secret looks like in `display`. */
export const SENSITIVE = "(sensitive)";

/** A value whose real form goes into `text` and whose masked form into `display`. */
export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  /** The real value. */
  reveal(): string {
    return this.#value;
  }
  toString(): string {
    return SENSITIVE;
  }
  toJSON(): string {
    return SENSITIVE;
  }
}

/** A trusted fragment inserted as is (not quoted). */
export class RawFragment {
  constructor(
    readonly text: string,
    readonly display: string,
  ) {}
}

/** Values `sh` accepts; arrays become space-joined quoted words. */
export type ShellValue = string | number | bigint | Secret | RawFragment | readonly ShellValue[];

/** Marks `value` as secret: quoted into `text`, shown as `(sensitive)` in `display`. */
export function secret(value: string | number): Secret {
  return new Secret(String(value));
}

/**
 * A trusted fragment inserted unquoted: shell syntax written in pgsty itself,
 * or a Command built earlier with `sh` (its secrets stay masked in `display`).
 * Never pass data from an inventory or a host through `raw`.
 */
export function raw(fragment: string | Command): RawFragment {
  if (typeof fragment === "string") {
    assertNoNul(fragment);
    return new RawFragment(fragment, fragment);
  }
  return new RawFragment(fragment.text, fragment.display);
}

// Words made only of these characters mean the same quoted or not; leaving them
// bare keeps plans readable (`systemctl reload patroni`, not `'systemctl' …`).
// No `=`: a bare `A=b` in command position would be an assignment.
const BARE_WORD = /^[A-Za-z0-9_@%+:,./-]+$/;

/** Quotes one word for bash: the result always expands to exactly `value`. */
export function quote(value: string): string {
  assertNoNul(value);
  if (value === "") return "''";
  if (BARE_WORD.test(value)) return value;
  // inside single quotes nothing is special but the quote itself: close, add \', reopen
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** Builds a Command; every interpolated value is quoted, secrets are masked in `display`. */
export function sh(strings: TemplateStringsArray, ...values: readonly ShellValue[]): Command {
  // the literal parts are taken raw: bash sees exactly what is written between
  // the backticks (`\n`, `\.` and `\x41` stay backslash sequences for bash)
  const literals = strings.raw;
  let text = literals[0] ?? "";
  let display = text;
  values.forEach((value, i) => {
    const part = render(value);
    const literal = literals[i + 1] ?? "";
    text += part.text + literal;
    display += part.display + literal;
  });
  return { text, display };
}

/** The same command run as `user` (empty/undefined: the connector's default user). */
export function asUser(cmd: Command, user: string | undefined): Command {
  if (!user) {
    const { text, display } = cmd;
    return { text, display };
  }
  return { text: cmd.text, display: cmd.display, become: user };
}

/** Whether the command holds a secret (its text differs from what may be shown). */
export function hasSecret(cmd: Command): boolean {
  return cmd.text !== cmd.display;
}

function render(value: ShellValue): { text: string; display: string } {
  if (typeof value === "string") {
    const q = quote(value);
    return { text: q, display: q };
  }
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new TypeError(`sh: cannot interpolate ${value}`);
    const s = String(value);
    return { text: s, display: s };
  }
  if (typeof value === "bigint") {
    const s = value.toString();
    return { text: s, display: s };
  }
  if (value instanceof Secret) {
    return { text: quote(value.reveal()), display: SENSITIVE };
  }
  if (value instanceof RawFragment) {
    return { text: value.text, display: value.display };
  }
  if (Array.isArray(value)) {
    const parts = (value as readonly ShellValue[]).map(render);
    return {
      text: parts.map((p) => p.text).join(" "),
      display: parts.map((p) => p.display).join(" "),
    };
  }
  // reached only from untyped callers (undefined, null, booleans, objects): a bug
  throw new TypeError(`sh: cannot interpolate a value of type ${value === null ? "null" : typeof value}`);
}

function assertNoNul(s: string): void {
  if (s.includes("\0")) throw new TypeError("sh: a shell word cannot contain a NUL byte");
}
