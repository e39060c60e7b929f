#!/usr/bin/env bash
# setup.sh -- install everything the project needs on a fresh Debian/Ubuntu machine, as root.
# Idempotent: apt runs only when a package is missing, pip only when a pyproject.toml or this
# script changed (stamp in .venv). Creates the venv at <repo>/.venv.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV="$REPO/.venv"
APT_PKGS="python3 python3-venv xrootd-server xrootd-client python3-gfal2 gfal2-plugin-file
  gfal2-plugin-xrootd gfal2-plugin-http python3-gfal2-util mariadb-server mariadb-client chromium
  prometheus-pushgateway"
# client/test-only Python packages that are not in the [test] extra of pyproject.toml
PIP_EXTRA="xrootd==6.2.1 pymysql duckdb"
step() { echo "==> setup: $*"; }
die() { echo "setup.sh: ERROR: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root (apt-get install, and the xrootd test server drops to user xrootd)"

# 1. system packages ---------------------------------------------------------------------------
if [ ! -e /usr/sbin/policy-rc.d ]; then
  step "creating /usr/sbin/policy-rc.d (exit 101): package installs must not start system services"
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
  chmod +x /usr/sbin/policy-rc.d
fi
missing=""
for p in $APT_PKGS; do
  dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null | grep -q '^installed$' || missing="$missing $p"
done
if [ -n "$missing" ]; then
  step "apt-get install:$missing"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends $APT_PKGS >/dev/null
else
  step "apt packages present"
fi
# xrootd refuses to run as root; the test fixtures start it with -R xrootd
id xrootd >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin xrootd

# 2. python 3.11 venv ------------------------------------------------------------------------------
pyver() { "$1" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null || true; }
PY=""
for cand in ${PYTHON:-} python3 python3.11 /usr/bin/python3.11 /usr/bin/python3; do
  command -v "$cand" >/dev/null 2>&1 || continue
  if [ "$(pyver "$cand")" = 3.11 ]; then PY=$cand; break; fi
done
[ -n "$PY" ] || die "need Python 3.11 (Debian's gfal2 module is built for CPython 3.11); python3 is $(pyver python3). Set PYTHON=/path/to/python3.11"
if [ -x "$VENV/bin/python" ] && [ "$(pyver "$VENV/bin/python")" != 3.11 ]; then
  step "removing $VENV: it is not Python 3.11"
  rm -rf "$VENV"
fi
if [ ! -x "$VENV/bin/python" ]; then
  step "creating venv $VENV with $PY ($("$PY" -c 'import sys; print(sys.version.split()[0])'))"
  "$PY" -m venv "$VENV"
fi

# 3. pip installs (root package + every backends/*/ with a pyproject.toml) --------------------------
cd "$REPO"
pip_args=(-e ".[test]")
for d in backends/*/; do
  if [ -f "$d/pyproject.toml" ]; then pip_args+=(-e "./${d%/}"); fi
done
stamp=$( { cat "${BASH_SOURCE[0]}"; for f in pyproject.toml backends/*/pyproject.toml; do
           if [ -f "$f" ]; then echo "$f"; cat "$f"; fi; done; } | sha256sum | cut -d' ' -f1)
if [ "$(cat "$VENV/.setup-stamp" 2>/dev/null)" != "$stamp" ]; then
  step "pip install ${pip_args[*]} $PIP_EXTRA"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check "${pip_args[@]}" $PIP_EXTRA
  echo "$stamp" > "$VENV/.setup-stamp"
else
  step "python packages up to date"
fi

# 4. gfal2 bindings: link Debian's CPython 3.11 module (pip's gfal2-python does not build here) -----
SP=$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
so=$(ls /usr/lib/python3/dist-packages/gfal2.cpython-311-*.so 2>/dev/null | head -1)
[ -n "$so" ] || die "Debian's gfal2 module not found in /usr/lib/python3/dist-packages (python3-gfal2)"
[ "$(readlink "$SP/$(basename "$so")" 2>/dev/null)" = "$so" ] || ln -sf "$so" "$SP/"

# 5. smoke check ----------------------------------------------------------------------------------
"$VENV/bin/python" -c '
import consistency_core, gfal2, pymysql, duckdb, pytest
from XRootD import client
print("==> setup: imports ok (consistency_core, gfal2 %s, XRootD, pymysql, duckdb)" % gfal2.get_version())
'
for tool in xrootd xrdfs mariadbd mariadb-install-db; do
  command -v "$tool" >/dev/null || die "$tool not on PATH after install"
done
