"""Chapter 11: does a generator copy its training data? Nearest neighbours and the memorisation score.

A generator that memorises puts out (near-)copies of training images. The test
compares two distributions of nearest-neighbour distances to the training set:

* of generated samples, and
* of **held-out** real images, which the model never saw: they say how close a new
  image from the data's distribution typically lands to some training image.

A generator that generalises looks like the held-out set. One that copies has a
mass of samples much closer to the training set than held-out images ever are:
:func:`memorisation_score` is the share of samples below a low quantile of the
held-out distances (about ``quantile`` for a generator that does not copy).
Distances are Euclidean, in pixel space (28x28, flattened) or in any feature space
(:func:`gan_course.metrics.image_features`: the course classifier's).
"""

from __future__ import annotations

import torch

from .. import arguments
from ..errors import CourseError


def flatten_images(images: torch.Tensor, name: str = "images") -> torch.Tensor:
    """(N, C, H, W) images -> (N, C·H·W) float64 rows; 32x32 ones are cropped back to FashionMNIST's 28x28
    first (the padding is the same background for all), so both sizes compare. Rows (N, d) stay as they are."""
    from ..data import unpad

    arguments.tensor(name, images, what="a tensor of images (N, 1, H, W) or rows (N, d)", floating=True)
    if images.dim() == 2:
        return images.double()
    if images.dim() != 4:
        raise CourseError(f"{name} must be (N, 1, H, W) images or (N, d) rows, got shape {tuple(images.shape)}")
    images = images.detach().cpu()
    if images.shape[-1] == images.shape[-2] == 32:
        images = unpad(images, 28)  # (N, C, 32, 32) -> (N, C, 28, 28)
    return images.reshape(len(images), -1).double()


@torch.no_grad()
def nearest_neighbours(queries: torch.Tensor, reference: torch.Tensor, chunk: int = 256
                       ) -> tuple[torch.Tensor, torch.Tensor]:
    """For each query, the distance to its nearest reference row and that row's index: (N,) float64, (N,) int64.

    ``queries`` (N, ...) and ``reference`` (M, ...) are images (flattened by :func:`flatten_images`) or
    feature rows (N, d). Exact in float64: a query that is a reference row gets distance 0 (to rounding).
    """
    q, r = flatten_images(queries, "queries"), flatten_images(reference, "reference")
    if q.shape[1] != r.shape[1]:
        raise CourseError(f"queries and reference have {q.shape[1]} and {r.shape[1]} values per item: "
                          "compare images with images of the same size, or features with features")
    chunk = arguments.whole("chunk", chunk, 1, example=256)
    r_sq = (r * r).sum(1)  # (M,)
    dists, index = [], []
    for part in q.split(chunk):  # (c, d): ‖q - r‖² = ‖q‖² + ‖r‖² - 2 q·r, a (c, M) table at a time
        sq = (part * part).sum(1, keepdim=True) + r_sq[None] - 2 * part @ r.T
        best, where = sq.min(dim=1)
        dists.append(best.clamp_min(0).sqrt())
        index.append(where)
    return torch.cat(dists), torch.cat(index)


def memorisation_score(queries: torch.Tensor, train: torch.Tensor, heldout: torch.Tensor,
                       quantile: float = 0.05) -> float:
    """The share of ``queries`` closer to their nearest ``train`` item than the ``quantile`` of held-out items are.

    Held-out real images (never trained on) set the threshold: the ``quantile`` of their own nearest-training
    distances. A generator that does not copy scores about ``quantile``; one that copies, far more (up to 1).
    """
    if not 0 < quantile < 1:
        raise CourseError(f"quantile must be strictly between 0 and 1, got {quantile!r}: e.g. 0.05")
    sample_d, _ = nearest_neighbours(queries, train)
    heldout_d, _ = nearest_neighbours(heldout, train)
    threshold = torch.quantile(heldout_d, quantile)
    return float((sample_d < threshold).double().mean())
