#!/bin/bash
# Bring up N test hosts on this machine for pgsty's integration tests.  Each
# host is a network namespace (veth into a bridge in the root namespace) plus
# pid/mount/uts/ipc namespaces with a private copy-on-write root filesystem,
# its own sshd on <ip>:22 and tini or systemd as PID 1 (see hostinit.sh).
#
# Env (defaults in brackets):
#   N          number of hosts [3]
#   BASE       state directory, a tmpfs while up [/tmp/pgsty-testbed/0]
#   NET        first three octets of the /24, must be 10.x.y [10.211.0]
#              the root namespace is NET.1, host i is NET.(10+i)
#   BRIDGE     bridge name in the root namespace [pgstybr0]
#   PREFIX     host (and network namespace) names are PREFIX1..PREFIXN [pgsty0-]
#   HOST_INIT  tini | systemd [tini]
#   TMPFS      1: host files in RAM (fast, fsync is free); 0: on disk [1]
#   UP_TIMEOUT seconds to wait for every sshd [30]
#   TESTBED_SHARE  machine directories bound read-only into every host at the same path
#              (a checkout under /tmp, which the hosts' own /tmp would hide) []
# Writes to BASE: testbed.env (what down.sh must remove), hosts.list
# ("name ip" per line), id_ed25519 (client key), ssh_config, known_hosts,
# <name>/init.pid and <name>/init.log.  Traffic never leaves NET.0/24: the
# hosts have no default route and the root namespace does no forwarding.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
N=${N:-3}
BASE=${BASE:-/tmp/pgsty-testbed/0}
NET=${NET:-10.211.0}
BRIDGE=${BRIDGE:-pgstybr0}
PREFIX=${PREFIX:-pgsty0-}
HOST_INIT=${HOST_INIT:-tini}
TMPFS=${TMPFS:-1}
UP_TIMEOUT=${UP_TIMEOUT:-30}
CGNAME=pgsty-testbed/$BRIDGE
now() { date +%s.%N; }
el() { printf '%.2f' "$(echo "$(now) - $1" | bc)"; }
die() { echo "up.sh: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root"
[[ $N =~ ^[0-9]+$ ]] && [ "$N" -ge 1 ] && [ "$N" -le 50 ] || die "N must be 1..50"
[[ $NET =~ ^10\.[0-9]{1,3}\.[0-9]{1,3}$ ]] || die "NET must be 10.x.y (test hosts live in 10.0.0.0/8 only)"
[[ $BRIDGE =~ ^[a-z][a-z0-9]{1,9}$ ]] || die "BRIDGE must be 2-10 lowercase letters/digits"
[[ $PREFIX =~ ^[a-z][a-z0-9-]{0,20}$ ]] || die "bad PREFIX"
[[ $BASE =~ ^/tmp/[A-Za-z0-9._/-]+$ ]] || die "BASE must be a directory under /tmp"
case $HOST_INIT in tini|systemd) ;; *) die "HOST_INIT must be tini or systemd" ;; esac
for b in sshd tini unshare nsenter ip bc ssh-keygen; do
  command -v "$b" >/dev/null || die "$b not found: run prepare.sh"
done
ip link show "$BRIDGE" >/dev/null 2>&1 && die "already up (bridge $BRIDGE exists): run down.sh first"
[ -e "$BASE/testbed.env" ] && die "already up ($BASE/testbed.env exists): run down.sh first"

T0=$(now)
ok=0
cleanup_on_failure() {
  [ $ok = 1 ] && return
  echo "up.sh: failed; tearing the partial testbed down" >&2
  BASE=$BASE BRIDGE=$BRIDGE PREFIX=$PREFIX "$HERE/down.sh" >&2 || true
}
trap cleanup_on_failure EXIT

mkdir -p "$BASE"
if [ "$TMPFS" = 1 ] && ! mountpoint -q "$BASE"; then
  mount -t tmpfs -o size=8g,mode=755 pgsty-testbed "$BASE"
fi
# first of all: what down.sh needs to undo this, even if we fail half-way
cat > "$BASE/testbed.env" <<EOF
BRIDGE=$BRIDGE
PREFIX=$PREFIX
NET=$NET
N=$N
HOST_INIT=$HOST_INIT
EOF

ssh-keygen -q -t ed25519 -N '' -C pgsty-testbed -f "$BASE/id_ed25519"
: > "$BASE/known_hosts"
{
  echo "127.0.0.1 localhost"
  echo "::1 localhost ip6-localhost ip6-loopback"
  echo "$NET.1 testbed-controller"
  for i in $(seq 1 "$N"); do echo "$NET.$((10 + i)) $PREFIX$i"; done
} > "$BASE/hosts"
for i in $(seq 1 "$N"); do echo "$PREFIX$i $NET.$((10 + i))"; done > "$BASE/hosts.list"
{
  for i in $(seq 1 "$N"); do
    printf 'Host %s %s\n  HostName %s\n' "$PREFIX$i" "$NET.$((10 + i))" "$NET.$((10 + i))"
  done
  cat <<EOF
Host *
  User root
  IdentityFile $BASE/id_ed25519
  IdentitiesOnly yes
  StrictHostKeyChecking no
  UserKnownHostsFile $BASE/known_hosts
  LogLevel ERROR
  ConnectTimeout 5
  BatchMode yes
EOF
} > "$BASE/ssh_config"

ip link add "$BRIDGE" type bridge
ip addr add "$NET.1/24" dev "$BRIDGE"
ip link set "$BRIDGE" up

# cgroup v1 memory + freezer (process accounting; freezing a host), and for
# systemd hosts a cgroup2 + name=systemd subtree of their own
cgdirs=()
for c in memory freezer; do
  [ -d "/sys/fs/cgroup/$c" ] && cgdirs+=("/sys/fs/cgroup/$c/$CGNAME")
done
if [ "$HOST_INIT" = systemd ]; then
  [ -d /sys/fs/cgroup/unified ] || die "systemd hosts need cgroup2 at /sys/fs/cgroup/unified"
  cgdirs+=("/sys/fs/cgroup/unified/$CGNAME")
  [ -d /sys/fs/cgroup/systemd ] && cgdirs+=("/sys/fs/cgroup/systemd/$CGNAME")
fi

for i in $(seq 1 "$N"); do
  name=$PREFIX$i ip=$NET.$((10 + i)) d=$BASE/$PREFIX$i
  mkdir -p "$d/upper" "$d/work" "$d/root"
  ip netns add "$name"
  ip link add "${BRIDGE}v$i" type veth peer name eth0 netns "$name"
  ip link set "${BRIDGE}v$i" master "$BRIDGE" up
  ip -n "$name" addr add "$ip/24" dev eth0
  ip -n "$name" link set lo up
  ip -n "$name" link set eth0 up
  procs=()
  for cg in "${cgdirs[@]}"; do mkdir -p "$cg/$name" && procs+=("$cg/$name/cgroup.procs"); done
  cgflag=()
  [ "$HOST_INIT" = systemd ] && cgflag=(--cgroup)
  (
    for p in "${procs[@]}"; do echo "$BASHPID" > "$p"; done
    exec setsid nsenter --net="/run/netns/$name" -- \
      unshare --mount --uts --ipc --pid --fork --kill-child --propagation private "${cgflag[@]}" -- \
      env HOST_INIT="$HOST_INIT" TESTBED_HIDE="${TESTBED_HIDE:-}" TESTBED_SHARE="${TESTBED_SHARE:-}" \
      "$HERE/hostinit.sh" "$name" "$ip" "$d" "$BASE/hosts" "$BASE/id_ed25519.pub"
  ) > "$d/init.log" 2>&1 < /dev/null &
done

# The host's init is the process of its network namespace that is PID 1 of a
# pid namespace one level below ours (NSpid: <pid here> 1).
init_pid_of() {
  local p
  for p in $(ip netns pids "$1" 2>/dev/null); do
    if awk '/^NSpid:/ { exit !(NF == 3 && $3 == 1) }' "/proc/$p/status" 2>/dev/null; then
      echo "$p"; return 0
    fi
  done
  return 1
}
wait_host() {   # name ip dir: record the init pid, then wait for sshd
  local name=$1 ip=$2 d=$3 deadline pid
  deadline=$(( $(date +%s) + UP_TIMEOUT ))
  until pid=$(init_pid_of "$name"); do
    [ "$(date +%s)" -lt "$deadline" ] || { echo "$name: no init process" >&2; return 1; }
    sleep 0.02
  done
  echo "$pid" > "$d/init.pid"
  while :; do
    [ -d "/proc/$pid" ] || { echo "$name: init exited" >&2; return 1; }
    if timeout 1 bash -c "exec 3<>/dev/tcp/$ip/22" 2>/dev/null &&
       ssh -F "$BASE/ssh_config" -o ConnectTimeout=2 "$name" true 2>/dev/null; then
      return 0
    fi
    [ "$(date +%s)" -lt "$deadline" ] || { echo "$name: sshd not answering after ${UP_TIMEOUT}s" >&2; return 1; }
    sleep 0.05
  done
}
pids=()
for i in $(seq 1 "$N"); do
  wait_host "$PREFIX$i" "$NET.$((10 + i))" "$BASE/$PREFIX$i" & pids+=($!)
done
failed=0
for p in "${pids[@]}"; do wait "$p" || failed=1; done
if [ $failed = 1 ]; then
  for i in $(seq 1 "$N"); do
    echo "--- $BASE/$PREFIX$i/init.log" >&2; tail -20 "$BASE/$PREFIX$i/init.log" >&2 || true
  done
  die "hosts did not come up"
fi
ok=1
echo "up: $N $HOST_INIT hosts in $(el "$T0")s"
for i in $(seq 1 "$N"); do
  printf '  %s %s  init pid %s  (enter: nsenter -t %s -a | ssh -F %s %s)\n' "$PREFIX$i" "$NET.$((10 + i))" \
    "$(cat "$BASE/$PREFIX$i/init.pid")" "$(cat "$BASE/$PREFIX$i/init.pid")" "$BASE/ssh_config" "$PREFIX$i"
done
