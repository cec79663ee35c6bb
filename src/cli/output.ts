/** Where commands write: stdout for results, stderr for diagnostics and progress. */
export interface Output {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Whether the text may carry colours. */
  readonly color: boolean;
}

export const processOutput: Output = {
  stdout: (t) => void process.stdout.write(t.endsWith("\n") ? t : `${t}\n`),
  stderr: (t) => void process.stderr.write(t.endsWith("\n") ? t : `${t}\n`),
  // Decided here, when asked, rather than by picocolors when it is loaded: the startup snapshot
  // loads it on the build machine. Both streams are terminals, NO_COLOR is unset, TERM not dumb.
  get color() {
    return Boolean(process.stdout.isTTY && process.stderr.isTTY) && !process.env.NO_COLOR && process.env.TERM !== "dumb";
  },
};
