"""The runs behind the course's shipped results and measurements, built on the recipes.

* :mod:`.pix2pix_ablations` — chapter 6's ablations (``python -m gan_course experiment pix2pix-ablations``);
* :mod:`.cyclegan_variants` — chapter 7's extra CycleGAN runs (``experiment cyclegan-variants``);
* :mod:`.pathologies` — the troubleshooting page's broken runs;
* :mod:`.evaluation` — ``python -m gan_course evaluate`` and chapter 8's sweeps over the shipped generators;
* :mod:`.bench` — ``python -m gan_course bench``: the engine's speed against a plain loop;
* :mod:`.responsibility` — chapter 11: equal-time training, sampling cost, the detector and the bias runs.

A recipe never imports from here; everything here may import the recipes.
"""

from pathlib import Path

#: The shipped results of the experiments (pix2pix ablations, CycleGAN variants), next to their manifest.
ABLATIONS_DIR = Path(__file__).resolve().parents[1] / "assets" / "ablations"
