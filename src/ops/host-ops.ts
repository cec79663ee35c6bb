/**
 * Registry of the host ops (files, packages, users, services, pgBackRest, guarded commands, and
 * the removal ops of pgsql-rm: service.stopped, path.absent, pkg.removed, dcs.absent):
 * op name → Op.
 * No logic here (ARCHITECTURE §4: index files are registries).
 *
 * Contract notes for the engine (see op.ts):
 * - `file` also has `moreNeeds(task, facts)` (see `hasFollowUp`): after the first round trip it
 *   names the `file.content` facts to read in a second one — only files whose hash differs — so
 *   the plan can show a unified diff. Without that round trip the diff says "content differs".
 * - apply of `file`, `dir` and `link` acts on the diff it is given (the engine re-diffs just
 *   before); apply of `pkg.installed`, `os.user`, `service.running`, `pgbackrest.stanza` and
 *   `command` re-reads its own facts with ctx.refresh (they also need the OS, or a guard may have
 *   come true) and acts on those.
 * - apply refuses (throws, changes nothing) a diff whose action is `unknown`; `noop` does nothing.
 * - handlers call `reloadService` / `restartService` (daemon.ts) with the host's `os` fact.
 */
import { commandOp } from "./command.js";
import { dirOp } from "./dir.js";
import { fileOp } from "./file.js";
import { linkOp } from "./link.js";
import type { Op } from "./op.js";
import { osUserOp } from "./os-user.js";
import { pgbackrestStanzaOp } from "./pgbackrest-stanza.js";
import { pkgInstalledOp } from "./pkg-installed.js";
import { serviceRunningOp } from "./service-running.js";
import { dcsAbsentOp } from "./dcs-absent.js";
import { pathAbsentOp } from "./path-absent.js";
import { pkgRemovedOp } from "./pkg-removed.js";
import { serviceStoppedOp } from "./service-stopped.js";

export { hasFollowUp, restorePreviousFile, type FollowUpOp } from "./file.js";
export { DAEMONS, reloadService, restartService } from "./daemon.js";

export const HOST_OPS: ReadonlyMap<string, Op> = new Map<string, Op>(
  ([fileOp, dirOp, linkOp, pkgInstalledOp, osUserOp, serviceRunningOp, pgbackrestStanzaOp, commandOp,
    serviceStoppedOp, pathAbsentOp, pkgRemovedOp, dcsAbsentOp] as Op[]).map((op) => [op.kind, op]),
);
