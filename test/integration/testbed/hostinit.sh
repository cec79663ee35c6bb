#!/bin/bash
# PID 1 of one test host, started by up.sh inside the host's network namespace
# with fresh pid, mount, uts and ipc namespaces (and a cgroup namespace for
# systemd hosts).  It builds the host's private root filesystem, pivots into it,
# starts sshd and becomes the host's init: tini (reaps the daemons that tests
# start with start-stop-daemon) or systemd (packaged units and systemctl work,
# so the production code path of pgsty can be tested).
#
# usage: hostinit.sh NAME IP HOSTDIR HOSTS_FILE PUBKEY
# env:   HOST_INIT=tini|systemd, TESTBED_HIDE="dir ..." (machine dirs to hide)
set -euo pipefail
NAME=$1 IP=$2 D=$3 HOSTS_FILE=$4 PUBKEY=$5
HOST_INIT=${HOST_INIT:-tini}
R=$D/root
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

hostname "$NAME"

# --- root filesystem ----------------------------------------------------------
# Copy-on-write view of the machine's root: packages installed by prepare.sh
# are read through, and whatever the host writes lands in $D/upper only.  The
# overlay does not descend into other mounts, so the testbed's own tmpfs (and
# with it the other hosts' files) stays invisible.
mount -t overlay "pgsty-$NAME" -o "lowerdir=/,upperdir=$D/upper,workdir=$D/work" "$R"
mount -t proc proc "$R/proc"
mount -t sysfs sysfs "$R/sys"          # shows only this network namespace's links
mount -t tmpfs -o mode=755,size=64m "run-$NAME" "$R/run"
mount -t tmpfs -o mode=1777,size=1g "tmp-$NAME" "$R/tmp"
for h in ${TESTBED_HIDE:-}; do
  [ -d "$R$h" ] && mount -t tmpfs -o ro,mode=755,size=1m "hide-$NAME" "$R$h"
done
# directories of the machine the tests share with the hosts (read-only, same path)
for p in ${TESTBED_SHARE:-}; do
  [ -d "$p" ] || continue
  mkdir -p "$R$p" && mount --bind "$p" "$R$p" && mount -o remount,bind,ro "$R$p"
done
# What pgsty itself may have made on this machine (the README's main command converges pg-meta
# on it): a host starts as a node with the packages only, never with the machine's clusters,
# configs or data — empty, writable, with the directory's own owner and mode.
for h in /data /etc/patroni /etc/haproxy/conf.d /etc/etcd /var/lib/etcd /etc/pgbackrest /var/log/pgsty; do
  if [ -d "$R$h" ] && [ ! -L "$R$h" ]; then
    read -r uid gid mode < <(stat -c '%u %g %a' "$R$h")
    mount -t tmpfs -o "uid=$uid,gid=$gid,mode=$mode" "fresh-$NAME" "$R$h"
  fi
done
# what systemd-tmpfiles would create on a booted Debian (tini hosts have none)
install -d -m 755 "$R/run/sshd" "$R/run/lock"
install -d -m 2775 -o postgres -g postgres "$R/run/postgresql"

# --- identity -----------------------------------------------------------------
echo "$NAME" > "$R/etc/hostname"
cp "$HOSTS_FILE" "$R/etc/hosts"
# no DNS: names come from /etc/hosts, and nothing may leave the test subnet
echo "# pgsty test host: no DNS, see /etc/hosts" > "$R/etc/resolv.conf"
# fresh host key (ed25519 only: an RSA key would cost ~0.3 s per host)
rm -f "$R"/etc/ssh/ssh_host_*
ssh-keygen -q -t ed25519 -N '' -C "$NAME" -f "$R/etc/ssh/ssh_host_ed25519_key"
# a clean /root: the machine's own ~/.bashrc runs tools that cost ~0.2 s per
# ssh command, and Debian's bash reads ~/.bashrc even for `ssh host cmd`
mount -t tmpfs -o mode=700,size=64m "root-$NAME" "$R/root"
cp -a /etc/skel/. "$R/root/"
install -d -m 700 "$R/root/.ssh"
install -m 600 "$PUBKEY" "$R/root/.ssh/authorized_keys"
cat > "$R/etc/ssh/sshd_config" <<EOF
# written by pgsty test/integration/testbed/hostinit.sh for $NAME
ListenAddress $IP:22
HostKey /etc/ssh/ssh_host_ed25519_key
PermitRootLogin prohibit-password
PubkeyAuthentication yes
# non-root test users may log in with a password (the connector supports it)
PasswordAuthentication yes
KbdInteractiveAuthentication no
UsePAM yes
UseDNS no
PrintMotd no
X11Forwarding no
AcceptEnv LANG LC_*
# a deploy tool opens many connections at once
MaxStartups 200:30:400
# OpenSSH's default, stated: the connector must queue its channels below it
MaxSessions 10
PidFile /run/sshd.pid
Subsystem sftp /usr/lib/openssh/sftp-server
EOF

if [ "$HOST_INIT" = systemd ]; then
  # cgroup2 rooted at this host's own subtree (up.sh put us there and gave us
  # a cgroup namespace), writable for systemd
  mount -t cgroup2 cgroup2 "$R/sys/fs/cgroup"
  # a private /dev with device nodes of its own: systemd changes owner and
  # mode of /dev/console and friends, which must never touch the machine's
  mount -t tmpfs -o mode=755,size=1m "dev-$NAME" "$R/dev"
  mknod -m 666 "$R/dev/null" c 1 3
  mknod -m 666 "$R/dev/zero" c 1 5
  mknod -m 666 "$R/dev/full" c 1 7
  mknod -m 666 "$R/dev/random" c 1 8
  mknod -m 666 "$R/dev/urandom" c 1 9
  mknod -m 666 "$R/dev/tty" c 5 0
  mknod -m 600 "$R/dev/console" c 1 3      # a null device standing in as console
  install -d "$R/dev/pts" "$R/dev/shm"
  mount -t devpts -o newinstance,ptmxmode=0666,mode=620 devpts "$R/dev/pts"
  ln -s pts/ptmx "$R/dev/ptmx"
  ln -s /proc/self/fd "$R/dev/fd"
  mount -t tmpfs -o mode=1777,size=512m "shm-$NAME" "$R/dev/shm"   # postgres DSM
  # units that have no business in a test host; postgresql.service would
  # start Debian's auto-created 15/main cluster next to Patroni's
  for u in postgresql.service getty@tty1.service console-getty.service \
           systemd-timesyncd.service systemd-networkd.service systemd-resolved.service \
           systemd-pstore.service remote-fs.target apt-daily.timer apt-daily-upgrade.timer \
           dpkg-db-backup.timer e2scrub_all.timer e2scrub_reap.service fstrim.timer man-db.timer; do
    ln -sf /dev/null "$R/etc/systemd/system/$u"
  done
  # the HA stack is installed enabled; pgsty enables and starts it itself
  # (as `systemctl disable` would leave them, aliases included)
  for u in etcd haproxy pgbouncer patroni; do
    rm -f "$R/etc/systemd/system/multi-user.target.wants/$u.service"
  done
  rm -f "$R/etc/systemd/system/etcd2.service"
  systemd-id128 new > "$R/etc/machine-id"
else
  mount --rbind /dev "$R/dev"
  mount -t tmpfs -o mode=1777,size=512m "shm-$NAME" "$R/dev/shm"   # postgres DSM
fi

# --- pivot into the private root ----------------------------------------------
install -d -m 700 "$R/.oldroot"
cd "$R"
pivot_root . .oldroot
cd /
umount -l /.oldroot
rmdir /.oldroot

if [ "$HOST_INIT" = systemd ]; then
  exec env -i container=pgsty-testbed PATH="$PATH" /lib/systemd/systemd --unit=multi-user.target
fi
/usr/sbin/sshd -t
env -i PATH="$PATH" LANG=C.UTF-8 /usr/sbin/sshd -E /var/log/sshd.log   # daemonizes
exec /usr/bin/tini -- /bin/sleep infinity
