/**
 * Playbooks are data (playbooks/*.yml): an ordered list of steps, each with the tags that select
 * it. A step lists every tag that should select it, parents included (`pg_provision` and
 * `pg_user` on `pgsql.user`), so `-t pg_provision` really provisions (unlike Ansible's
 * include_tasks, see the reference's Appendix A.1). Loading validates the file with zod and
 * checks that each step exists. Reads the packaged playbooks/ folder only.
 */
import { existsSync, readFileSync } from "node:fs";
import * as z from "zod";
import { parseYaml } from "../inventory/yaml.js";
import { packagePath } from "../package-root.js";

const playbookSchema = z.strictObject({
  name: z.string().regex(/^[a-z][a-z0-9-]*$/),
  description: z.string(),
  steps: z.array(z.strictObject({ step: z.string().regex(/^[a-z]+\.[a-z0-9-]+$/), tags: z.array(z.string()).min(1) })).min(1),
});

export type Playbook = z.output<typeof playbookSchema>;

/** Parse and check a playbook text; `knownSteps` are the step names modules define. */
export function parsePlaybook(text: string, file: string, knownSteps: ReadonlySet<string>): Playbook {
  const parsed = parseYaml(text, file);
  if ("error" in parsed) throw new Error(`${file}:${parsed.error.line}:${parsed.error.column}: ${parsed.error.message}`);
  const r = playbookSchema.safeParse(parsed.value);
  if (!r.success) throw new Error(`${file}: ${r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  for (const s of r.data.steps) if (!knownSteps.has(s.step)) throw new Error(`${file}: unknown step ${s.step}`);
  return r.data;
}

export function loadPlaybook(name: string, knownSteps: ReadonlySet<string>): Playbook {
  const file = packagePath("playbooks", `${name}.yml`);
  if (!existsSync(file)) throw new Error(`no playbook named ${name} (playbooks/${name}.yml)`);
  return parsePlaybook(readFileSync(file, "utf8"), `playbooks/${name}.yml`, knownSteps);
}

/** Steps selected by `-t` (any of their tags given); all steps without `-t`. */
export function selectSteps(pb: Playbook, tags: readonly string[] | undefined): Playbook["steps"] {
  if (!tags || tags.length === 0) return pb.steps;
  const want = new Set(tags);
  return pb.steps.filter((s) => s.tags.some((t) => want.has(t)) || want.has(s.step));
}

/** Every tag a playbook knows (for "unknown tag" errors). */
export function knownTags(pb: Playbook): Set<string> {
  return new Set(pb.steps.flatMap((s) => [...s.tags, s.step]));
}
