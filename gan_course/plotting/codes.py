"""Chapter 5's figures: what each InfoGAN code does, and Q's training curves."""

from __future__ import annotations

import math
from typing import Sequence

import torch

from .. import arguments
from ..data import CLASSES
from ..metrics.codes import code_class_table
from .history import _smoothed, _window
from .images import finish, new_figure


def plot_code_effects(effects: dict, names: Sequence[str] | None = None, train_range: float = 1.0):
    """One panel per image statistic: its mean against the value of each continuous code.

    The shaded band is the range the codes were drawn from in training
    (Uniform(-1, 1)); values outside it are extrapolation.
    """
    arguments.mapping("effects", effects, "the dict that code_effects returns", keys=("values", "codes"))
    if names is not None:
        arguments.sequence("names", names, "a list of code names, e.g. ['width', 'slant']")
    arguments.number("train_range", train_range, above=0.0)
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


def plot_code_classes(codes: torch.Tensor, classes: torch.Tensor, n_codes: int = 10, title: str | None = None):
    """Heat map: for each categorical code value (row), the share of its images in each predicted class."""
    arguments.instance("title", title, (str, type(None)), "a string or None")
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
    arguments.mapping("history", history, "a training history (trainer.history)")
    arguments.whole("n_categories", n_categories, 2, 10_000, example=10)
    arguments.optional_whole("window", window, 1, 10**9, example=50)
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
