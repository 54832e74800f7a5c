#!/usr/bin/env bash
# Install the benchmark peers (Brian2 and ANNarchy 5) into their own venv,
# .venv-peers at the repository root, so the main venv stays lean.
#
#   bash benchmarks/install_peers.sh            # create or update .venv-peers
#   bash benchmarks/install_peers.sh --fresh    # delete and recreate it
#   bash benchmarks/install_peers.sh --smoke    # also run every peer script once, small
#
# Re-runnable; takes about a minute (ANNarchy builds from source from PyPI:
# it needs cmake, g++, make and the Python headers, installed with apt-get when
# missing and we are root).
#
# Environment: PYTHON (interpreter for the venv, default python3),
# PEERS_VENV (default <repo>/.venv-peers), PEERS_PIP_ARGS (extra pip args).
#
# Versions: on Python < 3.13 pip resolves Brian2 2.9 (2.11 ships wheels for
# Python >= 3.13 only), which still wraps ndarray.ptp, removed in NumPy 2.4:
# numpy is then pinned below 2.4 in the peers venv.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)
PY=${PYTHON:-python3}
VENV=${PEERS_VENV:-$REPO/.venv-peers}
FRESH=0
SMOKE=0
for a in "$@"; do
    case "$a" in
        --fresh) FRESH=1 ;;
        --smoke) SMOKE=1 ;;
        *) echo "unknown argument: $a" >&2; exit 2 ;;
    esac
done
start=$(date +%s)

# --- system build tools -----------------------------------------------------
missing=()
command -v cmake >/dev/null || missing+=(cmake)
command -v g++ >/dev/null || missing+=(g++)
command -v make >/dev/null || missing+=(make)
if ! "$PY" -c 'import os, sysconfig, sys; sys.exit(not os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h")))'; then
    missing+=(python3-dev)
fi
if ! "$PY" -c 'import venv, ensurepip' 2>/dev/null; then
    missing+=(python3-venv)
fi
if [ ${#missing[@]} -gt 0 ]; then
    echo "install_peers: installing system packages: ${missing[*]}"
    if [ "$(id -u)" = 0 ]; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
    else
        echo "install_peers: not root; install ${missing[*]} first" >&2
        exit 1
    fi
fi

# --- the venv -------------------------------------------------------------------
if [ "$FRESH" = 1 ]; then
    rm -rf "$VENV"
fi
if [ ! -x "$VENV/bin/python" ]; then
    "$PY" -m venv "$VENV"
fi
# The venv's bin first on PATH: ANNarchy's build (and later its CMake step at
# compile time) looks up python3 there.
export PATH="$VENV/bin:$PATH"
export VIRTUAL_ENV="$VENV"
python -m pip install -q -U pip setuptools wheel 2>&1 | grep -v "is ignored" || true

pins=()
if python -c 'import sys; sys.exit(sys.version_info >= (3, 13))'; then
    pins+=("numpy<2.4")
fi
# shellcheck disable=SC2086
python -m pip install -q brian2 annarchy "${pins[@]}" ${PEERS_PIP_ARGS:-} 2>&1 | grep -v "is ignored" || true

echo "install_peers: venv and packages ready after $(( $(date +%s) - start )) s"

# --- check and record versions ----------------------------------------------
python - <<'EOF'
import importlib.metadata as md, json, platform, sys
import brian2, ANNarchy  # noqa: F401  (fails loudly if either does not import)
v = {k: md.version(k) for k in ("brian2", "annarchy", "numpy", "cython", "sympy", "scipy")}
v["python"] = platform.python_version()
print("install_peers: versions", json.dumps(v))
EOF
echo "install_peers: g++ $(g++ -dumpfullversion), $(cmake --version | head -1)"

if [ "$SMOKE" = 1 ]; then
    cd "$REPO/benchmarks/peers"
    W=$(mktemp -d)
    for s in coba_annarchy izhikevich_annarchy rate_annarchy; do
        python "$s.py" --N 1000 --duration 100 --workdir "$W/$s" | tail -1
    done
    for s in coba_brian2 izhikevich_brian2 rate_brian2; do
        python "$s.py" --N 1000 --duration 100 --mode cpp_standalone --workdir "$W/$s" | tail -1
    done
    rm -rf "$W"
fi
echo "install_peers: done in $(( $(date +%s) - start )) s ($VENV)"
