"""pickle and joblib round trips, loaded in a fresh Python process."""

import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import joblib
import numpy as np
import pytest

import stabledag
from stabledag import StableDAGLearner

from .conftest import FAST

_LOADER = """
import json, pickle, sys
import joblib
import numpy as np
model_path, data_path, how = sys.argv[1:4]
if how == "pickle":
    with open(model_path, "rb") as handle:
        est = pickle.load(handle)
else:
    est = joblib.load(model_path)
X = np.load(data_path)
print(json.dumps({
    "graph": est.predict_graph().tolist(),
    "graph_at_0.1": est.predict_graph(threshold=0.1).tolist(),
    "adjacency": est.adjacency_.tolist(),
    "score": est.score(X),
    "names": [str(n) for n in est.node_names_],
}))
"""


def _load_in_fresh_process(model_path, data_path, how):
    env = dict(os.environ)
    src = str(Path(stabledag.__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join([src, env.get("PYTHONPATH", "")])
    out = subprocess.run(
        [sys.executable, "-c", _LOADER, str(model_path), str(data_path), how],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("how", ["pickle", "joblib"])
def test_round_trip_in_a_fresh_process(small_data, tmp_path, how):
    X, _ = small_data
    est = StableDAGLearner(random_state=0, **FAST).fit(X)
    model_path, data_path = tmp_path / f"model.{how}", tmp_path / "X.npy"
    if how == "pickle":
        model_path.write_bytes(pickle.dumps(est))
    else:
        joblib.dump(est, model_path)
    np.save(data_path, X)
    loaded = _load_in_fresh_process(model_path, data_path, how)
    assert np.array_equal(loaded["graph"], est.predict_graph())
    assert np.array_equal(loaded["graph_at_0.1"], est.predict_graph(threshold=0.1))
    assert np.array_equal(loaded["adjacency"], est.adjacency_)  # JSON keeps float64 exactly
    assert loaded["score"] == est.score(X)
    assert loaded["names"] == [str(n) for n in est.node_names_]


def test_pickle_holds_no_tensors(small_data):
    """Plain arrays keep pickles small and independent of the torch version."""
    X, _ = small_data
    est = StableDAGLearner(random_state=0, **FAST).fit(X)
    payload = pickle.dumps(est)
    assert b"torch" not in payload
    assert len(payload) < 200_000
