#!/bin/sh
# System packages the tests need, installed only when missing (Debian; run as root in CI).
set -eu
need=""
command -v chromium >/dev/null 2>&1 || need="$need chromium chromium-driver"
[ -e /usr/share/postgresql/15/extension/postgis.control ] || need="$need postgresql-15-postgis-3"
# OpenCV (opencv-python, the camera worker's extra) loads libGL and GLib.
for pkg in libgl1 libglib2.0-0; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need="$need $pkg"
done
if [ -n "$need" ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "missing system packages:$need (run 'make test' as root, or: sudo apt-get install -y$need)" >&2
    exit 1
  fi
  echo "installing:$need"
  apt-get update -qq >/dev/null 2>&1 || true
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need >/dev/null
fi
# PostgreSQL on 127.0.0.1:5432: reuse it if it answers, else start the local cluster.
if command -v pg_isready >/dev/null 2>&1 && ! pg_isready -q -h 127.0.0.1 -p 5432; then
  if command -v pg_ctlcluster >/dev/null 2>&1; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start || true
  fi
fi
