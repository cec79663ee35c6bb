/**
 * Registry of the host-level facts (no logic): name → fact, for `gatherFacts` and `FactCache`.
 * The PostgreSQL catalog facts have their own registry.
 */
import { exitFact } from "./exit.js";
import type { Fact } from "./fact.js";
import { fileContentFact } from "./file-content.js";
import { fileFact } from "./file.js";
import { fsFact } from "./fs.js";
import { listenFact } from "./listen.js";
import { osFact } from "./os.js";
import { patroniFact } from "./patroni.js";
import { pkgFact } from "./pkg.js";
import { serviceFact } from "./service.js";
import { userFact } from "./user.js";

export const HOST_FACTS: ReadonlyMap<string, Fact<unknown>> = new Map<string, Fact<unknown>>(
  [osFact, fsFact, fileFact, fileContentFact, pkgFact, userFact, serviceFact, patroniFact, exitFact, listenFact].map((f) => [f.name, f as Fact<unknown>]),
);

export type { ExitFact } from "./exit.js";
export type { FileContentFact } from "./file-content.js";
export type { FileFact } from "./file.js";
export type { FsFact } from "./fs.js";
export type { ListenFact, ListenProcess, ListenSocket } from "./listen.js";
export type { OsFact } from "./os.js";
export type { PatroniFact, PatroniMember } from "./patroni.js";
export type { PkgFact, PkgStatus } from "./pkg.js";
export type { ServiceFact } from "./service.js";
export type { UserFact } from "./user.js";
