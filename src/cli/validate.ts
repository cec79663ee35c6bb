/** `pgsty validate`: exit 0 when the inventory is valid (warnings allowed), 1 when not. */
import { diagnosticJson, formatDiagnostics, summaryLine } from "../render/diagnostics.js";
import { runFront, type FrontOptions } from "./front.js";
import type { Output } from "./output.js";

export function validateCommand(o: FrontOptions & { json: boolean }, out: Output): number {
  const front = runFront(o);
  if (o.json) {
    out.stdout(JSON.stringify({
      format_version: "1",
      valid: front.ok,
      files: front.files,
      hosts: front.model?.hosts.size ?? 0,
      clusters: front.model?.clusters.size ?? 0,
      diagnostics: front.diagnostics.map(diagnosticJson),
    }, null, 2));
    return front.ok ? 0 : 1;
  }
  if (front.diagnostics.length > 0) out.stderr(formatDiagnostics(front.diagnostics, { color: out.color }));
  const n = (k: number, what: string) => `${k} ${what}${k === 1 ? "" : "s"}`;
  const counts = front.model ? `${n(front.model.hosts.size, "host")}, ${n(front.model.clusters.size, "cluster")}` : "nothing loaded";
  const verdict = front.ok ? "valid" : "invalid";
  out.stderr(`${front.files.join(", ")}: ${verdict} (${counts}; ${summaryLine(front.diagnostics)})`);
  return front.ok ? 0 : 1;
}
