"""Chapter 6's recipe: pix2pix from FashionMNIST edge maps to FashionMNIST images.

The losses and the optimiser are the paper's (Isola et al., 2017): the
non-saturating cGAN loss on a conditional PatchGAN plus λ·L1 with λ = 100, D's
loss halved, Adam with lr 2e-4 and β₁ = 0.5. The networks are smaller (32x32
images, widths 32 to 128 instead of 64 to 512) so that a full run fits in
minutes on a CPU and the committed generator in a few MB.

The ablations of the chapter (L1 only, cGAN only, both; U-Net vs the same
encoder-decoder without skips; PatchGAN sizes from 1x1 to the whole image) are
run from the command line, at the main recipe's scale, and their results committed:

    python -m gan_course experiment pix2pix-ablations --profile full --out gan_course/assets/ablations

(``python -m gan_course.recipes.pix2pix ablations ...``, the older spelling, runs the same.)
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import sys
import time
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import torch

from ..edges import PairedBatches, load_edges2fashion
from ..errors import CourseError
from ..losses import discriminator_loss, pix2pix_generator_loss
from ..models.patchgan import PatchGANConfig, PatchGANDiscriminator
from ..models.unet import UNetConfig, UNetGenerator
from ..profiles import check_profile, current_profile
from ..runtime import seed_everything
from ..training import TrainConfig, Trainer
from .common import QUALITY_FIELDS, ModelEntry, config_from, model_hparams, quality_probe


def _generator() -> UNetConfig:
    return UNetConfig(base_channels=32, max_mult=4)  # widths 32-64-128-128-128: 1.8 M parameters, 3.4 MB in fp16


def _discriminator() -> PatchGANConfig:
    return PatchGANConfig(in_channels=2, base_channels=32, n_layers=1)


@dataclass
class Pix2PixRecipe:
    """Chapter 6: pix2pix, edges -> FashionMNIST at 32x32 (the paper's losses, smaller networks)."""

    generator: UNetConfig = field(default_factory=_generator)  # U-Net 32x32 -> 1x1, widths 32 to 128
    discriminator: PatchGANConfig = field(default_factory=_discriminator)  # sees (edges, image): 2 channels
    batch_size: int = 32  # pairs per step (the paper uses 1 to 10 at 256x256)
    steps: int = 2_000  # training iterations (one D update and one G update each)
    lr: float = 2e-4  # Adam learning rate of both networks (the paper's)
    betas: tuple[float, float] = (0.5, 0.999)  # Adam betas (the paper's)
    l1_weight: float = 100.0  # λ: weight of the L1 term (the paper's 100); 0 gives "cGAN only"
    adversarial_weight: float = 1.0  # weight of the cGAN term; 0 gives "L1 only"
    n_fixed: int = 16  # held-out test edge maps behind every sample grid
    sample_every: int = 200  # steps between sample grids
    checkpoint_every: int = 500  # steps between checkpoints
    train_limit: int | None = None  # use only the first N training pairs (None: all 60,000)
    quality_every: int = 100  # steps between measurements of the course FD of held-out test edge maps translated (0 = off)
    quality_n: int = 1_000  # held-out test edge maps translated behind each quality measurement

    def __post_init__(self):
        if self.l1_weight < 0 or self.adversarial_weight < 0 or self.l1_weight + self.adversarial_weight == 0:
            raise CourseError("l1_weight and adversarial_weight must be >= 0 and not both 0: "
                              "use the paper's l1_weight=100, adversarial_weight=1")
        g, d = self.generator, self.discriminator
        if d.in_channels != g.in_channels + g.out_channels:
            raise CourseError(f"the conditional PatchGAN reads the input and the output concatenated "
                              f"({g.in_channels} + {g.out_channels} channels), but in_channels="
                              f"{d.in_channels}: set PatchGANConfig(in_channels={g.in_channels + g.out_channels})")

    @classmethod
    def for_profile(cls, profile: str | None = None, **overrides) -> "Pix2PixRecipe":
        """The ``full`` recipe, or a seconds-long ``smoke`` one on the same code path.

        ``overrides`` replace fields, e.g. ``for_profile(l1_weight=0.0)``.
        """
        if check_profile(profile or current_profile()) == "full":
            return dataclasses.replace(cls(), **overrides)
        # G keeps the full architecture, so that the committed pretrained weights fit it in either profile.
        small = cls(discriminator=PatchGANConfig(base_channels=4, n_layers=1),
                    batch_size=8, steps=8, sample_every=4, checkpoint_every=4, train_limit=256, n_fixed=8,
                    quality_every=4, quality_n=256)
        return dataclasses.replace(small, **overrides)


# ------------------------------------------------------------------ the two steps
def d_step(batch, ctx, *, G, D, opt_D) -> dict:
    """One discriminator update: call the pair (x, y) real and (x, G(x)) fake, patch by patch."""
    edges, real = batch  # (B, 1, 32, 32) each: the input x and its true image y
    with ctx.autocast():
        with torch.no_grad():
            fake = G(edges)  # (B, 1, 32, 32); no gradient to G in D's update
        real_logits = D(torch.cat([edges, real], dim=1))  # (B, 2, 32, 32) -> (B, 1, h, h): one logit per patch
        fake_logits = D(torch.cat([edges, fake], dim=1))  # D always sees the input it is judging
        loss_real, loss_fake = discriminator_loss(real_logits, fake_logits)  # means over all patches
    ctx.backward_step(0.5 * (loss_real + loss_fake), opt_D)  # halved, as in the paper (with Adam this changes nothing, up to eps)
    return {"loss_d_real": loss_real, "loss_d_fake": loss_fake,
            "d_real": torch.sigmoid(real_logits.float()).mean(),  # mean D over the patches of real pairs
            "d_fake": torch.sigmoid(fake_logits.float()).mean()}


def g_step(batch, ctx, *, G, D, opt_G, l1_weight: float, adversarial_weight: float) -> dict:
    """One generator update: fool the PatchGAN on every patch and stay within L1 of the truth."""
    edges, real = batch
    with ctx.autocast():
        fake = G(edges)  # (B, 1, 32, 32); dropout inside G is its only noise
        fake_logits = D(torch.cat([edges, fake], dim=1))  # (B, 1, h, h)
        loss, adversarial, l1 = pix2pix_generator_loss(fake_logits, real, fake, l1_weight, adversarial_weight)
    ctx.backward_step(loss, opt_G)  # steps G only
    return {"loss_g": adversarial, "loss_l1": l1, "loss_g_total": loss}


# ------------------------------------------------------------------ building
def build_pix2pix(recipe: Pix2PixRecipe, device: torch.device, out_dir: str | Path | None,
                  seed: int = 0) -> Trainer:
    """Paired data, U-Net, PatchGAN, optimisers and step functions for chapter 6, wired into a Trainer."""
    seed_everything(seed)
    data = load_edges2fashion("train", device=device, limit=recipe.train_limit)  # (60000, 1, 32, 32) x 2
    fixed = load_edges2fashion("test", device=device, limit=recipe.n_fixed).inputs  # (16, 1, 32, 32) edges
    held_out = load_edges2fashion("test", device=device, limit=recipe.quality_n).inputs  # (1000, 1, 32, 32)
    G = UNetGenerator(recipe.generator).to(device)
    D = PatchGANDiscriminator(recipe.discriminator).to(device)
    opt_G = torch.optim.Adam(G.parameters(), lr=recipe.lr, betas=recipe.betas)
    opt_D = torch.optim.Adam(D.parameters(), lr=recipe.lr, betas=recipe.betas)
    return Trainer(
        modules={"G": G, "D": D},
        optimizers={"G": opt_G, "D": opt_D},
        d_step=partial(d_step, G=G, D=D, opt_D=opt_D),
        g_step=partial(g_step, G=G, D=D, opt_G=opt_G, l1_weight=recipe.l1_weight,
                       adversarial_weight=recipe.adversarial_weight),
        batches=PairedBatches(data, recipe.batch_size, seed=seed),
        config=TrainConfig(steps=recipe.steps, sample_every=recipe.sample_every,
                           checkpoint_every=recipe.checkpoint_every, quality_every=recipe.quality_every),
        sample_fn=lambda: G(fixed),  # eval mode: dropout off, batch norm on its running statistics
        quality=quality_probe(recipe, lambda: G(held_out)),  # as `evaluate`: translations vs real test images
        out_dir=out_dir,
        tag="pix2pix",
        hparams=model_hparams(recipe, seed),
        device=device,
    )


def unet_generator(hparams: dict) -> UNetGenerator:
    return UNetGenerator(config_from(UNetConfig, hparams["generator"]))


@torch.no_grad()
def translate_test_items(G: UNetGenerator, n: int, direction: str = "AtoB", device="cpu") -> dict:
    """The first ``n`` held-out test edge maps translated by ``G`` (in eval mode: deterministic).

    Returns ``{"inputs", "outputs", "targets"}``: edge maps x, translations G(x)
    and true images y, each float32 ``(n, 1, 32, 32)`` in [-1, 1] on the CPU.
    pix2pix learns one direction only, edges -> images ("AtoB").
    """
    if direction != "AtoB":
        raise CourseError(f"pix2pix translates edges to images only (direction AtoB), not {direction!r}: "
                          "drop --direction or train a second pix2pix on the swapped pairs")
    test = load_edges2fashion("test", limit=None if n > 10_000 else n)
    if not 0 < n <= len(test):
        raise CourseError(f"n must be between 1 and {len(test)} (the held-out test pairs), got {n}")
    was_training = G.training
    G.eval()
    try:
        outputs = [G(x.to(device)).float().cpu() for x in test.inputs.split(500)]  # (<=500, 1, 32, 32) each
    finally:
        G.train(was_training)
    return {"inputs": test.inputs.float(), "outputs": torch.cat(outputs), "targets": test.images.float()}


def sample_translations(G: UNetGenerator, n: int, device) -> dict:
    """``{"images": G(x)}`` for the first ``n`` held-out test edge maps.

    No labels: pix2pix is conditioned on an image, not on a class.
    """
    return {"images": translate_test_items(G, n, "AtoB", device)["outputs"]}


def extra_scores(G: UNetGenerator, samples: dict, device) -> dict:
    """L1, PSNR and SSIM of the sampled outputs against their own true images (see ``paired_scores``)."""
    from ..translate import paired_scores

    outputs = samples["images"]
    targets = load_edges2fashion("test", limit=len(outputs)).images
    return paired_scores(outputs, targets)


ENTRY = ModelEntry(Pix2PixRecipe, build_pix2pix, unet_generator, sample_translations, tag="pix2pix",
                   chapter="06_pix2pix", extra_scores=extra_scores)


# ------------------------------------------------------------------ ablations (chapter 6)
ABLATIONS_DIR = Path(__file__).resolve().parents[1] / "assets" / "ablations"


def _ablation_base(profile: str) -> Pix2PixRecipe:
    """The recipe every ablation run starts from: the chapter's main recipe, at its full scale (or the smoke one)."""
    return Pix2PixRecipe.for_profile(check_profile(profile))


def _with(recipe: Pix2PixRecipe, generator: dict | None = None, discriminator: dict | None = None,
          **fields) -> Pix2PixRecipe:
    return dataclasses.replace(
        recipe, generator=dataclasses.replace(recipe.generator, **(generator or {})),
        discriminator=dataclasses.replace(recipe.discriminator, **(discriminator or {})), **fields)


# name -> (group, changes from the base recipe). The base is "L1 + cGAN": U-Net, 16x16 PatchGAN.
ABLATIONS: dict[str, tuple[str, dict]] = {
    "L1 only": ("objective", {"adversarial_weight": 0.0}),
    "cGAN only": ("objective", {"l1_weight": 0.0}),
    "L1 + cGAN": ("objective", {}),
    "encoder-decoder (no skips)": ("generator", {"generator": {"skips": False}}),
    "PixelGAN 1x1": ("discriminator", {"discriminator": {"n_layers": 0}}),
    "PatchGAN 16x16": ("discriminator", {}),
    "PatchGAN 34x34 (whole image)": ("discriminator", {"discriminator": {"n_layers": 2}}),
}


def ablation_recipe(name: str, profile: str | None = None) -> Pix2PixRecipe:
    """The recipe of one ablation run (see :data:`ABLATIONS`)."""
    if name not in ABLATIONS:
        raise CourseError(f"unknown ablation {name!r}: use one of {', '.join(ABLATIONS)}")
    return _with(_ablation_base(profile or current_profile()), **ABLATIONS[name][1])


def run_ablations(out: str | Path, profile: str | None = None, device="cpu", n_eval: int | None = None,
                  n_show: int = 8, seed: int = 0, names: list[str] | None = None,
                  cache: str | Path | None = None) -> dict:
    """Train every ablation (runs with identical settings are trained once), measure and save them.

    Writes ``pix2pix_ablations.json`` (per run: group, settings, L1/PSNR/SSIM
    against the truth, FD/KID/precision/recall of the outputs on ``n_eval``
    held-out items, training seconds) and ``pix2pix_ablations.pt`` (the first
    ``n_show`` inputs, targets and every run's outputs, float16) under ``out``.
    With ``cache``, each run's result is also kept there and reused: an
    interrupted call resumes, and several processes can share the runs
    (``--only``), a last call without ``--only`` collecting them.
    """
    from ..metrics import score_images
    from ..translate import paired_scores

    profile = check_profile(profile or current_profile())
    n_eval = n_eval or (1_000 if profile == "full" else 64)
    names = names or list(ABLATIONS)
    device = torch.device(device)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    results, outputs, trained = {}, {}, {}
    test = load_edges2fashion("test", limit=n_eval)
    for name in names:
        recipe = ablation_recipe(name, profile)
        key = json.dumps({k: v for k, v in dataclasses.asdict(recipe).items() if k not in QUALITY_FIELDS},
                         sort_keys=True, default=str)  # the quality record's settings change no trained number
        cached = Path(cache) / f"{hashlib.sha1(f'{key}{n_eval}{n_show}{seed}'.encode()).hexdigest()[:16]}.pt" \
            if cache is not None else None
        if key not in trained and cached is not None and cached.is_file():
            trained[key] = tuple(torch.load(cached, weights_only=True).values())
        if key not in trained:  # "L1 + cGAN" and "PatchGAN 16x16" are the same run
            start = time.perf_counter()
            trainer = build_pix2pix(recipe, device, out_dir=None, seed=seed)
            trainer.fit(resume=False)
            G = trainer.modules["G"].eval()
            with torch.no_grad():
                fake = torch.cat([G(x.to(device)).float().cpu() for x in test.inputs.split(500)])
            scores = {**paired_scores(fake, test.images), **score_images(fake, device=device, n=n_eval)}
            scores["train_seconds"] = round(trainer.train_seconds, 1)
            trained[key] = (scores, fake[:n_show].clone())
            if cached is not None:
                cached.parent.mkdir(parents=True, exist_ok=True)
                torch.save({"scores": scores, "shown": trained[key][1]}, cached)
            print(f"{name}: " + ", ".join(f"{k}={v:.3f}" for k, v in scores.items()),
                  f"({time.perf_counter() - start:.0f} s)", flush=True)
        scores, shown = trained[key]
        group, changes = ABLATIONS[name]
        results[name] = {"group": group, "changes": changes, **scores}
        outputs[name] = shown.half()
    base = _ablation_base(profile)
    meta = {"profile": profile, "n_eval": n_eval, "seed": seed, "steps": base.steps, "batch_size": base.batch_size,
            "generator_base_channels": base.generator.base_channels,
            "discriminator_base_channels": base.discriminator.base_channels,
            "command": f"python -m gan_course experiment pix2pix-ablations --profile {profile}"}
    (out / "pix2pix_ablations.json").write_text(json.dumps({"meta": meta, "runs": results}, indent=2) + "\n")
    torch.save({"inputs": test.inputs[:n_show].half(), "targets": test.images[:n_show].half(), "outputs": outputs},
               out / "pix2pix_ablations.pt")
    return {"meta": meta, "runs": results}


def load_ablations(directory: str | Path | None = None) -> tuple[dict, dict]:
    """The committed ablation results: (the JSON dict, the samples dict with float32 tensors)."""
    directory = Path(directory) if directory is not None else ABLATIONS_DIR
    js, pt = directory / "pix2pix_ablations.json", directory / "pix2pix_ablations.pt"
    if not js.is_file() or not pt.is_file():
        raise CourseError(f"no pix2pix ablation results in {directory}: run "
                          f"`python -m gan_course.recipes.pix2pix ablations --out {directory}`")
    samples = torch.load(pt, map_location="cpu", weights_only=True)
    samples = {"inputs": samples["inputs"].float(), "targets": samples["targets"].float(),
               "outputs": {k: v.float() for k, v in samples["outputs"].items()}}
    return json.loads(js.read_text()), samples


def main(argv: list[str] | None = None) -> int:
    """``python -m gan_course.recipes.pix2pix ablations ...``: the same as ``python -m gan_course experiment
    pix2pix-ablations ...`` (same options: --profile, --out, --device, --only, --cache), kept for old scripts."""
    from ..cli import main as cli_main

    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["ablations"]:
        argv = argv[1:]
    elif not set(argv) & {"-h", "--help"}:
        print("error: the command is `python -m gan_course experiment pix2pix-ablations [--profile smoke|full] "
              "[--out DIR]` (or this module with `ablations` first)", file=sys.stderr)
        return 2
    return cli_main(["experiment", "pix2pix-ablations", *argv])


if __name__ == "__main__":
    sys.exit(main())
