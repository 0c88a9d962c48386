"""One equal-variance (or default-mode) fit with the search's starts and epochs set by hand.

    python benchmarks/order_start_design.py --d 300 --mode ev --seed 1 --max-epochs 100 \\
        --order-start 1 --starts min

How the large-d equal-variance settings of issue 21 were chosen (design seeds 0 and 1):
``--order-start`` toggles the top-down equal-variance order as a start
(``LinearModel.order_start``), ``--starts min`` leaves out the extra threshold cuts and the
empty graph (``refine_starts``, ``empty_start``), ``--max-epochs`` sets the budget (``auto``:
the estimator's default). Data: ``_data.make_dataset("ER", 2, d, n, seed)``, raw for
``--mode ev`` (``standardize=False, equal_variances=True``), standardized for ``--mode
std`` (the default estimator). Prints one JSON line: CPU and wall seconds (one thread),
epochs, SHD, class SHD, edges, peak resident MB.
"""

import argparse
import json
import os

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ[_var] = "1"
import resource  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _metrics  # noqa: E402
from _data import make_dataset  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--d", type=int, default=300)
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--mode", choices=("ev", "std"), default="ev")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--max-epochs", default="auto")
    ap.add_argument("--order-start", type=int, choices=(0, 1), default=1)
    ap.add_argument("--starts", choices=("all", "min"), default="all")
    args = ap.parse_args(argv)

    import torch

    torch.set_num_threads(1)
    from stabledag import StableDAGLearner
    from stabledag.metrics import shd_cpdag
    from stabledag.models import get_model

    model = type(get_model("linear"))
    model.order_start = bool(args.order_start)
    if args.starts == "min":
        model.refine_starts, model.empty_start = (), False
    spent = {"select_cpu": 0.0}
    select = model.select_graph

    def timed_select(self, *a, **k):  # the graph selection's share (threshold + search)
        start = time.process_time()
        try:
            return select(self, *a, **k)
        finally:
            spent["select_cpu"] += time.process_time() - start

    model.select_graph = timed_select
    X, B, _ = make_dataset("ER", 2, args.d, args.n, args.seed)
    kwargs = {"standardize": False, "equal_variances": True} if args.mode == "ev" else {}
    if args.mode == "std":
        X = (X - X.mean(0)) / X.std(0)
    budget = args.max_epochs if args.max_epochs == "auto" else int(args.max_epochs)
    cpu, wall = time.process_time(), time.perf_counter()
    est = StableDAGLearner(random_state=0, max_epochs=budget, **kwargs).fit(X)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    G = (np.asarray(est.predict_graph()) != 0).astype(int)
    truth = _metrics.binary(B)
    record = {
        **vars(args),
        "cpu": round(cpu, 1),
        "select_cpu": round(spent["select_cpu"], 1),
        "wall": round(wall, 1),
        "epochs": int(est.n_iter_),
        "shd": _metrics.shd(truth, G),
        "class_shd": int(shd_cpdag(truth, G)),
        "edges": int(G.sum()),
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
    }
    print(json.dumps(record), flush=True)


if __name__ == "__main__":
    main()
