"""Order of the gallery examples (sphinx-gallery's ``within_subsection_order``)."""

from pathlib import Path

ORDER = [
    "plot_quickstart.py",
    "plot_sachs.py",
    "plot_grid_search.py",
    "plot_training_diagnostics.py",
    "plot_varsortability.py",
    "plot_prior_knowledge.py",
    "plot_edge_stability.py",
    "plot_effects.py",
    "plot_messy_data.py",
    "plot_dask.py",
]


class ExampleOrder:
    """Sort key: the examples in ``ORDER`` first, in that order, then the rest by name."""

    def __init__(self, src_dir):
        self.src_dir = src_dir

    def __repr__(self):
        return f"{type(self).__name__}()"

    def __call__(self, filename):
        name = Path(filename).name
        return (ORDER.index(name), "") if name in ORDER else (len(ORDER), name)
