"""Unpaired image domains for CycleGAN (chapter 7), built in code from FashionMNIST.

CycleGAN learns to translate between two *collections* of images, with no pairs.
To make sure no pair can exist, domain A and domain B are cut from **disjoint
halves** of each split: A only ever uses images from the first half, B only from
the second half (the ``source`` indices record which images each domain uses,
and a test checks that the two sets never meet).

Three pairs of domains:

* ``"negative"`` — an *appearance* change: A = original FashionMNIST images (all
  ten classes, dark background), B = their photographic negatives (``-x``: light
  background, dark garment) made from the *other* half of the images. Same
  shapes on both sides; only the tone changes. CycleGAN can solve this.
* ``"shoes"`` — a *shape* change: A = sneakers (class 7), B = ankle boots
  (class 9). A boot has a shaft that a sneaker does not; the translation has to
  add or remove material, at a fixed place: a small change of shape.
* ``"trousers_bags"`` — a *large* change of shape: A = trousers (class 1), B =
  bags (class 8). Two tall legs against one wide box with a handle; nothing in
  a trouser's outline says where a bag's corners or handle should go. This is
  the limitation the CycleGAN paper describes, and its "dog -> cat" failure.

Because the negative style is a known function, chapter 7 can also measure how
far a translation is from the *true* answer (``true_translation``), something a
real unpaired data set never allows.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from .fashion_mnist import CLASSES, Batches, ImageSet, load_fashion_mnist
from ..errors import CourseError

TROUSER, BAG, SNEAKER, ANKLE_BOOT = 1, 8, 7, 9  # FashionMNIST class indices
CLASS_PAIRS = {"shoes": (SNEAKER, ANKLE_BOOT),  # the shape pairs: (class of A, class of B)
               "trousers_bags": (TROUSER, BAG)}
PAIRS = ("negative", *CLASS_PAIRS)  # the domain pairs, by name


@dataclass
class DomainPair:
    """Two unpaired collections of images, and where each one came from."""

    pair: str  # "negative", "shoes" or "trousers_bags"
    split: str  # "train" or "test"
    a: ImageSet  # domain A: (N_A, 1, S, S) in [-1, 1], labels = FashionMNIST classes
    b: ImageSet  # domain B: (N_B, 1, S, S) in [-1, 1]
    a_source: torch.Tensor  # (N_A,) int64: indices of A's images in the FashionMNIST split
    b_source: torch.Tensor  # (N_B,) int64: indices of B's images, all in the other half
    a_name: str  # e.g. "original"
    b_name: str  # e.g. "negative"


def negative(x: torch.Tensor) -> torch.Tensor:
    """The appearance style of domain B: the photographic negative, ``x -> -x`` on [-1, 1].

    Background -1 (black) becomes +1 (white); the garment keeps its shape and
    detail, only its tone flips. It is its own inverse.
    """
    from ..arguments import tensor

    tensor("x", x, what="a tensor of images in [-1, 1]", floating=True)
    return -x


def true_translation(pair: str, x: torch.Tensor, direction: str) -> torch.Tensor:
    """The right answer for a translation, where one exists (only for ``"negative"``)."""
    check_pair(pair)
    check_direction(direction)
    if pair != "negative":
        raise CourseError(f"the {pair!r} pair has no known true translation (a sneaker has no "
                          "single 'right' boot, a trouser no single 'right' bag): use pair='negative'")
    return negative(x)  # the negative is its own inverse: the same map in both directions


def check_pair(pair: str) -> str:
    if pair not in PAIRS:
        raise CourseError(f"unknown domain pair {pair!r}: use one of {', '.join(PAIRS)}")
    return pair


def check_direction(direction: str) -> str:
    if direction not in ("AtoB", "BtoA"):
        raise CourseError(f"unknown direction {direction!r}: use 'AtoB' or 'BtoA'")
    return direction


def _check_domain_arguments(pair, device, limit) -> tuple[torch.device, int | None]:
    """make_domains' arguments, checked before anything is loaded: (device, limit)."""
    from ..arguments import optional_whole
    from ..runtime import check_device

    if not isinstance(pair, str):
        raise CourseError(f"pair must be one of {', '.join(PAIRS)}, got {type(pair).__name__}")
    check_pair(pair)
    return check_device(device), optional_whole("limit", limit, 1, 10**9, example=1000)


def make_domains(pair: str, split: str = "train", device="cpu", pad_to: int = 32,
                 limit: int | None = None) -> DomainPair:
    """Domains A and B of ``pair`` from one FashionMNIST split, from disjoint halves.

    The split's first half feeds A and its second half feeds B, so no source
    image appears in both domains. ``limit`` keeps at most that many images per
    domain (for quick runs); ``pad_to=32`` pads 28x28 to 32x32 with background.
    """
    device, limit = _check_domain_arguments(pair, device, limit)
    data = load_fashion_mnist(split, pad_to=pad_to)  # (N, 1, S, S) on the CPU
    n = len(data)
    index = torch.arange(n)
    first, second = index[: n // 2], index[n // 2:]  # disjoint halves
    if pair == "negative":
        a_idx, b_idx = first, second
        names = ("original", "negative")
    else:  # a shape pair: one class per domain
        class_a, class_b = CLASS_PAIRS[pair]
        a_idx = first[data.labels[first] == class_a]
        b_idx = second[data.labels[second] == class_b]
        names = (CLASSES[class_a].lower(), CLASSES[class_b].lower())
    if limit is not None:
        a_idx, b_idx = a_idx[:limit], b_idx[:limit]
    a = ImageSet(data.images[a_idx], data.labels[a_idx])
    b_images = data.images[b_idx]
    b = ImageSet(negative(b_images) if pair == "negative" else b_images, data.labels[b_idx])
    return DomainPair(pair, split, a.to(device), b.to(device), a_idx, b_idx, *names)


class UnpairedBatches:
    """Endless ``(a, b)`` minibatches: one from each domain, drawn independently.

    Two seeded :class:`~gan_course.data.Batches` side by side (their own
    shuffles, so the i-th A image is never tied to the i-th B image); the
    position is saved in checkpoints like a single ``Batches``.
    """

    def __init__(self, domains: DomainPair, batch_size: int, seed: int = 0):
        self.a = Batches(domains.a, batch_size, seed=seed)
        self.b = Batches(domains.b, batch_size, seed=seed + 7_919)  # another shuffle for B
        self.batch_size = batch_size

    def __iter__(self):
        return self

    def __next__(self) -> tuple[torch.Tensor, torch.Tensor]:
        a, _ = next(self.a)  # (B, 1, S, S) from domain A
        b, _ = next(self.b)  # (B, 1, S, S) from domain B
        return a, b

    def state_dict(self) -> dict:
        return {"a": self.a.state_dict(), "b": self.b.state_dict(), "batch_size": self.batch_size}

    def load_state_dict(self, state: dict) -> None:
        self.a.load_state_dict(state["a"])
        self.b.load_state_dict(state["b"])
        self.batch_size = state["batch_size"]
