"""Paired data for pix2pix (chapter 6): FashionMNIST edge maps -> FashionMNIST images.

pix2pix's edges2shoes pairs a photo with an edge map drawn from it; here the
pairs are built in code, with no download, from FashionMNIST:

1. each image is padded with background to 32x32 (so a U-Net halves it cleanly:
   32 -> 16 -> 8 -> 4 -> 2 -> 1);
2. the Sobel filters give the horizontal and vertical intensity gradients
   ``gx, gy`` and the gradient magnitude ``sqrt(gx^2 + gy^2)``;
3. a fixed threshold turns the magnitude into a binary edge map: +1 on an edge,
   -1 elsewhere (white lines on black, like FashionMNIST's bright items on a
   dark background).

Everything is a fixed convolution and a comparison, so the edges of an image
are the same on every run and every machine (no learned edge detector, no
randomness). The model then has to *invent* what the edges do not say: the
shading, the texture and the fill inside the outline.

The held-out split is FashionMNIST's own test split: no test image occurs in
the training split (``tests/test_pix2pix.py`` checks it byte for byte).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from .fashion_mnist import Batches, load_fashion_mnist
from ..errors import CourseError

EDGE_THRESHOLD = 0.8  # on the gradient magnitude of images scaled to [0, 1]
IMAGE_SIZE = 32  # pad 28x28 FashionMNIST to 32x32

# Sobel kernels: d/dx is a central difference smoothed by [1, 2, 1] across the other axis.
_SOBEL_X = torch.tensor([[-1.0, 0.0, 1.0],
                         [-2.0, 0.0, 2.0],
                         [-1.0, 0.0, 1.0]])
_SOBEL_Y = _SOBEL_X.t()


def _bad_images(images) -> str:
    """Why ``images`` are not grey images (N, 1, H, W) for the edge functions, in one sentence."""
    from ..arguments import tensor

    tensor("images", images, what="grey images (N, 1, H, W) in [-1, 1]", floating=True)  # raises for those
    return (f"images must be grey images of shape (N, 1, H, W), got {tuple(images.shape)}: "
            "add the channel axis with images.unsqueeze(1)")


def sobel_magnitude(images: torch.Tensor) -> torch.Tensor:
    """Gradient magnitude ``sqrt(gx^2 + gy^2)`` of images in [-1, 1], computed on [0, 1] intensities.

    (N, 1, H, W) -> (N, 1, H, W), >= 0. Borders are replicated, so the frame of
    the image adds no edges. A step from 0 to 1 gives a magnitude of 4.
    """
    if not isinstance(images, torch.Tensor) or images.is_meta or images.dim() != 4 or images.shape[1] != 1 \
            or not images.is_floating_point():
        raise CourseError(_bad_images(images))
    if not bool(torch.isfinite(images).all()):
        raise CourseError("images hold NaN or infinite values: edges of such images mean nothing; pass finite "
                          "images in [-1, 1]")
    x = (images.float() + 1.0) / 2.0  # [-1, 1] -> [0, 1]
    kernels = torch.stack([_SOBEL_X, _SOBEL_Y]).unsqueeze(1).to(x.device)  # (2, 1, 3, 3)
    grad = F.conv2d(F.pad(x, (1, 1, 1, 1), mode="replicate"), kernels)  # (N, 1, H, W) -> (N, 2, H, W)
    return grad.pow(2).sum(dim=1, keepdim=True).sqrt()  # (N, 1, H, W)


def sobel_edges(images: torch.Tensor, threshold: float = EDGE_THRESHOLD) -> torch.Tensor:
    """Binary edge maps of images in [-1, 1]: +1 where the Sobel magnitude exceeds ``threshold``, else -1.

    (N, 1, H, W) -> (N, 1, H, W) float32 in {-1, +1}. Deterministic.
    """
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not math.isfinite(threshold) \
            or threshold < 0:
        raise CourseError(f"threshold must be a finite number at least 0 (a Sobel magnitude, e.g. "
                          f"{EDGE_THRESHOLD}), got {threshold!r}"[:300])
    edges = sobel_magnitude(images) > threshold  # (N, 1, H, W) bool
    return edges.float() * 2.0 - 1.0


@dataclass
class PairedImageSet:
    """Aligned pairs ``inputs[i] -> images[i]`` (plus the class label), on one device."""

    inputs: torch.Tensor  # (N, 1, 32, 32) edge maps in {-1, +1}
    images: torch.Tensor  # (N, 1, 32, 32) the images the edges came from, in [-1, 1]
    labels: torch.Tensor  # (N,) int64 FashionMNIST classes (not used by pix2pix; for plots)

    def __len__(self) -> int:
        return self.images.shape[0]

    def to(self, device) -> "PairedImageSet":
        return PairedImageSet(self.inputs.to(device), self.images.to(device), self.labels.to(device))

    def __getitem__(self, index) -> "PairedImageSet":
        """A subset (slice, index tensor or list) as a new :class:`PairedImageSet`."""
        return PairedImageSet(self.inputs[index], self.images[index], self.labels[index])


def load_edges2fashion(split: str = "train", device="cpu", limit: int | None = None,
                       threshold: float = EDGE_THRESHOLD) -> PairedImageSet:
    """FashionMNIST ``split`` ("train" or "test") as (edge map, image) pairs, 32x32, in [-1, 1]."""
    from ..arguments import number
    from ..runtime import check_device

    device = check_device(device)
    threshold = number("threshold", threshold, minimum=0.0)
    data = load_fashion_mnist(split, device="cpu", pad_to=IMAGE_SIZE, limit=limit)  # (N, 1, 32, 32)
    edges = sobel_edges(data.images, threshold)  # (N, 1, 32, 32) in {-1, +1}
    return PairedImageSet(edges, data.images, data.labels).to(device)


class PairedBatches(Batches):
    """:class:`~gan_course.data.Batches` for pairs: yields ``(inputs, images)`` of shape (B, 1, 32, 32) each.

    Same seeded permutations, same resumable position as ``Batches``.
    """

    def __init__(self, data: PairedImageSet, batch_size: int, seed: int = 0):
        if not isinstance(data, PairedImageSet):
            raise CourseError("PairedBatches needs a PairedImageSet: build one with load_edges2fashion(...)")
        super().__init__(data, batch_size, seed)

    def _take(self, idx: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.data.inputs[idx], self.data.images[idx]  # (B, 1, 32, 32) edges, (B, 1, 32, 32) images
