#!/usr/bin/env bash
# Create the two virtual environments that hold the peer methods, outside the project's
# own environment, and print the variables that point the benchmark at them.
#
#   bash benchmarks/setup_peers.sh [PEERS_VENV] [LINGAM_VENV]
#
# Defaults: ./.peers-venv and ./.lingam-venv (relative to the current directory).
# torch is pinned to 2.13.0 first: on Linux a plain "torch" (pulled in by dagma / gcastle)
# resolves to the multi-GB CUDA build.  lingam pins an old scipy, hence its own venv.
set -euo pipefail
PYTHON=${PYTHON:-python3}
PEERS=${1:-.peers-venv}
LINGAM=${2:-.lingam-venv}

"$PYTHON" -m venv "$PEERS"
"$PEERS/bin/pip" install --upgrade pip
"$PEERS/bin/pip" install "torch==2.13.0"
"$PEERS/bin/pip" install "torch==2.13.0" dagma gcastle causal-learn igraph scikit-learn pandas

"$PYTHON" -m venv "$LINGAM"
"$LINGAM/bin/pip" install --upgrade pip
"$LINGAM/bin/pip" install lingam

echo
echo "export STABLEDAG_PEERS_PYTHON=$(cd "$PEERS" && pwd)/bin/python"
echo "export STABLEDAG_LINGAM_PYTHON=$(cd "$LINGAM" && pwd)/bin/python"
