"""Plots of learned graphs, adjacency matrices and training histories (needs matplotlib).

matplotlib is imported inside each function, so ``import stabledag.plotting``
works without it; calling a function then raises an ``ImportError`` saying
how to install it. Every function takes an optional ``ax`` (or ``axes``),
creating a figure only when none is given, and returns what it drew on.
Convention: ``W[i, j] != 0`` means ``i -> j``; rows are parents.
"""

import numpy as np

from .export import weights_and_names

__all__ = ["plot_graph", "plot_adjacency", "plot_history"]

_EDGE_STYLE = {  # class -> (colour, line style, legend label)
    "positive": ("#2166ac", "solid", "positive weight"),
    "negative": ("#b2182b", "solid", "negative weight"),
    "correct": ("#5f5f5f", "solid", "correct"),
    "reversed": ("#f28e2b", "solid", "reversed"),
    "extra": ("#d62728", "solid", "extra"),
    "missing": ("#9a9a9a", "dashed", "missing"),
    "other mark": ("#f28e2b", "solid", "other mark"),  # class plots: e.g. - where truth has ->
}
_NODES = {"node_color": "#e8eef7", "edgecolors": "#4a5a78", "linewidths": 1.0}
_ARROWS = {"arrows": True, "arrowstyle": "-|>", "arrowsize": 14, "min_target_margin": 2}
_ARCS = (0.1, -0.1, 0.2, -0.2, 0.32, -0.32, 0.45, -0.45)  # arc3 curvatures, least bent first
_WIDE_ARCS = (0.6, -0.6, 0.75, -0.75)  # only where they pass clear and stay near the nodes
_STAGE_LABEL = {
    "xycoords": ("data", "axes fraction"),
    "xytext": (2, -3),
    "rotation": 90,
    "textcoords": "offset points",
    "fontsize": 7,
    "va": "top",
    "color": "#555555",
}
_LABEL_BOX = {"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.85}
_PANELS = (  # title, [(history key, legend label)], flags: log / steps / bound / share axis
    ("Objective", [("train_loss", "train"), ("val_loss", "validation")], ""),
    ("Loss terms", [("recon", "recon"), ("val_recon", "recon (val.)"), ("sparse", "L1")], ""),
    ("Acyclicity h(W)", [("h", "")], "log"),
    ("Weight of h(W)", [("acyclic_weight", "")], "log steps"),
    ("Gradient norm (before clipping)", [("grad_norm", "mean")], "log bound"),
    ("Clip ratio (share of clipped steps)", [("clip_ratio", "")], "share"),
    ("Learning rate", [("lr", "")], "log steps"),
    ("Edges (|w| > {threshold:g})", [("n_edges", "")], "steps"),
)


def _require_matplotlib():
    try:
        import matplotlib  # noqa: F401
    except ImportError as exc:  # pragma: no cover - exercised only without matplotlib
        raise ImportError(
            "stabledag.plotting needs matplotlib: pip install matplotlib "
            "(or pip install 'stabledag[plot]')."
        ) from exc


def _new_axes(figsize, nrows=1, ncols=1):
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(nrows, ncols, figsize=figsize, squeeze=False, layout="constrained")
    return axes if nrows * ncols > 1 else axes[0, 0]


# ----------------------------------------------------------------------- layout
def _barycentre_sort(layer, neighbours, rank):
    """Order a layer by the mean rank of each node's neighbours; update the ranks."""
    layer.sort(key=lambda n: np.mean([rank[m] for m in neighbours(n)] or [rank[n]]))
    rank.update({n: i - (len(layer) - 1) / 2 for i, n in enumerate(layer)})


def _ordered_layers(G):
    """Topological generations, each ordered to reduce crossings (two up-down sweeps)."""
    import networkx as nx

    layers = [sorted(layer, key=list(G.nodes).index) for layer in nx.topological_generations(G)]
    rank = {n: float(i) for layer in layers for i, n in enumerate(layer)}
    for _ in range(2):
        for layer in layers[1:]:
            _barycentre_sort(layer, G.predecessors, rank)
        for layer in layers[-2::-1]:
            _barycentre_sort(layer, G.successors, rank)
    return layers


def _layered_positions(G):
    """Layers top to bottom; isolated nodes in a row of their own at the bottom."""
    isolated = [n for n in G.nodes if G.degree(n) == 0]
    layers = _ordered_layers(G.subgraph([n for n in G.nodes if n not in isolated]))
    if isolated:
        layers.append(isolated)
    widest = max(len(layer) for layer in layers)
    pos = {}
    for k, layer in enumerate(layers):
        stagger = len(layer) > 8  # wide layers zig-zag so that labels do not collide
        step = max(1.0, 0.6 * widest / len(layer))
        for i, node in enumerate(layer):
            pos[node] = ((i - (len(layer) - 1) / 2) * step, -k - (0.35 * (i % 2) if stagger else 0))
    return pos


def _layout(G, layout):
    """``(pos, circular)``: node positions, and whether the layout is circular."""
    import networkx as nx

    if layout == "layered" and nx.is_directed_acyclic_graph(G):
        return _layered_positions(G), False
    if layout in ("layered", "circular"):
        return nx.circular_layout(G), True
    raise ValueError(f"layout must be 'layered' or 'circular', got {layout!r}.")


def _arc_points(p0, p2, rad, t):
    """Points at ``t`` (a column) on matplotlib's ``arc3`` curve from ``p0`` to ``p2``.

    arc3 is the quadratic Bezier curve whose control point lies ``rad`` times
    the chord's length off its middle; it is computed in display space, which
    equals the layout's space up to scale because the graph is drawn with an
    equal aspect.
    """
    p0, p2 = np.asarray(p0, float), np.asarray(p2, float)
    dx, dy = p2 - p0
    c = (p0 + p2) / 2 + rad * np.array([dy, -dx])
    return (1 - t) ** 2 * p0 + 2 * (1 - t) * t * c + t**2 * p2


def _clearance(pos, u, v, rad):
    """Smallest distance from the arc of ``u -> v`` (matplotlib's arc3) to another node."""
    arc = _arc_points(pos[u], pos[v], rad, np.linspace(0.15, 0.85, 8)[:, None])
    others = np.array([xy for n, xy in pos.items() if n not in (u, v)] or [[np.inf, np.inf]])
    return np.min(np.linalg.norm(arc[:, None, :] - others[None, :, :], axis=2))


def _spacing(pos):
    """Median distance from a node to its nearest neighbour (the layout's unit)."""
    xy = np.array(list(pos.values()), dtype=float)
    if len(xy) < 2:
        return 1.0
    dist = np.linalg.norm(xy[:, None] - xy[None, :], axis=2) + np.diag(np.full(len(xy), np.inf))
    return float(np.median(dist.min(axis=1)))


def _curvature(u, v, pos):
    """The least-bent arc that passes clear of the other nodes (else the clearest one).

    The strongest bends (``_WIDE_ARCS``) are taken only when they pass clear
    and stay within two node spacings of the layout, so that a long edge in a
    wide graph does not loop around the whole drawing.
    """
    spacing = _spacing(pos)
    xy = np.array(list(pos.values()), dtype=float)
    low, high = xy.min(axis=0) - 2 * spacing, xy.max(axis=0) + 2 * spacing
    gaps = {rad: _clearance(pos, u, v, rad) for rad in _ARCS + _WIDE_ARCS}

    def fits(rad):
        arc = _arc_points(pos[u], pos[v], rad, np.linspace(0.0, 1.0, 11)[:, None])
        return rad in _ARCS or bool(np.all((arc >= low) & (arc <= high)))

    clear = [rad for rad in _ARCS + _WIDE_ARCS if gaps[rad] >= 0.4 * spacing and fits(rad)]
    return clear[0] if clear else max(_ARCS, key=gaps.get)


# -------------------------------------------------------------------- plot_graph
def _classify(W, names, true_graph):
    """Edge lists per class: sign classes, or correct/reversed/extra/missing vs the truth."""
    P = (W != 0) & ~np.eye(len(names), dtype=bool)
    edges = {}
    if true_graph is None:
        for i, j in zip(*np.nonzero(P)):
            cls = "positive" if W[i, j] > 0 else "negative"
            edges.setdefault(cls, []).append((names[i], names[j]))
        return edges
    T = np.asarray(true_graph) != 0
    for i, j in zip(*np.nonzero(P)):
        cls = "correct" if T[i, j] else ("reversed" if T[j, i] else "extra")
        edges.setdefault(cls, []).append((names[i], names[j]))
    for i, j in zip(*np.nonzero(T & ~P & ~P.T & ~np.eye(len(names), dtype=bool))):
        edges.setdefault("missing", []).append((names[i], names[j]))
    return edges


def _marks(M):
    """Drawn edges of a CPDAG: directed ``(i, j)`` and undirected ``(i, j)`` with ``i < j``."""
    directed = list(zip(*np.nonzero(M & ~M.T)))
    undirected = list(zip(*np.nonzero(np.triu(M & M.T, 1))))
    return directed, undirected


def _classify_class(M, W, names, true_class):
    """Edge lists per class for a CPDAG (each undirected edge once), and the undirected set."""
    directed, undirected = _marks(M)
    edges, lines = {}, set()
    for i, j in directed + undirected:
        edge = (names[i], names[j])
        if (i, j) in undirected:
            lines.add(edge)
        if true_class is None:
            w = W[i, j] if W[i, j] != 0 else W[j, i]
            cls = "positive" if w > 0 else "negative"
        elif (M[i, j], M[j, i]) == (true_class[i, j], true_class[j, i]):
            cls = "correct"
        else:
            cls = "other mark" if true_class[i, j] or true_class[j, i] else "extra"
        edges.setdefault(cls, []).append(edge)
    if true_class is not None:
        t_dir, t_und = _marks(true_class)
        for i, j in t_dir + t_und:
            if not (M[i, j] or M[j, i]):
                edges.setdefault("missing", []).append((names[i], names[j]))
                if (i, j) in t_und:
                    lines.add((names[i], names[j]))
    return edges, lines


def _by_curvature(edge_list, rad):
    groups = {}
    for edge in edge_list:
        groups.setdefault(rad[edge], []).append(edge)
    return groups.items()


def _shade(colour, part, frequency, index, undirected):
    """One RGBA colour per edge, as opaque as the edge is frequent (floor 0.12); for an
    undirected edge the frequency of the pair in either direction."""
    from matplotlib.colors import to_rgba

    if frequency is None:
        return colour
    alphas = []
    for u, v in part:
        i, j = index[u], index[v]
        f = frequency[i, j] + frequency[j, i] if undirected else frequency[i, j]
        alphas.append(max(0.12, min(1.0, float(f))))
    return [to_rgba(colour, a) for a in alphas]


def _draw_edges(ax, G, pos, edges, weight, node_size, rad, lines=frozenset(), frequency=None):
    import networkx as nx

    index = {n: k for k, n in enumerate(G.nodes)}
    top = max((abs(w) for w in weight.values()), default=1.0) or 1.0
    for cls in ("missing", "correct", "positive", "negative", "reversed", "other mark", "extra"):
        colour, style, _ = _EDGE_STYLE[cls]
        for r, group in _by_curvature(edges.get(cls, []), rad):
            for undirected in (False, True):
                part = [e for e in group if (e in lines) == undirected]
                if not part:
                    continue
                widths = [
                    1.2 if cls == "missing" else 0.8 + 3.2 * abs(weight.get(e, 0.0)) / top
                    for e in part
                ]
                arrows = {**_ARROWS, "arrowstyle": "-"} if undirected else _ARROWS
                style_of = {"style": style, "node_size": node_size, **arrows}
                shade = None if cls == "missing" else frequency  # not in the estimate
                colours = _shade(colour, part, shade, index, undirected)
                arc = f"arc3,rad={r}"
                nx.draw_networkx_edges(
                    G, pos, part, widths, colours, connectionstyle=arc, ax=ax, **style_of
                )


def _overlap(xy, half, boxes):
    """Total area shared by the box centred at ``xy`` (half sizes ``half``) and ``boxes``."""
    if not boxes:
        return 0.0
    centres, halves = np.array([b[0] for b in boxes]), np.array([b[1] for b in boxes])
    sides = np.clip(half + halves - np.abs(centres - xy), 0.0, None)
    return float(np.sum(sides[:, 0] * sides[:, 1]))


def _draw_weight_labels(ax, pos, weight, rad, node_radius, per_inch):
    """Each weight on its arc, moved along it (from the middle out) to a free spot.

    Strongest edges first; a label goes where its box overlaps no node and no
    label placed before it, else where it overlaps least.
    """
    fontsize, along = 7, (0.5, 0.4, 0.6, 0.3, 0.7, 0.22, 0.78)
    boxes = [(np.asarray(xy, float), np.full(2, node_radius)) for xy in pos.values()]
    for u, v in sorted(weight, key=lambda e: -abs(weight[e])):
        text = f"{weight[u, v]:.2f}"
        half = np.array([0.31 * fontsize * len(text) + 2, 0.65 * fontsize + 1.5]) / 72 / per_inch
        spots = _arc_points(pos[u], pos[v], rad[u, v], np.array(along)[:, None])
        costs = [_overlap(xy, half, boxes) for xy in spots]
        xy = spots[next((k for k, c in enumerate(costs) if c == 0), int(np.argmin(costs)))]
        ax.text(*xy, text, fontsize=fontsize, ha="center", va="center", bbox=_LABEL_BOX, zorder=5)
        boxes.append((xy, half))


def _legend(ax, edges, notes=()):
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], color="#555555", lw=lw, label=label) for label, lw in notes]
    for cls in ("correct", "positive", "negative", "reversed", "other mark", "extra", "missing"):
        if cls in edges:
            colour, style, label = _EDGE_STYLE[cls]
            label = f"{label} ({len(edges[cls])})"
            handles.append(Line2D([], [], color=colour, linestyle=style, lw=2, label=label))
    if handles:
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)


def _node_style(names):
    """Font size and marker area (points squared) so that the longest label fits its circle."""
    fontsize = 8 if len(names) <= 20 else 7
    diameter = max(24.0, 0.55 * fontsize * max(len(n) for n in names) + 8)
    return fontsize, diameter**2


_LEGEND_INCHES, _TITLE_INCHES = 2.6, 0.7  # room a new figure keeps for the legend and a title


def _tex_safe(text):
    """``text`` drawn as written: an unescaped ``$`` would start matplotlib's mathtext.

    ``"$x_$"`` is otherwise parsed as a formula and fails; ``\\$`` is
    matplotlib's escape for a literal dollar sign.
    """
    return str(text).replace("$", r"\$")


def _extent(pos, rad):
    """``(low, high)`` corners of the box holding every node centre and every arc."""
    t = np.linspace(0.0, 1.0, 21)[:, None]
    points = [np.array(list(pos.values()), dtype=float).reshape(-1, 2)]
    points += [_arc_points(pos[u], pos[v], r, t) for (u, v), r in rad.items()]
    xy = np.vstack(points)
    return xy.min(axis=0), xy.max(axis=0)


def _graph_axes(span, spacing, node_size):
    """A new figure sized to the drawing: nodes about 2.2 diameters apart, legend beside.

    The axes are placed by hand, leaving ``_LEGEND_INCHES`` on the right and
    ``_TITLE_INCHES`` on top: constrained layout does not make room for a
    legend outside an axes of fixed aspect.
    """
    import matplotlib.pyplot as plt

    unit = max(1.0, 2.2 * np.sqrt(node_size) / 72 / spacing)  # inches per layout unit
    width = min(18.0, max(4.0, unit * span[0] + _LEGEND_INCHES))
    height = min(14.0, max(3.0, unit * span[1] + _TITLE_INCHES))
    fig = plt.figure(figsize=(width, height))
    ax = fig.add_axes((0.0, 0.0, 1 - _LEGEND_INCHES / width, 1 - _TITLE_INCHES / height))
    ax.set_anchor("N")
    return ax


def _inches_per_unit(ax, span):
    """Inches one layout unit takes when ``span`` fits ``ax`` at an equal aspect."""
    width, height = ax.figure.get_size_inches()
    box = ax.get_position()
    width, height = box.width * width, box.height * height
    return max(1e-3, min(width / span[0], height / span[1]))


def _frame(ax, pos, rad, node_size):
    """Equal aspect and limits that hold every node and every arc; ``(radius, per_inch)``.

    Returns the node radius in layout units and the inches per layout unit.
    """
    low, high = _extent(pos, rad)
    floor = 0.5 * _spacing(pos)
    span = np.maximum(high - low, floor)
    radius_inches = np.sqrt(node_size) / 2 / 72
    pad = 0.0
    for _ in range(2):  # the pad depends on the scale, which depends on the pad
        per_inch = _inches_per_unit(ax, span + 2 * pad)
        pad = 1.2 * radius_inches / per_inch
    centre = (low + high) / 2
    half = np.maximum(high - low, floor) / 2 + pad
    ax.set_aspect("equal", adjustable="box")
    ax.set_xlim(centre[0] - half[0], centre[0] + half[0])
    ax.set_ylim(centre[1] - half[1], centre[1] + half[1])
    return radius_inches / per_inch, per_inch


def _draw_nodes(ax, G, pos, fontsize, node_size):
    import networkx as nx

    nodes = nx.draw_networkx_nodes(G, pos, node_size=node_size, ax=ax, **_NODES)
    nodes.set_zorder(3)  # above the edges that pass by
    labels = {n: _tex_safe(n) for n in G.nodes}
    for text in nx.draw_networkx_labels(G, pos, labels, font_size=fontsize, ax=ax).values():
        text.set_zorder(4)


def _class_input(W):
    """Whether a matrix reads as a CPDAG: 0/1 marks with some pair marked both ways."""
    off = ~np.eye(W.shape[0], dtype=bool)
    return bool(np.all((W == 0) | (W == 1)) and np.any((W != 0) & (W.T != 0) & off))


def _check_frequency(edge_frequency, shape):
    if edge_frequency is None:
        return None
    from .graph import check_adjacency

    F = check_adjacency(edge_frequency, "edge_frequency")
    if F.shape != shape:
        raise ValueError(f"edge_frequency has shape {F.shape} but the graph is {shape}.")
    if np.any((F < 0) | (F > 1)):
        raise ValueError("edge_frequency must hold shares in [0, 1] (e.g. edge_frequency_).")
    return F


def _class_graphs(W, names, true_graph, marks):
    """For a class plot: the drawn graph, marks, the true class and a DAG to lay out."""
    from .graph import cpdag_to_dag, dag_to_cpdag, is_dag, to_networkx

    G = to_networkx(W, names, cpdag=True if marks is None else marks)
    M = np.zeros(W.shape, dtype=bool)
    index = {n: k for k, n in enumerate(names)}
    for u, v in G.edges:
        M[index[u], index[v]] = True
    true_class = None
    if true_graph is not None:
        T = np.asarray(true_graph, dtype=np.float64) != 0
        np.fill_diagonal(T, False)
        true_class = T if np.any(T & T.T) else dag_to_cpdag(T).astype(bool)
    # lay out a DAG of the class: the truth or the input when they are DAGs, else an extension
    given = np.asarray(true_graph, dtype=np.float64) if true_graph is not None else W
    shape = (given != 0) & ~np.eye(W.shape[0], dtype=bool)
    if not is_dag(shape):
        try:
            shape = cpdag_to_dag(true_class if true_class is not None else M)
        except ValueError:  # not a CPDAG with an extension: lay out the graph as it is
            shape = true_class if true_class is not None else M
    return G, M, true_class, to_networkx(shape, names)


def plot_graph(
    est_or_matrix,
    node_names=None,
    true_graph=None,
    ax=None,
    *,
    layout="layered",
    show_weights=None,
    cpdag=None,
    edge_frequency=None,
):
    """Draw the learned DAG (or its equivalence class), optionally marked against the truth.

    Nodes are laid out in layers by topological generation (parents above
    children, each layer ordered to reduce crossings, edges that skip
    layers bent around the nodes between; isolated nodes in the bottom
    row), which stays readable for 10 to 50 nodes. Edge width grows with
    ``|weight|``. Without ``true_graph`` the colour gives the sign; with
    it, edges are correct (dark), reversed (orange) or extra (red), and
    true edges missing from the graph are dashed grey; the legend counts
    each class.

    Parameters
    ----------
    est_or_matrix : StableDAGLearner or array-like of shape (d, d)
        A fitted estimator (``adjacency_``, ``node_names_``) or a weighted
        adjacency, ``[i, j]`` meaning ``i -> j``.
    node_names : sequence of str, optional
        Node labels; default ``node_names_`` of the estimator, else ``x0 ... x{d-1}``.
    true_graph : array-like of shape (d, d), optional
        Known graph, same convention. Its layout is used when given, so
        plots of several estimates of one truth line up.
    ax : matplotlib Axes, optional
        Where to draw; a new figure otherwise.
    layout : {"layered", "circular"}, default="layered"
        ``"layered"`` falls back to circular for a graph with cycles.
    show_weights : bool, optional
        Print each edge's weight on it; default when there are at most 15 nodes.
    cpdag : bool, None or array-like of shape (d, d), default=None
        Draw the Markov equivalence class: undirected edges (those whose
        direction the class leaves open) as lines without arrowheads. With
        ``True`` a DAG (e.g. a fitted estimator) is replaced by its CPDAG
        (:func:`stabledag.graph.dag_to_cpdag`; for a fitted estimator its
        :meth:`~stabledag.StableDAGLearner.predict_cpdag`, which also
        applies the prior knowledge), a CPDAG drawn as given; a
        0/1 matrix gives the marks to draw with the graph's weights (e.g. a
        class oriented by prior knowledge); with
        ``true_graph``, edges are compared with the true class (same mark:
        correct; another mark, e.g. ``-`` for a true ``->``: orange "other
        mark"). ``None``: only for a 0/1 matrix with a pair marked both
        ways (a CPDAG, e.g. PC output from
        :func:`stabledag.graph.from_causallearn`).
    edge_frequency : array-like of shape (d, d) or EdgeStability, optional
        Shares in [0, 1], e.g. ``EdgeStability.edge_frequency_`` (or the
        fitted :class:`~stabledag.EdgeStability` itself): each edge
        is drawn as opaque as its frequency (an undirected edge: the pair's
        frequency in either direction), so rarely found edges fade; missing
        true edges are not shaded.

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> from stabledag.plotting import plot_graph
    >>> from stabledag.datasets import load_sachs
    >>> sachs = load_sachs()
    >>> ax = plot_graph(sachs.graph, node_names=sachs.feature_names)  # doctest: +SKIP
    >>> ax = plot_graph(sachs.graph, node_names=sachs.feature_names, cpdag=True)  # doctest: +SKIP
    """
    _require_matplotlib()
    from .graph import to_networkx

    W, names = weights_and_names(est_or_matrix, node_names)
    if true_graph is not None and np.shape(true_graph) != W.shape:
        raise ValueError(f"true_graph has shape {np.shape(true_graph)} but the graph is {W.shape}.")
    if hasattr(edge_frequency, "edge_frequency_"):  # a fitted EdgeStability
        edge_frequency = edge_frequency.edge_frequency_
    frequency = _check_frequency(edge_frequency, W.shape)
    marks = None if cpdag is None or isinstance(cpdag, (bool, np.bool_)) else cpdag
    if isinstance(cpdag, (bool, np.bool_)) and cpdag and hasattr(est_or_matrix, "predict_cpdag"):
        marks = est_or_matrix.predict_cpdag()  # the class with the prior knowledge
    as_class = _class_input(W) if cpdag is None else marks is not None or bool(cpdag)
    lines = set()
    if as_class:
        G, M, true_class, shape = _class_graphs(W, names, true_graph, marks)
        edges, lines = _classify_class(M, W, names, true_class)
    else:
        G = to_networkx(W, names)
        shape = G if true_graph is None else to_networkx(np.asarray(true_graph), names)
        edges = _classify(W, names, true_graph)
    pos, _ = _layout(shape, layout)
    fontsize, node_size = _node_style(names)
    rad = {e: _curvature(*e, pos) for group in edges.values() for e in group}
    if ax is None:
        low, high = _extent(pos, rad)
        ax = _graph_axes(np.maximum(high - low, 0.5 * _spacing(pos)), _spacing(pos), node_size)
    drawn = {e for group in edges.values() for e in group}
    weight = {(u, v): w for u, v, w in G.edges(data="weight") if (u, v) in drawn}
    _draw_edges(ax, G, pos, edges, weight, node_size, rad, lines, frequency)
    _draw_nodes(ax, G, pos, fontsize, node_size)
    node_radius, per_inch = _frame(ax, pos, rad, node_size)
    if show_weights if show_weights is not None else len(names) <= 15:
        _draw_weight_labels(ax, pos, weight, rad, node_radius, per_inch)
    notes = []
    if lines:
        notes.append((f"undirected ({len(lines)})", 1.0))
    if frequency is not None:
        notes.append(("shade: frequency", 0.6))
    _legend(ax, edges, notes)
    ax.set_axis_off()
    return ax


# ---------------------------------------------------------------- plot_adjacency
def _name_cells(ax, names):
    """Names on both axes (rows: parents, columns: children) and thin lines between cells."""
    d, fontsize = len(names), 9 if len(names) <= 20 else 7
    labels = [_tex_safe(name) for name in names]
    ax.set_xticks(range(d), labels, rotation=90, fontsize=fontsize)
    ax.set_yticks(range(d), labels, fontsize=fontsize)
    ax.set_xlabel("child")
    ax.set_ylabel("parent")
    ax.set_xticks(np.arange(-0.5, d), minor=True)
    ax.set_yticks(np.arange(-0.5, d), minor=True)
    ax.grid(which="minor", color="#dddddd", linewidth=0.5)
    ax.tick_params(which="minor", length=0)


def plot_adjacency(est_or_matrix, node_names=None, ax=None, *, annotate=None, cmap="RdBu_r"):
    """Heatmap of the weighted adjacency: rows are parents, columns children.

    The diverging colormap is centred at 0 (symmetric limits), so sign and
    strength read at a glance; a colour bar gives the scale.

    Parameters
    ----------
    est_or_matrix : StableDAGLearner or array-like of shape (d, d)
        A fitted estimator or a weighted adjacency, ``[i, j]`` meaning ``i -> j``.
    node_names : sequence of str, optional
        Axis labels; default ``node_names_`` of the estimator, else ``x0 ... x{d-1}``.
    ax : matplotlib Axes, optional
        Where to draw; a new figure otherwise.
    annotate : bool, optional
        Print nonzero weights in their cells; default when there are at most 12 nodes.
    cmap : str, default="RdBu_r"
        A diverging matplotlib colormap.

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> from stabledag.plotting import plot_adjacency
    >>> ax = plot_adjacency([[0, 0.8], [-0.3, 0]], ["a", "b"])  # doctest: +SKIP
    """
    _require_matplotlib()
    W, names = weights_and_names(est_or_matrix, node_names)
    d = len(names)
    if ax is None:
        side = min(14, max(4.5, 0.32 * d + 2.5))
        ax = _new_axes((side + 1.2, side))
    top = float(np.abs(W).max()) or 1.0
    shown = np.ma.masked_where(W == 0, W)  # absent edges stay white, even near-zero weights
    image = ax.imshow(shown, cmap=cmap, vmin=-top, vmax=top, interpolation="nearest")
    diagonal = np.ma.masked_where(~np.eye(d, dtype=bool), np.ones((d, d)))  # never an edge
    ax.imshow(diagonal, cmap="Greys", vmin=0, vmax=8, interpolation="nearest")
    ax.figure.colorbar(image, ax=ax, shrink=0.8, label="weight (row -> column)")
    _name_cells(ax, names)
    if annotate if annotate is not None else d <= 12:
        for i, j in zip(*np.nonzero(W)):
            colour = "white" if abs(W[i, j]) > 0.6 * top else "black"
            ax.text(j, i, f"{W[i, j]:.2f}", ha="center", va="center", fontsize=7, color=colour)
    return ax


# ------------------------------------------------------------------ plot_history
def _series(history, key):
    return np.array([r.get(key, np.nan) for r in history], dtype=np.float64)


def _mark_stages(axes, epochs, stages):
    starts = [k for k in range(1, len(stages)) if stages[k] != stages[k - 1]]
    for ax in axes:
        for k in starts:
            ax.axvline(epochs[k] - 0.5, color="#888888", linestyle=":", linewidth=1)
    for k in [0] + starts:
        axes[0].annotate(f"stage {int(stages[k])}", (epochs[k] - 0.5, 1.0), **_STAGE_LABEL)


def _positive(values):
    """For log axes: non-positive values become NaN (gaps) rather than errors."""
    return np.where(values > 0, values, np.nan)


def _log_ticks(ax, values):
    """Readable log ticks: 1-2-5 steps within about a decade, no minor labels."""
    from matplotlib.ticker import FormatStrFormatter, LogLocator, NullFormatter

    finite = values[np.isfinite(values) & (values > 0)]
    if finite.size and finite.max() / finite.min() < 30:
        ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        ax.yaxis.set_major_formatter(FormatStrFormatter("%g"))
    ax.yaxis.set_minor_formatter(NullFormatter())


def _draw_panel(ax, epochs, history, panel, bound):
    title, series, flags = panel
    drawstyle = "steps-mid" if "steps" in flags else "default"
    for key, label in series:
        values = _positive(_series(history, key)) if "log" in flags else _series(history, key)
        ax.plot(epochs, values, label=label or None, lw=1.4, drawstyle=drawstyle)
    if "bound" in flags and bound is not None:
        ax.axhline(bound, color="#d62728", linestyle="--", lw=1, label="max_grad_norm")
    if "log" in flags:
        ax.set_yscale("log")
        _log_ticks(ax, np.concatenate([_series(history, key) for key, _ in series]))
    if "share" in flags:
        ax.set_ylim(-0.03, 1.03)
    ax.set_title(title.format(threshold=history[-1].get("threshold", 0.3)), fontsize=10)
    ax.grid(alpha=0.3)
    if len(series) > 1 or "bound" in flags:
        ax.legend(fontsize=7, frameon=False)


def plot_history(est, axes=None):
    """Training curves per epoch, with stage boundaries marked.

    Eight panels: total objective (train and validation), loss terms,
    ``h(W)``, its weight, gradient norm (with ``max_grad_norm`` dashed),
    clip ratio, learning rate and edge count. Dotted vertical lines mark
    where each stage of the acyclicity schedule begins.

    Parameters
    ----------
    est : StableDAGLearner or list of dict
        A fitted estimator, or its ``history_``.
    axes : array of 8 matplotlib Axes, optional
        Where to draw, in the order above; a new 4 x 2 figure otherwise.

    Returns
    -------
    ndarray of matplotlib Axes
        The axes drawn on, in the shape given (``(4, 2)`` for a new figure).

    Examples
    --------
    >>> from stabledag.plotting import plot_history
    >>> axes = plot_history(est)  # doctest: +SKIP
    """
    _require_matplotlib()
    history = est if isinstance(est, list) else list(getattr(est, "history_", []))
    if not history:
        raise ValueError("No training history to plot: fit the estimator first.")
    axes = _new_axes((11, 10), 4, 2) if axes is None else np.asarray(axes, dtype=object)
    flat = axes.ravel()
    if flat.size != len(_PANELS):
        raise ValueError(f"axes must hold {len(_PANELS)} Axes, got {flat.size}.")
    epochs, bound = _series(history, "epoch"), getattr(est, "max_grad_norm", None)
    for ax, panel in zip(flat, _PANELS):
        _draw_panel(ax, epochs, history, panel, bound)
    for ax in flat[-2:]:
        ax.set_xlabel("epoch")
    _mark_stages(flat, epochs, _series(history, "stage"))
    return axes
