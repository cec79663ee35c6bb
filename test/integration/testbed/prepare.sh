#!/bin/bash
# Install, in the machine's root namespace, the Debian packages the test hosts
# run (the hosts see the root filesystem through an overlay, so whatever is
# installed here exists on every test host).  Idempotent and quiet: packages
# already installed are skipped, and without anything missing no apt command
# runs at all.
#
# Before any install, /usr/sbin/policy-rc.d must exit 101 so that the
# packages' maintainer scripts never start their daemons here (etcd, haproxy,
# pgbouncer, Debian's auto-created postgresql 15/main cluster, sshd).  Test
# hosts never start 15/main either: hostinit.sh masks postgresql.service on
# systemd hosts, and tini hosts start nothing by themselves.
#
# Env: PACKAGES (override the list), APT_LOCK_TIMEOUT (seconds to wait for a
# dpkg lock held by someone else, default 600).
set -euo pipefail
[ "$(id -u)" = 0 ] || { echo "prepare.sh: must run as root" >&2; exit 1; }
export DEBIAN_FRONTEND=noninteractive

# --- 1. policy-rc.d: never start daemons in the root namespace ----------------
guard=/usr/sbin/policy-rc.d
rc=0; [ -x "$guard" ] && { "$guard" ssh start >/dev/null 2>&1 || rc=$?; }
if [ "$rc" != 101 ]; then
  [ -e "$guard" ] && cp -p "$guard" "$guard.pgsty-orig"
  printf '#!/bin/sh\n# written by pgsty test/integration/testbed/prepare.sh: no daemon may start\nexit 101\n' > "$guard"
  chmod 755 "$guard"
  echo "prepare: installed $guard (exit 101)"
fi

# --- 2. packages ---------------------------------------------------------------
# base: the hosts themselves; sudo: become for non-root logins;
# the HA stack pgsty deploys.
PACKAGES=${PACKAGES:-"openssh-server tini iproute2 bc procps curl sudo \
  postgresql-15 postgresql-15-repack postgresql-15-wal2json postgresql-plperl-15
  postgresql-plpython3-15 postgresql-pltcl-15 patroni etcd-server etcd-client pgbouncer haproxy
  pgbackrest"}
missing=()
for p in $PACKAGES; do
  st=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)
  [ "${st:0:2}" = ii ] || missing+=("$p")
done
if [ ${#missing[@]} = 0 ]; then
  echo "prepare: all packages present"
  exit 0
fi
echo "prepare: installing ${missing[*]}"
T0=$(date +%s)
lock=(-o "DPkg::Lock::Timeout=${APT_LOCK_TIMEOUT:-600}")
apt-get "${lock[@]}" -qq update >/dev/null
apt-get "${lock[@]}" -qq -y install "${missing[@]}" >/tmp/pgsty-prepare-apt.log 2>&1 || {
  echo "prepare: apt-get install failed; last lines of /tmp/pgsty-prepare-apt.log:" >&2
  tail -20 /tmp/pgsty-prepare-apt.log >&2
  exit 1
}
echo "prepare: installed ${#missing[@]} packages in $(( $(date +%s) - T0 ))s"
