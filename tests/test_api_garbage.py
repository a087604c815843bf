"""Issue 30, section 5: the functions a notebook calls are as careful as the command line.

The public functions are the ones the chapters import: every ``from gan_course... import ...``
line of a code cell of ``notebooks/*.ipynb`` is read, so a function that a new chapter
imports joins this test by itself. Each one is either in :data:`CASES`, with garbage of
each kind that applies (wrong type, empty, negative, huge, NaN, wrong device, wrong
range), or in :data:`EXEMPT` with the reason. A function in neither fails
:func:`test_every_function_the_chapters_import_is_covered`.

For every case the call must raise :class:`~gan_course.errors.CourseError` with one
sentence (no newline) that names the argument, and change no state: the global random
generators (Python, NumPy, PyTorch) and the inputs are as they were.
"""

from __future__ import annotations

import importlib
import inspect
import json
import math
import random
import re
from pathlib import Path

import numpy as np
import pytest
import torch

from gan_course.errors import CourseError

ROOT = Path(__file__).resolve().parents[1]
IMPORT = re.compile(r"^[ \t]*from[ \t]+(gan_course(?:\.\w+)*)[ \t]+import[ \t]+(\([^)]*\)|[^\n]*)", re.M)


def chapter_imports() -> dict[str, str]:
    """``{"module.name": first chapter importing it}`` from the code cells of notebooks/*.ipynb."""
    found: dict[str, str] = {}
    for notebook in sorted((ROOT / "notebooks").glob("*.ipynb")):
        for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]:
            if cell["cell_type"] != "code":
                continue
            for match in IMPORT.finditer("".join(cell["source"])):
                body = re.sub(r"#[^\n]*", "", match.group(2)).strip().strip("()")
                for part in body.split(","):
                    name = part.split(" as ")[0].strip()
                    if name:
                        found.setdefault(f"{match.group(1)}.{name}", notebook.stem)
    return found


def resolve(qualname: str):
    module, name = qualname.rsplit(".", 1)
    try:
        return getattr(importlib.import_module(module), name)
    except AttributeError:
        return importlib.import_module(qualname)  # a submodule (``from gan_course import exercises``)


def public_functions() -> dict[str, str]:
    """The imported names that can be called (functions and classes), ``{qualname: chapter}``."""
    return {q: nb for q, nb in chapter_imports().items()
            if callable(resolve(q)) and not inspect.ismodule(resolve(q))}


# ------------------------------------------------------------------ small valid inputs
def images(n=4, c=1, s=28, value=None):
    x = torch.rand(n, c, s, s, generator=torch.Generator().manual_seed(0)) * 2 - 1
    if value is not None:
        x.fill_(value)
    return x


def meta(*shape):
    return torch.empty(*shape, device="meta")


def tiny_generator():
    from gan_course.models import MLPConfig, MLPGenerator

    return MLPGenerator(MLPConfig(latent_dim=4, g_hidden=(8,), d_hidden=(8,)))


def tiny_infogan():
    from gan_course.models import InfoGANConfig, InfoGANGenerator

    return InfoGANGenerator(InfoGANConfig(noise_dim=4, n_categories=2, n_continuous=1))


def config(name):
    import gan_course.models as models
    from gan_course.models.patchgan import PatchGANConfig
    from gan_course.models.unet import UNetConfig

    return {"PatchGANConfig": PatchGANConfig, "UNetConfig": UNetConfig}.get(name, getattr(models, name, None))()


def tiny_patchgan():
    from gan_course.models.patchgan import PatchGANConfig, PatchGANDiscriminator

    return PatchGANDiscriminator(PatchGANConfig(in_channels=2, base_channels=4))


def tiny_unet():
    from gan_course.models.unet import UNetConfig, UNetGenerator

    return UNetGenerator(UNetConfig(base_channels=4))


def mixture():
    from gan_course.theory import gaussian

    return gaussian(0.0, 1.0)


def toy(which):
    from gan_course.models import ToyConfig, ToyDiscriminator, ToyGenerator

    return (ToyGenerator if which == "G" else ToyDiscriminator)(ToyConfig(hidden=4, depth=1))


def tiny_cgan():
    from gan_course.models import CGANConfig, ConditionalGenerator

    return ConditionalGenerator(CGANConfig(latent_dim=4))


def tiny_cycle():
    from gan_course.models.resnet_gen import CycleGenerators, ResnetGeneratorConfig

    return CycleGenerators(ResnetGeneratorConfig(base_channels=2, n_blocks=1))


def info_out():
    from gan_course.models.infogan import InfoGANOutput

    return InfoGANOutput(torch.zeros(2), torch.zeros(2, 3), torch.zeros(2, 1), torch.zeros(2, 1))


def toy_gan_recipe():
    from gan_course.recipes.toy import ToyGANRecipe

    return ToyGANRecipe()


def ring_recipe():
    from gan_course.recipes.wgan import RingRecipe

    return RingRecipe()


def wgan_recipe():
    from gan_course.recipes.wgan import WGANRecipe

    return WGANRecipe()


def image_set(n=10):
    from gan_course.data import ImageSet

    return ImageSet(images(n), torch.zeros(n, dtype=torch.long))


def history(n=5):
    return {"step": list(range(n)), "loss_d_real": [0.5] * n, "loss_d_fake": [0.5] * n, "loss_g": [0.7] * n,
            "d_real": [0.5] * n, "d_fake": [0.5] * n}


def _figure():
    from matplotlib.figure import Figure

    return Figure(figsize=(1, 1))


def features(n=6, d=4):
    return torch.randn(n, d, generator=torch.Generator().manual_seed(1))


NAN = float("nan")
NO_DEVICE = "cuda:99"  # a device no machine here has
SCORES = {"fd": 1.0, "kid": 0.1, "precision": 0.5, "recall": 0.5}


def _ddpm():
    from gan_course.models.ddpm import DDPMConfig, DDPMUNet

    return DDPMUNet(DDPMConfig())


def tiny_style():
    from gan_course.models.stylegan import StyleGenerator

    return StyleGenerator(style_config())


def style_config():
    from gan_course.models.stylegan import StyleGANConfig

    return StyleGANConfig(latent_dim=4, w_dim=4, widths=(4, 4, 4, 4))


def style_recipe():
    from gan_course.recipes.stylegan import StyleGANRecipe

    return StyleGANRecipe()


def ddpm_recipe():
    from gan_course.recipes.ddpm import DDPMRecipe

    return DDPMRecipe()


def diffusion():
    from gan_course.diffusion import GaussianDiffusion, get_beta_schedule

    return GaussianDiffusion(get_beta_schedule("linear", 10))


def steps(n):
    return torch.zeros(n, dtype=torch.long)


def tiny_trainer():
    from gan_course.experiments.responsibility import build_detector

    return build_detector(images(4), images(4), steps=1, batch_size=2)


def recipe(name):
    from gan_course.recipes import VanillaRecipe
    from gan_course.recipes.cgan import CGANRecipe
    from gan_course.recipes.cyclegan import CycleGANRecipe
    from gan_course.recipes.dcgan import DCGANRecipe
    from gan_course.recipes.infogan import InfoGANRecipe
    from gan_course.recipes.pix2pix import Pix2PixRecipe

    return {"vanilla": VanillaRecipe, "dcgan": DCGANRecipe, "cgan": CGANRecipe, "infogan": InfoGANRecipe,
            "pix2pix": Pix2PixRecipe, "cyclegan": CycleGANRecipe}[name]()


# ------------------------------------------------------------------ the table
# qualname -> [(kind, argument the message must name, lambda returning (args, kwargs))]
C = lambda *args, **kwargs: (lambda: (args, kwargs))  # noqa: E731 fixed arguments
L = lambda make: make  # noqa: E731 arguments built fresh per case (tensors, models)

CASES: dict[str, list] = {
    "gan_course.plotting.show_grid": [
        ("wrong type: an int", "images", C(5)),
        ("wrong type: a NumPy array", "images", L(lambda: ((np.zeros((4, 1, 28, 28), np.float32),), {}))),
        ("empty batch", "images", L(lambda: ((images(0),), {}))),
        ("5 channels", "images", L(lambda: ((images(4, c=5),), {}))),
        ("negative nrow", "nrow", L(lambda: ((images(),), {"nrow": -3}))),
        ("fractional nrow", "nrow", L(lambda: ((images(),), {"nrow": 2.5}))),
        ("NaN: an all-NaN batch", "images", L(lambda: ((images(value=NAN),), {}))),
        ("wrong device: meta", "images", L(lambda: ((meta(4, 1, 28, 28),), {}))),
        ("NaN size", "size", L(lambda: ((images(),), {"size": NAN}))),
        ("huge size", "size", L(lambda: ((images(),), {"size": 1e9}))),
        ("wrong type: title", "title", L(lambda: ((images(),), {"title": 5}))),
        ("wrong type: uint8 pixels", "images", L(lambda: ((torch.zeros(4, 1, 28, 28, dtype=torch.uint8),), {}))),
    ],
    "gan_course.plotting.show_snapshots": [
        ("wrong type: one tensor", "snapshots", L(lambda: ((images(),), {}))),
        ("wrong type: a pair without images", "snapshots[0]", C([(0, "images")])),
        ("5 channels", "snapshots[0] images", L(lambda: (([(0, images(4, c=5))],), {}))),
        ("empty max_cols", "max_cols", L(lambda: (([(0, images())],), {"max_cols": 0}))),
        ("negative n_images", "n_images", L(lambda: (([(0, images())],), {"n_images": -1}))),
        ("NaN size", "size", L(lambda: (([(0, images())],), {"size": NAN}))),
    ],
    "gan_course.widgets.png_from_figure": [
        ("wrong type", "fig", C("figure")),
        ("empty dpi", "dpi", L(lambda: ((_figure(),), {"dpi": 0}))),
        ("huge dpi", "dpi", L(lambda: ((_figure(),), {"dpi": 10**6}))),
        ("NaN dpi", "dpi", L(lambda: ((_figure(),), {"dpi": NAN}))),
    ],
    "gan_course.plotting.plot_losses": [
        ("wrong type: a list", "history", C([0.1, 0.2])),
        ("negative window", "window", L(lambda: ((history(),), {"window": -1}))),
        ("fractional window", "window", L(lambda: ((history(),), {"window": 2.5}))),
        ("wrong type: keys as one string", "keys", L(lambda: ((history(),), {"keys": "loss_g"}))),
        ("wrong range: a list shorter than step", "history", L(lambda: (({**history(), "loss_g": [1.0]},), {}))),
    ],
    "gan_course.plotting.plot_health": [
        ("wrong type: a list", "history", C([0.1, 0.2])),
        ("empty window", "window", L(lambda: ((history(),), {"window": 0}))),
    ],
    "gan_course.plotting.plot_compare": [
        ("wrong type: a list", "histories", C([{}], "loss_g")),
        ("empty", "plot_compare", C({}, "loss_g")),
        ("wrong type: key", "key", L(lambda: (({"a": history()}, 5), {}))),
        ("None history", "histories", C({"pretrained": None}, "loss_g")),
    ],
    "gan_course.recipes.sample_unconditional": [
        ("empty: n=0", "n", L(lambda: ((tiny_generator(), 0, "cpu"), {}))),
        ("negative n", "n", L(lambda: ((tiny_generator(), -1, "cpu"), {}))),
        ("fractional n", "n", L(lambda: ((tiny_generator(), 2.5, "cpu"), {}))),
        ("huge n", "n", L(lambda: ((tiny_generator(), 10**12, "cpu"), {}))),
        ("wrong device", "device", L(lambda: ((tiny_generator(), 4, NO_DEVICE), {}))),
        ("wrong type: G", "G", C("G", 4, "cpu")),
    ],
    "gan_course.runtime.seed_everything": [
        ("huge", "seed", C(2**70)),
        ("wrong type: a word", "seed", C("a")),
        ("fractional", "seed", C(1.5)),
        ("negative", "seed", C(-1)),
        ("NaN", "seed", C(NAN)),
    ],
    "gan_course.data.load_fashion_mnist": [
        ("fractional pad_to", "pad_to", C("train", pad_to=32.5)),
        ("huge pad_to", "pad_to", C("train", pad_to=10**6)),
        ("too small pad_to", "pad_to", C("train", pad_to=20)),
        ("fractional limit", "limit", C("train", limit=2.5)),
        ("wrong type: limit as text", "limit", C("train", limit="10")),
        ("negative limit", "limit", C("train", limit=-5)),
        ("empty limit", "limit", C("train", limit=0)),
        ("wrong range: split", "split", C("validation")),
        ("wrong device", "device", C("train", device=NO_DEVICE)),
    ],
    "gan_course.data.Batches": [
        ("fractional batch_size", "batch_size", L(lambda: ((image_set(), 2.5), {}))),
        ("empty batch_size", "batch_size", L(lambda: ((image_set(), 0), {}))),
        ("negative batch_size", "batch_size", L(lambda: ((image_set(), -4), {}))),
        ("huge batch_size", "batch_size", L(lambda: ((image_set(), 10**6), {}))),
        ("negative seed", "seed", L(lambda: ((image_set(), 2), {"seed": -1}))),
        ("wrong type: data", "data", C([1, 2, 3], 2)),
    ],
    "gan_course.recipes.build_vanilla": [
        ("wrong type: a word", "recipe", C("x", "cpu", None)),
        ("wrong recipe", "recipe", L(lambda: ((recipe("cgan"), "cpu", None), {}))),
        ("wrong device", "device", L(lambda: ((recipe("vanilla"), NO_DEVICE, None), {}))),
        ("negative seed", "seed", L(lambda: ((recipe("vanilla"), "cpu", None, -1), {}))),
    ],
    "gan_course.recipes.dcgan.build_dcgan": [
        ("wrong recipe: chapter 2's", "recipe", L(lambda: ((recipe("vanilla"), "cpu", None), {}))),
        ("wrong type", "recipe", C(None, "cpu", None)),
    ],
    "gan_course.recipes.cgan.build_cgan": [
        ("wrong recipe", "recipe", L(lambda: ((recipe("vanilla"), "cpu", None), {}))),
        ("huge seed", "seed", L(lambda: ((recipe("cgan"), "cpu", None, 2**70), {}))),
    ],
    "gan_course.recipes.infogan.build_infogan": [("wrong type", "recipe", C("x", "cpu", None))],
    "gan_course.recipes.pix2pix.build_pix2pix": [
        ("wrong recipe", "recipe", L(lambda: ((recipe("cyclegan"), "cpu", None), {})))],
    "gan_course.recipes.cyclegan.build_cyclegan": [
        ("wrong recipe", "recipe", L(lambda: ((recipe("pix2pix"), "cpu", None), {}))),
        ("fractional seed", "seed", L(lambda: ((recipe("cyclegan"), "cpu", None, 0.5), {}))),
    ],
    "gan_course.metrics.score_images": [
        ("wrong device: a meta tensor", "generated images", L(lambda: ((meta(8, 1, 28, 28),), {"n": 8}))),
        ("empty: n=0", "n", L(lambda: ((images(8),), {"n": 0}))),
        ("negative n", "n", L(lambda: ((images(8),), {"n": -1}))),
        ("fractional n", "n", L(lambda: ((images(8),), {"n": 2.5}))),
        ("huge n", "n", L(lambda: ((images(8),), {"n": 10**9}))),
        ("wrong device: not on this machine", "device", L(lambda: ((images(8),), {"device": NO_DEVICE, "n": 8}))),
        ("NaN", "generated images", L(lambda: ((images(8, value=NAN),), {"n": 8}))),
        ("wrong type", "generated images", C([1.0, 2.0], n=8)),
        ("empty images", "generated images", L(lambda: ((images(0),), {"n": 8}))),
    ],
    "gan_course.metrics.images.kernel_distance": [
        ("one row", "real_features", L(lambda: ((features(1), features(6)), {}))),
        ("one row", "fake_features", L(lambda: ((features(6), features(1)), {}))),
        ("mismatched dimensions", "real_features", L(lambda: ((features(6, 4), features(6, 5)), {}))),
        ("wrong shape: 1-D", "real_features", L(lambda: ((torch.randn(6), features()), {}))),
        ("NaN", "fake_features", L(lambda: ((features(), features().fill_(NAN)), {}))),
        ("empty subsets", "subsets", L(lambda: ((features(), features()), {"subsets": 0}))),
        ("negative seed", "seed", L(lambda: ((features(), features()), {"seed": -1}))),
        ("wrong device: meta", "real_features", L(lambda: ((meta(6, 4), features()), {}))),
    ],
    "gan_course.metrics.precision_recall": [
        ("one row", "real_features", L(lambda: ((features(1), features(6)), {}))),
        ("mismatched dimensions", "real_features", L(lambda: ((features(6, 4), features(6, 5)), {}))),
        ("wrong type", "real_features", C([[1.0]], [[2.0]])),
        ("negative k", "k", L(lambda: ((features(), features()), {"k": -1}))),
    ],
    "gan_course.metrics.images.Scorer": [
        ("empty n_real", "n_real", C(0)),
        ("huge n_real", "n_real", C(10**6)),
        ("fractional n_real", "n_real", C(2.5)),
        ("wrong device", "device", C(100, device=NO_DEVICE)),
        ("empty k", "k", C(100, k=0)),
    ],
    "gan_course.metrics.image_features": [
        ("wrong type", "images", C("images")),
        ("wrong device: meta", "images", L(lambda: ((meta(4, 1, 28, 28),), {}))),
        ("empty batch_size", "batch_size", L(lambda: ((images(),), {"batch_size": 0}))),
        ("wrong device", "device", L(lambda: ((images(),), {"device": NO_DEVICE}))),
    ],
    "gan_course.metrics.images.real_images": [
        ("wrong range: split", "split", C("validation", 10)),
        ("empty n", "n", C("test", 0)),
        ("huge n", "n", C("test", 10**7)),
        ("wrong type: n", "n", C("test", [10])),
    ],
    "gan_course.metrics.images.ladder_images": [
        ("negative n", "n", C(-1)),
        ("fractional n", "n", C(2.5)),
    ],
    "gan_course.metrics.reference_ladder": [
        ("empty n", "n", C(n=0)),
        ("wrong device", "device", C(NO_DEVICE)),
    ],
    "gan_course.metrics.inception_fid": [
        ("empty n", "n", L(lambda: ((images(8),), {"n": 0}))),
        ("wrong device", "device", L(lambda: ((images(8),), {"device": NO_DEVICE}))),
    ],
    "gan_course.metrics.default_n": [
        ("wrong range: profile", "profile", C("fast")),
        ("wrong type: profile", "profile", C(5)),
    ],
    "gan_course.metrics.format_scores": [
        ("wrong type: a list", "rows", C([1, 2], ladder=False)),
        ("wrong range: scores without fd", "rows", C({"run": {"kid": 1.0}}, ladder=False)),
        ("NaN-like: a word for a score", "rows", C({"run": {**SCORES, "fd": "low"}}, ladder=False)),
        ("wrong type: extra as one string", "extra", C({"run": SCORES}, ladder=False, extra="x")),
    ],
    "gan_course.latent.lerp": [
        ("wrong type", "z0", L(lambda: (("z", torch.randn(4), torch.linspace(0, 1, 3)), {}))),
        ("NaN", "z1", L(lambda: ((torch.randn(4), torch.full((4,), NAN), torch.linspace(0, 1, 3)), {}))),
        ("wrong range: t above 1", "t", L(lambda: ((torch.randn(4), torch.randn(4), torch.tensor([0.0, 2.0])), {}))),
        ("empty t", "t", L(lambda: ((torch.randn(4), torch.randn(4), torch.tensor([])), {}))),
        ("wrong type: t", "t", L(lambda: ((torch.randn(4), torch.randn(4), "half"), {}))),
    ],
    "gan_course.latent.slerp": [
        ("wrong device: meta", "z0", L(lambda: ((meta(4), torch.randn(4), torch.linspace(0, 1, 3)), {}))),
        ("NaN t", "t", L(lambda: ((torch.randn(4), torch.randn(4), torch.tensor([NAN])), {}))),
        ("mismatched shapes", "end points", L(lambda: ((torch.randn(4), torch.randn(5), 0.5), {}))),
    ],
    "gan_course.latent.typical_norm": [
        ("empty", "latent_dim", C(0)),
        ("negative", "latent_dim", C(-3)),
        ("fractional", "latent_dim", C(2.5)),
        ("wrong type", "latent_dim", C("64")),
        ("huge", "latent_dim", C(10**30)),
    ],
    "gan_course.data.domains.make_domains": [
        ("wrong range: pair", "pair", C("zebras")),
        ("wrong type: pair", "pair", C(["negative"])),
        ("negative limit", "limit", C("negative", limit=-1)),
        ("fractional limit", "limit", C("negative", limit=0.5)),
        ("wrong device", "device", C("negative", device=NO_DEVICE)),
    ],
    "gan_course.data.unpad": [
        ("wrong type", "images", C([[1.0, -1.0]])),
        ("wrong device: meta", "images", L(lambda: ((meta(2, 1, 32, 32),), {}))),
        ("wrong shape: one axis", "images", L(lambda: ((torch.zeros(32),), {}))),
        ("smaller than the crop", "images", L(lambda: ((images(2, s=20),), {}))),
        ("zero size", "size", L(lambda: ((images(2, s=32),), {"size": 0}))),
        ("wrong type: size", "size", L(lambda: ((images(2, s=32),), {"size": "28"}))),
    ],
    "gan_course.data.domains.negative": [
        ("wrong type", "x", C([1.0, -1.0])),
        ("wrong device: meta", "x", L(lambda: ((meta(2, 1, 28, 28),), {}))),
    ],
    "gan_course.data.edges.sobel_edges": [
        ("NaN threshold", "threshold", L(lambda: ((images(2),), {"threshold": NAN}))),
        ("negative threshold", "threshold", L(lambda: ((images(2),), {"threshold": -0.5}))),
        ("wrong type: threshold", "threshold", L(lambda: ((images(2),), {"threshold": "high"}))),
        ("wrong shape: no channel axis", "images", L(lambda: ((torch.zeros(4, 32, 32),), {}))),
    ],
    "gan_course.data.edges.sobel_magnitude": [
        ("wrong type", "images", C("images")),
        ("NaN", "images", L(lambda: ((images(2, value=NAN),), {}))),
        ("wrong device: meta", "images", L(lambda: ((meta(2, 1, 28, 28),), {}))),
        ("wrong type: uint8 pixels", "images", L(lambda: ((torch.zeros(2, 1, 28, 28, dtype=torch.uint8),), {}))),
    ],
    "gan_course.data.ring_centers": [
        ("empty modes", "modes", C(0)),
        ("fractional modes", "modes", C(2.5)),
        ("huge modes", "modes", C(10**9)),
        ("NaN radius", "radius", C(8, NAN)),
        ("negative radius", "radius", C(8, -2.0)),
    ],
    "gan_course.data.ring_of_gaussians": [
        ("empty n", "n", C(0)),
        ("negative n", "n", C(-10)),
        ("huge n", "n", C(10**12)),
        ("fractional n", "n", C(2.5)),
        ("NaN std", "std", C(100, std=NAN)),
        ("negative std", "std", C(100, std=-0.1)),
        ("wrong type: generator", "generator", C(100, generator=0)),
        ("wrong type: modes", "modes", C(100, modes="8")),
    ],
    "gan_course.data.edges.load_edges2fashion": [
        ("empty limit", "limit", C("test", limit=0)),
        ("NaN threshold", "threshold", C("test", threshold=NAN)),
        ("negative threshold", "threshold", C("test", threshold=-1.0)),
        ("wrong device", "device", C("test", device=NO_DEVICE)),
    ],
    # chapter 11
    "gan_course.diffusion.get_beta_schedule": [
        ("unknown schedule", "schedule", C("quadratic", 10)),
        ("negative timesteps", "timesteps", C("linear", -5)),
        ("fractional timesteps", "timesteps", C("linear", 2.5)),
        ("NaN beta_start", "beta_start", C("linear", 10, NAN)),
    ],
    "gan_course.recipes.ddpm.sample_ddpm": [
        ("zero steps", "steps", L(lambda: ((_ddpm(), 2, "cpu"), {"steps": 0}))),
        ("more steps than T", "steps", L(lambda: ((_ddpm(), 2, "cpu"), {"steps": 5000}))),
        ("fractional steps", "steps", L(lambda: ((_ddpm(), 2, "cpu"), {"steps": 2.5}))),
        ("wrong type: G", "G", C("ddpm", 2, "cpu")),
    ],
    "gan_course.metrics.memorisation.nearest_neighbours": [
        ("wrong type: an int", "queries", L(lambda: ((5, features()), {}))),
        ("wrong type: a NumPy array", "reference", L(lambda: ((features(), np.zeros((6, 4), np.float32)), {}))),
        ("other widths", "queries", L(lambda: ((features(6, 4), features(6, 5)), {}))),
        ("wrong device: meta", "queries", L(lambda: ((meta(6, 4), features()), {}))),
    ],
    # ---- losses: types and shapes only (they run at every training step; no look at the values)
    "gan_course.losses.discriminator_loss": [
        ("wrong type: a list", "real_logits", L(lambda: (([0.1, 0.2], torch.zeros(2)), {}))),
        ("wrong type: a NumPy array", "fake_logits", L(lambda: ((torch.zeros(2), np.zeros(2)), {}))),
        ("empty", "fake_logits", L(lambda: ((torch.zeros(2), torch.zeros(0)), {}))),
        ("wrong device: meta", "real_logits", L(lambda: ((meta(2), torch.zeros(2)), {}))),
    ],
    "gan_course.losses.generator_saturating_loss": [
        ("wrong type: a float", "fake_logits", C(0.5)),
        ("empty", "fake_logits", L(lambda: ((torch.zeros(0, 1),), {}))),
        ("wrong device: meta", "fake_logits", L(lambda: ((meta(4),), {}))),
    ],
    "gan_course.losses.generator_nonsaturating_loss": [
        ("wrong type: None", "fake_logits", C(None)),
        ("empty", "fake_logits", L(lambda: ((torch.zeros(0),), {}))),
        ("wrong device: meta", "fake_logits", L(lambda: ((meta(4, 1),), {}))),
    ],
    "gan_course.losses.categorical_info_loss": [
        ("batch mismatch", "category", L(lambda: ((torch.zeros(4, 10), torch.arange(3)), {}))),
        ("wrong type: float categories", "category", L(lambda: ((torch.zeros(4, 10), torch.zeros(4)), {}))),
        ("wrong shape: 1-D logits", "cat_logits", L(lambda: ((torch.zeros(10), torch.arange(1)), {}))),
        ("wrong type: a list", "category", L(lambda: ((torch.zeros(2, 10), [0, 1]), {}))),
        ("empty", "cat_logits", L(lambda: ((torch.zeros(0, 10), torch.zeros(0, dtype=torch.long)), {}))),
        ("wrong device: meta", "cat_logits", L(lambda: ((meta(2, 10), torch.arange(2)), {}))),
    ],
    "gan_course.losses.gaussian_info_loss": [
        ("shape mismatch", "log_std", L(lambda: ((torch.zeros(4, 2), torch.zeros(4, 1), torch.zeros(4, 2)), {}))),
        ("batch mismatch", "value", L(lambda: ((torch.zeros(4, 2), torch.zeros(4, 2), torch.zeros(3, 2)), {}))),
        ("wrong shape: 1-D", "mean", L(lambda: ((torch.zeros(4), torch.zeros(4), torch.zeros(4)), {}))),
        ("wrong type", "value", L(lambda: ((torch.zeros(4, 2), torch.zeros(4, 2), 0.0), {}))),
        ("empty", "mean", L(lambda: ((torch.zeros(0, 2), torch.zeros(0, 2), torch.zeros(0, 2)), {}))),
    ],
    "gan_course.losses.lsgan_discriminator_loss": [
        ("wrong type", "real_scores", C("real", "fake")),
        ("empty", "fake_scores", L(lambda: ((torch.zeros(2, 1, 4, 4), torch.zeros(0, 1, 4, 4)), {}))),
        ("wrong device: meta", "fake_scores", L(lambda: ((torch.zeros(2), meta(2)), {}))),
    ],
    "gan_course.losses.lsgan_generator_loss": [
        ("wrong type", "fake_scores", C([1.0])),
        ("empty", "fake_scores", L(lambda: ((torch.zeros(0),), {}))),
    ],
    "gan_course.losses.cycle_consistency_loss": [
        ("shape mismatch", "reconstructed", L(lambda: ((images(2), images(2, s=32)), {}))),
        ("batch mismatch", "reconstructed", L(lambda: ((images(2), images(3)), {}))),
        ("wrong type", "real", L(lambda: ((None, images(2)), {}))),
        ("empty", "real", L(lambda: ((images(0), images(0)), {}))),
        ("wrong device: meta", "reconstructed", L(lambda: ((images(2), meta(2, 1, 28, 28)), {}))),
    ],
    "gan_course.losses.identity_loss": [
        ("shape mismatch: no channel axis", "mapped", L(lambda: ((images(2), torch.zeros(2, 28, 28)), {}))),
        ("wrong type", "mapped", L(lambda: ((images(2), 0.0), {}))),
        ("empty", "real", L(lambda: ((images(0), images(0)), {}))),
    ],
    "gan_course.losses.l1_loss": [
        ("shape mismatch", "output", L(lambda: ((images(2), images(2, c=3)), {}))),
        ("wrong type: a NumPy array", "target", L(lambda: ((np.zeros((2, 1, 28, 28)), images(2)), {}))),
        ("empty", "target", L(lambda: ((images(0), images(0)), {}))),
        ("wrong device: meta", "output", L(lambda: ((images(2), meta(2, 1, 28, 28)), {}))),
    ],
    "gan_course.losses.pix2pix_generator_loss": [
        ("shape mismatch", "output", L(lambda: ((torch.zeros(2, 1, 6, 6), images(2), images(3)), {}))),
        ("NaN l1_weight", "l1_weight", L(lambda: ((torch.zeros(2, 1, 6, 6), images(2), images(2), NAN), {}))),
        ("negative adversarial_weight", "adversarial_weight",
         L(lambda: ((torch.zeros(2, 1, 6, 6), images(2), images(2)), {"adversarial_weight": -1.0}))),
        ("wrong type: l1_weight", "l1_weight",
         L(lambda: ((torch.zeros(2, 1, 6, 6), images(2), images(2)), {"l1_weight": "100"}))),
        ("empty", "fake_logits", L(lambda: ((torch.zeros(0), images(2), images(2)), {}))),
    ],
    "gan_course.losses.wasserstein_critic_loss": [
        ("wrong type", "real_scores", C(1.0, 2.0)),
        ("empty", "fake_scores", L(lambda: ((torch.zeros(3), torch.zeros(0)), {}))),
        ("wrong device: meta", "real_scores", L(lambda: ((meta(3), torch.zeros(3)), {}))),
    ],
    "gan_course.losses.wasserstein_generator_loss": [
        ("wrong type", "fake_scores", C([1.0])),
        ("empty", "fake_scores", L(lambda: ((torch.zeros(0),), {}))),
    ],
    "gan_course.losses.hinge_discriminator_loss": [
        ("wrong type", "fake_scores", L(lambda: ((torch.zeros(3), None), {}))),
        ("empty", "real_scores", L(lambda: ((torch.zeros(0), torch.zeros(3)), {}))),
        ("wrong device: meta", "fake_scores", L(lambda: ((torch.zeros(3), meta(3)), {}))),
    ],
    "gan_course.losses.hinge_generator_loss": [
        ("wrong type", "fake_scores", C(np.zeros(3))),
        ("empty", "fake_scores", L(lambda: ((torch.zeros(0),), {}))),
    ],
    "gan_course.losses.input_gradients": [
        ("wrong type: critic", "critic", L(lambda: (("critic", torch.zeros(3, 2)), {}))),
        ("wrong type: integer points", "points",
         L(lambda: ((torch.nn.Linear(2, 1), torch.zeros(3, 2, dtype=torch.long)), {}))),
        ("empty", "points", L(lambda: ((torch.nn.Linear(2, 1), torch.zeros(0, 2)), {}))),
        ("wrong type: create_graph", "create_graph",
         L(lambda: ((torch.nn.Linear(2, 1), torch.zeros(3, 2)), {"create_graph": "yes"}))),
    ],
    "gan_course.losses.gradient_penalty": [
        ("shape mismatch", "fake", L(lambda: ((torch.nn.Linear(2, 1), torch.zeros(3, 2), torch.zeros(4, 2)), {}))),
        ("wrong type: critic", "critic", L(lambda: ((None, torch.zeros(3, 2), torch.zeros(3, 2)), {}))),
        ("wrong type: one_sided", "one_sided",
         L(lambda: ((torch.nn.Linear(2, 1), torch.zeros(3, 2), torch.zeros(3, 2)), {"one_sided": "no"}))),
        ("wrong type: generator", "generator",
         L(lambda: ((torch.nn.Linear(2, 1), torch.zeros(3, 2), torch.zeros(3, 2)), {"generator": 3}))),
        ("wrong shape: eps", "eps",
         L(lambda: ((torch.nn.Linear(2, 1), torch.zeros(3, 2), torch.zeros(3, 2)), {"eps": torch.zeros(3, 2)}))),
        ("empty", "real", L(lambda: ((torch.nn.Linear(2, 1), torch.zeros(0, 2), torch.zeros(0, 2)), {}))),
        ("wrong device: meta", "real", L(lambda: ((torch.nn.Linear(2, 1), meta(3, 2), torch.zeros(3, 2)), {}))),
    ],
    "gan_course.losses.r1_penalty": [
        ("wrong type: critic", "critic", L(lambda: ((5, torch.zeros(3, 2)), {}))),
        ("wrong type: real", "real", L(lambda: ((torch.nn.Linear(2, 1), [[0.0, 0.0]]), {}))),
        ("empty", "real", L(lambda: ((torch.nn.Linear(2, 1), torch.zeros(0, 2)), {}))),
        ("wrong device: meta", "real", L(lambda: ((torch.nn.Linear(2, 1), meta(3, 2)), {}))),
    ],
    # ---- metrics
    "gan_course.metrics.predicted_classes": [
        ("wrong type", "images", C([[0.0]])),
        ("wrong device: meta", "images", L(lambda: ((meta(4, 1, 28, 28),), {}))),
        ("5 channels", "images", L(lambda: ((images(4, c=5),), {}))),
        ("NaN", "images", L(lambda: ((images(4, value=NAN),), {}))),
        ("wrong device", "device", L(lambda: ((images(4),), {"device": NO_DEVICE}))),
    ],
    "gan_course.metrics.label_accuracy": [
        ("batch mismatch", "labels", L(lambda: ((images(4), torch.arange(3)), {}))),
        ("wrong range: class 10", "labels", L(lambda: ((images(4), torch.tensor([0, 1, 2, 10])), {}))),
        ("negative label", "labels", L(lambda: ((images(4), torch.tensor([0, -1, 2, 3])), {}))),
        ("wrong type: float labels", "labels", L(lambda: ((images(4), torch.zeros(4)), {}))),
        ("wrong type: images", "images", C(5, [0, 1])),
        ("wrong device", "device", L(lambda: ((images(4), torch.arange(4)), {"device": NO_DEVICE}))),
        ("wrong device: meta labels", "labels", L(lambda: ((images(4), meta(4)), {}))),
    ],
    "gan_course.metrics.code_purity": [
        ("batch mismatch", "classes", L(lambda: ((torch.arange(4), torch.arange(3)), {}))),
        ("wrong type: an int", "codes", C(5, [1, 2])),
        ("wrong type: float codes", "codes", L(lambda: ((torch.rand(4), torch.arange(4)), {}))),
        ("empty", "codes", L(lambda: ((torch.zeros(0, dtype=torch.long), torch.zeros(0, dtype=torch.long)), {}))),
        ("wrong shape: one-hot", "codes", L(lambda: ((torch.eye(4, dtype=torch.long), torch.arange(4)), {}))),
    ],
    "gan_course.metrics.quality_at": [
        ("wrong type: a list", "record", C([0, 1], 10.0)),
        ("NaN seconds", "seconds", C({"step": [], "train_seconds": [], "fd": []}, NAN)),
        ("negative seconds", "seconds", C({"step": [], "train_seconds": [], "fd": []}, -1.0)),
        ("wrong type: seconds as text", "seconds", C({"step": [], "train_seconds": [], "fd": []}, "10")),
    ],
    "gan_course.metrics.code_nmi": [
        ("batch mismatch", "classes", L(lambda: ((torch.arange(4), torch.arange(5)), {}))),
        ("wrong type: a word", "codes", C("abc", [1, 2, 3])),
        ("NaN codes", "codes", L(lambda: ((torch.tensor([0.0, NAN]), torch.arange(2)), {}))),
        ("wrong device: meta", "classes", L(lambda: ((torch.arange(2), meta(2)), {}))),
    ],
    "gan_course.metrics.codes.code_class_table": [
        ("wrong range: code above n_codes", "codes", L(lambda: ((torch.tensor([0, 12]), torch.tensor([1, 2])), {}))),
        ("wrong range: class 10", "classes", L(lambda: ((torch.tensor([0, 1]), torch.tensor([1, 10])), {}))),
        ("negative code", "codes", L(lambda: ((torch.tensor([-1, 1]), torch.tensor([1, 2])), {}))),
        ("batch mismatch", "classes", L(lambda: ((torch.tensor([0, 1]), torch.tensor([1, 2, 3])), {}))),
        ("empty n_codes", "n_codes", L(lambda: ((torch.tensor([0]), torch.tensor([1])), {"n_codes": 0}))),
        ("fractional n_codes", "n_codes", L(lambda: ((torch.tensor([0]), torch.tensor([1])), {"n_codes": 2.5}))),
    ],
    "gan_course.metrics.codes.code_effects": [
        ("wrong type: G", "G", C("G", [0.0, 1.0])),
        ("wrong model: an MLP generator", "G", L(lambda: ((tiny_generator(), [0.0, 1.0]), {}))),
        ("empty values", "values", L(lambda: ((tiny_infogan(), []), {}))),
        ("NaN value", "values", L(lambda: ((tiny_infogan(), [0.0, NAN]), {}))),
        ("wrong type: values as one string", "values", L(lambda: ((tiny_infogan(), "0 1"), {}))),
        ("empty n", "n", L(lambda: ((tiny_infogan(), [0.0]), {"n": 0}))),
        ("huge n", "n", L(lambda: ((tiny_infogan(), [0.0]), {"n": 10**9}))),
        ("negative seed", "seed", L(lambda: ((tiny_infogan(), [0.0]), {"seed": -1}))),
    ],
    "gan_course.metrics.mode_coverage": [
        ("NaN std", "std", L(lambda: ((features(6, 2), features(3, 2), NAN), {}))),
        ("negative std", "std", L(lambda: ((features(6, 2), features(3, 2), -1.0), {}))),
        ("wrong type: std", "std", L(lambda: ((features(6, 2), features(3, 2), "0.1"), {}))),
        ("wrong type: samples", "samples", L(lambda: (("points", features(3, 2), 0.1), {}))),
        ("wrong device: meta", "samples", L(lambda: ((meta(6, 2), features(3, 2), 0.1), {}))),
        ("mismatched dimensions", "samples", L(lambda: ((features(6, 3), features(3, 2), 0.1), {}))),
        ("empty samples", "samples", L(lambda: ((torch.zeros(0, 2), features(3, 2), 0.1), {}))),
        ("wrong range: min_share", "min_share", L(lambda: ((features(6, 2), features(3, 2), 0.1), {"min_share": 2.0}))),
        ("NaN n_sigma", "n_sigma", L(lambda: ((features(6, 2), features(3, 2), 0.1), {"n_sigma": NAN}))),
    ],
    "gan_course.metrics.real_data_high_quality": [
        ("NaN n_sigma", "n_sigma", C(NAN)),
        ("negative n_sigma", "n_sigma", C(-3.0)),
        ("wrong type: n_sigma", "n_sigma", C("3")),
        ("wrong range: dim", "dim", C(3.0, dim=3)),
    ],
    "gan_course.metrics.coverage_table": [
        ("wrong type: a list", "results", C([1, 2])),
        ("empty", "results", C({})),
        ("wrong type: numbers for runs", "results", C({"standard": [1, 2]})),
        ("wrong type: one string", "results", C({"standard": "8/8"})),
    ],
    "gan_course.metrics.recall_diagnosis": [
        ("one row", "real_features", L(lambda: ((features(1), features(6)), {}))),
        ("mismatched dimensions", "real_features", L(lambda: ((features(6, 4), features(6, 5)), {}))),
        ("wrong type", "fake_features", L(lambda: ((features(), [[1.0]]), {}))),
        ("negative k", "k", L(lambda: ((features(), features()), {"k": -1}))),
        ("NaN", "real_features", L(lambda: ((features().fill_(NAN), features()), {}))),
        ("wrong range: fake_classes", "fake_classes",
         L(lambda: ((features(), features()), {"fake_classes": torch.full((6,), 12)}))),
        ("batch mismatch: fake_classes", "fake_classes",
         L(lambda: ((features(), features()), {"fake_classes": torch.zeros(3, dtype=torch.long)}))),
        ("empty n_classes", "n_classes", L(lambda: ((features(), features()), {"n_classes": 0}))),
        ("wrong device: meta", "fake_features", L(lambda: ((features(), meta(6, 4)), {}))),
    ],
    "gan_course.metrics.translation.paired_scores": [
        ("shape mismatch", "outputs", L(lambda: ((images(2), images(3)), {}))),
        ("wrong type", "outputs", C([1.0], [1.0])),
        ("wrong shape: 3-D", "targets", L(lambda: ((images(2), torch.zeros(2, 28, 28)), {}))),
        ("empty", "outputs", L(lambda: ((images(0), images(0)), {}))),
        ("NaN", "outputs", L(lambda: ((images(2, value=NAN), images(2)), {}))),
        ("wrong device: meta", "targets", L(lambda: ((images(2), meta(2, 1, 28, 28)), {}))),
        ("wrong type: uint8 pixels", "outputs",
         L(lambda: ((torch.zeros(2, 1, 28, 28, dtype=torch.uint8), images(2)), {}))),
    ],
    "gan_course.metrics.translation.DomainTest": [
        ("wrong range: pair", "pair", C("zebras")),
        ("wrong type: pair", "pair", C(["negative"])),
        ("wrong device", "device", C("negative", device=NO_DEVICE)),
        ("negative seed", "seed", C("negative", seed=-1)),
        ("fractional seed", "seed", C("negative", seed=0.5)),
    ],
    "gan_course.metrics.translation.silhouette_area": [
        ("wrong type", "images", C("images")),
        ("wrong shape: no channel axis", "images", L(lambda: ((torch.zeros(2, 28, 28),), {}))),
        ("empty", "images", L(lambda: ((images(0),), {}))),
        ("NaN threshold", "threshold", L(lambda: ((images(2),), {"threshold": NAN}))),
        ("negative threshold", "threshold", L(lambda: ((images(2),), {"threshold": -0.2}))),
        ("wrong device: meta", "images", L(lambda: ((meta(2, 1, 28, 28),), {}))),
    ],
    "gan_course.metrics.translation.format_measures": [
        ("wrong type: a list", "runs", C([{"fd": 1.0}])),
        ("empty", "runs", C({})),
        ("wrong type: a run as a number", "runs['a']", C({"a": 1.0})),
        ("NaN-like: a word for a measure", "runs['a']['fd_AtoB']", C({"a": {"fd_AtoB": "low"}})),
        ("wrong type: keys as one string", "keys", C({"a": {"fd_AtoB": 1.0}}, keys="fd_AtoB")),
        ("negative digits", "digits", C({"a": {"fd_AtoB": 1.0}}, digits=-1)),
    ],
    "gan_course.metrics.classifier.FashionClassifier": [
        ("wrong type: a dict", "cfg", C({"channels": (16, 32, 64)})),
        ("wrong type: None", "cfg", C(None)),
    ],
    "gan_course.metrics.classifier.load_record": [
        ("wrong type: an int", "path", C(5)),
        ("wrong type: a list", "path", C(["weights.pt"])),
    ],
    # ---- models: the constructors check their configuration before any layer draws its weights
    "gan_course.models.MLPGenerator": [
        ("wrong type: a dict", "cfg", C({"latent_dim": 4})),
        ("wrong config: a DCGANConfig", "cfg", L(lambda: ((config("DCGANConfig"),), {}))),
    ],
    "gan_course.models.MLPDiscriminator": [
        ("wrong type: None", "cfg", C(None)),
        ("wrong config: a ToyConfig", "cfg", L(lambda: ((config("ToyConfig"),), {}))),
    ],
    "gan_course.models.ConditionalGenerator": [
        ("wrong type: a word", "cfg", C("cgan")),
        ("wrong config: an MLPConfig", "cfg", L(lambda: ((config("MLPConfig"),), {}))),
    ],
    "gan_course.models.ConditionalDiscriminator": [
        ("wrong type: an int", "cfg", C(10)),
        ("wrong config: a DCGANConfig", "cfg", L(lambda: ((config("DCGANConfig"),), {}))),
    ],
    "gan_course.models.DCGANGenerator": [
        ("wrong type: a dict", "cfg", C({"image_size": 32})),
        ("wrong config: a CGANConfig", "cfg", L(lambda: ((config("CGANConfig"),), {}))),
    ],
    "gan_course.models.DCGANDiscriminator": [
        ("wrong type: None", "cfg", C(None)),
        ("wrong config: an InfoGANConfig", "cfg", L(lambda: ((config("InfoGANConfig"),), {}))),
    ],
    "gan_course.models.DCGANCritic": [
        ("wrong type: a word", "cfg", C("dcgan")),
        ("wrong range: kind", "kind", L(lambda: ((config("DCGANConfig"),), {"kind": "lipschitz"}))),
        ("wrong type: kind", "kind", L(lambda: ((config("DCGANConfig"),), {"kind": ["plain"]}))),
    ],
    "gan_course.models.InfoGANGenerator": [
        ("wrong type: a dict", "cfg", C({"noise_dim": 62})),
        ("wrong config: a DCGANConfig", "cfg", L(lambda: ((config("DCGANConfig"),), {}))),
    ],
    "gan_course.models.InfoGANDiscriminator": [
        ("wrong type: None", "cfg", C(None)),
        ("wrong config: a CGANConfig", "cfg", L(lambda: ((config("CGANConfig"),), {}))),
    ],
    "gan_course.models.PatchGANDiscriminator": [
        ("wrong type: a dict", "cfg", C({"n_layers": 3})),
        ("wrong config: a UNetConfig", "cfg", L(lambda: ((config("UNetConfig"),), {}))),
    ],
    "gan_course.models.patchgan.PatchGANDiscriminator": [
        ("wrong type: None", "cfg", C(None)),
        ("wrong config: a DCGANConfig", "cfg", L(lambda: ((config("DCGANConfig"),), {}))),
    ],
    "gan_course.models.unet.UNetGenerator": [
        ("wrong type: a word", "cfg", C("unet")),
        ("wrong config: a PatchGANConfig", "cfg", L(lambda: ((config("PatchGANConfig"),), {}))),
    ],
    "gan_course.models.ResnetGenerator": [
        ("wrong type: a dict", "cfg", C({"n_blocks": 6})),
        ("wrong config: a UNetConfig", "cfg", L(lambda: ((config("UNetConfig"),), {}))),
    ],
    "gan_course.models.ResidualBlock": [
        ("empty channels", "channels", C(0)),
        ("fractional channels", "channels", C(2.5)),
        ("huge channels", "channels", C(2**40)),
        ("wrong range: norm", "kind", C(8, norm="layer")),
    ],
    "gan_course.models.ToyGenerator": [
        ("wrong type: a dict", "cfg", C({"latent_dim": 2})),
        ("wrong config: an MLPConfig", "cfg", L(lambda: ((config("MLPConfig"),), {}))),
    ],
    "gan_course.models.ToyDiscriminator": [
        ("wrong type: None", "cfg", C(None)),
        ("wrong config: a DCGANConfig", "cfg", L(lambda: ((config("DCGANConfig"),), {}))),
    ],
    "gan_course.models.apply_spectral_norm": [
        ("wrong type: a word", "module", C("critic")),
        ("wrong type: a tensor", "module", L(lambda: ((torch.zeros(3),), {}))),
    ],
    # ---- models' helper functions
    "gan_course.models.conv_output_size": [
        ("wrong type: a word", "input size i", C("28", 3)),
        ("fractional kernel", "kernel size k", C(28, 2.5)),
        ("negative padding", "padding p", C(28, 3, 1, -1)),
        ("empty stride", "stride s", C(28, 3, 0)),
        ("huge input", "input size i", C(2**40, 3)),
        ("NaN dilation", "dilation", C(28, 3, dilation=NAN)),
        ("wrong range: kernel larger than the input", "kernel", C(2, 5)),
    ],
    "gan_course.models.transposed_conv_output_size": [
        ("wrong type: None", "input size i", C(None, 4)),
        ("negative padding", "padding p", C(4, 4, 2, -1)),
        ("huge kernel", "kernel size k", C(4, 2**40)),
        ("wrong range: output_padding", "output_padding", C(4, 4, 2, 1, output_padding=2)),
        ("fractional stride", "stride s", C(4, 4, 1.5)),
    ],
    "gan_course.models.sizes.transposed_conv_coverage": [
        ("negative input", "input size i", C(-4, 4, 2)),
        ("wrong type: kernel", "kernel size k", C(4, "4", 2)),
        ("huge: too many taps", "input size i", C(10**6, 4, 2)),
    ],
    "gan_course.models.layer_sizes": [
        ("wrong type: module", "module", C("G", 4)),
        ("empty size", "size", L(lambda: ((torch.nn.Conv2d(1, 1, 3), 0), {}))),
        ("fractional size", "size", L(lambda: ((torch.nn.Conv2d(1, 1, 3), 2.5), {}))),
    ],
    "gan_course.models.layers.norm_layer": [
        ("wrong range: kind", "kind", C("layer", 8)),
        ("wrong type: kind", "kind", C(None, 8)),
        ("empty channels", "channels", C("batch", 0)),
        ("fractional channels", "channels", C("batch", 2.5)),
        ("wrong type: instance_affine", "instance_affine", C("instance", 8, instance_affine="no")),
    ],
    "gan_course.models.init_weights": [
        ("wrong type: module", "module", C("G")),
        ("NaN std", "std", L(lambda: ((torch.nn.Linear(2, 2),), {"std": NAN}))),
        ("negative std", "std", L(lambda: ((torch.nn.Linear(2, 2),), {"std": -0.02}))),
        ("wrong type: std", "std", L(lambda: ((torch.nn.Linear(2, 2),), {"std": "0.02"}))),
    ],
    "gan_course.models.receptive_field": [
        ("negative", "n_layers", C(-1)),
        ("fractional", "n_layers", C(2.5)),
        ("huge", "n_layers", C(10**9)),
        ("wrong type", "n_layers", C("3")),
    ],
    "gan_course.models.patchgan.receptive_field": [
        ("negative", "n_layers", C(-2)),
        ("NaN", "n_layers", C(NAN)),
    ],
    "gan_course.models.patch_grid_size": [
        ("empty image_size", "image_size", C(0, 3)),
        ("fractional image_size", "image_size", C(32.5, 3)),
        ("negative n_layers", "n_layers", C(32, -1)),
        ("huge n_layers", "n_layers", C(32, 10**6)),
        ("wrong range: too small for the layers", "n_layers", C(8, 3)),
    ],
    "gan_course.models.patchgan.patch_grid_size": [
        ("wrong type", "image_size", C("32", 3)),
        ("huge image_size", "image_size", C(2**40, 3)),
    ],
    "gan_course.models.patchgan.measured_receptive_field": [
        ("wrong type: D", "D", C("D", 64)),
        ("wrong model: a DCGAN discriminator", "D", L(lambda: ((torch.nn.Linear(2, 2), 64), {}))),
        ("huge image_size", "image_size", L(lambda: ((tiny_patchgan(), 10**6), {}))),
        ("empty image_size", "image_size", L(lambda: ((tiny_patchgan(), 0), {}))),
    ],
    "gan_course.models.sample_codes": [
        ("wrong type: cfg", "cfg", C({"noise_dim": 62}, 8)),
        ("empty n", "n", L(lambda: ((config("InfoGANConfig"), 0), {}))),
        ("negative n", "n", L(lambda: ((config("InfoGANConfig"), -8), {}))),
        ("fractional n", "n", L(lambda: ((config("InfoGANConfig"), 2.5), {}))),
        ("huge n", "n", L(lambda: ((config("InfoGANConfig"), 10**12), {}))),
        ("wrong device", "device", L(lambda: ((config("InfoGANConfig"), 8, NO_DEVICE), {}))),
        ("wrong type: generator", "generator", L(lambda: ((config("InfoGANConfig"), 8), {"generator": 0}))),
    ],
    "gan_course.models.unet.sample_with_dropout": [
        ("wrong type: G", "G", L(lambda: (("G", images(2, s=32), 2), {}))),
        ("wrong type: x", "x", L(lambda: ((tiny_unet(), [0.0], 2), {}))),
        ("empty k", "k", L(lambda: ((tiny_unet(), images(2, s=32), 0), {}))),
        ("huge k", "k", L(lambda: ((tiny_unet(), images(2, s=32), 10**6), {}))),
        ("empty batch", "x", L(lambda: ((tiny_unet(), images(0, s=32), 2), {}))),
        ("wrong device: meta", "x", L(lambda: ((tiny_unet(), meta(2, 1, 32, 32), 2), {}))),
    ],
    # ---- theory (chapter 1) and wasserstein (chapter 9)
    "gan_course.theory.gaussian": [
        ("NaN mean", "mean", C(NAN, 1.0)),
        ("negative std", "std", C(0.0, -1.0)),
        ("empty std", "std", C(0.0, 0.0)),
        ("wrong type: mean", "mean", C("0", 1.0)),
    ],
    "gan_course.theory.quadrature_grid": [
        ("empty: no distribution", "dists", C()),
        ("wrong type: a number", "dists[0]", C(1.0)),
        ("fractional n", "n", L(lambda: ((mixture(),), {"n": 2.5}))),
        ("huge n", "n", L(lambda: ((mixture(),), {"n": 10**12}))),
        ("negative width", "width", L(lambda: ((mixture(),), {"width": -8.0}))),
        ("NaN width", "width", L(lambda: ((mixture(),), {"width": NAN}))),
    ],
    "gan_course.theory.integrate": [
        ("wrong type", "values", L(lambda: (("abc", np.linspace(0, 1, 3)), {}))),
        ("shape mismatch", "values", L(lambda: ((np.ones(4), np.linspace(0, 1, 3)), {}))),
        ("NaN values", "values", L(lambda: ((np.array([1.0, NAN, 1.0]), np.linspace(0, 1, 3)), {}))),
        ("one point", "x", L(lambda: ((np.ones(1), np.zeros(1)), {}))),
        ("NaN grid", "x", L(lambda: ((np.ones(3), np.array([0.0, NAN, 1.0])), {}))),
    ],
    "gan_course.theory.optimal_discriminator": [
        ("negative density", "p_data", L(lambda: ((np.array([0.1, -0.2]), np.array([0.1, 0.2])), {}))),
        ("shape mismatch", "p_g", L(lambda: ((np.ones(3), np.ones(4)), {}))),
        ("NaN", "p_g", L(lambda: ((np.ones(2), np.array([NAN, 1.0])), {}))),
        ("wrong type", "p_data", C(None, [1.0])),
        ("empty", "p_data", L(lambda: ((np.zeros(0), np.zeros(0)), {}))),
    ],
    "gan_course.theory.js_divergence": [
        ("shape mismatch", "q", L(lambda: ((np.ones(3), np.ones(4), np.linspace(0, 1, 3)), {}))),
        ("negative density", "p", L(lambda: ((-np.ones(3), np.ones(3), np.linspace(0, 1, 3)), {}))),
        ("wrong type: x", "x", L(lambda: ((np.ones(3), np.ones(3), "grid"), {}))),
        ("NaN", "q", L(lambda: ((np.ones(3), np.full(3, NAN), np.linspace(0, 1, 3)), {}))),
    ],
    "gan_course.theory.value_function": [
        ("wrong range: d above 1", "d",
         L(lambda: ((np.ones(3), np.ones(3), np.full(3, 2.0), np.linspace(0, 1, 3)), {}))),
        ("shape mismatch", "d", L(lambda: ((np.ones(3), np.ones(3), np.full(2, 0.5), np.linspace(0, 1, 3)), {}))),
        ("NaN d", "d", L(lambda: ((np.ones(3), np.ones(3), np.full(3, NAN), np.linspace(0, 1, 3)), {}))),
        ("wrong range: one_minus_d", "one_minus_d",
         L(lambda: ((np.ones(3), np.ones(3), np.full(3, 0.5), np.linspace(0, 1, 3)), {"one_minus_d": -np.ones(3)}))),
    ],
    "gan_course.theory.check_theory": [
        ("wrong type: data", "data", L(lambda: ((0.0, mixture()), {}))),
        ("wrong type: model", "model", L(lambda: ((mixture(), "N(0, 1)"), {}))),
        ("one point", "n", L(lambda: ((mixture(), mixture()), {"n": 1}))),
        ("huge n", "n", L(lambda: ((mixture(), mixture()), {"n": 10**12}))),
    ],
    "gan_course.theory.check_nonsaturating": [
        ("wrong type: data", "data", L(lambda: ((None, mixture()), {}))),
        ("fractional n", "n", L(lambda: ((mixture(), mixture()), {"n": 100.5}))),
    ],
    "gan_course.theory.jsd_sweep": [
        ("wrong type: data", "data", C(1.0, [0.0], 1.0)),
        ("empty shifts", "shifts", L(lambda: ((mixture(), [], 1.0), {}))),
        ("NaN shift", "shifts", L(lambda: ((mixture(), [0.0, NAN], 1.0), {}))),
        ("negative std", "std", L(lambda: ((mixture(), [0.0], -1.0), {}))),
        ("huge n", "n", L(lambda: ((mixture(), [0.0], 1.0), {"n": 10**12}))),
    ],
    "gan_course.theory.fit_discriminator": [
        ("wrong type: data", "data", L(lambda: (("data", mixture()), {}))),
        ("wrong type: cfg", "cfg", L(lambda: ((mixture(), mixture()), {"cfg": {"steps": 10}}))),
        ("negative seed", "seed", L(lambda: ((mixture(), mixture()), {"seed": -1}))),
    ],
    "gan_course.theory.generator_loss_curves": [
        ("wrong range: d of 0", "d", C(np.array([0.0, 0.5]))),
        ("wrong range: d of 1", "d", C([0.5, 1.0])),
        ("NaN", "d", C([0.5, NAN])),
        ("empty", "d", C([])),
        ("wrong type", "d", C("0.5")),
        ("wrong shape: 2-D", "d", C(np.full((2, 2), 0.5))),
    ],
    "gan_course.theory.grad_norms_as_d_learns": [
        ("wrong type: G", "G", L(lambda: (("G", toy("D"), torch.zeros(8, 2), 3), {}))),
        ("wrong type: D", "D", L(lambda: ((toy("G"), None, torch.zeros(8, 2), 3), {}))),
        ("empty real", "real", L(lambda: ((toy("G"), toy("D"), torch.zeros(0, 2), 3), {}))),
        ("negative steps", "steps", L(lambda: ((toy("G"), toy("D"), torch.zeros(8, 2), -1), {}))),
        ("NaN lr", "lr", L(lambda: ((toy("G"), toy("D"), torch.zeros(8, 2), 3), {"lr": NAN}))),
        ("empty record_every", "record_every",
         L(lambda: ((toy("G"), toy("D"), torch.zeros(8, 2), 3), {"record_every": 0}))),
        ("huge batch_size", "batch_size",
         L(lambda: ((toy("G"), toy("D"), torch.zeros(8, 2), 3), {"batch_size": 10**9}))),
        ("wrong device: meta", "real", L(lambda: ((toy("G"), toy("D"), meta(8, 2), 3), {}))),
    ],
    "gan_course.wasserstein.parallel_lines": [
        ("NaN theta", "theta", C(NAN)),
        ("wrong type: theta", "theta", C("0.5")),
        ("empty n", "n", C(0.5, n=0)),
        ("huge n", "n", C(0.5, n=10**6)),
        ("negative seed", "seed", C(0.5, seed=-1)),
    ],
    "gan_course.wasserstein.w1_gaussians": [
        ("NaN mean", "mean_p", C(NAN, 1.0, 0.0, 1.0)),
        ("negative std", "std_q", C(0.0, 1.0, 0.0, -1.0)),
        ("wrong type", "std_p", C(0.0, "1", 0.0, 1.0)),
        ("huge: infinite mean", "mean_q", C(0.0, 1.0, float("inf"), 1.0)),
    ],
    "gan_course.wasserstein.fit_critic_1d": [
        ("negative std", "std_p", C(0.0, -1.0, 1.0, 1.0)),
        ("empty steps", "steps", C(0.0, 1.0, 1.0, 1.0, steps=0)),
        ("huge batch_size", "batch_size", C(0.0, 1.0, 1.0, 1.0, batch_size=10**9)),
        ("NaN lr", "lr", C(0.0, 1.0, 1.0, 1.0, lr=NAN)),
        ("negative gp_weight", "gp_weight", C(0.0, 1.0, 1.0, 1.0, gp_weight=-10.0)),
        ("wrong type: one_sided", "one_sided", C(0.0, 1.0, 1.0, 1.0, one_sided="yes")),
        ("empty n_eval", "n_eval", C(0.0, 1.0, 1.0, 1.0, n_eval=0)),
    ],
    "gan_course.wasserstein.power_iteration": [
        ("wrong type", "weight", C([[1.0, 2.0]])),
        ("wrong shape: 1-D", "weight", L(lambda: ((torch.ones(3),), {}))),
        ("empty", "weight", L(lambda: ((torch.ones(0, 3),), {}))),
        ("empty n_iter", "n_iter", L(lambda: ((torch.ones(2, 3),), {"n_iter": 0}))),
        ("huge n_iter", "n_iter", L(lambda: ((torch.ones(2, 3),), {"n_iter": 10**9}))),
        ("shape mismatch: u", "u", L(lambda: ((torch.ones(2, 3),), {"u": torch.ones(3)}))),
        ("NaN eps", "eps", L(lambda: ((torch.ones(2, 3),), {"eps": NAN}))),
        ("wrong device: meta", "weight", L(lambda: ((meta(2, 3),), {}))),
    ],
    "gan_course.wasserstein.clipped_gradient_norms": [
        ("empty clips", "clips", C(())),
        ("negative clip", "clips", C((1.0, -0.1))),
        ("NaN clip", "clips", C((NAN,))),
        ("wrong type: clips", "clips", C("0.1")),
        ("empty depth", "depth", C(depth=0)),
        ("huge hidden", "hidden", C(hidden=10**6)),
    ],
    "gan_course.wasserstein.gap_fd_correlation": [
        ("wrong type: history", "history", C([1, 2], {"step": [], "fd": []})),
        ("wrong range: history without critic_gap", "critic_gap", C({"step": [0]}, {"step": [], "fd": []})),
        ("shape mismatch", "record['step']", C({"step": [0], "critic_gap": [1.0]}, {"step": [0, 1], "fd": [1.0]})),
        ("empty window", "window", C({"step": [0], "critic_gap": [1.0]}, {"step": [0], "fd": [1.0]}, window=0)),
    ],
    # ---- recipes' other functions, profiles and runtime
    "gan_course.recipes.get_model": [
        ("wrong range: unknown model", "model", C("stylegan3")),
        ("wrong type: a list", "model", C(["dcgan"])),
        ("wrong type: None", "model", C(None)),
    ],
    "gan_course.recipes.cgan.class_grid": [
        ("wrong type: G", "G", L(lambda: ((tiny_generator(), torch.zeros(2, 4)), {}))),
        ("wrong type: z", "z", L(lambda: ((tiny_cgan(), [0.0]), {}))),
        ("wrong shape: latent size", "z", L(lambda: ((tiny_cgan(), torch.zeros(2, 5)), {}))),
        ("empty z", "z", L(lambda: ((tiny_cgan(), torch.zeros(0, 4)), {}))),
        ("wrong device: meta", "z", L(lambda: ((tiny_cgan(), meta(2, 4)), {}))),
    ],
    "gan_course.recipes.cgan.sample_conditional": [
        ("wrong type: G", "G", L(lambda: ((tiny_generator(), 4, "cpu"), {}))),
        ("empty n", "n", L(lambda: ((tiny_cgan(), 0, "cpu"), {}))),
        ("fractional n", "n", L(lambda: ((tiny_cgan(), 2.5, "cpu"), {}))),
        ("huge n", "n", L(lambda: ((tiny_cgan(), 10**9, "cpu"), {}))),
        ("wrong device", "device", L(lambda: ((tiny_cgan(), 4, NO_DEVICE), {}))),
        ("wrong range: label 10", "label", L(lambda: ((tiny_cgan(), 4, "cpu"), {"labels": 10}))),
        ("wrong type: labels", "labels", L(lambda: ((tiny_cgan(), 4, "cpu"), {"labels": "shirt"}))),
        ("empty batch", "batch", L(lambda: ((tiny_cgan(), 4, "cpu"), {"batch": 0}))),
    ],
    "gan_course.recipes.cgan.per_class_accuracy": [
        ("batch mismatch", "labels", L(lambda: ((images(4), torch.arange(3)), {}))),
        ("wrong range: class 10", "labels", L(lambda: ((images(4), torch.tensor([0, 1, 2, 10])), {}))),
        ("wrong type: images", "images", C("images", [0])),
        ("wrong device", "device", L(lambda: ((images(4), torch.arange(4)), {"device": NO_DEVICE}))),
        ("NaN", "images", L(lambda: ((images(4, value=NAN), torch.arange(4)), {}))),
    ],
    "gan_course.recipes.infogan.info_terms": [
        ("NaN lambda_cat", "lambda_cat", L(lambda: ((info_out(), torch.arange(2), torch.zeros(2, 1)),
                                                    {"lambda_cat": NAN, "lambda_cont": 1.0}))),
        ("negative lambda_cont", "lambda_cont", L(lambda: ((info_out(), torch.arange(2), torch.zeros(2, 1)),
                                                           {"lambda_cat": 1.0, "lambda_cont": -1.0}))),
        ("batch mismatch", "category", L(lambda: ((info_out(), torch.arange(3), torch.zeros(2, 1)),
                                                  {"lambda_cat": 1.0, "lambda_cont": 1.0}))),
        ("shape mismatch", "value", L(lambda: ((info_out(), torch.arange(2), torch.zeros(2, 3)),
                                               {"lambda_cat": 1.0, "lambda_cont": 1.0}))),
    ],
    "gan_course.recipes.toy.build_toy": [
        ("wrong type: recipe", "recipe", C({"steps": 10})),
        ("wrong recipe: chapter 9's ring", "recipe", L(lambda: ((ring_recipe(),), {}))),
        ("wrong device", "device", L(lambda: ((toy_gan_recipe(), NO_DEVICE), {}))),
        ("wrong type: out_dir", "out_dir", L(lambda: ((toy_gan_recipe(), "cpu", 5), {}))),
        ("negative seed", "seed", L(lambda: ((toy_gan_recipe(), "cpu", None, -1), {}))),
        ("wrong type: tag", "tag", L(lambda: ((toy_gan_recipe(),), {"tag": None}))),
        ("unknown precision", "precision", L(lambda: ((toy_gan_recipe(),), {"precision": "half"}))),
    ],
    "gan_course.recipes.toy.run_lab": [
        ("wrong type: name", "name", L(lambda: ((5, toy_gan_recipe(), [0]), {}))),
        ("wrong type: recipe", "recipe", C("baseline", None, [0])),
        ("empty seeds", "seeds", L(lambda: (("baseline", toy_gan_recipe(), []), {}))),
        ("negative seed", "seeds[1]", L(lambda: (("baseline", toy_gan_recipe(), [0, -1]), {}))),
        ("wrong type: seeds as a number", "seeds", L(lambda: (("baseline", toy_gan_recipe(), 3), {}))),
        ("wrong type: out_root", "out_root", L(lambda: (("baseline", toy_gan_recipe(), [0], 1.5), {}))),
    ],
    "gan_course.recipes.wgan.build_wgan": [
        ("wrong type", "recipe", C("wgan-gp", "cpu", None)),
        ("wrong recipe: chapter 4's", "recipe", L(lambda: ((recipe("dcgan"), "cpu", None), {}))),
        ("wrong device", "device", L(lambda: ((wgan_recipe(), NO_DEVICE, None), {}))),
        ("negative seed", "seed", L(lambda: ((wgan_recipe(), "cpu", None, -1), {}))),
        ("wrong type: out_dir", "out_dir", L(lambda: ((wgan_recipe(), "cpu", 3.5), {}))),
    ],
    "gan_course.recipes.wgan.run_ring_lab": [
        ("wrong type: one method as a string", "methods", C("wgan-gp", [0])),
        ("empty methods", "methods", C([], [0])),
        ("wrong range: unknown method", "method", C(["wgan-xx"], [0])),
        ("empty seeds", "seeds", C(["nsgan"], [])),
        ("fractional seed", "seeds[0]", C(["nsgan"], [0.5])),
        ("wrong range: profile", "profile", C(["nsgan"], [0], profile="fast")),
    ],
    "gan_course.recipes.cyclegan.translate_test_items": [
        ("wrong type: G", "G", L(lambda: ((tiny_unet(), 4), {}))),
        ("empty n", "n", L(lambda: ((tiny_cycle(), 0), {}))),
        ("fractional n", "n", L(lambda: ((tiny_cycle(), 2.5), {}))),
        ("wrong range: direction", "direction", L(lambda: ((tiny_cycle(), 4, "AtoC"), {}))),
        ("wrong device", "device", L(lambda: ((tiny_cycle(), 4), {"device": NO_DEVICE}))),
    ],
    "gan_course.recipes.cyclegan.measure_cyclegan": [
        ("wrong type: G", "G", C("G")),
        ("wrong device", "device", L(lambda: ((tiny_cycle(), NO_DEVICE), {}))),
        ("empty n", "n", L(lambda: ((tiny_cycle(),), {"n": 0}))),
        ("NaN noise_std", "noise_std", L(lambda: ((tiny_cycle(),), {"noise_std": NAN}))),
        ("wrong type: domain_test", "domain_test", L(lambda: ((tiny_cycle(),), {"domain_test": "negative"}))),
    ],
    "gan_course.recipes.pix2pix.translate_test_items": [
        ("wrong type: G", "G", L(lambda: ((tiny_cycle(), 4), {}))),
        ("empty n", "n", L(lambda: ((tiny_unet(), 0), {}))),
        ("huge n", "n", L(lambda: ((tiny_unet(), 10**9), {}))),
        ("wrong range: direction", "direction", L(lambda: ((tiny_unet(), 4, "BtoA"), {}))),
        ("wrong device", "device", L(lambda: ((tiny_unet(), 4), {"device": NO_DEVICE}))),
    ],
    "gan_course.profiles.pick": [
        ("wrong range: profile", "profile", C(smoke=1, full=2, profile="fast")),
        ("wrong type: profile", "profile", C(smoke=1, full=2, profile=5)),
    ],
    "gan_course.runtime.show_source": [
        ("wrong type: a number", "obj", C(5)),
        ("wrong type: a string", "obj", C("discriminator_loss")),
        ("wrong type: open", "open", L(lambda: ((images,), {"open": "yes"}))),
        ("wrong type: idea_only", "idea_only", L(lambda: ((images,), {"idea_only": None}))),
        ("no source: a built-in", "obj", C(len)),
    ],
    "gan_course.runtime.describe_machine": [
        ("wrong device", "device", C(NO_DEVICE)),
        ("wrong type", "device", C(5.5)),
    ],
    "gan_course.runtime.eval_mode": [
        ("wrong type: a word", "modules", C("G")),
        ("wrong type: None", "modules", C(None)),
        ("wrong type: a tensor", "modules", L(lambda: ((tiny_generator(), torch.zeros(2)), {}))),
    ],
    "gan_course.runtime.notebook_setup": [
        ("negative seed", "seed", C(-1)),
        ("huge seed", "seed", C(2**70)),
        ("wrong type: seed", "seed", C("0")),
    ],
    # ---- plotting and widgets: types and emptiness, before any figure is made
    "gan_course.plotting.wasserstein.plot_critic_1d": [
        ("wrong type: fit", "fit", C("fit", 0.0, 1.0, 1.0, 1.0, 1.0)),
    ],
    "gan_course.plotting.wasserstein.plot_gap_and_fd": [
        ("wrong type: a list", "runs", C([1, 2])),
        ("empty", "runs", C({})),
        ("wrong type: a run as one dict", "runs['wgan-gp']", C({"wgan-gp": {"step": []}})),
    ],
    "gan_course.plotting.wasserstein.plot_layer_grad_norms": [
        ("wrong type", "norms", C([1.0, 2.0])),
        ("empty", "norms", C({})),
        ("NaN", "norms['c = 1']", C({"c = 1": [1.0, NAN]})),
    ],
    "gan_course.plotting.wasserstein.plot_parallel_lines": [
        ("wrong type: one dict", "rows", C({"theta": 0.0, "jsd": 0.0, "emd": 0.0})),
        ("empty", "rows", C([])),
        ("wrong range: a row without emd", "rows[0]", C([{"theta": 0.0, "jsd": 0.0}])),
    ],
    "gan_course.widgets.wgan.method_player": [
        ("wrong type: a list", "runs", C([1])),
        ("empty", "runs", C({})),
        ("wrong type: samples", "runs['nsgan'] samples", C({"nsgan": ("samples", {})})),
        ("empty n_images", "n_images", L(lambda: (({"nsgan": ([(0, images(2))], {})},), {"n_images": 0}))),
        ("NaN dpi", "dpi", L(lambda: (({"nsgan": ([(0, images(2))], {})},), {"dpi": NAN}))),
    ],
    "gan_course.plotting.codes.plot_code_classes": [
        ("wrong range: class 10", "classes", C(torch.tensor([0, 1]), torch.tensor([1, 10]))),
        ("batch mismatch", "classes", C(torch.tensor([0, 1]), torch.tensor([1]))),
        ("empty n_codes", "n_codes", C(torch.tensor([0]), torch.tensor([1]), n_codes=0)),
        ("wrong type: codes", "codes", C("codes", torch.tensor([1]))),
    ],
    "gan_course.plotting.codes.plot_code_effects": [
        ("wrong type", "effects", C([1, 2])),
        ("empty", "effects", C({})),
        ("wrong range: no codes", "effects", C({"values": [0.0]})),
        ("NaN train_range", "train_range", C({"values": [0.0], "codes": {0: {"width": [1.0]}}}, train_range=NAN)),
    ],
    "gan_course.plotting.codes.plot_info_losses": [
        ("wrong type: a list", "history", C([0.1])),
        ("empty n_categories", "n_categories", L(lambda: ((history(),), {"n_categories": 0}))),
        ("fractional window", "window", L(lambda: ((history(),), {"window": 2.5}))),
    ],
    "gan_course.plotting.conditional_diagram": [("wrong config", "cfg", L(lambda: ((config("MLPConfig"),), {})))],
    "gan_course.plotting.dcgan_diagram": [
        ("wrong config", "cfg", L(lambda: ((config("CGANConfig"),), {}))),
        ("wrong type", "cfg", C({"image_size": 64})),
    ],
    "gan_course.plotting.infogan_diagram": [("wrong type", "cfg", C("infogan"))],
    "gan_course.plotting.unet_patchgan_diagram": [
        ("wrong config: unet_cfg", "unet_cfg", L(lambda: ((config("PatchGANConfig"),), {}))),
        ("wrong config: patch_cfg", "patch_cfg", L(lambda: ((None, config("UNetConfig")), {}))),
        ("wrong type: cell", "cell", C(cell=5)),
    ],
    "gan_course.plotting.cyclegan_diagram": [("wrong type: a", "a", C(1)), ("wrong type: g_ba", "g_ba", C(g_ba=None))],
    "gan_course.plotting.gan_game_diagram": [("wrong type: title", "title", C(5))],
    "gan_course.plotting.knn_balls_diagram": [
        ("empty k", "k", C(0)), ("fractional k", "k", C(2.5)), ("negative seed", "seed", C(seed=-1))],
    "gan_course.plotting.plot_coverage_over_training": [
        ("wrong type", "rows", C([1])),
        ("empty", "rows", C({})),
        ("wrong type: runs", "rows['baseline']", C({"baseline": [1, 2]})),
    ],
    "gan_course.plotting.plot_final_samples": [
        ("wrong type", "rows", C("rows", torch.zeros(8, 2), 0.1)),
        ("empty", "rows", C({}, torch.zeros(8, 2), 0.1)),
    ],
    "gan_course.plotting.plot_densities_1d": [
        ("shape mismatch", "p_g", C(np.linspace(0, 1, 5), np.ones(5), np.ones(4), np.ones(5))),
        ("NaN", "d_star", C(np.linspace(0, 1, 5), np.ones(5), np.ones(5), np.full(5, NAN))),
        ("wrong type: x", "x", C("x", np.ones(5), np.ones(5), np.ones(5))),
        ("wrong type: ax", "ax", C(np.linspace(0, 1, 5), np.ones(5), np.ones(5), np.ones(5), ax=5)),
    ],
    "gan_course.plotting.plot_fd_vs_n": [
        ("wrong type", "curves", C([1])),
        ("empty", "curves", C({})),
        ("wrong type: a curve", "curves['real']", C({"real": [1.0]})),
    ],
    "gan_course.plotting.plot_generator_losses": [("wrong type", "curves", C([1])), ("empty", "curves", C({}))],
    "gan_course.plotting.plot_grad_norms_vs_d": [
        ("wrong type", "record", C([1])),
        ("wrong range: no d_fake", "record", C({"step": [0]})),
    ],
    "gan_course.plotting.plot_jsd_sweep": [
        ("wrong type", "sweep", C([1])),
        ("wrong range: no jsd", "sweep", C({"shift": [0.0], "value": [0.0]})),
    ],
    "gan_course.plotting.plot_precision_recall": [
        ("wrong type", "points", C([1])),
        ("empty", "points", C({})),
        ("wrong range: no recall", "points['a']", C({"a": {"precision": 0.5}})),
        ("wrong type: reference", "reference", C({"a": {"precision": 0.5, "recall": 0.5}}, reference=[1])),
    ],
    "gan_course.plotting.plot_quality": [
        ("wrong type: a list", "runs", C([1])),
        ("wrong type: a record as a list", "runs['a']", C({"a": [1.0]})),
        ("wrong type: logy", "logy", C({"a": None}, logy="yes")),
        ("NaN bar", "bar", C({"a": None}, bar=NAN)),
    ],
    "gan_course.plotting.plot_value_convergence": [
        ("wrong type", "history", C([1], 0.0)),
        ("NaN v_star", "v_star", C({"step": [1], "value": [0.1]}, NAN)),
        ("empty window", "window", C({"step": [1], "value": [0.1]}, 0.0, window=0)),
    ],
    "gan_course.plotting.show_ladder": [
        ("wrong type", "rungs", C([1])),
        ("empty", "rungs", C({})),
        ("5 channels", "rungs['real']", L(lambda: (({"real": images(2, c=5)},), {}))),
        ("empty n_images", "n_images", L(lambda: (({"real": images(2)},), {"n_images": 0}))),
    ],
    "gan_course.plotting.toy_frame": [
        ("wrong type: panels", "panels", C("panels", torch.zeros(8, 2), 0.1)),
        ("empty panels", "panels", C([], torch.zeros(8, 2), 0.1)),
        ("wrong type: a panel", "panels[0]", C([("a", [1.0])], torch.zeros(8, 2), 0.1)),
        ("NaN std", "std", L(lambda: (([("a", torch.zeros(4, 2))], torch.zeros(8, 2), NAN), {}))),
    ],
    "gan_course.plotting.translation.plot_cyclegan_losses": [("wrong type: a list", "history", C([0.1]))],
    "gan_course.plotting.translation.show_patches": [
        ("wrong type: image", "image", C("image", [1])),
        ("wrong shape: a batch", "image", L(lambda: ((images(2),), {"n_layers_list": [1]}))),
        ("empty n_layers_list", "n_layers_list", L(lambda: ((images(1)[0], []), {}))),
        ("negative cell", "cell", L(lambda: ((images(1)[0], [1]), {"cell": -1}))),
    ],
    "gan_course.plotting.translation.show_rows": [("wrong type: a list", "rows", C([1]))],
    "gan_course.plotting.translation.show_translations": [
        ("wrong type", "result", C([1])),
        ("wrong range: no reconstructions", "result", L(lambda: (({"inputs": images(2), "outputs": images(2)},), {}))),
        ("empty n", "n", L(lambda: (({"inputs": images(2), "outputs": images(2), "reconstructions": images(2)},),
                                    {"n": 0}))),
    ],
    "gan_course.widgets.cgan.class_picker": [
        ("wrong type: generator", "generator", C("G", torch.zeros(2, 4))),
        ("wrong type: z", "z", L(lambda: ((tiny_cgan(), [0.0]), {}))),
        ("empty classes", "classes", L(lambda: ((tiny_cgan(), torch.zeros(2, 4)), {"classes": []}))),
    ],
    "gan_course.widgets.cgan.class_snapshot_player": [
        ("wrong type", "snapshots", C("snapshots")),
        ("empty", "snapshots", C([])),
        ("empty num_classes", "num_classes", L(lambda: (([(0, images(2))],), {"num_classes": 0}))),
    ],
    "gan_course.widgets.cyclegan.translation_player": [
        ("wrong type", "snapshots", C(5, 4)),
        ("empty n_show", "n_show", L(lambda: (([(0, images(2))], 0), {}))),
        ("fractional scale", "scale", L(lambda: (([(0, images(2))], 2), {"scale": 2.5}))),
    ],
    "gan_course.widgets.dcgan.size_calculator": [
        ("wrong type: i_values", "i_values", C(i_values="123")),
        ("negative stride", "strides[0]", C(strides=[-1])),
        ("wrong type: start", "start", C(start=2)),
    ],
    "gan_course.widgets.dcgan.transposed_conv_player": [
        ("wrong type", "configs", C("4421")),
        ("empty", "configs", C([])),
        ("huge dpi", "dpi", C([(4, 4, 2, 1)], dpi=10**6)),
    ],
    "gan_course.widgets.frame_player": [
        ("wrong type: frames", "frames", C("frames", ["a"])),
        ("empty", "frames", C([], [])),
        ("wrong type: a frame", "frames", C(["not bytes"], ["a"])),
        ("empty play_interval_ms", "play_interval_ms", C([b"png"], ["a"], play_interval_ms=0)),
    ],
    "gan_course.widgets.infogan.code_explorer": [
        ("wrong type: G", "G", C("G", torch.zeros(2, 4))),
        ("wrong type: z", "z", L(lambda: ((tiny_infogan(), "z"), {}))),
        ("empty values", "values", L(lambda: ((tiny_infogan(), torch.zeros(2, 4)), {"values": []}))),
        ("NaN value", "values", L(lambda: ((tiny_infogan(), torch.zeros(2, 4)), {"values": [0.0, NAN]}))),
    ],
    "gan_course.widgets.infogan.code_grid": [
        ("wrong type: G", "G", C("G", torch.zeros(2, 4), 0, "category")),
        ("wrong shape: noise size", "z", L(lambda: ((tiny_infogan(), torch.zeros(2, 5), 0, "category"), {}))),
        ("wrong range: category", "category", L(lambda: ((tiny_infogan(), torch.zeros(2, 4), 5, "category"), {}))),
        ("wrong range: vary", "vary", L(lambda: ((tiny_infogan(), torch.zeros(2, 4), 0, 3), {"values": [0.0]}))),
        ("NaN value", "values", L(lambda: ((tiny_infogan(), torch.zeros(2, 4), 0, 0), {"values": [NAN]}))),
    ],
    "gan_course.widgets.latent_walk_player": [
        ("wrong type: generator", "generator", L(lambda: (("G", torch.zeros(3, 4)), {}))),
        ("wrong type: path", "path", L(lambda: ((tiny_generator(), [[0.0]]), {}))),
        ("empty path", "path", L(lambda: ((tiny_generator(), torch.zeros(0, 4)), {}))),
        ("wrong device: meta", "path", L(lambda: ((tiny_generator(), meta(3, 4)), {}))),
    ],
    "gan_course.widgets.pix2pix.translation_player": [
        ("wrong type", "inputs", C([1], [1], [1])),
        ("batch mismatch", "translation_player", L(lambda: ((images(2), images(3), images(2)), {}))),
        ("empty scale", "scale", L(lambda: ((images(2), images(2), images(2)), {"scale": 0}))),
    ],
    "gan_course.widgets.snapshot_player": [
        ("wrong type: one tensor", "snapshots", L(lambda: ((images(),), {}))),
        ("5 channels", "snapshots[0] images", L(lambda: (([(0, images(2, c=5))],), {}))),
        ("empty n_images", "n_images", L(lambda: (([(0, images(2))],), {"n_images": 0}))),
    ],
    # ---- the image pool and chapter 8's evaluation helpers
    "gan_course.image_pool.ImagePool": [
        ("wrong type: image_shape", "image_shape", C(28)),
        ("empty image_shape side", "image_shape[0]", C((0, 32, 32))),
        ("negative size", "size", C((1, 32, 32), size=-1)),
        ("fractional size", "size", C((1, 32, 32), size=2.5)),
        ("huge size", "size", C((1, 32, 32), size=10**9)),
        ("NaN p_swap", "p_swap", C((1, 32, 32), p_swap=NAN)),
        ("wrong range: p_swap", "p_swap", C((1, 32, 32), p_swap=1.5)),
        ("negative seed", "seed", C((1, 32, 32), seed=-1)),
    ],
    "gan_course.experiments.evaluation.evaluate_generator": [
        ("wrong range: model", "model", L(lambda: (("stylegan3", tiny_generator()), {}))),
        ("wrong type: G", "G", C("vanilla", "G")),
        ("wrong device", "device", L(lambda: (("vanilla", tiny_generator()), {"device": NO_DEVICE}))),
        ("empty n", "n", L(lambda: (("vanilla", tiny_generator()), {"n": 0}))),
        ("fractional n", "n", L(lambda: (("vanilla", tiny_generator()), {"n": 2.5}))),
        ("negative seed", "seed", L(lambda: (("vanilla", tiny_generator()), {"seed": -1}))),
        ("wrong type: ladder", "ladder", L(lambda: (("vanilla", tiny_generator()), {"ladder": "no"}))),
    ],
    "gan_course.experiments.evaluation.evaluate_committed": [
        ("wrong device", "device", C(NO_DEVICE)),
        ("negative n", "n", C(n=-1)),
        ("huge n", "n", C(n=10**9)),
        ("wrong type: seed", "seed", C(seed="0")),
    ],
    "gan_course.experiments.evaluation.goal_report": [
        ("wrong range: model", "model", C("stylegan3", {})),
        ("wrong type: scores", "scores", C("dcgan", [1.0])),
        ("NaN-like: a word for a score", "scores['fd']", C("dcgan", {"fd": "low"})),
    ],
    "gan_course.experiments.evaluation.truncation_sweep": [
        ("wrong type: G", "G", C("G", [1.0])),
        ("empty psis", "psis", L(lambda: ((tiny_generator(), []), {}))),
        ("negative psi", "psis", L(lambda: ((tiny_generator(), [1.0, -0.5]), {}))),
        ("NaN psi", "psis", L(lambda: ((tiny_generator(), [NAN]), {}))),
        ("wrong device", "device", L(lambda: ((tiny_generator(), [1.0]), {"device": NO_DEVICE}))),
        ("empty n", "n", L(lambda: ((tiny_generator(), [1.0]), {"n": 0}))),
    ],
    "gan_course.experiments.evaluation.fd_versus_sample_size": [
        ("wrong type: images_a", "images_a", C("images", [10])),
        ("wrong type: sizes", "sizes", L(lambda: ((images(8), 4), {}))),
        ("wrong range: more than the images", "sizes[0]", L(lambda: ((images(8), [100]), {}))),
        ("wrong device", "device", L(lambda: ((images(8), [4]), {"device": NO_DEVICE}))),
        ("wrong device: meta", "images_a", L(lambda: ((meta(8, 1, 28, 28), [4]), {}))),
    ],
    # a real trainer's garbage (use_pretrained='no' or None, another model's name): tests/test_pretrained.py
    "gan_course.pretrained.train_or_load": [
        ("wrong type: no trainer", "trainer", C(None, "vanilla", True)),
        ("wrong type: a name for the trainer", "trainer", C("vanilla", "vanilla", "no")),
    ],
    # ---- chapter 10: augmentation and EMA (they run at every training step: types and shapes only)
    "gan_course.augment.augment_color": [
        ("wrong type: a list", "x", C([[0.0, 1.0]])),
        ("wrong shape: one image", "x", L(lambda: ((torch.zeros(1, 28, 28),), {}))),
        ("empty batch", "x", L(lambda: ((images(0),), {}))),
        ("wrong device: meta", "x", L(lambda: ((meta(2, 1, 28, 28),), {}))),
        ("wrong type: uint8 pixels", "x", L(lambda: ((torch.zeros(2, 1, 28, 28, dtype=torch.uint8),), {}))),
        ("wrong type: generator", "generator", L(lambda: ((images(2),), {"generator": 0}))),
    ],
    "gan_course.augment.augment_translation": [
        ("wrong type: a NumPy array", "x", C(np.zeros((2, 1, 28, 28), np.float32))),
        ("NaN ratio", "ratio", L(lambda: ((images(2),), {"ratio": NAN}))),
        ("negative ratio", "ratio", L(lambda: ((images(2),), {"ratio": -0.1}))),
        ("huge ratio", "ratio", L(lambda: ((images(2),), {"ratio": 5.0}))),
        ("wrong type: ratio", "ratio", L(lambda: ((images(2),), {"ratio": "1/8"}))),
        ("wrong device: meta", "x", L(lambda: ((meta(2, 1, 28, 28),), {}))),
    ],
    "gan_course.augment.augment_cutout": [
        ("wrong type: None", "x", C(None)),
        ("wrong range: ratio above 1", "ratio", L(lambda: ((images(2),), {"ratio": 1.5}))),
        ("NaN ratio", "ratio", L(lambda: ((images(2),), {"ratio": NAN}))),
        ("empty batch", "x", L(lambda: ((images(0),), {}))),
        ("wrong type: generator", "generator", L(lambda: ((images(2),), {"generator": "seed 0"}))),
    ],
    "gan_course.augment.diff_augment": [
        ("wrong type: a list", "x", C([1.0, 2.0])),
        ("wrong range: unknown policy", "policy", L(lambda: ((images(2), "rotate"), {}))),
        ("wrong type: policy as a list", "policy", L(lambda: ((images(2), ["color"]), {}))),
        ("wrong type: generator", "generator", L(lambda: ((images(2),), {"generator": 5}))),
        ("empty batch", "x", L(lambda: ((images(0),), {}))),
        ("wrong device: meta", "x", L(lambda: ((meta(2, 1, 28, 28),), {}))),
    ],
    "gan_course.ema.make_ema": [
        ("wrong type: a word", "model", C("G")),
        ("wrong type: a tensor", "model", L(lambda: ((torch.zeros(3),), {}))),
    ],
    "gan_course.ema.ema_update": [
        ("wrong type: ema", "ema", L(lambda: (("G_ema", tiny_generator(), 0.9), {}))),
        ("wrong type: model", "model", L(lambda: ((tiny_generator(), None, 0.9), {}))),
        ("wrong model: another architecture", "ema", L(lambda: ((tiny_generator(), tiny_style(), 0.9), {}))),
        ("NaN decay", "decay", L(lambda: ((tiny_generator(), tiny_generator(), NAN), {}))),
        ("negative decay", "decay", L(lambda: ((tiny_generator(), tiny_generator(), -0.1), {}))),
        ("wrong range: decay above 1", "decay", L(lambda: ((tiny_generator(), tiny_generator(), 1.5), {}))),
        ("wrong type: decay", "decay", L(lambda: ((tiny_generator(), tiny_generator(), "0.99"), {}))),
    ],
    # ---- chapter 10: the style-based generator, its operations (every forward pass: types and shapes only)
    "gan_course.models.stylegan.StyleGenerator": [
        ("wrong type: a dict", "cfg", C({"latent_dim": 64})),
        ("wrong config: a DCGANConfig", "cfg", L(lambda: ((config("DCGANConfig"),), {}))),
    ],
    "gan_course.models.stylegan.StyleLayer": [
        ("empty w_dim", "w_dim", C(0, 4, 4)),
        ("fractional in_channels", "in_channels", C(4, 2.5, 4)),
        ("huge out_channels", "out_channels", C(4, 4, 2**40)),
        ("negative in_channels", "in_channels", C(4, -4, 4)),
        ("wrong type: up", "up", C(4, 4, 4, up="yes")),
    ],
    "gan_course.models.stylegan.ToRGB": [
        ("empty channels", "channels", C(4, 4, 0)),
        ("wrong type: w_dim", "w_dim", C("64", 4, 1)),
        ("NaN in_channels", "in_channels", C(4, NAN, 1)),
    ],
    "gan_course.models.stylegan.pixel_norm": [
        ("wrong type: a list", "z", C([1.0, 2.0])),
        ("empty: no components", "z", L(lambda: ((torch.zeros(4, 0),), {}))),
        ("wrong type: integers", "z", L(lambda: ((torch.arange(4),), {}))),
        ("NaN eps", "eps", L(lambda: ((torch.randn(2, 4),), {"eps": NAN}))),
        ("negative eps", "eps", L(lambda: ((torch.randn(2, 4),), {"eps": -1.0}))),
        ("wrong device: meta", "z", L(lambda: ((meta(2, 4),), {}))),
    ],
    "gan_course.models.stylegan.modulated_weights": [
        ("wrong type: weight", "weight", L(lambda: (([[1.0]], torch.ones(2, 3)), {}))),
        ("shape mismatch: styles", "styles", L(lambda: ((torch.ones(4, 3, 3, 3), torch.ones(2, 5)), {}))),
        ("empty styles", "styles", L(lambda: ((torch.ones(4, 3, 3, 3), torch.ones(0, 3)), {}))),
        ("NaN eps", "eps", L(lambda: ((torch.ones(4, 3, 3, 3), torch.ones(2, 3)), {"eps": NAN}))),
        ("wrong type: demodulate", "demodulate", L(lambda: ((torch.ones(4, 3, 3, 3), torch.ones(2, 3)),
                                                            {"demodulate": "yes"}))),
        ("wrong device: meta", "weight", L(lambda: ((meta(4, 3, 3, 3), torch.ones(2, 3)), {}))),
    ],
    "gan_course.models.stylegan.modulated_conv2d": [
        ("wrong type: x", "x", L(lambda: (("x", torch.ones(4, 3, 3, 3), torch.ones(2, 3)), {}))),
        ("channel mismatch", "x", L(lambda: ((torch.ones(2, 5, 8, 8), torch.ones(4, 3, 3, 3), torch.ones(2, 3)), {}))),
        ("batch mismatch", "x", L(lambda: ((torch.ones(3, 3, 8, 8), torch.ones(4, 3, 3, 3), torch.ones(2, 3)), {}))),
        ("wrong shape: 3-D weight", "weight", L(lambda: ((torch.ones(2, 3, 8, 8), torch.ones(4, 3, 3),
                                                          torch.ones(2, 3)), {}))),
        ("negative padding", "padding", L(lambda: ((torch.ones(2, 3, 8, 8), torch.ones(4, 3, 3, 3), torch.ones(2, 3)),
                                                   {"padding": -1}))),
        ("wrong type: fused", "fused", L(lambda: ((torch.ones(2, 3, 8, 8), torch.ones(4, 3, 3, 3), torch.ones(2, 3)),
                                                  {"fused": 1}))),
        ("wrong device: meta", "styles", L(lambda: ((torch.ones(2, 3, 8, 8), torch.ones(4, 3, 3, 3), meta(2, 3)), {}))),
    ],
    "gan_course.models.stylegan.truncate": [
        ("wrong type: w", "w", L(lambda: (([[0.0]], torch.zeros(4), 0.7), {}))),
        ("shape mismatch: w_avg", "w_avg", L(lambda: ((torch.zeros(2, 4), torch.zeros(5), 0.7), {}))),
        ("NaN psi", "psi", L(lambda: ((torch.zeros(2, 4), torch.zeros(4), NAN), {}))),
        ("wrong range: psi above 1", "psi", L(lambda: ((torch.zeros(2, 4), torch.zeros(4), 2.0), {}))),
        ("wrong type: psi", "psi", L(lambda: ((torch.zeros(2, 4), torch.zeros(4), "0.7"), {}))),
        ("wrong device: meta", "w", L(lambda: ((meta(2, 4), torch.zeros(4), 0.7), {}))),
    ],
    "gan_course.models.stylegan.mix_styles": [
        ("wrong type: w1", "w1", L(lambda: (([0.0], torch.zeros(2, 4), 8, 3), {}))),
        ("shape mismatch", "w2", L(lambda: ((torch.zeros(2, 4), torch.zeros(3, 4), 8, 3), {}))),
        ("wrong range: crossover above num_ws", "crossover", L(lambda: ((torch.zeros(2, 4), torch.zeros(2, 4), 8, 9),
                                                                        {}))),
        ("fractional crossover", "crossover", L(lambda: ((torch.zeros(2, 4), torch.zeros(2, 4), 8, 2.5), {}))),
        ("empty num_ws", "num_ws", L(lambda: ((torch.zeros(2, 4), torch.zeros(2, 4), 0, 0), {}))),
        ("wrong device: meta", "w2", L(lambda: ((torch.zeros(2, 4), meta(2, 4), 8, 3), {}))),
    ],
    # ---- chapter 10: the recipe, its measures, figures and player
    "gan_course.recipes.stylegan.build_stylegan": [
        ("wrong type", "recipe", C("stylegan", "cpu", None)),
        ("wrong recipe: chapter 11's", "recipe", L(lambda: ((ddpm_recipe(), "cpu", None), {}))),
        ("wrong device", "device", L(lambda: ((style_recipe(), NO_DEVICE, None), {}))),
        ("negative seed", "seed", L(lambda: ((style_recipe(), "cpu", None, -1), {}))),
        ("wrong type: out_dir", "out_dir", L(lambda: ((style_recipe(), "cpu", 3.5), {}))),
        ("wrong type: augment_fn", "augment_fn", L(lambda: ((style_recipe(), "cpu", None), {"augment_fn": "color"}))),
    ],
    "gan_course.recipes.stylegan.generate": [
        ("wrong type: G", "G", L(lambda: ((tiny_generator(), torch.zeros(2, 4)), {}))),
        ("wrong shape: latent size", "z", L(lambda: ((tiny_style(), torch.zeros(2, 5)), {}))),
        ("empty z", "z", L(lambda: ((tiny_style(), torch.zeros(0, 4)), {}))),
        ("NaN mixing_prob", "mixing_prob", L(lambda: ((tiny_style(), torch.zeros(2, 4), NAN), {}))),
        ("wrong range: mixing_prob", "mixing_prob", L(lambda: ((tiny_style(), torch.zeros(2, 4), 1.5), {}))),
        ("wrong device: meta", "z", L(lambda: ((tiny_style(), meta(2, 4)), {}))),
    ],
    "gan_course.recipes.stylegan.fixed_draw": [
        ("wrong type: G", "G", L(lambda: (("G", torch.zeros(2, 4), 0), {}))),
        ("wrong type: z", "z", L(lambda: ((tiny_style(), [0.0], 0), {}))),
        ("wrong shape: latent size", "z", L(lambda: ((tiny_style(), torch.zeros(2, 6), 0), {}))),
        ("negative seed", "seed", L(lambda: ((tiny_style(), torch.zeros(2, 4), -1), {}))),
        ("huge seed", "seed", L(lambda: ((tiny_style(), torch.zeros(2, 4), 2**70), {}))),
        ("NaN psi", "psi", L(lambda: ((tiny_style(), torch.zeros(2, 4), 0), {"psi": NAN}))),
    ],
    "gan_course.metrics.style.draw_truncated": [
        ("wrong type: G", "G", C("G", 4, 0.7)),
        ("wrong model: an MLP generator", "G", L(lambda: ((tiny_generator(), 4, 0.7), {}))),
        ("empty n", "n", L(lambda: ((tiny_style(), 0, 0.7), {}))),
        ("huge n", "n", L(lambda: ((tiny_style(), 10**9, 0.7), {}))),
        ("fractional n", "n", L(lambda: ((tiny_style(), 2.5, 0.7), {}))),
        ("NaN psi", "psi", L(lambda: ((tiny_style(), 4, NAN), {}))),
        ("negative psi", "psi", L(lambda: ((tiny_style(), 4, -0.5), {}))),
        ("negative seed", "seed", L(lambda: ((tiny_style(), 4, 0.7), {"seed": -1}))),
        ("wrong type: truncate_fn", "truncate_fn", L(lambda: ((tiny_style(), 4, 0.7), {"truncate_fn": "mine"}))),
        ("wrong device", "device", L(lambda: ((tiny_style(), 4, 0.7), {"device": NO_DEVICE}))),
    ],
    "gan_course.metrics.style.w_truncation_sweep": [
        ("wrong type: G", "G", C(None, [1.0], 100)),
        ("empty psis", "psis", L(lambda: ((tiny_style(), [], 100), {}))),
        ("NaN psi", "psis", L(lambda: ((tiny_style(), [1.0, NAN], 100), {}))),
        ("wrong range: psi above 1", "psis", L(lambda: ((tiny_style(), [2.0], 100), {}))),
        ("too few: n below the scores' minimum", "n", L(lambda: ((tiny_style(), [1.0], 2), {}))),
        ("huge n", "n", L(lambda: ((tiny_style(), [1.0], 10**7), {}))),
        ("wrong device", "device", L(lambda: ((tiny_style(), [1.0], 100), {"device": NO_DEVICE}))),
    ],
    "gan_course.metrics.style.walk_class_changes": [
        ("wrong type: G", "G", C("G", 4)),
        ("empty n_walks", "n_walks", L(lambda: ((tiny_style(), 0), {}))),
        ("huge n_walks", "n_walks", L(lambda: ((tiny_style(), 10**9), {}))),
        ("huge: too many images", "n_walks", L(lambda: ((tiny_style(), 10_000), {"n_points": 100}))),
        ("one point", "n_points", L(lambda: ((tiny_style(), 4), {"n_points": 1}))),
        ("negative seed", "seed", L(lambda: ((tiny_style(), 4), {"seed": -1}))),
        ("wrong device", "device", L(lambda: ((tiny_style(), 4), {"device": NO_DEVICE}))),
    ],
    "gan_course.plotting.stylegan.style_generator_diagram": [
        ("wrong type: a dict", "cfg", C({"latent_dim": 64})),
        ("wrong config: a DCGANConfig", "cfg", L(lambda: ((config("DCGANConfig"),), {}))),
    ],
    "gan_course.plotting.stylegan.show_style_mixing": [
        ("wrong type: G", "G", C("G", [0], [1], 3)),
        ("empty source_seeds", "source_seeds", L(lambda: ((tiny_style(), [], [1], 3), {}))),
        ("negative seed", "dest_seeds[0]", L(lambda: ((tiny_style(), [0], [-1], 3), {}))),
        ("wrong range: crossover above num_ws", "crossover", L(lambda: ((tiny_style(), [0], [1], 99), {}))),
        ("fractional crossover", "crossover", L(lambda: ((tiny_style(), [0], [1], 2.5), {}))),
        ("negative noise_seed", "noise_seed", L(lambda: ((tiny_style(), [0], [1], 3), {"noise_seed": -1}))),
        ("wrong type: title", "title", L(lambda: ((tiny_style(), [0], [1], 3), {"title": 5}))),
    ],
    "gan_course.plotting.stylegan.plot_d_accuracy": [
        ("wrong type: a list", "histories", C([1, 2])),
        ("empty", "histories", C({})),
        ("wrong range: a history without D's accuracies", "histories['a']", L(lambda: (({"a": history()},), {}))),
        ("wrong range: a list shorter than step", "histories['a']['d_acc_heldout']",
         C({"a": {"step": [0, 1], "d_acc_train": [0.5, 0.5], "d_acc_heldout": [0.5]}})),
        ("empty window", "window", C({"a": {"step": [0], "d_acc_train": [0.5], "d_acc_heldout": [0.5]}}, window=0)),
    ],
    "gan_course.plotting.stylegan.plot_truncation_sweep": [
        ("wrong type: a list", "sweep", C([1.0])),
        ("empty", "sweep", C({})),
        ("wrong range: no recall", "sweep[1.0]", C({1.0: {"fd": 1.0, "precision": 0.5}})),
        ("NaN fd", "sweep[1.0]['fd']", C({1.0: {"fd": NAN, "precision": 0.5, "recall": 0.5}})),
        ("wrong type: title", "title", C({1.0: {"fd": 1.0, "precision": 0.5, "recall": 0.5}}, title=5)),
    ],
    "gan_course.widgets.stylegan.style_player": [
        ("wrong type: G", "G", L(lambda: ((tiny_generator(),), {}))),
        ("empty seeds", "seeds", L(lambda: ((tiny_style(),), {"seeds": []}))),
        ("huge: too many seeds", "seeds", L(lambda: ((tiny_style(),), {"seeds": range(9)}))),
        ("negative seed", "seeds[1]", L(lambda: ((tiny_style(),), {"seeds": (0, -1)}))),
        ("NaN psi", "psis", L(lambda: ((tiny_style(),), {"psis": (1.0, NAN)}))),
        ("wrong range: psi above 1", "psis", L(lambda: ((tiny_style(),), {"psis": (2.0,)}))),
        ("huge noise_seed", "noise_seed", L(lambda: ((tiny_style(),), {"noise_seed": 2**70}))),
        ("empty scale", "scale", L(lambda: ((tiny_style(),), {"scale": 0}))),
    ],
    # ---- chapter 11: the diffusion process, its network, recipe and player
    "gan_course.diffusion.GaussianDiffusion": [
        ("wrong type: a word", "betas", C("linear")),
        ("empty", "betas", C([])),
        ("NaN", "betas", C([0.1, NAN])),
        ("wrong range: a beta of 1", "betas", C([0.1, 1.0])),
        ("negative beta", "betas", C([-0.1, 0.2])),
        ("wrong shape: 2-D", "betas", L(lambda: ((torch.full((2, 2), 0.1),), {}))),
        ("wrong device: meta", "betas", L(lambda: ((meta(10),), {}))),
    ],
    "gan_course.diffusion.ddpm_loss": [
        ("wrong type: denoise_fn", "denoise_fn", L(lambda: (("eps", diffusion(), images(2), steps(2), images(2)), {}))),
        ("wrong type: diffusion", "diffusion",
         L(lambda: ((torch.nn.Identity(), "linear", images(2), steps(2), images(2)), {}))),
        ("wrong type: x_start", "x_start",
         L(lambda: ((torch.nn.Identity(), diffusion(), [0.0], steps(2), images(2)), {}))),
        ("empty", "x_start", L(lambda: ((torch.nn.Identity(), diffusion(), images(0), steps(0), images(0)), {}))),
        ("shape mismatch: noise", "noise",
         L(lambda: ((torch.nn.Identity(), diffusion(), images(2), steps(2), images(2, s=32)), {}))),
        ("wrong type: float steps", "t", L(lambda: ((torch.nn.Identity(), diffusion(), images(2), torch.zeros(2),
                                                     images(2)), {}))),
        ("batch mismatch: t", "t", L(lambda: ((torch.nn.Identity(), diffusion(), images(2), steps(3), images(2)), {}))),
        ("wrong device: meta", "x_start",
         L(lambda: ((torch.nn.Identity(), diffusion(), meta(2, 1, 28, 28), steps(2), images(2)), {}))),
    ],
    "gan_course.models.ddpm.DDPMUNet": [
        ("wrong type: a dict", "cfg", C({"base_channels": 16})),
        ("wrong config: a StyleGANConfig", "cfg", L(lambda: ((style_config(),), {}))),
    ],
    "gan_course.models.ddpm.ResBlock": [
        ("empty c_in", "c_in", C(0, 8, 16, 4)),
        ("wrong range: c_in not divisible by groups", "c_in", C(6, 8, 16, 4)),
        ("huge temb_dim", "temb_dim", C(8, 8, 2**40, 4)),
        ("fractional groups", "groups", C(8, 8, 16, 2.5)),
        ("wrong type: c_out", "c_out", C(8, "8", 16, 4)),
    ],
    "gan_course.recipes.ddpm.build_ddpm": [
        ("wrong type", "recipe", C(None, "cpu", None)),
        ("wrong recipe: chapter 10's", "recipe", L(lambda: ((style_recipe(), "cpu", None), {}))),
        ("wrong device", "device", L(lambda: ((ddpm_recipe(), NO_DEVICE, None), {}))),
        ("negative seed", "seed", L(lambda: ((ddpm_recipe(), "cpu", None, -1), {}))),
        ("wrong type: out_dir", "out_dir", L(lambda: ((ddpm_recipe(), "cpu", 3.5), {}))),
    ],
    "gan_course.widgets.diffusion.reverse_process_player": [
        ("wrong type: G", "G", L(lambda: ((tiny_generator(),), {}))),
        ("empty n", "n", L(lambda: ((_ddpm(),), {"n": 0}))),
        ("huge n", "n", L(lambda: ((_ddpm(),), {"n": 10**6}))),
        ("empty steps", "steps", L(lambda: ((_ddpm(),), {"steps": 0}))),
        ("more steps than T", "steps", L(lambda: ((_ddpm(),), {"steps": 5000}))),
        ("fractional steps", "steps", L(lambda: ((_ddpm(),), {"steps": 2.5}))),
        ("negative seed", "seed", L(lambda: ((_ddpm(),), {"seed": -1}))),
        ("wrong device", "device", L(lambda: ((_ddpm(),), {"device": NO_DEVICE}))),
        ("empty scale", "scale", L(lambda: ((_ddpm(),), {"scale": 0}))),
    ],
    "gan_course.plotting.diffusion.sampling_cost_diagram": [
        ("empty T", "T", C(0)),
        ("fractional T", "T", C(2.5)),
        ("NaN T", "T", C(NAN)),
        ("wrong range: more DDIM steps than T", "ddim_steps", C(10, 20)),
        ("negative ddim_steps", "ddim_steps", C(ddim_steps=-5)),
    ],
    "gan_course.plotting.diffusion.show_process": [
        ("wrong type: one tensor", "frames", L(lambda: ((images(2),), {}))),
        ("empty", "frames", C([])),
        ("wrong type: a pair without images", "frames[0]", C([(0, "x_0")])),
        ("5 channels", "frames[0] images", L(lambda: (([(0, images(2, c=5))],), {}))),
        ("empty nrow_images", "nrow_images", L(lambda: (([(0, images(2))],), {"nrow_images": 0}))),
        ("wrong type: title", "title", L(lambda: (([(0, images(2))],), {"title": None}))),
    ],
    "gan_course.plotting.diffusion.plot_fd_vs_steps": [
        ("wrong type: a list", "rows", C([(10, 5.0)])),
        ("empty", "rows", C({})),
        ("wrong type: a sampler's points as a number", "rows['ddim']", C({"ddim": 5.0})),
        ("wrong type: a point without fd", "rows['ddim'][0]", C({"ddim": [(10,)]})),
        ("NaN fd", "rows['ddim'][0] fd", C({"ddim": [(10, NAN)]})),
        ("fractional steps", "rows['ddim'][0] steps", C({"ddim": [(2.5, 5.0)]})),
        ("NaN gan_fd", "gan_fd", C({"ddim": [(10, 5.0)]}, gan_fd=NAN)),
        ("wrong type: gan_name", "gan_name", C({"ddim": [(10, 5.0)]}, gan_name=None)),
    ],
    "gan_course.plotting.diffusion.show_nearest": [
        ("wrong type: samples", "samples", L(lambda: (([0.0], images(2), torch.ones(2)), {}))),
        ("batch mismatch", "neighbours", L(lambda: ((images(2), images(3), torch.ones(2)), {}))),
        ("one sample", "samples", L(lambda: ((images(1), images(1), torch.ones(1)), {}))),
        ("wrong length: distances", "distances", L(lambda: ((images(2), images(2), torch.ones(3)), {}))),
        ("NaN distance", "distances", L(lambda: ((images(2), images(2), torch.tensor([1.0, NAN])), {}))),
        ("wrong device: meta", "samples", L(lambda: ((meta(2, 1, 28, 28), images(2), torch.ones(2)), {}))),
        ("wrong type: title", "title", L(lambda: ((images(2), images(2), torch.ones(2)), {"title": 5}))),
    ],
    "gan_course.plotting.diffusion.plot_nn_distances": [
        ("wrong type: a list", "distances", C([1.0])),
        ("empty", "distances", C({})),
        ("wrong range: no reference", "distances", L(lambda: (({"dcgan": torch.ones(3)},), {}))),
        ("wrong type: a list of distances", "distances['dcgan']",
         L(lambda: (({"held-out real": torch.ones(3), "dcgan": [1.0]},), {}))),
        ("NaN", "distances['dcgan']", L(lambda: (({"held-out real": torch.ones(3),
                                                   "dcgan": torch.tensor([NAN, 1.0])},), {}))),
        ("negative distance", "distances['dcgan']", L(lambda: (({"held-out real": torch.ones(3),
                                                                 "dcgan": -torch.ones(3)},), {}))),
        ("wrong type: space", "space", L(lambda: (({"held-out real": torch.ones(3), "dcgan": torch.ones(3)},),
                                                  {"space": 5}))),
    ],
    "gan_course.plotting.diffusion.plot_class_shares": [
        ("wrong type: a list", "shares", C([0.1] * 10)),
        ("empty", "shares", C({})),
        ("wrong shape: 9 shares", "shares['a']", L(lambda: (({"a": torch.full((9,), 1 / 9)},), {}))),
        ("NaN", "shares['a']", L(lambda: (({"a": torch.full((10,), NAN)},), {}))),
        ("wrong type: a list of shares", "shares['a']", C({"a": [0.1] * 10})),
        ("wrong type: title", "title", L(lambda: (({"a": torch.full((10,), 0.1)},), {"title": 5}))),
    ],
    # ---- chapter 11: the experiments
    "gan_course.experiments.responsibility.train_for_seconds": [
        ("wrong type: trainer", "trainer", C("trainer", 10.0)),
        ("NaN seconds", "seconds", L(lambda: ((tiny_trainer(), NAN), {}))),
        ("negative seconds", "seconds", L(lambda: ((tiny_trainer(), -5.0), {}))),
        ("huge seconds", "seconds", L(lambda: ((tiny_trainer(), 1e12), {}))),
        ("wrong type: seconds", "seconds", L(lambda: ((tiny_trainer(), "60"), {}))),
        ("empty calibration_steps", "calibration_steps", L(lambda: ((tiny_trainer(), 1.0), {"calibration_steps": 0}))),
        ("fractional rounds", "rounds", L(lambda: ((tiny_trainer(), 1.0), {"rounds": 2.5}))),
    ],
    "gan_course.experiments.responsibility.time_sampling": [
        ("wrong type: sample", "sample", L(lambda: (("sample_ddpm", tiny_generator(), 4), {}))),
        ("wrong type: G", "G", C(print, "G", 4)),
        ("empty n", "n", L(lambda: ((print, tiny_generator(), 0), {}))),
        ("huge n", "n", L(lambda: ((print, tiny_generator(), 10**9), {}))),
        ("wrong device", "device", L(lambda: ((print, tiny_generator(), 4, NO_DEVICE), {}))),
    ],
    "gan_course.experiments.responsibility.to_28": [
        ("wrong type: a list", "images", C([[0.0]])),
        ("wrong shape: no channel axis", "images", L(lambda: ((torch.zeros(2, 32, 32),), {}))),
        ("wrong range: 64x64", "images", L(lambda: ((images(2, s=64),), {}))),
        ("empty", "images", L(lambda: ((images(0, s=32),), {}))),
        ("wrong device: meta", "images", L(lambda: ((meta(2, 1, 32, 32),), {}))),
    ],
    "gan_course.experiments.responsibility.generated_images": [
        ("wrong range: a translation model", "model", C("pix2pix", 8)),
        ("wrong type: model", "model", C(["dcgan"], 8)),
        ("empty n", "n", C("dcgan", 0)),
        ("huge n", "n", C("dcgan", 10**9)),
        ("fractional n", "n", C("dcgan", 2.5)),
        ("wrong device", "device", C("dcgan", 8, NO_DEVICE)),
        ("negative seed", "seed", C("dcgan", 8, seed=-1)),
        ("wrong type: G", "G", C("dcgan", 8, G="G")),
    ],
    "gan_course.experiments.responsibility.skewed_subset": [
        ("wrong type: data", "data", C([1, 2], [0.1] * 10, 5)),
        ("wrong shape: 9 shares", "shares", L(lambda: ((image_set(), [1 / 9] * 9, 5), {}))),
        ("NaN share", "shares", L(lambda: ((image_set(), [NAN] + [0.1] * 9, 5), {}))),
        ("negative share", "shares", L(lambda: ((image_set(), [-0.1, 0.2] + [0.1] * 8, 5), {}))),
        ("wrong range: shares summing to 2", "shares", L(lambda: ((image_set(), [0.2] * 10, 5), {}))),
        ("empty n", "n", L(lambda: ((image_set(), [0.1] * 10, 0), {}))),
        ("huge n", "n", L(lambda: ((image_set(), [0.1] * 10, 10**9), {}))),
        ("negative seed", "seed", L(lambda: ((image_set(), [0.1] * 10, 5), {"seed": -1}))),
    ],
    "gan_course.experiments.responsibility.class_shares": [
        ("wrong type", "images", C([[0.0]])),
        ("empty", "images", L(lambda: ((images(0),), {}))),
        ("5 channels", "images", L(lambda: ((images(2, c=5),), {}))),
        ("NaN", "images", L(lambda: ((images(4, value=NAN),), {}))),
        ("wrong device: meta", "images", L(lambda: ((meta(4, 1, 28, 28),), {}))),
        ("wrong device", "device", L(lambda: ((images(4),), {"device": NO_DEVICE}))),
    ],
    "gan_course.experiments.responsibility.build_detector": [
        ("wrong type: real", "real", L(lambda: (([0.0], images(4)), {}))),
        ("empty fake", "fake", L(lambda: ((images(4), images(0)), {}))),
        ("wrong shape: RGB", "real", L(lambda: ((images(4, c=3), images(4)), {}))),
        ("wrong device: meta", "fake", L(lambda: ((images(4), meta(4, 1, 28, 28)), {}))),
        ("empty steps", "steps", L(lambda: ((images(4), images(4)), {"steps": 0}))),
        ("huge batch_size", "batch_size", L(lambda: ((images(4), images(4)), {"batch_size": 10**6}))),
        ("NaN lr", "lr", L(lambda: ((images(4), images(4)), {"batch_size": 4, "lr": NAN}))),
        ("negative seed", "seed", L(lambda: ((images(4), images(4)), {"batch_size": 4, "seed": -1}))),
    ],
    "gan_course.experiments.responsibility.detector_accuracy": [
        ("wrong type: detector", "detector", L(lambda: (("D", images(4), images(4)), {}))),
        ("wrong type: real", "real", L(lambda: ((torch.nn.Identity(), "real", images(4)), {}))),
        ("empty fake", "fake", L(lambda: ((torch.nn.Identity(), images(4), images(0)), {}))),
        ("wrong device: meta", "real", L(lambda: ((torch.nn.Identity(), meta(4, 1, 28, 28), images(4)), {}))),
    ],
}

# qualname -> why it has no garbage cases here
NO_ARGUMENTS = "takes no argument that could be garbage"
VALUE_CLASS = ("a configuration or recipe dataclass: its fields are checked by its own __post_init__ "
               "(tests of each model and recipe)")
OTHER_SECTION = ("issue 30 sections 1-3 (checkpoints, shipped files, resume hints): covered by the tests of "
                 "those sections")
STEP = ("a training step: the Trainer calls it with its own batch and StepContext (the chapters show its source, "
        "never call it), the networks' forward passes and the losses check the tensors, and a check of its own "
        "would run at every step")
REMAINS = "not yet given API garbage cases here (issue 30 section 5 remains open for it)"
EXEMPT: dict[str, str] = {
    "gan_course.errors.CourseError": "the course's error type itself",
    "gan_course.cli.main": "the command line: tests/test_cli_garbage.py gives every option garbage",
    "gan_course.pretrained.use_pretrained_default": NO_ARGUMENTS,
    "gan_course.profiles.current_profile": NO_ARGUMENTS,
    "gan_course.plotting.alternating_update_diagram": NO_ARGUMENTS,
    "gan_course.plotting.wasserstein.critic_diagram": NO_ARGUMENTS,
    "gan_course.plotting.wasserstein.spectral_norm_diagram": NO_ARGUMENTS,
    "gan_course.plotting.stylegan.augmentation_diagram": NO_ARGUMENTS,
    "gan_course.plotting.diffusion.diffusion_diagram": NO_ARGUMENTS,
    "gan_course.pretrained.load_pretrained": OTHER_SECTION,
    "gan_course.pretrained.pretrained_quality": OTHER_SECTION,
    "gan_course.pretrained.quality_record": OTHER_SECTION,
    "gan_course.pretrained.read_manifest": OTHER_SECTION,
    "gan_course.training.Trainer": OTHER_SECTION,
    "gan_course.training.TrainConfig": OTHER_SECTION,
    "gan_course.training.StepContext": OTHER_SECTION,
    "gan_course.training.run_dir": OTHER_SECTION,
    "gan_course.training.best_summary": OTHER_SECTION,
    "gan_course.experiments.cyclegan_variants.load_or_run_variant": OTHER_SECTION,
    "gan_course.experiments.pix2pix_ablations.load_ablations": OTHER_SECTION,
}
for _name in ("gan_course.models.CGANConfig", "gan_course.models.DCGANConfig", "gan_course.models.InfoGANConfig",
              "gan_course.models.MLPConfig", "gan_course.models.ResnetGeneratorConfig", "gan_course.models.ToyConfig",
              "gan_course.models.patchgan.PatchGANConfig", "gan_course.models.unet.UNetConfig",
              "gan_course.recipes.VanillaRecipe", "gan_course.recipes.cgan.CGANRecipe",
              "gan_course.recipes.cyclegan.CycleGANRecipe", "gan_course.recipes.dcgan.DCGANRecipe",
              "gan_course.recipes.infogan.InfoGANRecipe", "gan_course.recipes.pix2pix.Pix2PixRecipe",
              "gan_course.recipes.toy.ToyGANRecipe", "gan_course.theory.FitConfig", "gan_course.theory.Mixture1D",
              "gan_course.recipes.wgan.RingRecipe", "gan_course.recipes.wgan.WGANRecipe",
              "gan_course.models.ddpm.DDPMConfig", "gan_course.recipes.ddpm.DDPMRecipe",
              "gan_course.models.stylegan.StyleGANConfig", "gan_course.recipes.stylegan.StyleGANRecipe"):
    EXEMPT[_name] = VALUE_CLASS
for _name in ("gan_course.recipes.cgan.d_step", "gan_course.recipes.cgan.g_step", "gan_course.recipes.cyclegan.d_step",
              "gan_course.recipes.cyclegan.g_step", "gan_course.recipes.infogan.d_step",
              "gan_course.recipes.infogan.g_step", "gan_course.recipes.pix2pix.d_step",
              "gan_course.recipes.pix2pix.g_step", "gan_course.recipes.wgan.d_step", "gan_course.recipes.wgan.g_step",
              "gan_course.steps.d_step", "gan_course.steps.g_step", "gan_course.recipes.stylegan.d_step",
              "gan_course.recipes.stylegan.g_step", "gan_course.recipes.ddpm.g_step"):
    EXEMPT[_name] = STEP


def _remaining() -> dict[str, str]:
    """Every other imported function: listed by name below, so that the list shrinks as cases are added."""
    return {name: REMAINS for name in REMAINING}


REMAINING: tuple[str, ...] = ()  # every function the chapters import now has garbage cases or a reason

EXEMPT.update(_remaining())


# ------------------------------------------------------------------ the tests
def test_every_function_the_chapters_import_is_covered():
    imported = public_functions()
    assert len(imported) > 50, "the chapters' imports were not found: has the notebook format changed?"
    missing = sorted(q for q in imported if q not in CASES and q not in EXEMPT)
    assert not missing, ("functions the chapters import with neither garbage cases (CASES) nor a reason "
                         f"(EXEMPT) in tests/test_api_garbage.py: {missing}")
    stale = sorted(q for q in {*CASES, *EXEMPT} if q not in imported)
    assert not stale, f"listed here but no chapter imports them any more (remove them): {stale}"
    assert not set(CASES) & set(EXEMPT), "a function is both tested and exempt"


def test_every_exempt_value_class_checks_its_fields():
    """The reason VALUE_CLASS is true: each such dataclass has a __post_init__ (its own or the Recipe base's)."""
    for name, reason in EXEMPT.items():
        if reason == VALUE_CLASS:
            cls = resolve(name)
            assert any("__post_init__" in vars(k) for k in cls.__mro__[:-1]), f"{name} checks none of its fields"


def _rng_state():
    return (random.getstate(), np.random.get_state()[1].tobytes(), torch.get_rng_state())


def _snapshot(value):
    """A comparable copy of an argument (tensors by bytes, so NaN equals NaN; meta tensors by shape)."""
    if isinstance(value, torch.Tensor):
        if value.is_meta:
            return ("meta", tuple(value.shape))
        return ("tensor", value.dtype, tuple(value.shape), value.detach().cpu().contiguous().view(-1)
                .view(torch.uint8).numpy().tobytes() if value.numel() else b"")
    if isinstance(value, np.ndarray):
        return ("array", value.tobytes())
    if isinstance(value, torch.nn.Module):
        return ("module", value.training, tuple(_snapshot(v) for v in value.state_dict().values()))
    if isinstance(value, dict):
        return ("dict", tuple((k, _snapshot(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, tuple(_snapshot(v) for v in value))
    if hasattr(value, "__dataclass_fields__"):
        return ("dataclass", repr(value))
    if isinstance(value, float) and math.isnan(value):
        return "nan"
    return value


PARAMS = [pytest.param(q, kind, arg, make, id=f"{q.rsplit('.', 1)[1]}-{kind}")
          for q, cases in CASES.items() for kind, arg, make in cases]


@pytest.mark.parametrize("qualname, kind, argument, make", PARAMS)
def test_garbage_gives_one_sentence_and_changes_nothing(qualname, kind, argument, make, monkeypatch, tmp_path):
    monkeypatch.setenv("GAN_COURSE_DATA", str(tmp_path / "no-data-needed"))  # every check runs before any load
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    fn = resolve(qualname)
    args, kwargs = make()
    before_inputs = _snapshot((args, kwargs))
    random.seed(1234), np.random.seed(1234), torch.manual_seed(1234)
    before_rng = _rng_state()
    with pytest.raises(CourseError) as raised:
        fn(*args, **kwargs)
    message = str(raised.value)
    assert type(raised.value).__name__ != "DataNotFoundError", f"{qualname} looked for data before checking: {message}"
    assert "\n" not in message, f"more than one line: {message!r}"
    assert argument in message, f"the message does not name {argument!r}: {message!r}"
    assert "Traceback" not in message and len(message) < 400, message
    assert "classifier.pt" not in message, f"blames the classifier: {message!r}"
    after_rng = _rng_state()
    assert after_rng[:2] == before_rng[:2] and torch.equal(after_rng[2], before_rng[2]), \
        "the global random generators changed"
    assert _snapshot((args, kwargs)) == before_inputs, "an input was changed"


def test_images_in_zero_one_get_a_warning_that_names_the_range():
    """[0, 1] images score as very bad images (FD 354 instead of 10.2): say so, and how to rescale them."""
    from gan_course.metrics import score_images
    from gan_course.plotting import show_grid

    unit = torch.rand(8, 1, 28, 28, generator=torch.Generator().manual_seed(0))
    with pytest.warns(UserWarning, match=r"\[0, 1\].*\[-1, 1\].*\* 2 - 1"):
        with pytest.raises(CourseError, match="needs 16 images"):  # stop before the classifier loads
            score_images(unit, n=16)
    import matplotlib

    matplotlib.use("Agg")
    with pytest.warns(UserWarning, match=r"\[0, 1\]"):
        show_grid(unit)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # images in [-1, 1] get no warning
        show_grid(unit * 2 - 1)
    matplotlib.pyplot.close("all")


def test_cuda_that_is_not_there_names_the_device_not_the_classifier():
    from gan_course.metrics import score_images

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    with pytest.raises(CourseError, match=r"^the device 'cuda' is not available on this machine") as raised:
        score_images(images(8), device="cuda", n=8)
    assert "classifier" not in str(raised.value)


def test_the_valid_calls_still_work():
    """The checks refuse garbage only: the edges of the valid ranges pass."""
    from gan_course.data import Batches
    from gan_course.latent import lerp, slerp, typical_norm
    from gan_course.metrics.images import kernel_distance
    from gan_course.recipes import sample_unconditional
    from gan_course.runtime import seed_everything

    seed_everything(0)
    seed_everything(2**64 - 1)
    seed_everything(np.int64(7))
    assert len(Batches(image_set(10), 10).__next__()[0]) == 10
    assert sample_unconditional(tiny_generator(), 1, "cpu")["images"].shape == (1, 1, 28, 28)
    assert sample_unconditional(tiny_generator(), 3, torch.device("cpu"), batch=2)["images"].shape[0] == 3
    assert math.isfinite(kernel_distance(features(2), features(2), subsets=2))
    assert lerp(torch.zeros(3), torch.ones(3), 0.5).shape == (1, 3)
    assert slerp(torch.randn(2, 3), torch.randn(2, 3), [0.0, 1.0]).shape == (2, 2, 3)
    assert typical_norm(1)[0] > 0
