"""Chapters 6 and 7: how good is a translation?

* :func:`paired_scores` — pix2pix, where every input has its true image: L1, PSNR and SSIM.
* :class:`DomainTest` — CycleGAN, where there is no truth: which domain does an
  image look like? (A pixel classifier for the appearance pair, the course's
  FashionMNIST classifier for the shape pairs.)
* :func:`silhouette_area` and :func:`spread` — did the shape change, and did
  the translations stay as varied as the real images?
* :func:`format_measures` — several runs' measures side by side, as one table.

Chapter 7's full set, :func:`~gan_course.recipes.cyclegan.measure_cyclegan`, stays
with its recipe: it drives the recipe's ``translate_test_items``, and ``metrics``
does not import ``recipes``.
"""

from __future__ import annotations

import math
import numbers
from typing import Mapping, Sequence

import torch
import torch.nn.functional as F

from .. import arguments
from ..data.domains import CLASS_PAIRS, DomainPair, check_pair, make_domains
from ..errors import CourseError
from .table import ScoreTable


def paired_scores(outputs: torch.Tensor, targets: torch.Tensor) -> dict[str, float]:
    """How close each output is to *its own* true image, averaged over the set.

    Images in [-1, 1] are first mapped to [0, 1]. Then, per image,

    * ``l1``: mean |output - target| (on the [0, 1] scale);
    * ``psnr``: 10 · log10(1 / MSE) in dB (higher is better; identical images: ∞,
      capped here at 100 dB);
    * ``ssim``: the structural similarity of Wang et al. (2004), Gaussian window
      σ = 1.5 (11x11), data range 1; 1 means identical structure.

    These reward the *expected* image: a blurry average of the plausible outputs
    scores well on all three, which is why the chapter also reports the FD of
    the outputs as a set.
    """
    from torchmetrics.functional.image import structural_similarity_index_measure

    arguments.tensor("outputs", outputs, 4, "a tensor of images (N, C, H, W) in [-1, 1]", min_len=1, floating=True)
    arguments.tensor("targets", targets, 4, "a tensor of images (N, C, H, W) in [-1, 1]", min_len=1, floating=True)
    if outputs.shape != targets.shape:
        raise CourseError(f"paired_scores needs outputs and targets of the same (N, C, H, W) shape, got "
                          f"{tuple(outputs.shape)} and {tuple(targets.shape)}: pass aligned pairs")
    from .images import check_finite

    check_finite(outputs.detach().float(), "paired_scores outputs")
    check_finite(targets.detach().float(), "paired_scores targets")
    a = (outputs.detach().float().cpu().clamp(-1, 1) + 1) / 2  # (N, C, H, W) in [0, 1]
    b = (targets.detach().float().cpu().clamp(-1, 1) + 1) / 2
    l1 = (a - b).abs().flatten(1).mean(1)  # (N,)
    mse = (a - b).pow(2).flatten(1).mean(1).clamp_min(1e-10)  # (N,)
    psnr = (10 * torch.log10(1.0 / mse)).clamp(max=100.0)
    ssim = structural_similarity_index_measure(a, b, data_range=1.0, reduction="none")  # (N,)
    scores = {"l1": l1.mean().item(), "psnr": psnr.mean().item(), "ssim": ssim.mean().item()}
    if not all(math.isfinite(v) for v in scores.values()):
        raise CourseError("paired_scores got non-finite values: check the outputs for NaNs")
    return scores


# ------------------------------------------------------------ chapter 7: domain tests
class PixelDomainClassifier(torch.nn.Module):
    """A tiny domain test: logistic regression on (downsampled) pixels, A (0) vs B (1)."""

    def __init__(self, image_size: int = 32, pool: int = 4):
        super().__init__()
        self.pool = pool
        self.linear = torch.nn.Linear((image_size // pool) ** 2, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.avg_pool2d(x.float(), self.pool)  # (B, 1, 32, 32) -> (B, 1, 8, 8)
        return self.linear(x.flatten(1)).squeeze(1)  # (B,) logit of "domain B"


def train_pixel_domain_classifier(domains: DomainPair, steps: int = 200, seed: int = 0
                                  ) -> PixelDomainClassifier:
    """Fit :class:`PixelDomainClassifier` on real A vs real B images (CPU, seeded, about a second)."""
    gen = torch.Generator().manual_seed(seed)
    size = domains.a.images.shape[-1]
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        model = PixelDomainClassifier(size)
    a = domains.a.images[:4096].float().cpu()
    b = domains.b.images[:4096].float().cpu()
    x = torch.cat([a, b])  # (N_a + N_b, 1, S, S)
    y = torch.cat([torch.zeros(len(a)), torch.ones(len(b))])  # 0 = A, 1 = B
    opt = torch.optim.Adam(model.parameters(), lr=0.05)
    with torch.enable_grad():  # also when called from inside a no_grad evaluation
        _fit(model, opt, x, y, steps, gen)
    return model.eval()


def _fit(model, opt, x, y, steps, gen) -> None:
    for _ in range(steps):
        idx = torch.randint(0, len(x), (256,), generator=gen)
        loss = F.binary_cross_entropy_with_logits(model(x[idx]), y[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()


class DomainTest:
    """Says which domain an image looks like: ``rate(images, "B")`` = fraction judged B.

    * ``"negative"``: a :class:`PixelDomainClassifier` trained here, in code, on
      real training images of both domains (deterministic, about a second);
    * a shape pair (``"shoes"``, ``"trousers_bags"``): the course's FashionMNIST
      classifier: an image is in domain A if it is classified as A's class
      (e.g. *sneaker*), in B if as B's class (e.g. *ankle boot*); anything else
      is in neither, so both rates can be low.
    """

    def __init__(self, pair: str, device="cpu", seed: int = 0):
        from ..runtime import check_device

        arguments.instance("pair", pair, str, "a domain pair's name, e.g. 'negative'")
        check_pair(pair)
        check_device(device)
        arguments.whole("seed", seed, 0, arguments.MAX_RUN_SEED, example=0)
        self.pair, self.device = pair, torch.device(device)
        if pair == "negative":
            self.model = train_pixel_domain_classifier(make_domains(pair, "train", limit=4096), seed=seed)
        else:
            from .classifier import load_classifier

            self.model = load_classifier(device=self.device)

    @torch.no_grad()
    def domains_of(self, images: torch.Tensor) -> torch.Tensor:
        """``(N,)`` int64: 0 = looks like A, 1 = looks like B, -1 = neither."""
        if self.pair == "negative":
            return (self.model(images.float().cpu()) > 0).long()
        classes = self.model.predict(images.float().to(self.device)).cpu()
        class_a, class_b = CLASS_PAIRS[self.pair]
        out = torch.full_like(classes, -1)
        out[classes == class_a] = 0
        out[classes == class_b] = 1
        return out

    def rate(self, images: torch.Tensor, domain: str) -> float:
        """Fraction of ``images`` the test puts in ``domain`` ("A" or "B")."""
        if domain not in ("A", "B"):
            raise CourseError(f"domain must be 'A' or 'B', got {domain!r}")
        return float((self.domains_of(images) == (1 if domain == "B" else 0)).float().mean())


def silhouette_area(images: torch.Tensor, threshold: float = 0.2) -> torch.Tensor:
    """``(N,)`` fraction of pixels that differ from the image's background by more than ``threshold``.

    The background is the median of the border pixels (-1 for originals, +1 for
    negatives), so the same function measures the garment's size in both
    domains: a shape change (sneaker -> boot) must change it, a tone change not.
    """
    arguments.tensor("images", images, 4, "a tensor of images (N, C, H, W) in [-1, 1]", min_len=1)
    arguments.number("threshold", threshold, above=0.0, maximum=1.0)
    x = images.float()
    border = torch.cat([x[..., 0, :], x[..., -1, :], x[..., :, 0], x[..., :, -1]], dim=-1)  # (N, 1, 4S)
    background = border.flatten(1).median(dim=1).values.view(-1, 1, 1, 1)  # (N, 1, 1, 1)
    return ((x - background).abs() > 2 * threshold).float().flatten(1).mean(dim=1)


def spread(images: torch.Tensor, n: int = 300) -> float:
    """Mean L1 distance per pixel between two different images of the first ``n``: how varied a set is."""
    x = images[:n].float().flatten(1)  # (n, P)
    if len(x) < 2:
        raise CourseError("spread needs at least 2 images")
    dist = torch.cdist(x, x, p=1) / x.shape[1]  # (n, n), zero on the diagonal
    return float(dist.sum() / (len(x) * (len(x) - 1)))


# the measures chapter 7 reads first: a displayed table shows these and collapses the rest
MAIN_MEASURES = ("cycle_l1_A", "cycle_l1_B", "fd_AtoB", "fd_BtoA", "target_rate_AtoB", "target_rate_BtoA",
                 "identity_l1_A", "identity_l1_B")


def format_measures(runs: Mapping[str, Mapping[str, float]], keys: Sequence[str] | None = None,
                    digits: int = 3) -> ScoreTable:
    """A table (plain text when printed, HTML when displayed): one row per measure, one column per run (a missing value shows as '-').

    Without ``keys``, the measures of :data:`MAIN_MEASURES` come first (the displayed table
    shows them and collapses the rest), then the others in the order the runs give them.
    """
    arguments.instance("runs", runs, Mapping, "a dict {run name: {measure: value}}")
    if not runs:
        raise CourseError("format_measures needs at least one run: pass runs={'run name': scores}")
    for name, scores in runs.items():
        arguments.instance(f"runs[{name!r}]", scores, Mapping, "a dict {measure: value}, e.g. measure_cyclegan(...)")
        for key, value in scores.items():
            if value is not None and not (isinstance(value, numbers.Real) and not isinstance(value, bool)) \
                    and not (isinstance(value, torch.Tensor) and value.numel() == 1 and not value.is_meta):
                raise CourseError(f"runs[{name!r}][{key!r}] must be a number (or None for a missing one), got "
                                  f"{arguments.shown(value)} ({type(value).__name__})")
    if keys is not None and (isinstance(keys, str) or not all(isinstance(k, str) for k in keys)):
        raise CourseError(f"keys must be a list of measure names, got {arguments.shown(keys)}: e.g. ['fd_AtoB']")
    arguments.whole("digits", digits, 0, 12, example=3)
    present = dict.fromkeys(k for scores in runs.values() for k in scores)
    keys = list(keys or [*(k for k in MAIN_MEASURES if k in present), *(k for k in present if k not in MAIN_MEASURES)])
    first = max(len(k) for k in keys) + 2
    widths = {name: max(len(name) + 2, digits + 5) for name in runs}
    lines = [" " * first + "".join(f"{name:>{widths[name]}}" for name in runs)]
    rows = []
    for key in keys:
        cells = ["-" if runs[name].get(key) is None else f"{runs[name][key]:.{digits}f}" for name in runs]
        lines.append(f"{key:<{first}}" + "".join(f"{c:>{widths[name]}}" for c, name in zip(cells, runs)))
        rows.append([key] + cells)
    # prints as this text; a notebook that displays it shows an HTML table (gan_course.metrics.table)
    return ScoreTable("\n".join(lines), [""] + list(runs), [(None, rows)])
