"""The image history pool of CycleGAN (Shrivastava et al. 2017; Zhu et al. 2017).

D is trained not only on the generator's newest fakes but on a buffer of the
last ``size`` (= 50) fakes it produced. Each new fake, once the pool is full,
either passes straight through (probability 1/2) or is swapped with a random
stored fake, which D then sees instead. D therefore keeps judging older
generator outputs too, which damps the oscillation where G and D chase each
other's latest move.

The pool is an ``nn.Module`` whose stored images, fill count and private
random-generator state are *buffers*: registered with the Trainer, it is saved
in checkpoints and restored on resume, so a resumed run stays identical to an
uninterrupted one. Its randomness comes from its own seeded generator, never
from the global one.
"""

from __future__ import annotations

import torch
from torch import nn

from . import arguments
from .errors import CourseError


class ImagePool(nn.Module):
    """A buffer of the last ``size`` generated images; :meth:`query` returns what D should see."""

    def __init__(self, image_shape: tuple[int, int, int], size: int = 50, seed: int = 0, p_swap: float = 0.5):
        super().__init__()
        if isinstance(image_shape, (str, bytes)) or not isinstance(image_shape, (tuple, list, torch.Size)) \
                or len(image_shape) != 3:
            raise CourseError(f"image_shape must be the images' (C, H, W), e.g. (1, 32, 32), got "
                              f"{arguments.shown(image_shape)}")
        for i, side in enumerate(image_shape):
            arguments.whole(f"image_shape[{i}]", side, 1, 4096, example=32)
        arguments.whole("size", size, 0, 100_000, example="50 (CycleGAN's; 0 disables the pool)")
        arguments.whole("seed", seed, 0, arguments.MAX_SEED, example=0)
        arguments.number("p_swap", p_swap, minimum=0.0, maximum=1.0)
        self.size, self.p_swap, self.image_shape = size, p_swap, tuple(image_shape)
        self.register_buffer("images", torch.zeros(size, *image_shape))  # (size, C, H, W) stored fakes
        self.register_buffer("count", torch.zeros((), dtype=torch.long))  # how many slots are filled
        gen = torch.Generator().manual_seed(seed)
        self.register_buffer("rng_state", gen.get_state())  # the pool's own RNG, checkpointed
        self._filled = 0  # a host copy of ``count``: reading the buffer would wait for a GPU at every image

    def __len__(self) -> int:
        return self._filled

    def _load_from_state_dict(self, *args, **kwargs):
        super()._load_from_state_dict(*args, **kwargs)
        self._filled = int(self.count)  # once per load, not per image

    @torch.no_grad()
    def query(self, fakes: torch.Tensor) -> torch.Tensor:
        """Images for D: ``(B, C, H, W)`` -> ``(B, C, H, W)``, one per input, in order.

        While the pool fills, each fake is stored and returned as is. Once full,
        each fake is returned with probability ``1 - p_swap``; otherwise a random
        stored image is returned and the new fake takes its slot.
        """
        if fakes.dim() != 4 or tuple(fakes.shape[1:]) != self.image_shape:
            raise CourseError(f"ImagePool expects images of shape (B, {', '.join(map(str, self.image_shape))}), "
                              f"got {tuple(fakes.shape)}: build the pool with the generator's image shape")
        if self.size == 0:
            return fakes.detach()
        gen = torch.Generator().set_state(self.rng_state.cpu())  # generator on the CPU: same draws on any device
        out = []
        for image in fakes.detach():
            n = self._filled
            if n < self.size:  # still filling: keep it, and show it
                self.images[n] = image.float()
                self.count += 1
                self._filled += 1
                out.append(image)
            elif torch.rand((), generator=gen).item() < self.p_swap:  # cpu-draw; show an old fake, keep the new one
                slot = int(torch.randint(0, self.size, (), generator=gen))  # cpu-draw: the pool's CPU generator
                old = self.images[slot].clone()
                self.images[slot] = image.float()
                out.append(old.to(image.dtype))
            else:  # show the new fake, store nothing
                out.append(image)
        self.rng_state.copy_(gen.get_state())
        return torch.stack(out)  # (B, C, H, W)
