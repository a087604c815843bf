"""Chapter 5's views of an InfoGAN generator: what does each code control?

* :func:`code_grid` — images of fixed noise vectors while one code changes
  (rows: noise vectors, columns: code values), for :func:`~gan_course.plotting.show_grid`;
* :func:`code_explorer` — a kernel-free explorer: a dropdown for the categorical
  code and one slider per continuous code, redrawing a grid of fixed noise
  vectors; every combination is pre-rendered as a PNG in nested ``Stack``\\ s that
  the controls select in the browser (``jslink``), so it also works on the
  static website;
* :func:`image_statistics`, :func:`code_effects`, :func:`plot_code_effects` —
  *measured* effects of a continuous code: brightness, width, height and slant
  of the garment against the code's value;
* :func:`plot_code_classes` — which FashionMNIST classes each categorical code
  value produces (the classifier's predictions);
* :func:`plot_info_losses` — Q's losses and accuracy during training.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np
import torch

from .data import CLASSES
from .errors import CourseError
from .runtime import eval_mode
from .plotting.history import _smoothed, _window
from .plotting.images import finish, new_figure
from .widgets import png_from_images


def _eval_generate(G, z, category, continuous) -> torch.Tensor:
    """G(z, c) in eval mode and without gradients, on G's device; images come back on the CPU."""
    device = next(G.parameters()).device
    with eval_mode(G), torch.no_grad():
        chunks = [G(zz.to(device), cc.to(device), uu.to(device)).float().cpu()
                  for zz, cc, uu in zip(z.split(1000), category.split(1000), continuous.split(1000))]
    return torch.cat(chunks)


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
    return _eval_generate(G, zz, cc, uu)


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
    images = _eval_generate(G, z.cpu().repeat(len(combos), 1), cat, cont)  # (n_grids * rows, C, H, W)
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


def image_statistics(images: torch.Tensor) -> dict[str, torch.Tensor]:
    """Simple measurable properties of each image (B, 1, H, W) in [-1, 1], as (B,) tensors.

    With ink w = (x + 1) / 2 in [0, 1] as weights over pixel coordinates
    (u across, v down, in pixels):

    * ``brightness``: mean ink over the image;
    * ``width`` / ``height``: 4 standard deviations of u / v under w (about the
      full extent for an evenly filled shape);
    * ``slant``: the regression slope du/dv of u on v, in pixels across per
      pixel down (> 0: the garment leans to the right going down).
    """
    if images.dim() != 4 or images.shape[1] != 1:
        raise CourseError(f"image_statistics expects grey images (B, 1, H, W), got {tuple(images.shape)}")
    w = (images.float().cpu()[:, 0] + 1) / 2  # (B, H, W) in [0, 1]
    _, H, W_ = w.shape
    v, u = torch.meshgrid(torch.arange(H, dtype=torch.float32), torch.arange(W_, dtype=torch.float32),
                          indexing="ij")  # (H, W) each
    mass = w.sum(dim=(1, 2)).clamp_min(1e-6)  # (B,)
    mean_u = (w * u).sum(dim=(1, 2)) / mass
    mean_v = (w * v).sum(dim=(1, 2)) / mass
    du, dv = u - mean_u[:, None, None], v - mean_v[:, None, None]  # (B, H, W)
    var_u = (w * du ** 2).sum(dim=(1, 2)) / mass
    var_v = (w * dv ** 2).sum(dim=(1, 2)) / mass
    cov = (w * du * dv).sum(dim=(1, 2)) / mass
    return {"brightness": w.mean(dim=(1, 2)), "width": 4 * var_u.sqrt(), "height": 4 * var_v.sqrt(),
            "slant": cov / var_v.clamp_min(1e-6)}


def code_effects(G, values: Sequence[float], n: int = 500, seed: int = 0) -> dict:
    """Mean image statistics against each continuous code's value, everything else held fixed.

    For each continuous code j and each value v, the *same* n draws of
    (z, c_cat, other continuous codes) are generated with c_cont[j] = v, so the
    curves show the effect of that one code alone. Returns
    ``{"values": [...], "codes": {j: {statistic: [mean at each value]}}}``.
    """
    cfg = G.cfg
    g = torch.Generator().manual_seed(seed)
    z = torch.randn(n, cfg.noise_dim, generator=g)  # (n, noise_dim)
    category = torch.arange(n) % cfg.n_categories  # (n,) balanced over the categories
    base = torch.rand(n, cfg.n_continuous, generator=g) * 2 - 1  # (n, m) from the prior
    values = [float(v) for v in values]
    codes = {}
    for j in range(cfg.n_continuous):
        rows: dict[str, list[float]] = {}
        for v in values:
            cont = base.clone()
            cont[:, j] = v
            for name, stat in image_statistics(_eval_generate(G, z, category, cont)).items():
                rows.setdefault(name, []).append(stat.mean().item())
        codes[j] = rows
    return {"values": values, "codes": codes}


def plot_code_effects(effects: dict, names: Sequence[str] | None = None, train_range: float = 1.0):
    """One panel per image statistic: its mean against the value of each continuous code.

    The shaded band is the range the codes were drawn from in training
    (Uniform(-1, 1)); values outside it are extrapolation.
    """
    values, codes = effects["values"], effects["codes"]
    stats = list(next(iter(codes.values())))
    names = list(names or [f"c{j + 1}" for j in codes])
    units = {"brightness": "mean ink (0-1)", "width": "pixels", "height": "pixels", "slant": "pixels across / down"}
    fig, axes = new_figure(1, len(stats), figsize=(3.2 * len(stats), 3.0), squeeze=False)
    for ax, stat in zip(axes[0], stats):
        for (j, rows), name in zip(codes.items(), names):
            ax.plot(values, rows[stat], marker="o", label=name)
        ax.axvspan(-train_range, train_range, color="gray", alpha=0.12, lw=0)
        ax.set_title(stat)
        ax.set_xlabel("code value")
        ax.set_ylabel(units.get(stat, ""))
    axes[0][0].legend(fontsize=8)
    return finish(fig, axes[0][0])


def code_class_table(codes: torch.Tensor, classes: torch.Tensor, n_codes: int = 10) -> torch.Tensor:
    """Counts n(code, class) as an (n_codes, 10) table, every class kept (also ones never predicted)."""
    codes, classes = torch.as_tensor(codes).long().cpu(), torch.as_tensor(classes).long().cpu()
    return torch.bincount(codes * len(CLASSES) + classes, minlength=n_codes * len(CLASSES)).reshape(
        n_codes, len(CLASSES))


def plot_code_classes(codes: torch.Tensor, classes: torch.Tensor, n_codes: int = 10, title: str | None = None):
    """Heat map: for each categorical code value (row), the share of its images in each predicted class."""
    table = code_class_table(codes, classes, n_codes).float()
    share = table / table.sum(dim=1, keepdim=True).clamp_min(1)
    fig, ax = new_figure(figsize=(7.5, 4.8))
    ax.imshow(share.numpy(), cmap="Blues", vmin=0, vmax=1)
    for i in range(share.shape[0]):
        for j in range(share.shape[1]):
            if share[i, j] >= 0.05:
                ax.text(j, i, f"{share[i, j]:.2f}", ha="center", va="center", fontsize=7,
                        color="white" if share[i, j] > 0.6 else "black")
    ax.set_xticks(range(len(CLASSES)), CLASSES, rotation=45, ha="right", fontsize=8)
    ax.set_yticks(range(n_codes), [f"code {k}" for k in range(n_codes)], fontsize=8)
    ax.set_xlabel("class predicted by the course classifier")
    ax.set_ylabel("categorical code")
    ax.set_title(title or "Which classes each code value produces (row shares)")
    return finish(fig, ax)


def plot_info_losses(history: dict, n_categories: int = 10, window: int | None = None):
    """Q's categorical loss (with log K, a Q that guesses) and Q's accuracy on the fakes' category."""
    window = window or _window(history)
    fig, (ax1, ax2) = new_figure(1, 2, figsize=(10, 3.3))
    ax1.plot(*_smoothed(history, "loss_q_cat", window), label="categorical: cross-entropy")
    ax1.plot(*_smoothed(history, "loss_q_cont", window), label="continuous: Gaussian NLL (sum over the codes)")
    ax1.axhline(math.log(n_categories), color="gray", ls=":", lw=1, label=f"log {n_categories} (Q guessing)")
    ax1.set_xlabel("step")
    ax1.set_ylabel("loss (nats)")
    ax1.set_title(f"Q's information losses (moving average over {window})")
    ax1.legend(fontsize=8)
    ax2.plot(*_smoothed(history, "q_accuracy", window))
    ax2.axhline(1 / n_categories, color="gray", ls=":", lw=1, label="chance")
    ax2.set_ylim(0, 1.02)
    ax2.set_xlabel("step")
    ax2.set_ylabel("share of fakes")
    ax2.set_title("Q reads the categorical code right")
    ax2.legend(fontsize=8)
    return finish(fig, ax1)
