/**
 * Preflight, reachability and sudo: why a host's fact script did not run, as one refusal naming
 * the host, the address and what failed — connection refused, authentication, timeout, name or
 * route — or, when pgsty logs in as another user than root, that `sudo -n` (how become runs every
 * command, the fact script first) asks for a password. The connector's message is classified
 * here rather than in exec/, which knows nothing of inventories and hints.
 * Pure; must not import exec/connector (the error arrives as a value).
 */
import { error, type Diagnostic } from "../diagnostics.js";

/** The connection vars the message needs (Ansible names). */
export interface ReachVars {
  readonly ansible_host?: unknown;
  readonly ansible_port?: unknown;
  readonly ansible_user?: unknown;
  readonly ansible_become?: unknown;
  readonly ansible_connection?: unknown;
}

interface Cause {
  readonly what: string;
  readonly hint: string;
}

const KEY_HINT = "check ansible_user and ansible_ssh_private_key_file (or the keys of your ssh agent), and that the key is in the user's authorized_keys";

/** What failed, from a connector's message (pure). */
export function classifyFailure(message: string, loginUser: string | undefined, become: boolean): Cause & { code: string } {
  const m = message;
  if (/\bsudo: |sudo -n/.test(m) && become && loginUser !== "root") {
    return {
      code: "preflight.sudo",
      what: `sudo -n does not work for ${loginUser ?? "the login user"} (${/sudo: [^|\n]*/.exec(m)?.[0]?.trim() ?? "sudo failed"})`,
      hint: `pgsty runs every command through \`sudo -n\`: give ${loginUser ?? "the login user"} passwordless sudo (NOPASSWD in /etc/sudoers.d), or log in as root (ansible_user: root)`,
    };
  }
  const reach = (what: string, hint: string) => ({ code: "preflight.unreachable", what, hint });
  if (/ECONNREFUSED/.test(m)) return reach("connection refused", "check ansible_host and ansible_port, and that sshd runs on the host");
  if (/authentication methods failed|All configured authentication|Authentication failed|permission denied \(publickey/i.test(m)) return reach("authentication failed", KEY_HINT);
  if (/Cannot parse privateKey|ENOENT.*(key|id_)|no such file.*key/i.test(m)) return reach("the private key cannot be read", "check ansible_ssh_private_key_file");
  if (/ENOTFOUND|EAI_AGAIN/.test(m)) return reach("the host name does not resolve", "check ansible_host (or the host's name in DNS / /etc/hosts)");
  if (/EHOSTUNREACH|ENETUNREACH/.test(m)) return reach("no route to the host", "check ansible_host and the network between here and the host");
  if (/ETIMEDOUT|Timed out while waiting for handshake|timed out/i.test(m)) return reach("timed out", "check that the address is reachable from here (firewall, route) and that the host is up");
  if (/lost|closed/i.test(m)) return reach("the connection was lost", "check the host and the network, then run again");
  return reach(m.split("\n")[0] ?? m, "check the host's connection vars (ansible_host, ansible_port, ansible_user, ansible_ssh_private_key_file)");
}

const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

/** The refusal for a host whose facts could not be read at all (pure). */
export function unreachableDiagnostic(host: string, vars: ReachVars, message: string): Diagnostic {
  const user = str(vars.ansible_user);
  const local = vars.ansible_connection === "local";
  const address = local ? "local connection" : `${user ? `${user}@` : ""}${str(vars.ansible_host) ?? host}:${typeof vars.ansible_port === "number" ? vars.ansible_port : 22}`;
  const cause = classifyFailure(message, user, vars.ansible_become !== false);
  // the connector prefixes "host: "; the rest says which command it was running
  const detail = message.startsWith(`${host}: `) ? message.slice(host.length + 2) : message;
  return error(cause.code, `${host} (${address}): ${cause.what}`, { address: host, detail, hint: `${cause.hint}; or plan without reading hosts: --offline` });
}
