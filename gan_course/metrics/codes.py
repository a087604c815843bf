"""Does a label or code mean what it should? Label accuracy, code purity and NMI.

* **label accuracy** (conditional GANs): the share of images generated for
  class ``y`` that the course classifier assigns to ``y``. The classifier is
  91 % accurate on real test images, so that is about the ceiling.
* **purity** (InfoGAN): give each value of an unsupervised code its most common
  class; purity is the share of images whose class is that majority class,
  ``purity = (1/N) Σ_c max_y n(c, y)``. 1 means every code value is a single
  class; ten codes that ignore the class score about 0.1 (more when classes are
  merged).
* **NMI**, normalised mutual information between code and class,
  ``NMI = I(C; Y) / ((H(C) + H(Y)) / 2)``: 0 when independent, 1 when one
  determines the other. Unlike purity it penalises splitting a class over
  several codes.

The "class" of a generated image is the classifier's prediction.

Chapter 5 also measures what a *continuous* code does: :func:`image_statistics`
(brightness, width, height, slant of each image) and :func:`code_effects` (their
means as one code moves, everything else fixed).
"""

from __future__ import annotations

from typing import Sequence

import torch

from .. import arguments
from ..data import CLASSES
from ..errors import CourseError
from ..runtime import check_device, eval_mode


def _classifier(device="cpu"):
    from .images import feature_module

    return feature_module(device).classifier


def predicted_classes(images: torch.Tensor, device="cpu") -> torch.Tensor:
    """The course classifier's predicted class of each image: (N, 1, H, W) -> (N,) int64."""
    from .images import check_images

    check_device(device)
    images = check_images(images)
    return _classifier(device).predict(images.to(device)).cpu()


def _check_codes(codes, n: int | None, what: str) -> torch.Tensor:
    return arguments.integers(what, codes, n)


def label_accuracy(images: torch.Tensor, labels: torch.Tensor, device="cpu") -> float:
    """Share of ``images`` (N, 1, H, W) that the classifier assigns to their requested ``labels`` (N,)."""
    arguments.tensor("images", images, 4, "a tensor of images (N, 1, H, W) in [-1, 1]")
    labels = arguments.integers("labels", labels, len(images), 0, len(CLASSES) - 1,
                                what="FashionMNIST classes 0-9, one per image")
    return (predicted_classes(images, device) == labels).float().mean().item()


def per_class_accuracy(images: torch.Tensor, labels: torch.Tensor, device="cpu") -> dict[str, float]:
    """Label accuracy split by requested class: ``{class name: share classified as that class}``."""
    arguments.tensor("images", images, 4, "a tensor of images (N, 1, H, W) in [-1, 1]")
    labels = arguments.integers("labels", labels, len(images), 0, len(CLASSES) - 1,
                                what="the requested classes 0-9, one per image")
    predicted = predicted_classes(images, device=device)  # (N,)
    return {name: (predicted[labels == k] == k).float().mean().item()
            for k, name in enumerate(CLASSES) if (labels == k).any()}


def contingency(codes: torch.Tensor, classes: torch.Tensor) -> torch.Tensor:
    """Counts n(c, y): (number of code values, number of classes), from two (N,) integer tensors."""
    codes = _check_codes(codes, None, "codes")
    classes = _check_codes(classes, len(codes), "classes")
    if len(codes) == 0:
        raise CourseError("codes and classes are empty (no images): pass at least one code and class")
    _, c = torch.unique(codes, return_inverse=True)
    _, y = torch.unique(classes, return_inverse=True)
    table = torch.zeros(int(c.max()) + 1, int(y.max()) + 1, dtype=torch.float64)
    table.index_put_((c, y), torch.ones(len(c), dtype=torch.float64), accumulate=True)
    return table


def code_purity(codes: torch.Tensor, classes: torch.Tensor) -> float:
    """``(1/N) Σ_c max_y n(c, y)``: how often an image's class is its code's majority class."""
    table = contingency(codes, classes)
    return (table.max(dim=1).values.sum() / table.sum()).item()


def code_nmi(codes: torch.Tensor, classes: torch.Tensor) -> float:
    """Normalised mutual information ``I(C; Y) / ((H(C) + H(Y)) / 2)`` (arithmetic mean, as scikit-learn)."""
    table = contingency(codes, classes)
    p = table / table.sum()  # joint p(c, y)
    pc, py = p.sum(1), p.sum(0)

    def entropy(q):
        q = q[q > 0]
        return -(q * q.log()).sum()

    nz = p > 0
    mi = (p[nz] * (p[nz] / (pc[:, None] * py[None, :])[nz]).log()).sum()
    h = (entropy(pc) + entropy(py)) / 2
    return 1.0 if h == 0 else (mi / h).clamp(0, 1).item()


def purity_and_nmi(images: torch.Tensor, codes: torch.Tensor, device="cpu") -> tuple[float, float]:
    """Purity and NMI of ``codes`` (N,) against the classes the classifier sees in ``images``."""
    classes = predicted_classes(images, device)
    codes = _check_codes(codes, len(classes), "codes")
    return code_purity(codes, classes), code_nmi(codes, classes)


# ------------------------------------------------------------ chapter 5: InfoGAN codes
def generate_from_codes(G, z, category, continuous) -> torch.Tensor:
    """G(z, c) in eval mode and without gradients, on G's device; images come back on the CPU."""
    device = next(G.parameters()).device
    with eval_mode(G), torch.no_grad():
        chunks = [G(zz.to(device), cc.to(device), uu.to(device)).float().cpu()
                  for zz, cc, uu in zip(z.split(1000), category.split(1000), continuous.split(1000))]
    return torch.cat(chunks)


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
    if not isinstance(G, torch.nn.Module) or not hasattr(getattr(G, "cfg", None), "n_continuous"):
        raise CourseError(f"code_effects needs G to be an InfoGAN generator (InfoGANGenerator), got "
                          f"{arguments.shown(G)} ({type(G).__name__})")
    arguments.instance("values", values, (list, tuple, range, torch.Tensor), "a list of code values, e.g. "
                       "[-2, -1, 0, 1, 2]")
    if len(values) == 0:
        raise CourseError("values must hold at least one code value, got none: pass e.g. [-2, -1, 0, 1, 2]")
    for v in (values.tolist() if isinstance(values, torch.Tensor) else values):
        arguments.number("values", v)
    arguments.whole("n", n, 1, arguments.MAX_SAMPLES, example=500)
    arguments.whole("seed", seed, 0, arguments.MAX_SEED, example=0)
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
            for name, stat in image_statistics(generate_from_codes(G, z, category, cont)).items():
                rows.setdefault(name, []).append(stat.mean().item())
        codes[j] = rows
    return {"values": values, "codes": codes}


def code_class_table(codes: torch.Tensor, classes: torch.Tensor, n_codes: int = 10) -> torch.Tensor:
    """Counts n(code, class) as an (n_codes, 10) table, every class kept (also ones never predicted)."""
    n_codes = arguments.whole("n_codes", n_codes, 1, 10_000, example=10)
    codes = arguments.integers("codes", codes, None, 0, n_codes - 1, what=f"codes 0-{n_codes - 1}, one per image")
    classes = arguments.integers("classes", classes, len(codes), 0, len(CLASSES) - 1,
                                 what="FashionMNIST classes 0-9, one per code")
    return torch.bincount(codes * len(CLASSES) + classes, minlength=n_codes * len(CLASSES)).reshape(
        n_codes, len(CLASSES))
