"""How good is a generator? The measures the chapters compute on generated samples.

* :mod:`.modes` — chapter 1: mode coverage on 2-D Gaussian mixtures.
* :mod:`.images` — chapters 2-8: Fréchet distance, KID and precision/recall on
  the course classifier's features, with a reference ladder of real and
  degraded images that shows where a score sits.
* :mod:`.codes` — label accuracy of conditional samples, and purity / NMI of an
  unsupervised code (InfoGAN) against the classes.
"""

from .modes import ModeCoverage, coverage_table, mode_coverage, real_data_high_quality

__all__ = ["ModeCoverage", "coverage_table", "mode_coverage", "real_data_high_quality"]
