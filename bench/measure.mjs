/**
 * Shared bench helper: run a command several times, report wall time (median, min, max), the CPU
 * time the process used on all its threads (user + system, median: garbage collection and
 * compilation run beside the main thread, so CPU above wall shows how much of the second core a
 * run takes) and the peak resident memory of the whole process (GNU time's %M). Prints; asserts
 * nothing. A command's stdout goes to a file, as in `pgsty plan --json > plan.json`: read into
 * this process, the bench inventory's JSON plan (200 MB before docs/architecture.md decision 27,
 * 77 MB after) cost the bench ~1 s of its own, counted in the wall time.
 */
import { spawnSync } from "node:child_process";
import { closeSync, openSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** `before`, when given, runs (untimed) before each run: to remove what the previous one wrote. */
export function measure(label, argv, { runs = 5, env = {}, before } = {}) {
  const walls = [];
  const cpus = [];
  const rss = [];
  let code = 0;
  const out = join(tmpdir(), `pgsty-bench-stdout-${process.pid}`);
  for (let i = 0; i < runs; i++) {
    before?.();
    const fd = openSync(out, "w");
    const t0 = process.hrtime.bigint();
    const r = spawnSync("/usr/bin/time", ["-f", "%U %S %M", ...argv], { encoding: "utf8", env: { ...process.env, ...env }, stdio: ["ignore", fd, "pipe"], maxBuffer: 1 << 30 });
    walls.push(Number(process.hrtime.bigint() - t0) / 1e6);
    closeSync(fd);
    rmSync(out);
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

/**
 * `ansible-inventory --list` on `file`, in three rounds alternating with each command of
 * `commands` ({ label, argv, runs, before }): issue #2 sets its target on a machine where that
 * takes about 10 s, which gives the figures of this VM (whose speed varies by a third from hour
 * to hour) a scale. Prints each command's median and what it would be on such a machine.
 */
export function inTurnsWithAnsible(file, commands) {
  const ansible = [];
  const times = commands.map(() => []);
  for (let round = 0; round < 3; round++) {
    ansible.push(measure(`ansible-inventory --list (round ${round + 1})`, ["ansible-inventory", "-i", file, "--list"], { runs: 1 }).medianMs);
    commands.forEach((c, i) => times[i].push(measure(`${c.label} (round ${round + 1})`, c.argv, { runs: c.runs, before: c.before }).medianMs));
  }
  const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
  const a = median(ansible);
  console.log(`ansible-inventory --list ${(a / 1000).toFixed(1)} s (median of the rounds); scaled to a machine where it takes 10 s:`);
  commands.forEach((c, i) => {
    const t = median(times[i]);
    console.log(`  ${c.label.padEnd(40)} ${t.toFixed(0).padStart(5)} ms here, ${((t * 10000) / a).toFixed(0).padStart(5)} ms there`);
  });
}
