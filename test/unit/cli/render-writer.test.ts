// The render writer thread: files land with their texts and modes, in order, also when a text
// repeats one sent earlier (sent as its place among the last texts, not copied again).
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { RenderWriter, type FileWrite } from "../../../src/cli/render-writer.js";

const dir = mkdtempSync(join(tmpdir(), "pgsty-writer-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("RenderWriter", () => {
  it("writes every file with its own text, texts repeating near and far", async () => {
    const writer = new RenderWriter(dir);
    // 25 distinct texts, more than the writer remembers, repeated in a pattern that hits and misses
    const texts = Array.from({ length: 25 }, (_, i) => `text ${i}\n`.repeat(i + 1));
    const expected = new Map<string, string>();
    for (let host = 0; host < 30; host++) {
      const batch: FileWrite[] = [];
      for (const k of [host % 25, (host * 7) % 25, 0, host % 3]) {
        const path = join(dir, `h${host}`, `f${batch.length}.txt`);
        // equal texts made separately: the writer compares values, not objects
        const text = texts[k]!.slice(0);
        batch.push([path, text, k === 0]);
        expected.set(path, text);
      }
      writer.write(batch);
    }
    await writer.finish();
    for (const [path, text] of expected) expect(readFileSync(path, "utf8"), path).toBe(text);
    expect(statSync(join(dir, "h1", "f2.txt")).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, "h1", "f0.txt")).mode & 0o777).not.toBe(0o600);
  });
});
