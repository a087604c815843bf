"""Layers and initialisation shared by the convolutional models (one home for each).

* :func:`norm_layer`: the normalisation layer a config names ("batch", "instance"
  or "none"), like ``get_norm_layer`` in the pix2pix/CycleGAN reference code;
* :func:`init_weights`: DCGAN's N(0, 0.02) initialisation, which pix2pix and
  its PatchGAN use too.
"""

from __future__ import annotations

from torch import nn

from .. import arguments
from ..errors import CourseError

NORMS = ("batch", "instance", "none")  # the values a config's ``norm`` field may take


def norm_layer(kind: str, channels: int, *, instance_affine: bool = True) -> nn.Module:
    """The 2-D normalisation layer ``kind`` for ``channels`` feature maps: (B, C, H, W) -> (B, C, H, W).

    * ``"batch"``: ``BatchNorm2d`` (statistics over the batch; running averages for eval mode);
    * ``"instance"``: ``InstanceNorm2d``, each image normalised on its own (no batch
      statistics, so one image's style does not leak into another's and batch size 1
      works); ``instance_affine`` gives it a learned scale and shift (the U-Net and
      ResNet generators) or not (the PatchGAN, as in the reference code);
    * ``"none"``: ``Identity``.

    Building a norm layer draws no random numbers.
    """
    if not isinstance(kind, str) or kind not in NORMS:
        raise CourseError(f"kind must name a norm layer, one of {NORMS}, got unknown norm {kind!r}")
    channels = arguments.whole("channels", channels, 1, 2**31 - 1, example=64)
    arguments.flag("instance_affine", instance_affine)
    if kind == "batch":
        return nn.BatchNorm2d(channels)
    if kind == "instance":
        if instance_affine:
            return nn.InstanceNorm2d(channels, affine=True)
        return nn.InstanceNorm2d(channels, affine=False, track_running_stats=False)
    return nn.Identity()  # "none"


_WEIGHTED = (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)
_NORMED = (nn.BatchNorm1d, nn.BatchNorm2d, nn.InstanceNorm2d)


def init_weights(module: nn.Module, std: float = 0.02) -> None:
    """DCGAN's initialisation, in place, for every sub-module in ``module.modules()`` order.

    (Transposed) convolution and linear weights ~ N(0, std), their biases 0; the
    scales of batch and (affine) instance norms ~ N(1, std), their shifts 0. Other
    layers (embeddings, ...) keep PyTorch's defaults. Draws one normal sample per
    weight element from the global RNG, in module order.
    """
    arguments.instance("module", module, nn.Module, "a torch module (a network or a layer)")
    arguments.number("std", std, minimum=0.0)
    for m in module.modules():
        if isinstance(m, _WEIGHTED):
            nn.init.normal_(m.weight, 0.0, std)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, _NORMED) and m.weight is not None:
            nn.init.normal_(m.weight, 1.0, std)
            nn.init.zeros_(m.bias)
