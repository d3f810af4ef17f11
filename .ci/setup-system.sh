#!/bin/sh
# System packages the tests need, installed only when missing (Debian; run as root in CI), and a
# PostgreSQL + PostGIS server on 127.0.0.1:5432 that user postgres reaches without a password
# (the tests make and drop their own databases ioc_test_<hex> there; IOC_TEST_PG points
# them at another server).
set -eu
need=""
command -v chromium >/dev/null 2>&1 || need="$need chromium chromium-driver"
# Node.js and npm: ESLint over static/ (make lint).
command -v npm >/dev/null 2>&1 || need="$need nodejs npm"
[ -e /usr/share/postgresql/15/extension/postgis.control ] || need="$need postgresql-15-postgis-3"
command -v pg_isready >/dev/null 2>&1 || need="$need postgresql-15 postgresql-client-15"
# Redis: the several-node tests start their own redis-server processes on free ports.
command -v redis-server >/dev/null 2>&1 || [ -x /usr/bin/redis-server ] || need="$need redis-server"
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
[ -n "${IOC_TEST_PG:-}" ] && exit 0
# PostgreSQL on 127.0.0.1:5432: reuse it if it answers, else start the local cluster.
if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  if command -v pg_ctlcluster >/dev/null 2>&1; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start || true
  fi
  for _ in 1 2 3 4 5 6 7 8 9 10; do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi
# A fresh Debian cluster asks for a password on TCP: let the local postgres user in (root only).
if ! psql -h 127.0.0.1 -U postgres -d postgres -Atqc 'select 1' >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  hba="$(su postgres -c "psql -Atqc 'show hba_file'")"
  echo "letting postgres in from 127.0.0.1 without a password ($hba)"
  sed -i '1i host all postgres 127.0.0.1/32 trust' "$hba"
  su postgres -c "psql -Atqc 'select pg_reload_conf()'" >/dev/null
fi
# MQTT broker (Mosquitto) on 127.0.0.1:1883 for the sensor tests: reuse it if it answers.
if ! python3 -c "import socket; socket.create_connection(('127.0.0.1', 1883), 2)" 2>/dev/null; then
  if ! command -v mosquitto >/dev/null 2>&1; then
    if [ "$(id -u)" != 0 ]; then
      echo "no MQTT broker on 127.0.0.1:1883 (run 'make test' as root, or: sudo apt-get install -y mosquitto)" >&2
      exit 1
    fi
    apt-get update -qq >/dev/null 2>&1 || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mosquitto >/dev/null
  fi
  command -v mosquitto >/dev/null 2>&1 || PATH="$PATH:/usr/sbin"
  mosquitto -d -p 1883
  sleep 1
fi
