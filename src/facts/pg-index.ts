/**
 * Registry of the PostgreSQL and Patroni facts, by name. Index only: no logic.
 */
import type { Fact } from "./fact.js";
import { PG_DATABASES, PG_ROLES, PG_SETTINGS } from "./pg-catalog.js";
import { PG_DEFAULT_PRIVILEGES, PG_EXTENSIONS, PG_SCHEMAS } from "./pg-objects.js";
import { PATRONI_CONFIG } from "./pg-patroni-config.js";

export const PG_FACTS: ReadonlyMap<string, Fact<unknown>> = new Map<string, Fact<unknown>>(
  [PG_ROLES, PG_DATABASES, PG_SETTINGS, PG_SCHEMAS, PG_EXTENSIONS, PG_DEFAULT_PRIVILEGES, PATRONI_CONFIG].map((f) => [f.name, f]),
);

export * from "./pg-shell.js";
export * from "./pg-catalog.js";
export * from "./pg-objects.js";
export * from "./pg-patroni-config.js";
