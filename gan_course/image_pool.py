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

KEEP, FILL, SWAP = 0, 1, 2  # what happens to a new fake: shown only; stored and shown; swapped with a stored one


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
        self._plan: torch.Tensor | None = None  # (B, 2) on the images' device: each image's action and slot
        self._batch = 0  # images per query, for before_replay()

    def __len__(self) -> int:
        return self._filled

    def _load_from_state_dict(self, *args, **kwargs):
        super()._load_from_state_dict(*args, **kwargs)
        self._filled = int(self.count)  # once per load, not per image
        self._gen = torch.Generator().set_state(self.rng_state.cpu())

    def _decide(self, n: int) -> None:
        """On the host, from the pool's CPU generator: what happens to each of the next ``n`` fakes.

        Writes ``(action, slot)`` per image into a small buffer on the device: store it in
        slot ``_filled`` while the pool fills; once full, swap it with a random slot with
        probability ``p_swap``, else show it and store nothing. The images themselves are
        never read on the host, so nothing here waits for a GPU.
        """
        plan = []
        for _ in range(n):
            if self._filled < self.size:  # still filling: keep it, and show it
                plan.append((FILL, self._filled))
                self._filled += 1
            elif torch.rand((), generator=self._gen).item() < self.p_swap:  # cpu-draw; an old fake, keep the new
                plan.append((SWAP, int(torch.randint(0, self.size, (), generator=self._gen))))  # cpu-draw
            else:
                plan.append((KEEP, 0))  # show the new fake; slot 0 is rewritten with its own value
        if self._plan is None or self._plan.shape[0] != n or self._plan.device != self.images.device:
            self._plan = torch.zeros(n, 2, dtype=torch.long, device=self.images.device)
        self._plan.copy_(torch.tensor(plan, dtype=torch.long))  # host -> device, no wait
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
        self._batch = len(fakes)
        if not in_captured_step():  # a CUDA graph's replay gets its decisions from before_replay()
            self._decide(len(fakes))
        out = []
        for i, image in enumerate(fakes.detach()):  # in order: a slot swapped twice in one batch swaps twice
            action, slot = self._plan[i, 0], self._plan[i, 1:]  # (), (1,)
            old = self.images.index_select(0, slot)[0]  # (C, H, W): a copy of the slot
            self.images.index_copy_(0, slot, torch.where(action > KEEP, image.float(), old)[None])  # fill or swap
            out.append(torch.where(action == SWAP, old.to(image.dtype), image))  # swap: show the old fake
        return torch.stack(out)  # (B, C, H, W)

    def before_replay(self) -> None:
        """Before each replay of a CUDA graph (:mod:`gan_course.graphs`): the next query's decisions."""
        if self.size and self._batch:
            self._decide(self._batch)
