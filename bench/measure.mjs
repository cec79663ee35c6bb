/**
 * Shared bench helper: run a command several times, report wall time (median, min, max) and the
 * peak resident memory of the whole process (GNU time's %M). Prints; asserts nothing.
 */
import { spawnSync } from "node:child_process";

export function measure(label, argv, { runs = 5, env = {} } = {}) {
  const walls = [];
  const rss = [];
  let code = 0;
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync("/usr/bin/time", ["-f", "%M", ...argv], { encoding: "utf8", env: { ...process.env, ...env }, maxBuffer: 1 << 30 });
    walls.push(Number(process.hrtime.bigint() - t0) / 1e6);
    const lines = r.stderr.trim().split("\n");
    rss.push(Number(lines[lines.length - 1]) / 1024);
    code = r.status ?? -1;
  }
  walls.sort((a, b) => a - b);
  const med = walls[Math.floor(walls.length / 2)];
  const line = `${label.padEnd(44)} median ${med.toFixed(0).padStart(5)} ms  (min ${walls[0].toFixed(0)}, max ${walls.at(-1).toFixed(0)})  peak RSS ${Math.max(...rss).toFixed(0)} MB  exit ${code}`;
  console.log(line);
  return { label, medianMs: med, minMs: walls[0], maxMs: walls.at(-1), peakRssMb: Math.max(...rss), exitCode: code };
}
