/**
 * YAML for files pgsty writes (Patroni, etcd). Emitted with js-yaml under the same YAML 1.1 schema
 * the inventory is read with, so strings such as `off`, `on` or `0640`, which PyYAML (Patroni)
 * would read as booleans or octal numbers, come out quoted. js-yaml emits a 300-line config in a
 * fraction of the `yaml` package's time, which matters for 3,000 hosts. Pure.
 */
import jsyaml from "js-yaml";
import { ANSIBLE_SCHEMA } from "../inventory/yaml.js";

/** `value` as YAML, after `header` lines written as `# ` comments. */
export function toYaml(value: unknown, header: string): string {
  const comment = header.split("\n").map((l) => (l.trim() === "" ? "#" : `#${l.startsWith(" ") ? "" : " "}${l}`)).join("\n");
  return `${comment}\n\n${jsyaml.dump(value, { schema: ANSIBLE_SCHEMA, lineWidth: -1, noRefs: true, quotingType: '"' })}`;
}
