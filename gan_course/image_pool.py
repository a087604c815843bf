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
from .runtime import in_captured_step


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
        self._gen = torch.Generator().manual_seed(seed)  # the pool's own RNG, on the CPU: same draws on any device
        self.register_buffer("rng_state", self._gen.get_state())  # ... its state, checkpointed
        self._filled = 0  # a host copy of ``count``: reading the buffer would wait for a GPU at every image
        self._plan: torch.Tensor | None = None  # (2 B + size,) on the images' device: the last decisions
        self._batch = 0  # images per query, for before_replay()

    def __len__(self) -> int:
        return self._filled

    def _load_from_state_dict(self, *args, **kwargs):
        super()._load_from_state_dict(*args, **kwargs)
        self._filled = int(self.count)  # once per load, not per image
        self._gen = torch.Generator().set_state(self.rng_state.cpu())

    def _decide(self, n: int) -> None:
        """On the host, from the pool's CPU generator: what happens to each of the next ``n`` fakes.

        While the pool fills, a fake is stored in the next free slot and shown; once full,
        with probability ``p_swap`` it takes a random slot and D sees that slot's image
        instead, else it is shown and not stored. The decisions become indices into
        ``bank`` = the stored images followed by the new fakes (slot ``k`` is row ``k``,
        fake ``i`` is row ``size + i``), written to a small buffer on the device:
        which row each fake's place shows, whether it shows a stored image, and which row
        each slot holds afterwards. Two fakes that pick the same slot are followed in
        order. The images themselves are never read on the host, so nothing waits for a GPU.
        """
        holds = list(range(self.size))  # slot -> the bank row it holds, as the batch goes by
        shown, swapped = [], []
        for i in range(n):
            new = self.size + i  # this fake's row of the bank
            if self._filled < self.size:  # still filling: keep it, and show it
                slot = self._filled
                self._filled += 1
                shown.append(new), swapped.append(0)
            elif torch.rand((), generator=self._gen).item() < self.p_swap:  # cpu-draw; an old fake, keep the new
                slot = int(torch.randint(0, self.size, (), generator=self._gen))  # cpu-draw: the pool's generator
                shown.append(holds[slot]), swapped.append(1)
            else:  # show the new fake, store nothing
                shown.append(new), swapped.append(0)
                continue
            holds[slot] = new
        plan = torch.tensor(shown + swapped + holds, dtype=torch.long)  # (n + n + size,)
        if self._plan is None or self._plan.shape != plan.shape or self._plan.device != self.images.device:
            self._plan = torch.zeros_like(plan, device=self.images.device)
        self._plan.copy_(plan)  # host -> device, no wait
        self.count.fill_(self._filled)
        self.rng_state.copy_(self._gen.get_state())

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
        n = self._batch = len(fakes)
        if not in_captured_step():  # a CUDA graph's replay gets its decisions from before_replay()
            self._decide(n)
        fakes = fakes.detach()
        shown, swapped, holds = self._plan[:n], self._plan[n:2 * n], self._plan[2 * n:]  # (B,), (B,), (size,)
        bank = torch.cat([self.images, fakes.float()])  # (size + B, C, H, W): the stored images, then the new fakes
        self.images.copy_(bank[holds])  # (size, C, H, W): each slot's image after this batch
        old = bank[shown].to(fakes.dtype)  # (B, C, H, W): what each swapped place shows
        return torch.where(swapped.bool()[:, None, None, None], old, fakes)  # (B, C, H, W)

    def before_replay(self) -> None:
        """Before each replay of a CUDA graph (:mod:`gan_course.graphs`): the next query's decisions."""
        if self.size and self._batch:
            self._decide(self._batch)
