/**
 * Shared bench helper: run a command several times, report wall time (median, min, max), the CPU
 * time the process used on all its threads (user + system, median: garbage collection and
 * compilation run beside the main thread, so CPU above wall shows how much of the second core a
 * run takes) and the peak resident memory of the whole process (GNU time's %M). Prints; asserts
 * nothing.
 */
import { spawnSync } from "node:child_process";

export function measure(label, argv, { runs = 5, env = {} } = {}) {
  const walls = [];
  const cpus = [];
  const rss = [];
  let code = 0;
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync("/usr/bin/time", ["-f", "%U %S %M", ...argv], { encoding: "utf8", env: { ...process.env, ...env }, maxBuffer: 1 << 30 });
    walls.push(Number(process.hrtime.bigint() - t0) / 1e6);
    const lines = r.stderr.trim().split("\n");
    const [user, sys, kb] = lines[lines.length - 1].split(" ").map(Number);
    cpus.push((user + sys) * 1000);
    rss.push(kb / 1024);
    code = r.status ?? -1;
  }
  const byValue = (a, b) => a - b;
  walls.sort(byValue);
  cpus.sort(byValue);
  const med = walls[Math.floor(walls.length / 2)];
  const cpu = cpus[Math.floor(cpus.length / 2)];
  const line = `${label.padEnd(44)} median ${med.toFixed(0).padStart(5)} ms  (min ${walls[0].toFixed(0)}, max ${walls.at(-1).toFixed(0)})  cpu ${cpu.toFixed(0)} ms  peak RSS ${Math.max(...rss).toFixed(0)} MB  exit ${code}`;
  console.log(line);
  return { label, medianMs: med, minMs: walls[0], maxMs: walls.at(-1), cpuMs: cpu, peakRssMb: Math.max(...rss), exitCode: code };
}

/**
 * `node -e 0`: what starting node costs before pgsty runs. When NODE_EXTRA_CA_CERTS is set, node
 * parses those certificates as it starts (~60 ms on the bench VM) and bin/pgsty starts node
 * without it: measured both ways, so the figures compare like with like.
 */
export function measureNodeStartup({ runs = 5 } = {}) {
  measure("node startup (node -e 0)", ["node", "-e", "0"], { runs });
  if (process.env.NODE_EXTRA_CA_CERTS !== undefined) {
    measure("  without NODE_EXTRA_CA_CERTS, as pgsty", ["env", "-u", "NODE_EXTRA_CA_CERTS", "node", "-e", "0"], { runs });
  }
}

/** `min   123 med   456` of a list of timings (ms), for the interleaved benches. */
export function minMedian(values) {
  const s = [...values].sort((x, y) => x - y);
  return `min ${s[0].toFixed(0).padStart(5)} med ${s[s.length >> 1].toFixed(0).padStart(5)}`;
}
