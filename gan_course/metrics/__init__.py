"""How good is a generator? The measures the chapters compute on generated samples.

* :mod:`.modes` — chapter 1: mode coverage on 2-D Gaussian mixtures.
* :mod:`.images` — chapters 2-8: Fréchet distance, KID and precision/recall on
  the course classifier's features, with a reference ladder of real and
  damaged real images that shows where a score sits.
* :mod:`.diagnosis` — chapter 8: why a recall is low (ball radii, distances, classes).
* :mod:`.codes` — label accuracy of conditional samples, purity / NMI of an
  unsupervised code (InfoGAN) against the classes, and what a continuous code changes.
* :mod:`.translation` — chapters 6-7: paired scores, the domain test, silhouette area, spread.
* :mod:`.health` — collapse symptoms read from a run's history (:func:`check_health`).
* :mod:`.classifier` — the course's FashionMNIST classifier, whose features the image scores use.
* :mod:`.table` — the score tables every measure prints.
* :mod:`.quality` — every training run: the FD of fixed samples every N steps, against wall-clock time.
* :mod:`.memorisation` — chapter 11: nearest training images and the memorisation score.
"""

from .diagnosis import recall_diagnosis
from .health import check_health
from .codes import code_nmi, code_purity, label_accuracy, per_class_accuracy, predicted_classes, purity_and_nmi
from .images import (Scorer, default_n, format_scores, frechet_distance, gaussian_blur, image_features,
                     inception_fid, precision_recall, reference_ladder, score_images,
                     where_it_stands)
from .quality import QualityProbe, minutes_to_reach, quality_at
from .modes import ModeCoverage, coverage_table, mode_coverage, real_data_high_quality
from .table import ScoreTable
from .translation import DomainTest, paired_scores, silhouette_area, spread

__all__ = ["DomainTest", "ModeCoverage", "QualityProbe", "ScoreTable", "Scorer", "code_nmi", "code_purity", "coverage_table",
           "default_n", "format_scores", "frechet_distance", "gaussian_blur", "image_features", "inception_fid",
           "label_accuracy", "minutes_to_reach", "mode_coverage", "paired_scores", "per_class_accuracy", "quality_at",
           "precision_recall", "predicted_classes", "purity_and_nmi", "real_data_high_quality", "recall_diagnosis",
           "reference_ladder", "score_images", "check_health", "silhouette_area", "spread", "where_it_stands"]
