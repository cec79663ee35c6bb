/**
 * PG_REMOVE parameters: what removing PostgreSQL instances (pgsql-rm) cleans up, and the
 * safeguard that refuses to remove at all (seed PG_REMOVE, reference §1.8).
 * Pure: imports only zod and sibling schema files; must not import I/O modules.
 */
import * as z from "zod";
import { defineGroup } from "./param.js";
import { withDefault } from "./common.js";

export const PG_REMOVE_PARAMS = {
  pg_safeguard: withDefault(
    z.boolean().describe("Refuse to remove instances while true (override with -e pg_safeguard=false); default false. Enable it on production clusters."),
    "G/C",
    false,
  ),
  pg_rm_data: withDefault(
    z.boolean().describe("Remove the data directory (pg_data) and its symlinks when removing an instance; default true. false keeps the data for inspection."),
    "G/C",
    true,
  ),
  pg_rm_backup: withDefault(
    z
      .boolean()
      .describe("When removing the primary, also delete the pgBackRest stanza and, with the local repository, its backup directory; default true."),
    "G/C",
    true,
  ),
  pg_rm_pkg: withDefault(
    z.boolean().describe("Uninstall the packages of pg_packages when removing an instance; default true. false keeps the binaries."),
    "G/C",
    true,
  ),
} as const;

export const PG_REMOVE = defineGroup(
  "PG_REMOVE",
  "Removal of PostgreSQL instances: whether data, backups and packages are removed, and a safeguard against accidental removal.",
  PG_REMOVE_PARAMS,
);
