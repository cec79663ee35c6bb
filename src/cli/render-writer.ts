/**
 * Writes `pgsty render`'s files from a worker thread, so that creating 33,000 directories and
 * 46,000 files (kernel time: ~5 s of the bench render) runs on a second core while the main
 * thread renders the next hosts. Writes happen in the order given: a directory before its files.
 * The main thread never runs its event loop while rendering, so it waits, on a shared counter,
 * whenever it is more than {@link MAX_PENDING} batches ahead: memory stays that of a few hosts.
 * A text equal to one of the last few sent (objects.json of a cluster's members, a service file
 * every member has) is sent as its place among them, not copied to the worker again: cloning
 * texts took ~7% of the main thread's time on the bench inventory, and a fifth of them repeat.
 * The first error stops the writing; `finish()` rejects with it.
 */
import { Worker } from "node:worker_threads";

/** A file to write: its path, its text, and whether it holds secrets (mode 0600). */
export type FileWrite = readonly [path: string, text: string, secret: boolean];

const MAX_PENDING = 32;
/** How many of the last texts sent both sides remember (the worker: `recent`). */
const RECENT = 16;
/** How long the main thread waits for the writer without any batch written before giving up. */
const STALL_MS = 60_000;
/** Shared Int32 slots: batches written so far, and whether writing failed. */
const DONE = 0, FAILED = 1;

// Plain JavaScript, evaluated in the worker: a file of its own would have to be found next to
// whichever bundle runs (dist/ chunks, or the startup snapshot, which has no files).
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const { chmodSync, mkdirSync, writeFileSync } = require("node:fs");
const { dirname } = require("node:path");
const state = new Int32Array(workerData.state);
const made = new Set([workerData.root]);
// the last texts received, in the order the main thread keeps them (RenderWriter.#text)
const recent = [];
let next = 0;
let failed = false;
function makeDir(dir) {
  if (made.has(dir)) return;
  if (dirname(dir) !== dir) makeDir(dirname(dir));
  try { mkdirSync(dir, { mode: 0o700 }); } catch (e) { if (e.code !== "EEXIST") throw e; }
  made.add(dir);
}
parentPort.on("message", (batch) => {
  if (batch === null) return parentPort.postMessage({ done: true });
  if (!failed) {
    try {
      for (const [path, sent, secret] of batch) {
        let text = sent;
        if (typeof sent === "number") text = recent[sent];
        else {
          recent[next] = sent;
          next = (next + 1) % ${RECENT};
        }
        makeDir(dirname(path));
        writeFileSync(path, text);
        if (secret) chmodSync(path, 0o600);
      }
    } catch (e) {
      failed = true;
      parentPort.postMessage({ error: e.message });
      Atomics.store(state, ${FAILED}, 1);
    }
  }
  Atomics.add(state, ${DONE}, 1);
  Atomics.notify(state, ${DONE});
});
`;

export class RenderWriter {
  readonly #state = new Int32Array(new SharedArrayBuffer(8));
  readonly #worker: Worker;
  /** Settles when the worker has written everything (after `finish()` asks), or has died. */
  readonly #ended: Promise<void>;
  #error: string | undefined;
  #posted = 0;
  readonly #recent: string[] = [];
  #next = 0;

  /** `root`: the output directory, which exists already (normalised, as `join()` writes it). */
  constructor(root: string) {
    this.#worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { state: this.#state.buffer, root } });
    this.#ended = new Promise<void>((resolve, reject) => {
      this.#worker.on("message", (m: { error?: string; done?: boolean }) => {
        if (m.error !== undefined) this.#error ??= m.error;
        if (m.done) resolve();
      });
      this.#worker.on("error", reject);
      this.#worker.on("exit", (code) => reject(new Error(`the writer thread stopped (exit code ${code})`)));
    });
    // finish() reads the outcome; until then a rejection must not count as unhandled
    this.#ended.catch(() => {});
  }

  /**
   * Queues one host's files (written in this order); waits while too far ahead of the worker.
   * Throws once a write has failed: rendering the other hosts would be wasted (`finish()` says why).
   */
  write(batch: readonly FileWrite[]): void {
    if (Atomics.load(this.#state, FAILED)) throw new Error("writing stopped at an earlier error");
    this.#worker.postMessage(batch.map(([path, text, secret]) => [path, this.#text(text), secret]));
    this.#posted++;
    const done = Atomics.load(this.#state, DONE);
    // a writer that died cannot say so while this thread blocks: a bounded wait, not a hang
    if (this.#posted - done > MAX_PENDING && Atomics.wait(this.#state, DONE, done, STALL_MS) === "timed-out") {
      throw new Error(`the writer thread wrote nothing for ${STALL_MS / 1000} s`);
    }
  }

  /** What to send for `text`: its place among the last texts sent, or the text (then remembered there). */
  #text(text: string): string | number {
    const i = this.#recent.indexOf(text);
    if (i !== -1) return i;
    this.#recent[this.#next] = text;
    this.#next = (this.#next + 1) % RECENT;
    return text;
  }

  /** Resolves once every queued file is written; rejects with the first error. */
  async finish(): Promise<void> {
    this.#worker.postMessage(null);
    await this.#ended;
    await this.#worker.terminate();
    if (this.#error !== undefined) throw new Error(this.#error);
  }
}
