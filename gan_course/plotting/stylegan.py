"""Chapter 10's figures: the style-based generator, where augmentation sits, style mixing, D's accuracy."""

from __future__ import annotations

from typing import Mapping, Sequence

import torch

from .. import arguments
from ..errors import CourseError
from ..runtime import eval_mode
from .diagrams import _arrow, _box, _canvas
from .history import check_history, smooth
from .images import finish, image_grid, new_figure


def style_generator_diagram(cfg=None):
    """The style-based G: mapping network z -> w, learned constant, modulated blocks with noise, toRGB sums."""
    from ..models.stylegan import StyleGANConfig

    if cfg is not None:
        arguments.config(cfg, StyleGANConfig, "style_generator_diagram")
    cfg = cfg or StyleGANConfig()
    fig, ax = _canvas(12, 6.2, (12, 6.2))
    z = _box(ax, 1.2, 5.5, f"z ~ N(0, I)\n({cfg.latent_dim},)", "data", w=1.5, h=0.7)
    mp = _box(ax, 1.2, 3.9, f"mapping network\npixel norm, {cfg.mapping_layers} x\n[linear, LeakyReLU]", "G",
              w=1.9, h=1.1)
    w = _box(ax, 1.2, 2.3, f"w ∈ W\n({cfg.w_dim},)", "Q", w=1.5, h=0.7)
    _arrow(ax, (z[0], z[1] - 0.35), (mp[0], mp[1] + 0.55))
    _arrow(ax, (mp[0], mp[1] - 0.55), (w[0], w[1] + 0.35))
    wbar = _box(ax, 1.2, 0.8, "w̄: running mean of w\ntruncation: w̄ + ψ(w − w̄)", "Q", w=2.2, h=0.7, fontsize=7.5)
    _arrow(ax, (w[0], w[1] - 0.35), (wbar[0], wbar[1] + 0.35), style="-|>", colour="#996600")
    const = _box(ax, 3.6, 5.5, f"learned constant\n({cfg.widths[0]}, 4, 4)", "G", w=1.9, h=0.7)
    sizes = [4 * 2 ** i for i in range(len(cfg.widths))]
    xs = [3.6 + 2.35 * i for i in range(len(cfg.widths))]
    prev = (const[0], const[1] - 0.35)
    for i, (x, size, width) in enumerate(zip(xs, sizes, cfg.widths)):
        convs = "modconv 3x3" if i == 0 else "up x2, modconv 3x3,\nmodconv 3x3"
        block = _box(ax, x, 3.9, f"{convs}\n+ noise · strength\n→ ({width}, {size}, {size})", "G", w=2.1, h=1.2,
                     fontsize=7.5)
        _arrow(ax, prev, (block[0] - (0 if i == 0 else 1.05), block[1] + (0.6 if i == 0 else 0)))
        rgb = _box(ax, x, 2.3, f"toRGB 1x1\n(no demod.)\n({cfg.channels}, {size}, {size})", "tensor", w=1.6, h=0.9,
                   fontsize=7.5)
        _arrow(ax, (block[0], block[1] - 0.6), (rgb[0], rgb[1] + 0.45))
        if i:
            _arrow(ax, (xs[i - 1] + 0.8, 2.3), (rgb[0] - 0.8, rgb[1]), "up x2, +", text_offset=(0, 0.05))
        prev = (block[0] + 1.05, block[1])
    out = _box(ax, xs[-1], 0.8, f"tanh → image\n({cfg.channels}, {cfg.image_size}, {cfg.image_size})", "data",
               w=1.9, h=0.7)
    _arrow(ax, (xs[-1], 1.85), (out[0], out[1] + 0.35))
    _arrow(ax, (w[0] + 0.75, w[1] + 0.1), (xs[0] - 1.05, 3.5), "style A(w) per layer", rad=-0.2,
           colour="#996600", text_offset=(-0.2, 0.0))
    ax.text(7.1, 0.3, f"each of the {cfg.num_ws} layers (convolutions + the last toRGB) takes its own w: the same w, "
            "or two w's when styles are mixed", ha="center", fontsize=8)
    ax.set_title("The style-based generator (StyleGAN2, small)", fontsize=10)
    return finish(fig, ax)


def augmentation_diagram():
    """Where DiffAugment sits: between the images and D, on the real and the fake path, in both updates."""
    fig, ax = _canvas(10, 3.8, (10, 3.8))
    real = _box(ax, 1.0, 3.0, "real x\n(training set)", "data", w=1.6, h=0.7)
    z = _box(ax, 1.0, 1.0, "z", "data", w=0.8)
    g = _box(ax, 2.9, 1.0, "G", "G", w=1.0)
    t1 = _box(ax, 5.0, 3.0, "T: colour,\ntranslation, cutout", "Q", w=2.0, h=0.8, fontsize=8)
    t2 = _box(ax, 5.0, 1.0, "T: the same kind\nof random transform", "Q", w=2.0, h=0.8, fontsize=8)
    d = _box(ax, 7.6, 2.0, "D", "D", w=1.0, h=0.9)
    loss = _box(ax, 9.2, 2.0, "loss", "loss", w=1.0)
    _arrow(ax, (real[0] + 0.8, real[1]), (t1[0] - 1.0, t1[1]))
    _arrow(ax, (z[0] + 0.4, z[1]), (g[0] - 0.5, g[1]))
    _arrow(ax, (g[0] + 0.5, g[1]), (t2[0] - 1.0, t2[1]), "G(z)")
    _arrow(ax, (t1[0] + 1.0, t1[1]), (d[0] - 0.5, d[1] + 0.2), "T(x)")
    _arrow(ax, (t2[0] + 1.0, t2[1]), (d[0] - 0.5, d[1] - 0.2), "T(G(z))", text_offset=(0, -0.35))
    _arrow(ax, (d[0] + 0.5, d[1]), (loss[0] - 0.5, loss[1]))
    _arrow(ax, (t2[0], t2[1] - 0.4), (g[0] + 0.3, g[1] - 0.3), "G's gradient flows back through T",
           colour="#cc0000", rad=-0.4, text_offset=(0, -0.75))
    ax.set_title("DiffAugment: D sees real and fake images only through T, in D's and in G's update", fontsize=10)
    return finish(fig, ax)


@torch.no_grad()
def show_style_mixing(G, source_seeds: Sequence[int], dest_seeds: Sequence[int], crossover: int,
                      noise_seed: int = 0, title: str | None = None):
    """The classic grid: the top row's images give their coarse styles (layers < ``crossover``), the left column's
    images give the rest; the cell (row i, column j) mixes them."""
    from ..models.stylegan import check_style_generator, mix_styles

    check_style_generator(G, "show_style_mixing")
    for name, seeds in (("source_seeds", source_seeds), ("dest_seeds", dest_seeds)):
        if len(arguments.seeds(name, seeds)) > 32:
            raise CourseError(f"{name} must hold at most 32 seeds (one row or column each), got {len(seeds)}")
    arguments.whole("crossover", crossover, 0, G.cfg.num_ws, example=G.cfg.num_ws // 2)
    arguments.whole("noise_seed", noise_seed, 0, arguments.MAX_SEED, example=0)
    arguments.instance("title", title, (str, type(None)), "a string or None")

    def ws_of(seeds):
        z = torch.stack([torch.randn(G.cfg.latent_dim, generator=torch.Generator().manual_seed(s)) for s in seeds])
        return G.mapping(z)  # (n, w_dim)

    with eval_mode(G):
        w_src, w_dst = ws_of(source_seeds), ws_of(dest_seeds)
        top = G.synthesis(G.broadcast(w_src), noise_seed)  # (S, C, 32, 32)
        left = G.synthesis(G.broadcast(w_dst), noise_seed)  # (R, C, 32, 32)
        rows = []
        for r in range(len(dest_seeds)):
            mixed = G.synthesis(mix_styles(w_src, w_dst[r:r + 1].expand(len(source_seeds), -1), G.cfg.num_ws,
                                           crossover), noise_seed)  # (S, C, 32, 32)
            rows.append(torch.cat([left[r:r + 1], mixed]))
    blank = torch.full_like(top[:1], 1.0)  # the grid's corner: white
    images = torch.cat([torch.cat([blank, top])] + rows)  # ((R+1) * (S+1), C, 32, 32)
    fig, ax = new_figure(figsize=(1.0 * (len(source_seeds) + 1), 1.0 * (len(dest_seeds) + 1)))
    ax.imshow(image_grid(images, nrow=len(source_seeds) + 1).permute(1, 2, 0).numpy(), cmap="gray")
    ax.axis("off")
    ax.set_title(title or f"coarse styles (layers 0-{crossover - 1}) from the top row, the rest from the left column",
                 fontsize=8)
    return finish(fig, ax)


def plot_d_accuracy(histories: Mapping[str, Mapping[str, Sequence[float]]], window: int = 50):
    """D's share of real images called real: on its training images (solid) and held-out ones (dashed), per run."""
    arguments.mapping("histories", histories, "a dict {label: trainer.history} of chapter 10's runs")
    keys = ("step", "d_acc_train", "d_acc_heldout")
    for label, h in histories.items():
        arguments.mapping(f"histories[{label!r}]", h, "a chapter 10 trainer's history (with D's accuracies)", keys)
        check_history(h, f"histories[{label!r}]", keys[1:])
    arguments.whole("window", window, 1, 10**9, example=50)
    cols = min(2, len(histories))  # two panels a row: four runs make a 2x2 grid, readable in a narrow column
    rows = -(-len(histories) // cols)
    fig, grid = new_figure(rows, cols, figsize=(4.6 * cols, 2.9 * rows), sharey=True, squeeze=False)
    axes = list(grid.flat)
    low = 1.0
    for ax, (label, h) in zip(axes, histories.items()):
        for key, style, name in (("d_acc_train", "-", "training images"), ("d_acc_heldout", "--", "held-out images")):
            values = smooth(h[key], window)
            ax.plot(h["step"][len(h["step"]) - len(values):], values, style, label=name)
            low = min([low, *values])
        ax.set_title(label, fontsize=9)
        ax.set_xlabel("step")
        ax.grid(alpha=0.3)
    for ax in axes[len(histories):]:
        ax.set_axis_off()
    axes[0].set_ylim(min(0.5, low - 0.05), 1.02)  # zoomed on the accuracies: the gap is a few hundredths
    for ax in grid[:, 0]:
        ax.set_ylabel("share called real")
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    return finish(fig, axes[0])


def plot_truncation_sweep(sweep: Mapping[float, Mapping[str, float]], title: str = "Truncation in W"):
    """FD (left) and precision and recall (right) against ψ, for ``{ψ: scores}`` (e.g. ``w_truncation_sweep``)."""
    arguments.mapping("sweep", sweep, "a dict {ψ: scores}, w_truncation_sweep(...)'s result")
    for psi, scores in sweep.items():
        arguments.number(f"sweep key {arguments.shown(psi)}", psi)
        arguments.mapping(f"sweep[{psi!r}]", scores, "the scores of one ψ", ("fd", "precision", "recall"))
        for key in ("fd", "precision", "recall"):
            arguments.number(f"sweep[{psi!r}][{key!r}]", scores[key])
    arguments.instance("title", title, str, "a string")
    psis = sorted(sweep)
    fig, axes = new_figure(1, 2, figsize=(9, 3.2))
    axes[0].plot(psis, [sweep[p]["fd"] for p in psis], "o-", color="C3")
    axes[0].set_ylabel("FD (lower is better)")
    for key, colour in (("precision", "C0"), ("recall", "C1")):
        axes[1].plot(psis, [sweep[p][key] for p in psis], "o-", color=colour, label=key)
    axes[1].set_ylim(-0.03, 1.03)
    axes[1].legend(fontsize=8)
    for ax in axes:
        ax.set_xlabel("ψ (1: no truncation, 0: every w is w̄)")
        ax.invert_xaxis()
        ax.grid(alpha=0.3)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return finish(fig, axes[0])
