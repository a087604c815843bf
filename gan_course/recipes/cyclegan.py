"""Chapter 7's recipe: CycleGAN on unpaired FashionMNIST domains, with its two update steps.

Two generators (``G_AB``: A -> B, ``G_BA``: B -> A, ResNet-style) and two
PatchGAN discriminators (``D_A`` judges domain A, ``D_B`` domain B), trained with

    L_G = L_LS(G_AB, D_B) + L_LS(G_BA, D_A)                       adversarial (least squares)
        + λ · (‖G_BA(G_AB(a)) - a‖₁ + ‖G_AB(G_BA(b)) - b‖₁)          cycle consistency, λ = 10
        + μ·λ · (‖G_AB(b) - b‖₁ + ‖G_BA(a) - a‖₁)                    identity, μ = 0.5

and D trained on a history pool of 50 earlier fakes per domain.

The command-line model ``cyclegan`` (``python -m gan_course train cyclegan``) and
its shipped pretrained generators are the **appearance pair** (``pair =
"negative"``: originals <-> photographic negatives). The shape pairs are recipe
options: ``CycleGANRecipe.for_profile(pair="shoes")`` (sneakers <-> ankle boots,
a small change of shape) and ``pair="trousers_bags"`` (a large one).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache, partial
from pathlib import Path

import torch

from .. import arguments
from ..data import unpad
from ..data.domains import (DomainPair, UnpairedBatches, check_direction, check_pair, make_domains,
                            true_translation)
from ..errors import CourseError
from ..image_pool import ImagePool
from ..losses import cycle_consistency_loss, identity_loss, lsgan_discriminator_loss, lsgan_generator_loss
from ..metrics import frechet_distance
from ..metrics.translation import DomainTest, silhouette_area, spread
from ..models.patchgan import PatchGANConfig, PatchGANDiscriminator
from ..models.resnet_gen import CycleGenerators, ResnetGeneratorConfig
from ..runtime import check_device, eval_mode, in_chunks, precision_for, seed_everything
from ..training import TrainConfig, Trainer
from .common import (SMOKE, ModelEntry, Recipe, check_settings, config_from, lr_decay_from, model_hparams,
                     quality_probe, recipe_for, roles_of, setting)


def _small_generator() -> ResnetGeneratorConfig:
    return ResnetGeneratorConfig(base_channels=16, n_blocks=3)


def _small_patchgan() -> PatchGANConfig:
    return PatchGANConfig(in_channels=1, base_channels=16, n_layers=2, norm="instance")


@dataclass
class CycleGANRecipe(Recipe):
    """Chapter 7: CycleGAN at 32x32 on a CPU (the paper's losses and weights, smaller networks)."""

    pair: str = setting("data", "negative")  # "negative" (appearance), "shoes" or "trousers_bags" (shape; domains.py)
    generator: ResnetGeneratorConfig = setting("network", factory=_small_generator)  # both G's: width 16, 3 blocks
    discriminator: PatchGANConfig = setting("network", factory=_small_patchgan)  # both D's: 1 channel, instance norm
    batch_size: int = setting("size", 8)  # images per domain per step (the paper uses 1 at 256x256)
    steps: int = setting("length", 1_500)  # training iterations (one D update and one G update each)
    lr: float = setting("lr", 5e-4)  # Adam learning rate of all four networks (the paper: 2e-4 over ~200 epochs)
    lr_decay: float = setting("fraction", 0.5)  # the last half of the steps: the rate falls linearly to 0 (the paper's)
    betas: tuple[float, float] = setting("optimizer", (0.5, 0.999))  # Adam betas (the paper's)
    lambda_cycle: float = setting("weight", 10.0)  # λ: weight of the cycle-consistency terms (the paper's 10)
    identity_weight: float = setting("weight", 0.5)  # μ: identity terms weigh μ·λ (the paper's 0.5·λ); 0 = off
    pool_size: int = setting("size", 50)  # fakes kept in each history pool (the paper's 50; 0 disables the pool)
    n_show: int = setting("size", 8)  # held-out test items per domain in the sample grids
    sample_every: int = setting("cadence", 150)  # steps between sample grids
    checkpoint_every: int = setting("cadence", 500)  # steps between checkpoints
    train_limit: int | None = setting("data", None)  # at most N training images per domain (None: all of the domain)
    quality_every: int = setting("quality", 100)  # steps between course FDs of G_BA(held-out B) vs held-out A (0 = off)
    quality_n: int = setting("quality", 500)  # fixed samples behind each quality measurement

    def __post_init__(self):
        check_settings(self)  # the ranges every recipe's settings have (by role)
        check_pair(self.pair)
        if self.lambda_cycle < 0 or self.identity_weight < 0:
            raise CourseError("lambda_cycle and identity_weight must be 0 or more: use the paper's 10 and 0.5")
        if self.discriminator.in_channels != self.generator.out_channels:
            raise CourseError(f"the discriminators read {self.discriminator.in_channels} channel(s) but the "
                              f"generators write {self.generator.out_channels}: set "
                              "PatchGANConfig(in_channels=...) to the image channels")

    @classmethod
    def for_profile(cls, profile: str | None = None, **overrides) -> "CycleGANRecipe":
        """The ``full`` recipe, or a seconds-long ``smoke`` one on the same code path.

        ``overrides`` replace fields, e.g. ``for_profile(pair="shoes")`` for a
        shape pair or ``for_profile(identity_weight=0.0)`` for the ablation.
        """
        # smoke: the generators keep the full size (already small), so the pretrained ones load in smoke too
        return recipe_for(cls, profile, SMOKE["cyclegan"], **overrides)


# ------------------------------------------------------------------ the two steps
def d_step(batch, ctx, *, gens, D_A, D_B, pool_A, pool_B, opt_D) -> dict:
    """One update of both discriminators on real images and on fakes drawn through the history pools."""
    real_a, real_b = batch  # (B, 1, S, S) each, unpaired
    with torch.no_grad(), ctx.autocast():
        fake_b = gens.G_AB(real_a)  # (B, 1, S, S): the current G's translations, no gradient to G
        fake_a = gens.G_BA(real_b)
    fake_b, fake_a = pool_B.query(fake_b), pool_A.query(fake_a)  # half new, half from the last 50
    with ctx.autocast():
        real_b_scores, fake_b_scores = D_B(real_b), D_B(fake_b)  # (B, 1, h, h) score grids
        real_a_scores, fake_a_scores = D_A(real_a), D_A(fake_a)
        b_real, b_fake = lsgan_discriminator_loss(real_b_scores, fake_b_scores)
        a_real, a_fake = lsgan_discriminator_loss(real_a_scores, fake_a_scores)
    ctx.backward_step(a_real + a_fake + b_real + b_fake, opt_D)  # one optimiser for D_A and D_B
    return {"loss_d_real": a_real + b_real, "loss_d_fake": a_fake + b_fake,
            "d_real": 0.5 * (real_a_scores.float().mean() + real_b_scores.float().mean()),  # mean score, real
            "d_fake": 0.5 * (fake_a_scores.float().mean() + fake_b_scores.float().mean())}  # mean score, fakes


def _float_scores(D):
    """``D`` as a function whose scores are float32 (the dtype the course's losses compute in)."""
    return lambda x: D(x).float()


def g_step(batch, ctx, *, gens, D_A, D_B, opt_G, lambda_cycle: float, identity_weight: float,
           objective=None) -> dict:
    """One update of both generators: fool the D's, survive the round trip, leave the target domain alone.

    ``objective(G_AB, G_BA, D_A, D_B, real_a, real_b, lambda_cycle, identity_weight) -> (total, adversarial,
    cycle, identity)``, when given, computes the loss instead of the lines below (chapter 7's learner's own).
    """
    real_a, real_b = batch  # (B, 1, S, S) each
    if objective is not None:  # the D's scores in float32, as lsgan_generator_loss computes under mixed precision
        with ctx.autocast():
            loss, adv, cycle, ident = objective(gens.G_AB, gens.G_BA, _float_scores(D_A), _float_scores(D_B),
                                                real_a, real_b, lambda_cycle, identity_weight)
        ctx.backward_step(loss, opt_G)
        return {"loss_g": adv, "loss_cycle": cycle, "loss_identity": ident, "loss_g_total": loss}
    with ctx.autocast():
        fake_b, fake_a = gens.G_AB(real_a), gens.G_BA(real_b)  # translations A -> B and B -> A
        rec_a, rec_b = gens.G_BA(fake_b), gens.G_AB(fake_a)  # round trips A -> B -> A and B -> A -> B
        adv = lsgan_generator_loss(D_B(fake_b)) + lsgan_generator_loss(D_A(fake_a))  # D's are not stepped here
        cycle = cycle_consistency_loss(real_a, rec_a) + cycle_consistency_loss(real_b, rec_b)
        if identity_weight > 0:  # G_AB fed a B image (and G_BA an A image) should change nothing
            ident = identity_loss(real_b, gens.G_AB(real_b)) + identity_loss(real_a, gens.G_BA(real_a))
        else:
            ident = torch.zeros((), device=real_a.device)
        loss = adv + lambda_cycle * cycle + identity_weight * lambda_cycle * ident
    ctx.backward_step(loss, opt_G)  # one optimiser for G_AB and G_BA; only their weights get gradients
    return {"loss_g": adv, "loss_cycle": cycle, "loss_identity": ident, "loss_g_total": loss}


# ------------------------------------------------------------------ building
def build_cyclegan(recipe: CycleGANRecipe, device: torch.device, out_dir: str | Path | None,
                   seed: int = 0, *, generator_objective=None, precision: str | None = None) -> Trainer:
    """Domains, the four networks, two pools, optimisers and steps for chapter 7, wired into a Trainer.

    ``generator_objective``, when given, is ``g_step``'s ``objective``: the generators' loss (chapter 7 trains
    with the learner's own once it passes its check).
    """
    arguments.recipe(recipe, (CycleGANRecipe,), "build_cyclegan", device, seed, precision)
    seed_everything(seed)
    domains = make_domains(recipe.pair, "train", device=device, pad_to=recipe.generator.image_size,
                           limit=recipe.train_limit)
    gens = CycleGenerators(recipe.generator, pair=recipe.pair).to(device)  # G_AB and G_BA
    D_A = PatchGANDiscriminator(recipe.discriminator).to(device)  # real A vs G_BA's fakes
    D_B = PatchGANDiscriminator(recipe.discriminator).to(device)  # real B vs G_AB's fakes
    shape = (recipe.generator.out_channels, recipe.generator.image_size, recipe.generator.image_size)
    pool_A = ImagePool(shape, recipe.pool_size, seed=seed + 11).to(device)
    pool_B = ImagePool(shape, recipe.pool_size, seed=seed + 12).to(device)
    opt_G = torch.optim.Adam(gens.parameters(), lr=recipe.lr, betas=recipe.betas)
    opt_D = torch.optim.Adam([*D_A.parameters(), *D_B.parameters()], lr=recipe.lr, betas=recipe.betas)
    test = test_domains(recipe.pair, recipe.generator.image_size)
    show_a = test.a.images[:recipe.n_show].to(device)  # fixed held-out inputs for the sample grids
    show_b = test.b.images[:recipe.n_show].to(device)
    quality_b = test.b.images[:recipe.quality_n].to(device)  # held-out B items, translated to A for the record
    return Trainer(
        modules={"G": gens, "D_A": D_A, "D_B": D_B, "pool_A": pool_A, "pool_B": pool_B},
        optimizers={"G": opt_G, "D": opt_D},
        d_step=partial(d_step, gens=gens, D_A=D_A, D_B=D_B, pool_A=pool_A, pool_B=pool_B, opt_D=opt_D),
        g_step=partial(g_step, gens=gens, D_A=D_A, D_B=D_B, opt_G=opt_G, lambda_cycle=recipe.lambda_cycle,
                       identity_weight=recipe.identity_weight,
                       **({} if generator_objective is None else {"objective": generator_objective})),
        batches=UnpairedBatches(domains, recipe.batch_size, seed=seed),
        config=TrainConfig(steps=recipe.steps, sample_every=recipe.sample_every,
                           checkpoint_every=recipe.checkpoint_every, quality_every=recipe.quality_every,
                           lr_decay_from=lr_decay_from(recipe)),  # the paper's linear decay to 0
        sample_fn=lambda: translation_rows(gens, show_a, show_b),
        quality=quality_probe(recipe, lambda: gens.G_BA(quality_b), reference=test.a.images),  # as fd_BtoA
        out_dir=out_dir,
        tag="cyclegan",
        hparams=model_hparams(recipe, seed),
        roles=roles_of(recipe),  # a resume may change the learning rates only
        device=device, precision=precision_for(device, precision),
    )


@lru_cache(maxsize=4)
def test_domains(pair: str, image_size: int = 32) -> DomainPair:
    """The held-out test items of ``pair`` (FashionMNIST's test split, disjoint halves), cached."""
    return make_domains(pair, "test", pad_to=image_size)


def translation_rows(gens: CycleGenerators, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Six rows of n images: a, G_AB(a), G_BA(G_AB(a)), b, G_BA(b), G_AB(G_BA(b)) -> (6n, C, S, S)."""
    fake_b, fake_a = gens.G_AB(a), gens.G_BA(b)
    return torch.cat([a, fake_b, gens.G_BA(fake_b), b, fake_a, gens.G_AB(fake_a)])


# ------------------------------------------------------------------ using a trained model
def cycle_generators(hparams: dict) -> CycleGenerators:
    """An untrained pair of generators of the configuration a checkpoint records."""
    return CycleGenerators(config_from(ResnetGeneratorConfig, hparams["generator"]), pair=hparams["pair"])


def _pair_of(G) -> str:
    return getattr(G, "pair", "negative")


def _check_translator(G, cls: type, function: str, what: str) -> None:
    if not isinstance(G, cls):
        raise CourseError(f"{function} needs G to be {what}, got {arguments.shown(G)} ({type(G).__name__})")


@torch.no_grad()
def translate_test_items(G: CycleGenerators, n: int, direction: str = "AtoB", device="cpu") -> dict:
    """Translate the first ``n`` held-out test items of the source domain and map them back.

    Returns ``{"inputs", "outputs", "reconstructions"}``, each float32 ``(n, C, H, W)``
    in [-1, 1] on the CPU: x, G(x) and F(G(x)) (for ``"BtoA"``: y, F(y), G(F(y))).
    The items are the same every time (no randomness).
    """
    _check_translator(G, CycleGenerators, "translate_test_items", "a CycleGenerators (chapter 7's G_AB and G_BA)")
    arguments.held_out_items("n", n)
    arguments.instance("direction", direction, str, "'AtoB' or 'BtoA'")
    check_direction(direction)
    check_device(device)
    test = test_domains(_pair_of(G), G.cfg.image_size)
    source = test.a if direction == "AtoB" else test.b
    if not 0 < n <= len(source):
        raise CourseError(f"n must be between 1 and {len(source)} (the held-out test items of that domain), got {n}")
    forward, back = (G.G_AB, G.G_BA) if direction == "AtoB" else (G.G_BA, G.G_AB)
    inputs = source.images[:n].float()  # (n, C, H, W)
    with eval_mode(G):
        outputs = in_chunks(forward, inputs, device)
        return {"inputs": inputs, "outputs": outputs, "reconstructions": in_chunks(back, outputs, device)}


@torch.no_grad()
def sample_translations(G: CycleGenerators, n: int, device) -> dict:
    """``{"images": G_BA(b)}`` for the first ``n`` held-out B items, in eval mode: the same every time.

    As pix2pix's ``sample_translations`` takes the first ``n`` held-out edge maps.
    B -> A translates *into* domain A, the original FashionMNIST images (for the
    appearance pair, negatives back to originals), so the samples can be scored
    against real FashionMNIST test images like every other model's.
    """
    test = test_domains(_pair_of(G), G.cfg.image_size)
    if not 0 < n <= len(test.b):
        raise CourseError(f"n must be between 1 and {len(test.b)} (the held-out test items of domain B), got {n}")
    with eval_mode(G):
        return {"images": in_chunks(G.G_BA, test.b.images[:n], device)}


@torch.no_grad()
def measure_cyclegan(G: CycleGenerators, device="cpu", n: int = 1000, domain_test: DomainTest | None = None,
                     noise_std: float = 0.05) -> dict:
    """Chapter 7's measures on ``n`` held-out test items per domain (see the chapter for each).

    Every per-pixel measure (the L1s, areas and spreads) averages over the 28x28 picture, not
    the padded 32x32 image: its border is background that the generators reproduce almost
    exactly, and counting it made the round trip look about a quarter better than it is.
    The domain test and the FDs see the whole image (the classifier crops it itself).

    * ``cycle_l1_A``/``_B``: mean |F(G(x)) - x| (and |G(F(y)) - y|);
    * ``identity_l1_A``/``_B``: mean |G_BA(a) - a| and |G_AB(b) - b|;
    * ``target_rate_AtoB``/``_BtoA``: fraction of translations the domain test puts in the target domain;
    * ``source_rate_A``/``_B``: the same test on real test images of each domain (its accuracy);
    * ``area_*``: mean silhouette area of real A, real B, G_AB(a) and G_BA(b);
    * ``spread_*``: how varied a set is, the mean L1 distance per pixel between two of its
      images (:func:`spread`), for real A, real B and both sets of translations;
    * ``cycle_l1_noisy_A``: the A round trip when the translation gets Gaussian noise
      of std ``noise_std`` before coming back (a hidden code would not survive it);
    * ``fd_AtoB``/``fd_BtoA``: Fréchet distance (course classifier's features) between
      the translations and real test images of their target domain, with
      ``fd_real_A``/``fd_real_B`` beside them: the same distance between as many real
      *training* and real test images of that domain, the best a translation can do at
      this sample size (FD grows as sets shrink);
    * for ``"negative"`` only, ``true_l1_AtoB``/``_BtoA``: mean |G(x) - true translation|.
    """
    _check_translator(G, CycleGenerators, "measure_cyclegan", "a CycleGenerators (chapter 7's G_AB and G_BA)")
    check_device(device)
    arguments.whole("n", n, 2, arguments.MAX_SAMPLES, example=1000)
    if domain_test is not None:
        arguments.instance("domain_test", domain_test, DomainTest, "None or a DomainTest, e.g. DomainTest('negative')")
    arguments.number("noise_std", noise_std, minimum=0.0)
    pair = _pair_of(G)
    domain_test = domain_test or DomainTest(pair, device=device)
    n_a = min(n, len(test_domains(pair, G.cfg.image_size).a))
    n_b = min(n, len(test_domains(pair, G.cfg.image_size).b))
    ab = translate_test_items(G, n_a, "AtoB", device)
    ba = translate_test_items(G, n_b, "BtoA", device)
    with eval_mode(G):
        id_a = G.G_BA(ab["inputs"].to(device)).float().cpu()  # G_BA(a): a is already in BA's target domain
        id_b = G.G_AB(ba["inputs"].to(device)).float().cpu()
        gen = torch.Generator().manual_seed(0)
        noisy = (ab["outputs"] + noise_std * torch.randn(ab["outputs"].shape, generator=gen)).clamp(-1, 1)
        rec_noisy = G.G_BA(noisy.to(device)).float().cpu()
    # the 28x28 pictures: (n, 1, 32, 32) -> (n, 1, 28, 28)
    a, a_out, a_rec = (unpad(ab[key]) for key in ("inputs", "outputs", "reconstructions"))
    b, b_out, b_rec = (unpad(ba[key]) for key in ("inputs", "outputs", "reconstructions"))
    scores = {
        "cycle_l1_A": cycle_consistency_loss(a, a_rec).item(),
        "cycle_l1_B": cycle_consistency_loss(b, b_rec).item(),
        "cycle_l1_noisy_A": cycle_consistency_loss(a, unpad(rec_noisy)).item(),
        "identity_l1_A": identity_loss(a, unpad(id_a)).item(),
        "identity_l1_B": identity_loss(b, unpad(id_b)).item(),
        "target_rate_AtoB": domain_test.rate(ab["outputs"], "B"),
        "target_rate_BtoA": domain_test.rate(ba["outputs"], "A"),
        "source_rate_A": domain_test.rate(ab["inputs"], "A"),
        "source_rate_B": domain_test.rate(ba["inputs"], "B"),
        "area_real_A": silhouette_area(a).mean().item(),
        "area_real_B": silhouette_area(b).mean().item(),
        "area_AtoB": silhouette_area(a_out).mean().item(),
        "area_BtoA": silhouette_area(b_out).mean().item(),
        "spread_real_A": spread(a),
        "spread_real_B": spread(b),
        "spread_AtoB": spread(a_out),
        "spread_BtoA": spread(b_out),
    }
    m = min(n_a, n_b)  # FD: the same number of images on every side
    train = make_domains(pair, "train", pad_to=G.cfg.image_size, limit=m)
    scores["fd_AtoB"] = frechet_distance(ba["inputs"][:m], ab["outputs"][:m], device)
    scores["fd_real_B"] = frechet_distance(ba["inputs"][:m], train.b.images, device)
    scores["fd_BtoA"] = frechet_distance(ab["inputs"][:m], ba["outputs"][:m], device)
    scores["fd_real_A"] = frechet_distance(ab["inputs"][:m], train.a.images, device)
    if pair == "negative":
        scores["true_l1_AtoB"] = (a_out - true_translation(pair, a, "AtoB")).abs().mean().item()
        scores["true_l1_BtoA"] = (b_out - true_translation(pair, b, "BtoA")).abs().mean().item()
    return scores


def extra_scores(G: CycleGenerators, samples: dict, device) -> dict:
    """The command line's extra measures: :func:`measure_cyclegan` on 1,000 items per domain."""
    return measure_cyclegan(G, device, n=1000)


ENTRY = ModelEntry(recipe=CycleGANRecipe, build=build_cyclegan, make_generator=cycle_generators,
                   sample=sample_translations, tag="cyclegan", chapter="07_cyclegan",
                   translate=translate_test_items, extra_scores=extra_scores)

