"""Interactive views that also work on the static website (no Python kernel behind the page).

* :mod:`.players` — the kernel-free players every chapter uses (frames, snapshots, latent walks).
* one module per chapter that has its own view: :mod:`.cgan`, :mod:`.dcgan`,
  :mod:`.infogan`, :mod:`.pix2pix`, :mod:`.cyclegan`, :mod:`.diffusion` (chapter 11: the reverse process).

Figures are drawn in :mod:`gan_course.plotting` and measurements made in
:mod:`gan_course.metrics`; a widget only lets the reader move through them.
"""

from .players import (figure_player, frame_player, latent_walk_player, png_from_figure, png_from_images,
                      snapshot_player)

__all__ = ["figure_player", "frame_player", "latent_walk_player", "png_from_figure", "png_from_images",
           "snapshot_player"]
