/**
 * PGSTY_TIMING=1 prints phase timings on stderr, for performance work; silent (and free) otherwise.
 * The one place besides cli/ and render/ that may write to stderr, and only when asked.
 */

// read when asked, not when loaded: the startup snapshot loads this module on the build machine
const enabled = (): boolean => Boolean(process.env.PGSTY_TIMING);

/** A timer whose every call prints the time since the previous call (or its creation). */
export function phaseTimer(indent = ""): (label: string) => void {
  if (!enabled()) return () => {};
  let t0 = performance.now();
  return (label) => {
    process.stderr.write(`timing: ${indent}${label} ${(performance.now() - t0).toFixed(0)} ms\n`);
    t0 = performance.now();
  };
}

export function timingNote(text: string): void {
  if (enabled()) process.stderr.write(`timing: ${text}\n`);
}
