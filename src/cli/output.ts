/** Where commands write: stdout for results, stderr for diagnostics and progress. */
export interface Output {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Whether stderr/stdout may carry colours (a terminal, and NO_COLOR unset). */
  readonly color: boolean;
}

export const processOutput: Output = {
  stdout: (t) => void process.stdout.write(t.endsWith("\n") ? t : `${t}\n`),
  stderr: (t) => void process.stderr.write(t.endsWith("\n") ? t : `${t}\n`),
  color: Boolean(process.stderr.isTTY) && !process.env.NO_COLOR,
};
