// Shared by renderer tests: a HostContext for a host of an inventory written in YAML.
import { loadInventory } from "../../../src/inventory/load.js";
import { buildModel } from "../../../src/model/model.js";
import { hostContext, type ContextOptions, type HostContext } from "../../../src/modules/context.js";

export function contextFor(yamlText: string, host: string, o: ContextOptions = {}): HostContext {
  const loaded = loadInventory([{ file: "inv.yml", text: yamlText }]);
  if (loaded.diagnostics.some((d) => d.severity === "error")) throw new Error(JSON.stringify(loaded.diagnostics));
  const built = buildModel(loaded.inventory);
  const errors = built.diagnostics.filter((d) => d.severity === "error");
  if (errors.length) throw new Error(errors.map((d) => `${d.source?.line}: ${d.summary}`).join("\n"));
  return hostContext(built.model, host, o);
}
