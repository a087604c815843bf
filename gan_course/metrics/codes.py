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
"""

from __future__ import annotations

import torch

from ..errors import CourseError


def _classifier(device="cpu"):
    from .images import feature_module

    return feature_module(device).classifier


def predicted_classes(images: torch.Tensor, device="cpu") -> torch.Tensor:
    """The course classifier's predicted class of each image: (N, 1, H, W) -> (N,) int64."""
    from .images import check_images

    images = check_images(images)
    return _classifier(device).predict(images.to(device)).cpu()


def _check_codes(codes, n: int, what: str) -> torch.Tensor:
    codes = torch.as_tensor(codes)
    if codes.dim() != 1 or len(codes) != n:
        raise CourseError(f"{what} must be one integer per image, shape ({n},), got {tuple(codes.shape)}")
    if codes.is_floating_point():
        raise CourseError(f"{what} must be integers, got {codes.dtype}: pass class indices, not one-hot or logits")
    return codes.long().cpu()


def label_accuracy(images: torch.Tensor, labels: torch.Tensor, device="cpu") -> float:
    """Share of ``images`` (N, 1, H, W) that the classifier assigns to their requested ``labels`` (N,)."""
    labels = _check_codes(labels, len(images), "labels")
    if labels.min() < 0 or labels.max() > 9:
        raise CourseError(f"labels must be FashionMNIST classes 0-9, got values in "
                          f"[{labels.min().item()}, {labels.max().item()}]")
    return (predicted_classes(images, device) == labels).float().mean().item()


def contingency(codes: torch.Tensor, classes: torch.Tensor) -> torch.Tensor:
    """Counts n(c, y): (number of code values, number of classes), from two (N,) integer tensors."""
    codes = _check_codes(codes, len(codes), "codes")
    classes = _check_codes(classes, len(codes), "classes")
    if len(codes) == 0:
        raise CourseError("no images: pass at least one code and class")
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
