/**
 * The front end as the commands use it: read inputs → load → parse -e → build the model → select
 * hosts with -l. Returns every diagnostic; the model is present once the inventory could be read.
 */
import { hasErrors, sortDiagnostics, type Diagnostic } from "../diagnostics.js";
import { parseExtraVars } from "../inventory/extra-vars.js";
import { loadInventory } from "../inventory/load.js";
import { selectHosts } from "../inventory/patterns.js";
import { buildModel, type Model } from "../model/model.js";
import { phaseTimer } from "../timing.js";
import { inventoryPaths, readExtraVars, readSources } from "./inputs.js";

export interface FrontOptions {
  readonly inventory: readonly string[];
  readonly extraVars: readonly string[];
  readonly limit?: string;
}

export interface Front {
  readonly files: readonly string[];
  readonly model?: Model;
  /** Hosts selected by -l (all hosts without -l), in inventory order. */
  readonly selected: readonly string[];
  readonly diagnostics: Diagnostic[];
  readonly ok: boolean;
}

export function runFront(o: FrontOptions): Front {
  const timing = phaseTimer();
  const files = inventoryPaths(o.inventory);
  const read = readSources(files);
  const extraRead = readExtraVars(o.extraVars);
  const diagnostics = [...read.diagnostics, ...extraRead.diagnostics];
  if (read.sources.length === 0) return { files, selected: [], diagnostics, ok: false };
  timing("read");
  const loaded = loadInventory(read.sources);
  timing("load");
  const extra = parseExtraVars(extraRead.args);
  diagnostics.push(...loaded.diagnostics, ...extra.diagnostics);
  // a file that could not be parsed leaves the inventory incomplete: stop before rules report noise
  if (hasErrors(diagnostics)) return { files, selected: [], diagnostics: sortDiagnostics(diagnostics), ok: false };
  const built = buildModel(loaded.inventory, extra.vars);
  timing("model");
  diagnostics.push(...built.diagnostics);
  let selected = [...built.model.hosts.keys()];
  if (o.limit !== undefined) {
    const s = selectHosts(loaded.inventory, o.limit);
    diagnostics.push(...s.diagnostics);
    selected = s.hosts;
  }
  return { files, model: built.model, selected, diagnostics, ok: !hasErrors(diagnostics) };
}
