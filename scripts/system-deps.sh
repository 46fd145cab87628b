#!/usr/bin/env bash
# Install the system packages GridMap needs when they are missing (Debian/Ubuntu).
#   scripts/system-deps.sh run    PostgreSQL + PostGIS, python3-venv
#   scripts/system-deps.sh test   the same plus Debian's chromium for browser tests
# Uses apt-get (sudo when not root); elsewhere prints the command to run.
set -euo pipefail
mode="${1:-run}"

need=()
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$pg_bin" ] || [ ! -x "$pg_bin/initdb" ]; then
  need+=(postgresql postgresql-contrib)
  pg_major=""
else
  pg_major=$(basename "$(dirname "$pg_bin")")
fi
if ! ls /usr/share/postgresql/*/extension/postgis.control >/dev/null 2>&1; then
  if [ -n "$pg_major" ]; then
    need+=("postgresql-${pg_major}-postgis-3")
  else
    need+=(postgis)  # pulls the PostGIS build for the distribution's default PostgreSQL
  fi
fi
python3 -c "import ensurepip, venv" 2>/dev/null || need+=(python3-venv)
if [ "$mode" = "test" ]; then
  command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || need+=(chromium)
  # CJK glyphs so Chinese pages render (and screenshots are legible) in headless chromium.
  fc-list 2>/dev/null | grep -qi "noto.*cjk" || need+=(fonts-noto-cjk)
fi

[ ${#need[@]} -eq 0 ] && exit 0

echo "GridMap needs system packages: ${need[*]}"
if ! command -v apt-get >/dev/null 2>&1; then
  echo "This is not a Debian/Ubuntu system. Install the equivalent of: ${need[*]}" >&2
  echo "(PostgreSQL 13+ server binaries and PostGIS 3), or set DATABASE_URL to a PostGIS 3 server." >&2
  exit 1
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    sudo="sudo"
  else
    echo "Run as root: apt-get update && apt-get install -y ${need[*]}" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${need[@]}"
# Debian's postgresql package starts a system cluster on port 5432; GridMap does not need it.
# If we just installed the postgis package without knowing the version, make sure it matches.
if [ -z "$pg_major" ]; then
  pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  pg_major=$(basename "$(dirname "$pg_bin")")
  if [ ! -f "/usr/share/postgresql/${pg_major}/extension/postgis.control" ]; then
    $sudo apt-get install -y -q --no-install-recommends "postgresql-${pg_major}-postgis-3"
  fi
fi
