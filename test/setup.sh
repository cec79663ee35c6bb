#!/usr/bin/env bash
# Set-up for the whole test suite: the Debian packages it runs for real (PostgreSQL, Patroni,
# etcd, pgbouncer, HAProxy, pgBackRest, sshd, tini) through the test bed's prepare.sh.
# Needs root; without it the tests that need those programs or test hosts skip with a reason.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if [ "$(id -u)" = 0 ]; then
  exec "$here/integration/testbed/prepare.sh"
fi
echo "test/setup.sh: not root: Debian packages not checked; integration tests will skip" >&2
