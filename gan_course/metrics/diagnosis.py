"""Why is a recall low? The pieces of k-NN precision and recall, side by side (chapter 8).

:func:`~gan_course.metrics.images.precision_recall` puts a ball around every
feature vector, reaching to its k-th nearest neighbour *in its own set*.
Precision asks whether the fakes fall in the real balls; recall whether the
real images fall in the *fake* balls. So a recall near 0 can mean two different
things:

* whole regions of the data have no fakes near them (missing classes), or
* the fakes are everywhere, but packed so tightly that their balls are small,
  and the real images lie farther from their nearest fake than those radii.

:func:`recall_diagnosis` measures what tells them apart: the typical ball radius
of each set, how far a typical real image is from its nearest fake, and which
classes the classifier sees among the fakes.
"""

from __future__ import annotations

import torch



def recall_diagnosis(real_features: torch.Tensor, fake_features: torch.Tensor, k: int = 3,
                     fake_classes: torch.Tensor | None = None, n_classes: int = 10) -> dict[str, object]:
    """The ingredients of k-NN recall for two feature sets (N, d) and (M, d).

    Returns a dict with

    * ``real_radius``, ``fake_radius``: the median distance from a feature to its
      k-th nearest *other* feature of the same set (the median ball radius);
    * ``real_to_nearest_fake``: the median distance from a real feature to its
      nearest fake one (a real image is covered when this is at most the radius
      of that fake's ball);
    * ``recall``: the share of real features inside at least one fake ball (as
      :func:`~gan_course.metrics.images.precision_recall` computes it);
    * ``class_shares`` (only with ``fake_classes``, the predicted class of every
      fake): the share of the fakes in each of the ``n_classes`` classes.
    """
    from .. import arguments
    from .images import check_features

    check_features(real_features, fake_features, k=k)  # (N, d) and (M, d), finite, N, M > k, the same d
    n_classes = arguments.whole("n_classes", n_classes, 1, 10_000, example=10)
    if fake_classes is not None:
        fake_classes = arguments.integers("fake_classes", fake_classes, len(fake_features), 0, n_classes - 1,
                                          what="the predicted class of every fake")
    real, fake = real_features.double(), fake_features.double()
    real_radii = torch.cdist(real, real).kthvalue(k + 1, dim=1).values  # (N,): +1 skips the 0 to itself
    fake_radii = torch.cdist(fake, fake).kthvalue(k + 1, dim=1).values  # (M,)
    dist = torch.cdist(real, fake)  # (N, M)
    report: dict[str, object] = {
        "real_radius": real_radii.median().item(),
        "fake_radius": fake_radii.median().item(),
        "real_to_nearest_fake": dist.min(dim=1).values.median().item(),
        "recall": (dist <= fake_radii.unsqueeze(0)).any(dim=1).double().mean().item(),
    }
    if fake_classes is not None:
        counts = torch.bincount(fake_classes, minlength=n_classes)[:n_classes]
        report["class_shares"] = (counts.double() / max(1, len(fake_classes))).tolist()
    return report
