#!/bin/bash
# Tear down what up.sh built.  Idempotent, and safe when nothing is up.
#
#   down.sh          the testbed in $BASE (default /tmp/pgsty-testbed/0)
#   down.sh --all    every testbed under /tmp/pgsty-testbed (only when no
#                    test run is using one)
#
# It kills only the init processes of its own hosts: the recorded
# <name>/init.pid, and any other process that is PID 1 of a pid namespace
# inside one of the testbed's own network namespaces (a host whose pid was not
# recorded yet).  The kernel then ends every process of that host.  Then it
# removes the network namespaces, veths, bridge, cgroups and $BASE.
# BRIDGE and PREFIX come from $BASE/testbed.env, else from the environment.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=/tmp/pgsty-testbed
now() { date +%s.%N; }
T0=$(now)

if [ "${1:-}" = --all ]; then
  for d in "$ROOT"/*/; do
    [ -d "$d" ] || continue
    BASE=${d%/} BRIDGE='' PREFIX='' "$HERE/down.sh"
  done
  exit 0
fi

BASE=${BASE:-$ROOT/0}
[[ $BASE =~ ^/tmp/[A-Za-z0-9._/-]+$ ]] || { echo "down.sh: BASE must be under /tmp" >&2; exit 1; }
# testbed.env is parsed, never sourced: accept only the keys and shapes we write
if [ -r "$BASE/testbed.env" ]; then
  while IFS='=' read -r k v; do
    case $k in
      BRIDGE) [[ $v =~ ^[a-z][a-z0-9]{1,9}$ ]] && BRIDGE=$v ;;
      PREFIX) [[ $v =~ ^[a-z][a-z0-9-]{0,20}$ ]] && PREFIX=$v ;;
    esac
  done < "$BASE/testbed.env"
fi
slot=${BASE##*/}
[[ $slot =~ ^[0-9]+$ ]] || slot=0
BRIDGE=${BRIDGE:-pgstybr$slot}
PREFIX=${PREFIX:-pgsty$slot-}
[[ $BRIDGE =~ ^[a-z][a-z0-9]{1,9}$ ]] || { echo "down.sh: bad BRIDGE" >&2; exit 1; }
[[ $PREFIX =~ ^[a-z][a-z0-9-]{0,20}$ ]] || { echo "down.sh: bad PREFIX" >&2; exit 1; }
CGNAME=pgsty-testbed/$BRIDGE

# our hosts: network namespaces named PREFIX<n>, and host dirs in BASE
hosts=$({
  ip netns list 2>/dev/null | awk '{print $1}' | grep -E "^${PREFIX}[0-9]+$"
  for d in "$BASE/$PREFIX"*; do [ -d "$d" ] && basename "$d"; done
} | sort -u)

is_host_init() {   # pid netns: PID 1 of a child pid namespace, inside netns
  [ -r "/proc/$1/status" ] || return 1
  [ "$(ip netns identify "$1" 2>/dev/null)" = "$2" ] || return 1
  awk '/^NSpid:/ { exit !(NF == 3 && $3 == 1) }' "/proc/$1/status" 2>/dev/null
}

# 1) kill each host's init; the kernel then SIGKILLs everything inside it
for name in $hosts; do
  inits=()
  [ -s "$BASE/$name/init.pid" ] && inits+=("$(cat "$BASE/$name/init.pid")")
  for p in $(ip netns pids "$name" 2>/dev/null); do inits+=("$p"); done
  for p in "${inits[@]}"; do
    [[ $p =~ ^[0-9]+$ ]] && is_host_init "$p" "$name" && kill -KILL "$p" 2>/dev/null
  done
done
# 2) wait until no process is left in the hosts' network namespaces (pid
#    namespace teardown is asynchronous; unshare exits after reaping its child)
for name in $hosts; do
  for _ in $(seq 1 100); do
    [ -z "$(ip netns pids "$name" 2>/dev/null)" ] && break
    sleep 0.05
  done
  left=$(ip netns pids "$name" 2>/dev/null | tr '\n' ' ')
  [ -n "$left" ] && echo "down.sh: WARN: processes left in $name: $left" >&2
  ip netns del "$name" 2>/dev/null
done
# 3) links: veths die with their namespace; remove any stragglers, then the bridge
for l in $(ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1 | grep -E "^${BRIDGE}v[0-9]+$"); do
  ip link del "$l" 2>/dev/null
done
ip link del "$BRIDGE" 2>/dev/null
# 4) cgroups, deepest first (systemd hosts leave a tree of their own)
for c in memory freezer unified systemd; do
  top=/sys/fs/cgroup/$c/$CGNAME
  [ -d "$top" ] || continue
  for p in $(find "$top" -name cgroup.procs -exec cat {} + 2>/dev/null); do
    echo "down.sh: WARN: pid $p still in $top" >&2
  done
  for _ in $(seq 1 40); do
    find "$top" -depth -type d -exec rmdir {} + 2>/dev/null
    [ -d "$top" ] || break
    sleep 0.05
  done
  [ -d "$top" ] && echo "down.sh: WARN: could not remove $top" >&2
  rmdir "/sys/fs/cgroup/$c/pgsty-testbed" 2>/dev/null
done
# 5) files
if mountpoint -q "$BASE"; then umount "$BASE" 2>/dev/null || umount -l "$BASE"; fi
rm -rf --one-file-system "$BASE"

left=$(ip netns list 2>/dev/null | awk '{print $1}' | grep -cE "^${PREFIX}[0-9]+$")
printf 'down: %s in %.2fs (%s netns left, bridge %s)\n' "$BASE" "$(echo "$(now) - $T0" | bc)" \
  "$left" "$(ip link show "$BRIDGE" >/dev/null 2>&1 && echo present || echo gone)"
