/** Where commands write: stdout for results, stderr for diagnostics and progress. */
export interface Output {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Whether the text may carry colours. */
  readonly color: boolean;
}

/** `text` ending in a line break: each write of a command is whole lines. */
export function endLine(text: string): string {
  return text.endsWith("\n") ? text : `${text}\n`;
}

export const processOutput: Output = {
  stdout: (t) => void process.stdout.write(endLine(t)),
  stderr: (t) => void process.stderr.write(endLine(t)),
  // Decided here, when asked, rather than by picocolors when it is loaded: the startup snapshot
  // loads it on the build machine. Both streams are terminals, NO_COLOR is unset, TERM not dumb.
  get color() {
    return Boolean(process.stdout.isTTY && process.stderr.isTTY) && !process.env.NO_COLOR && process.env.TERM !== "dumb";
  },
};
