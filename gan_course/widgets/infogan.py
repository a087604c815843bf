"""Chapter 5's views of an InfoGAN generator: what does each code control?

* :func:`code_grid` — images of fixed noise vectors while one code changes
  (rows: noise vectors, columns: code values), for :func:`~gan_course.plotting.show_grid`;
* :func:`code_explorer` — a kernel-free explorer: a dropdown for the categorical
  code and one slider per continuous code, redrawing a grid of fixed noise
  vectors; every combination is pre-rendered as a PNG in nested ``Stack``\\ s that
  the controls select in the browser (``jslink``), so it also works on the
  static website;

The *measured* effects of a code live in :mod:`gan_course.metrics.codes`
(``image_statistics``, ``code_effects``, ``code_class_table``) and their figures in
:mod:`gan_course.plotting.codes`.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import torch

from .. import arguments
from ..errors import CourseError
from ..metrics.codes import generate_from_codes
from .players import png_from_images


def _check_infogan(G, function: str) -> None:
    if not isinstance(G, torch.nn.Module) or not hasattr(getattr(G, "cfg", None), "n_continuous"):
        raise CourseError(f"{function} needs G to be an InfoGAN generator (InfoGANGenerator), got "
                          f"{arguments.shown(G)} ({type(G).__name__})")


def code_grid(G, z: torch.Tensor, category: torch.Tensor | int, vary: str | int,
              values: Sequence[float] | None = None, continuous: torch.Tensor | None = None) -> torch.Tensor:
    """Images for a grid with one row per noise vector and one column per value of one code.

    ``z`` (R, noise_dim) are the rows' noise vectors and ``category`` their
    categorical code (an int for all rows, or (R,)). ``vary`` is ``"category"``
    (the columns run through all categories) or the index j of a continuous code
    (the columns set c_cont[j] to each of ``values``; the other continuous codes
    stay at ``continuous``, default 0). Returns (R * V, C, H, W), row by row:
    show it with ``show_grid(images, nrow=V)``.
    """
    _check_infogan(G, "code_grid")
    arguments.tensor("z", z, 2, "noise (R, noise_dim)", min_len=1)
    if z.shape[1] != G.cfg.noise_dim:
        raise CourseError(f"z must be noise (R, noise_dim={G.cfg.noise_dim}), got shape {tuple(z.shape)}")
    if isinstance(category, torch.Tensor):
        arguments.integers("category", category, len(z), 0, G.cfg.n_categories - 1, what="one category per row")
    else:
        arguments.whole("category", category, 0, G.cfg.n_categories - 1, example=0)
    if isinstance(vary, bool) or not isinstance(vary, (str, int)):
        raise CourseError(f"vary must be 'category' or a continuous code index, got {arguments.shown(vary)}")
    if values is not None:
        arguments.values("values", values, "a list of code values, e.g. torch.linspace(-2, 2, 9)")
    if continuous is not None:
        arguments.tensor("continuous", continuous, 2, f"continuous codes (R, {G.cfg.n_continuous})")
    cfg = G.cfg
    rows = z.shape[0]
    category = torch.full((rows,), int(category)) if isinstance(category, int) else category.long().cpu()
    base = torch.zeros(rows, cfg.n_continuous) if continuous is None else continuous.float().cpu()
    if vary == "category":
        values = list(range(cfg.n_categories))
    elif isinstance(vary, int) and 0 <= vary < cfg.n_continuous:
        if values is None:
            raise CourseError("code_grid needs the continuous code's values: pass e.g. values=torch.linspace(-2, 2, 9)")
        values = [float(v) for v in values]
    else:
        raise CourseError(f"vary must be 'category' or a continuous code index 0..{cfg.n_continuous - 1}, "
                          f"got {vary!r}")
    cols = len(values)
    zz = z.cpu().repeat_interleave(cols, dim=0)  # (R * V, noise_dim): row r repeated V times
    cc = category.repeat_interleave(cols)  # (R * V,)
    uu = base.repeat_interleave(cols, dim=0)  # (R * V, n_continuous)
    if vary == "category":
        cc = torch.arange(cols).repeat(rows)  # columns: 0, 1, ..., K-1 in every row
    else:
        uu[:, vary] = torch.tensor(values).repeat(rows)
    return generate_from_codes(G, zz, cc, uu)


def code_explorer(G, z: torch.Tensor, values: Sequence[float] = (-1.0, -0.5, 0.0, 0.5, 1.0),
                  names: Sequence[str] | None = None, nrow: int | None = None, scale: int = 3,
                  category_labels: Sequence[str] | None = None):
    """A dropdown for the categorical code and a slider per continuous code over a grid of fixed ``z``.

    All K x V^m grids (K categories, V slider positions, m continuous codes) are
    rendered up front as PNGs and nested in ``Stack`` widgets: the dropdown
    selects the category's stack, each slider selects inside it. The links are
    ``jslink``\\ s, so the explorer works without a kernel. Keep K x V^m small
    (10 x 5 x 5 = 250 grids of 8 images are about 0.5 MB).
    """
    import ipywidgets as W

    _check_infogan(G, "code_explorer")
    arguments.tensor("z", z, 2, "noise (N, noise_dim)", min_len=1)
    arguments.values("values", values, "a list of slider values, e.g. (-1, 0, 1)")
    for name, value in (("names", names), ("category_labels", category_labels)):
        if value is not None:
            arguments.sequence(name, value, "a list of strings")
    arguments.optional_whole("nrow", nrow, 1, 1000, example=4)
    arguments.whole("scale", scale, 1, 32, example=3)
    cfg = G.cfg
    m, K = cfg.n_continuous, cfg.n_categories
    values = [float(v) for v in values]
    if not values:
        raise CourseError("code_explorer needs at least one slider value: pass e.g. values=(-1, 0, 1)")
    n_grids = K * len(values) ** m
    if n_grids > 1000:
        raise CourseError(f"code_explorer would render {n_grids} grids: pass fewer slider values")
    names = list(names or [f"c{j + 1}" for j in range(m)])
    category_labels = list(category_labels or [f"code {k}" for k in range(K)])
    if len(names) != m or len(category_labels) != K:
        raise CourseError(f"code_explorer needs {m} slider names and {K} category labels: "
                          f"got {len(names)} and {len(category_labels)}")
    rows = z.shape[0]
    # every combination (k, i_1, ..., i_m), in row-major order, each with all `rows` noise vectors
    combos = list(np.ndindex(K, *([len(values)] * m)))
    cat = torch.tensor([c[0] for c in combos]).repeat_interleave(rows)  # (n_grids * rows,)
    cont = torch.tensor([[values[i] for i in c[1:]] for c in combos]).reshape(-1, m)
    cont = cont.repeat_interleave(rows, dim=0)  # (n_grids * rows, m)
    images = generate_from_codes(G, z.cpu().repeat(len(combos), 1), cat, cont)  # (n_grids * rows, C, H, W)
    images = images.reshape(len(combos), rows, *images.shape[1:])
    frames = {c: W.Image(value=png_from_images(imgs, nrow=nrow, scale=scale), format="png")
              for c, imgs in zip(combos, images)}

    sliders = [W.SelectionSlider(options=[(f"{v:+.2f}", i) for i, v in enumerate(values)],
                                 value=values.index(0.0) if 0.0 in values else 0, description=name,
                                 continuous_update=True) for name in names]
    links = []

    def nest(prefix: tuple) -> W.Widget:
        """The stack for code prefix (k, i_1, ..., i_d): children vary the next continuous code."""
        depth = len(prefix) - 1  # continuous codes already fixed
        if depth == m:
            return frames[prefix]
        children = [nest(prefix + (i,)) for i in range(len(values))]
        stack = W.Stack(children, selected_index=sliders[depth].index)
        links.append(W.jslink((sliders[depth], "index"), (stack, "selected_index")))
        return stack

    outer = W.Stack([nest((k,)) for k in range(K)], selected_index=0)
    dropdown = W.Dropdown(options=[(label, k) for k, label in enumerate(category_labels)], value=0,
                          description="category")
    links.append(W.jslink((dropdown, "index"), (outer, "selected_index")))
    box = W.VBox([W.HBox([dropdown, *sliders]), outer])
    box._links = links  # keep the links alive with the widget
    return box
