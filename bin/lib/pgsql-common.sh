# Shared by the bin/pgsql-* wrappers (sourced, never run): option parsing, the inventory checks
# (a cluster, its members, its declared users and databases, read from `pgsty inventory --list`
# through node) and running pgsty with the exact command printed on stderr.
#
# The wrapper sets USAGE (its help text) before calling pgsql_parse "$@". After it:
#   CLS           the cluster name           ARGS   the words after it
#   PGSTY_OPTS    -i/-e options to pass on   YES    (--yes) or ()
# Exit codes: 1 usage, 2 an argument the inventory does not know, else pgsty's own.
# $PGSTY_BIN replaces the pgsty next to the wrappers (tests point it at a stub). $PGSTY_INVENTORY
# is pgsty's own default inventory: it reaches pgsty unchanged.

set -uo pipefail

PGSTY="${PGSTY_BIN:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/pgsty}"
PGSTY_OPTS=()
YES=()
CLS=""
ARGS=()
INVENTORY_JSON=""

pgsql_die() { # CODE MESSAGE
  printf '%s: error: %s\n' "$(basename "$0")" "$2" >&2
  exit "$1"
}

pgsql_usage() {
  printf '%s\n' "$USAGE"
  printf '\nOptions (before the cluster name):\n  -i FILE    inventory (repeatable; default $PGSTY_INVENTORY, ./pigsty.yml, then the bundled one)\n  -e VARS    extra vars passed to pgsty (repeatable), e.g. -e pg_safeguard=false\n  -y, --yes  apply without asking\n  -h, --help this help\n'
}

pgsql_parse() {
  while [ $# -gt 0 ]; do
    case "$1" in
      -h|--help) pgsql_usage; exit 0 ;;
      -y|--yes) YES=(--yes); shift ;;
      -i|-e)
        [ $# -ge 2 ] || pgsql_die 1 "$1 needs a value"
        PGSTY_OPTS+=("$1" "$2"); shift 2 ;;
      --) shift; break ;;
      -*) pgsql_die 1 "unknown option $1 (see -h)" ;;
      *) break ;;
    esac
  done
  [ $# -ge 1 ] || { pgsql_usage >&2; exit 1; }
  CLS="$1"; shift
  ARGS=("$@")
  pgsql_load_inventory
}

# Reads the inventory once, as `pgsty inventory --list` prints it (in the wrapper's own shell:
# the queries run in subshells, which could not keep it).
pgsql_load_inventory() {
  INVENTORY_JSON="$("$PGSTY" inventory --list "${PGSTY_OPTS[@]}")" || pgsql_die 2 "cannot read the inventory (pgsty inventory --list failed)"
}

pgsql_inventory() { printf '%s' "$INVENTORY_JSON"; }

# node QUERY [ARG...]: runs a query over the inventory JSON; the query sees `hv` (hostvars by host),
# `members(cls)` (host names whose pg_cluster is cls) and `argv` (the ARGs); prints what it returns
# one item a line; a thrown Error is the message of exit 2.
pgsql_query() {
  local query="$1"; shift
  pgsql_inventory | node -e '
    const inv = JSON.parse(require("fs").readFileSync(0, "utf8"));
    const hv = (inv._meta && inv._meta.hostvars) || {};
    const members = (cls) => Object.keys(hv).filter((h) => hv[h].pg_cluster === cls);
    const argv = process.argv.slice(1);
    try {
      const out = ('"$query"')();
      for (const x of out) console.log(x);
    } catch (e) {
      console.error(e.message);
      process.exit(2);
    }' -- "$@"
}

# Refuses a CLS that is not a cluster of the inventory.
pgsql_check_cluster() {
  local msg
  msg="$(pgsql_query '() => { if (members(argv[0]).length === 0) throw new Error(`no cluster ${argv[0]} in the inventory (clusters: ${[...new Set(Object.values(hv).map((v) => v.pg_cluster).filter(Boolean))].sort().join(", ") || "none"})`); return []; }' "$CLS" 2>&1)" \
    || pgsql_die 2 "$msg"
}

# Prints the inventory host of each IP (or host name) given, refusing one that is not a member of CLS.
pgsql_members_of() {
  local out
  out="$(pgsql_query '() => { const [cls, ...ips] = argv; const m = members(cls);
    return ips.map((ip) => { const h = m.find((x) => x === ip || hv[x].ansible_host === ip);
      if (!h) throw new Error(`${ip} is not a member of ${cls} (members: ${m.map((x) => hv[x].ansible_host || x).join(", ")})`); return h; }); }' "$CLS" "$@" 2>&1)" \
    || pgsql_die 2 "$out"
  printf '%s\n' "$out"
}

# Refuses a name not declared in CLS's pg_users / pg_databases (FIELD) on its members.
pgsql_check_declared() { # FIELD WHAT NAME...
  local field="$1" what="$2" msg; shift 2
  msg="$(pgsql_query '() => { const [cls, field, what, ...names] = argv;
    const declared = new Set(members(cls).flatMap((h) => (Array.isArray(hv[h][field]) ? hv[h][field] : []).map((x) => x && x.name)));
    const missing = names.filter((n) => !declared.has(n));
    if (missing.length) throw new Error(`${what} ${missing.join(", ")} not declared in ${field} of ${cls} (declared: ${[...declared].sort().join(", ") || "none"})`);
    return []; }' "$CLS" "$field" "$what" "$@" 2>&1)" \
    || pgsql_die 2 "$msg"
}

# One word as a shell would need it typed: bare when safe, else single-quoted.
pgsql_quote() {
  if [[ $1 =~ ^[A-Za-z0-9_@%+=:,./-]+$ ]]; then printf '%s' "$1"; else printf "'%s'" "${1//\'/\'\\\'\'}"; fi
}

# Runs pgsty with the given words, after printing the command on stderr.
pgsql_run() {
  local words=(apply "${PGSTY_OPTS[@]}" "$@" "${YES[@]}") w line="+ pgsty"
  for w in "${words[@]}"; do line+=" $(pgsql_quote "$w")"; done
  printf '%s\n' "$line" >&2
  "$PGSTY" "${words[@]}"
}

# The -l pattern of hosts given as lines (a,b,c).
pgsql_join() { paste -sd, -; }
