#!/bin/sh
# The two programs `make test` needs besides Python packages, both started by the tests themselves
# on 127.0.0.1: headless Chromium (the HTML report is rendered in it) and PostgreSQL's server
# binaries (storage runs on SQLite and on PostgreSQL). Run before any test:
#   - both present: silent, exit 0;
#   - missing, as root with apt-get (Debian/Ubuntu, CI): installs them from the distribution, one line;
#   - missing otherwise: one line naming exactly what to install, exit 1.
missing=""
if ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1 \
   && ! command -v google-chrome >/dev/null 2>&1; then
  missing="chromium"
fi
if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 && ! command -v pg_ctl >/dev/null 2>&1; then
  missing="$missing postgresql"
fi
missing=${missing# }
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "make test: installing $missing (apt-get), which the tests start on 127.0.0.1"
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null \
    && exit 0
  echo "make test: apt-get install $missing failed; install them and run make test again" >&2
  exit 1
fi
echo "make test needs $missing first: sudo apt-get install $missing (Debian/Ubuntu package names), then make test again" >&2
exit 1
