"""Every data set the course trains on, behind one batching type.

* :mod:`.fashion_mnist` — FashionMNIST found offline, as one tensor in [-1, 1];
  :class:`Batches`, the seeded batching every recipe uses.
* :mod:`.toy` — chapter 1's 2-D Gaussian mixtures.
* :mod:`.edges` — chapter 6's edge maps paired with their images (``PairedBatches`` is a ``Batches``).
* :mod:`.domains` — chapter 7's unpaired domains (``UnpairedBatches`` draws from two ``Batches``).
"""

from .fashion_mnist import (CLASSES, ENV_VAR, SYSTEM_DIR, Batches, ImageSet, cache_dir, check_idx,
                            find_fashion_mnist_root, load_fashion_mnist, pad, unpad)
from .toy import grid_centers, grid_of_gaussians, ring_centers, ring_of_gaussians, sample_mixture

__all__ = ["CLASSES", "ENV_VAR", "SYSTEM_DIR", "Batches", "ImageSet", "cache_dir", "check_idx",
           "find_fashion_mnist_root", "grid_centers", "grid_of_gaussians", "load_fashion_mnist", "ring_centers",
           "ring_of_gaussians", "sample_mixture", "pad", "unpad"]
