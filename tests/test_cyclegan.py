"""Chapter 7: CycleGAN's generator, losses, image pool, unpaired domains, recipe and command line."""

from __future__ import annotations

import dataclasses
import math

import pytest
import torch

from gan_course.cli import main
from gan_course.domains import (ANKLE_BOOT, BAG, SNEAKER, TROUSER, DomainTest, UnpairedBatches, make_domains,
                                negative, silhouette_area, true_translation)
from gan_course.errors import CourseError
from gan_course.image_pool import ImagePool
from gan_course.losses import (cycle_consistency_loss, identity_loss, lsgan_discriminator_loss,
                               lsgan_generator_loss)
from gan_course.models.patchgan import PatchGANConfig, PatchGANDiscriminator, patch_grid_size
from gan_course.models.resnet_gen import CycleGenerators, ResidualBlock, ResnetGenerator, ResnetGeneratorConfig
from gan_course.recipes.cyclegan import (CycleGANRecipe, build_cyclegan, cycle_generators, measure_cyclegan,
                                         translate_test_items)

torch.set_num_threads(1)
TINY_G = ResnetGeneratorConfig(base_channels=4, n_blocks=1, image_size=16)


# ------------------------------------------------------------------ generator
@pytest.mark.parametrize("cfg, size", [
    (ResnetGeneratorConfig(base_channels=4, n_blocks=1), 32),
    (ResnetGeneratorConfig(base_channels=4, n_blocks=2, n_downsample=1, image_size=16), 16),
    (ResnetGeneratorConfig(in_channels=3, out_channels=1, base_channels=2, n_blocks=1, n_downsample=0,
                           image_size=8), 8),
])
def test_resnet_generator_keeps_the_image_size(cfg, size):
    G = ResnetGenerator(cfg)
    y = G(torch.randn(3, cfg.in_channels, size, size))
    assert y.shape == (3, cfg.out_channels, size, size)
    assert y.abs().max() <= 1  # tanh output


def test_resnet_generator_layout_is_encoder_residual_decoder():
    G = ResnetGenerator(ResnetGeneratorConfig(base_channels=4, n_blocks=3))
    blocks = [m for m in G.net if isinstance(m, ResidualBlock)]
    strided = [m for m in G.net if isinstance(m, torch.nn.Conv2d) and m.stride == (2, 2)]
    ups = [m for m in G.net if isinstance(m, torch.nn.ConvTranspose2d)]
    assert len(blocks) == 3 and len(strided) == 2 and len(ups) == 2
    assert blocks[0].body[1].in_channels == 16  # 4 -> 8 -> 16 channels at the bottleneck


def test_residual_block_is_identity_when_its_body_is_zero():
    block = ResidualBlock(4)
    for p in block.parameters():
        torch.nn.init.zeros_(p)
    x = torch.randn(2, 4, 8, 8)
    assert torch.equal(block(x), x)


@pytest.mark.parametrize("x, needle", [
    (torch.randn(2, 3, 16, 16), "(B, 1, 16, 16)"),  # wrong channels
    (torch.randn(2, 1, 32, 32), "(B, 1, 16, 16)"),  # wrong size
    (torch.randn(1, 16, 16), "(B, 1, 16, 16)"),  # missing batch axis
    ([[0.0]], "tensor"),
])
def test_resnet_generator_rejects_bad_input(x, needle):
    with pytest.raises(CourseError, match="ResnetGenerator") as err:
        ResnetGenerator(TINY_G)(x)
    assert needle in str(err.value)


@pytest.mark.parametrize("field, value, needle", [
    ("image_size", 30, "multiple of 4"), ("norm", "layer", "instance"), ("base_channels", 0, "positive"),
    ("n_downsample", -1, "0 or more"),
])
def test_resnet_config_errors_name_the_fix(field, value, needle):
    with pytest.raises(CourseError, match=needle):
        ResnetGeneratorConfig(**{field: value})


def test_cycle_generators_directions():
    gens = CycleGenerators(TINY_G)
    x = torch.randn(2, 1, 16, 16)
    assert torch.equal(gens(x, "AtoB"), gens.G_AB(x)) and torch.equal(gens(x, "BtoA"), gens.G_BA(x))
    with pytest.raises(CourseError, match="AtoB"):
        gens(x, "sideways")


# ------------------------------------------------------------------ PatchGAN as CycleGAN uses it
@pytest.mark.parametrize("n_layers, size", [(1, 32), (2, 32), (3, 32), (2, 16)])
def test_patchgan_grid_matches_the_calculator(n_layers, size):
    D = PatchGANDiscriminator(PatchGANConfig(in_channels=1, base_channels=4, n_layers=n_layers, norm="instance"))
    side = patch_grid_size(size, n_layers)
    assert D(torch.randn(2, 1, size, size)).shape == (2, 1, side, side)


def test_recipe_patchgan_grid_is_six_by_six():
    recipe = CycleGANRecipe.for_profile("full")
    assert patch_grid_size(32, recipe.discriminator.n_layers) == 6


# ------------------------------------------------------------------ losses against hand values
def test_lsgan_discriminator_loss_hand_values():
    real, fake = torch.tensor([1.0, 0.0]), torch.tensor([0.5, -1.0])
    loss_real, loss_fake = lsgan_discriminator_loss(real, fake)
    assert loss_real.item() == pytest.approx(0.5 * (0 + 1) / 2)  # 1/2 · mean((1-1)², (0-1)²) = 0.25
    assert loss_fake.item() == pytest.approx(0.5 * (0.25 + 1) / 2)  # 1/2 · mean(0.5², 1²) = 0.3125
    half = torch.full((2, 1, 3, 3), 0.5)  # a constant D = 1/2 on a PatchGAN grid
    assert [t.item() for t in lsgan_discriminator_loss(half, half)] == [pytest.approx(0.125)] * 2


def test_lsgan_generator_loss_hand_values():
    assert lsgan_generator_loss(torch.tensor([1.0, 0.0, 3.0])).item() == pytest.approx((0 + 1 + 4) / 3)
    assert lsgan_generator_loss(torch.tensor([0.5], dtype=torch.float16)).dtype == torch.float32


def test_cycle_and_identity_losses_hand_values():
    x = torch.tensor([[0.0, 1.0], [-1.0, 0.5]]).view(1, 1, 2, 2)
    y = torch.tensor([[0.5, 1.0], [0.0, -0.5]]).view(1, 1, 2, 2)
    assert cycle_consistency_loss(x, y).item() == pytest.approx((0.5 + 0 + 1 + 1) / 4)
    assert identity_loss(x, y).item() == pytest.approx(0.625)
    assert cycle_consistency_loss(x, x).item() == 0.0


# ------------------------------------------------------------------ image pool
def _numbered(start: int, n: int) -> torch.Tensor:
    return torch.arange(start, start + n, dtype=torch.float32).view(n, 1, 1, 1).expand(n, 1, 2, 2).clone()


def test_pool_fills_to_its_size_returning_the_new_images():
    pool = ImagePool((1, 2, 2), size=50, seed=0)
    for start in range(0, 50, 10):
        batch = _numbered(start, 10)
        assert torch.equal(pool.query(batch), batch)  # while filling, D sees exactly the new fakes
    assert len(pool) == 50
    assert torch.equal(pool.images[:, 0, 0, 0], torch.arange(50.0))


def test_full_pool_swaps_about_half_and_keeps_the_new_images():
    pool = ImagePool((1, 2, 2), size=50, seed=0)
    pool.query(_numbered(0, 50))
    new = _numbered(1000, 400)
    ids = new[:, 0, 0, 0]  # 1000..1399, in order
    out = pool.query(new)[:, 0, 0, 0]
    passed = out == ids
    # D sees, at each position, its own new fake or one that sat in the pool at that moment:
    # an old image (0..49) or an EARLIER new fake of this batch that was stored; never a later one
    earlier_new = (out >= 1000) & (out < ids)
    assert torch.all(passed | (out < 50) | earlier_new)
    assert earlier_new.any()  # stored new fakes do come back out
    # nothing lost, nothing duplicated: each swap hands out a stored image and stores the new one
    assert sorted(out.tolist() + pool.images[:, 0, 0, 0].tolist()) == list(range(50)) + ids.tolist()
    swapped = (~passed).float().mean().item()
    assert 0.4 < swapped < 0.6  # probability 0.5
    stored = set(pool.images[:, 0, 0, 0].tolist())
    assert len(pool) == 50 and stored & set(range(1000, 1400))  # new fakes took slots


def test_swapped_image_leaves_and_new_image_takes_its_slot():
    pool = ImagePool((1, 2, 2), size=3, seed=0, p_swap=1.0)  # always swap once full
    pool.query(_numbered(0, 3))
    before = pool.images[:, 0, 0, 0].clone()
    out = pool.query(_numbered(10, 1))[0, 0, 0, 0].item()
    after = pool.images[:, 0, 0, 0]
    slot = int((before == out).nonzero())
    assert out in {0.0, 1.0, 2.0} and after[slot] == 10 and (after != before).sum() == 1


def test_pool_is_seeded_deterministic_and_resumable():
    def run(pool, batches):
        return [pool.query(b) for b in batches]

    batches = [_numbered(100 * i, 20) for i in range(6)]
    a, b = ImagePool((1, 2, 2), seed=3), ImagePool((1, 2, 2), seed=3)
    assert all(torch.equal(x, y) for x, y in zip(run(a, batches), run(b, batches)))
    c = ImagePool((1, 2, 2), seed=4)
    assert not all(torch.equal(x, y) for x, y in zip(run(c, batches), run(ImagePool((1, 2, 2), seed=3), batches)))
    first, second = ImagePool((1, 2, 2), seed=5), ImagePool((1, 2, 2), seed=0)
    run(first, batches[:3])
    second.load_state_dict(first.state_dict())  # what a checkpoint restores
    assert all(torch.equal(x, y) for x, y in zip(run(first, batches[3:]), run(second, batches[3:])))


def test_pool_edge_cases():
    x = _numbered(0, 4)
    assert torch.equal(ImagePool((1, 2, 2), size=0).query(x), x)  # size 0: no pool
    with pytest.raises(CourseError, match="50"):
        ImagePool((1, 2, 2), size=-1)
    with pytest.raises(CourseError, match="image shape"):
        ImagePool((1, 2, 2)).query(torch.zeros(2, 1, 3, 3))


# ------------------------------------------------------------------ domains
@pytest.mark.parametrize("pair", ["negative", "shoes", "trousers_bags"])
@pytest.mark.parametrize("split", ["train", "test"])
def test_domains_share_no_source_image(pair, split):
    d = make_domains(pair, split)
    assert not set(d.a_source.tolist()) & set(d.b_source.tolist())
    n = 60_000 if split == "train" else 10_000
    assert d.a_source.max() < n // 2 <= d.b_source.min()  # disjoint halves
    assert len(d.a) == len(d.a_source) and len(d.b) == len(d.b_source)
    assert d.a.images.shape[1:] == (1, 32, 32) and d.b.images.shape[1:] == (1, 32, 32)


def test_domain_contents():
    neg = make_domains("negative", "test")
    assert neg.a.images[:, :, 0, 0].eq(-1).all() and neg.b.images[:, :, 0, 0].eq(1).all()  # backgrounds
    assert torch.equal(negative(negative(neg.a.images[:5])), neg.a.images[:5])
    assert torch.equal(true_translation("negative", neg.a.images[:3], "AtoB"), -neg.a.images[:3])
    shoes = make_domains("shoes", "test")
    assert shoes.a.labels.eq(SNEAKER).all() and shoes.b.labels.eq(ANKLE_BOOT).all()
    with pytest.raises(CourseError, match="negative"):
        true_translation("shoes", shoes.a.images[:1], "AtoB")
    trousers_bags = make_domains("trousers_bags", "test")
    assert trousers_bags.a.labels.eq(TROUSER).all() and trousers_bags.b.labels.eq(BAG).all()
    assert (trousers_bags.a_name, trousers_bags.b_name) == ("trouser", "bag")
    with pytest.raises(CourseError, match="shoes"):
        make_domains("horses")


def test_unpaired_batches_are_independent_and_resumable():
    d = make_domains("shoes", "train", limit=40)
    batches = UnpairedBatches(d, 8, seed=0)
    a, b = next(batches)
    assert a.shape == b.shape == (8, 1, 32, 32)
    state = batches.state_dict()
    rest = [next(batches) for _ in range(6)]
    again = UnpairedBatches(d, 8, seed=0)
    again.load_state_dict(state)
    assert all(torch.equal(x[0], y[0]) and torch.equal(x[1], y[1]) for x, y in zip(rest, [next(again) for _ in range(6)]))


def test_silhouette_area_ignores_tone():
    shoes = make_domains("shoes", "test", limit=50)
    area = silhouette_area(shoes.a.images)
    assert torch.allclose(area, silhouette_area(negative(shoes.a.images)))  # same shape, other tone
    assert silhouette_area(shoes.b.images).mean() > area.mean()  # boots are bigger than sneakers


def test_shape_pair_domain_test_uses_each_pairs_classes():
    for pair in ("shoes", "trousers_bags"):
        test, held_out = DomainTest(pair), make_domains(pair, "test", limit=200)
        assert test.rate(held_out.a.images, "A") > 0.9 and test.rate(held_out.b.images, "B") > 0.9
        assert test.rate(held_out.a.images, "B") < 0.05


def test_pixel_domain_test_separates_the_negative_domains():
    test = DomainTest("negative")
    held_out = make_domains("negative", "test", limit=500)
    assert test.rate(held_out.a.images, "A") > 0.99 and test.rate(held_out.b.images, "B") > 0.99
    assert test.rate(held_out.a.images, "B") < 0.01
    again = DomainTest("negative")
    assert torch.equal(again.model.linear.weight, test.model.linear.weight)  # deterministic
    with pytest.raises(CourseError, match="'A' or 'B'"):
        test.rate(held_out.a.images, "C")


# ------------------------------------------------------------------ recipe, training, command line
def test_recipe_profiles_share_the_code_path_and_check_fields():
    full, smoke = CycleGANRecipe.for_profile("full"), CycleGANRecipe.for_profile("smoke")
    assert (full.lambda_cycle, full.identity_weight, full.pool_size) == (10.0, 0.5, 50)
    assert smoke.lambda_cycle == full.lambda_cycle and smoke.pair == full.pair == "negative"
    assert CycleGANRecipe.for_profile("smoke", pair="shoes", identity_weight=0.0).pair == "shoes"
    with pytest.raises(CourseError, match="negative"):
        CycleGANRecipe(pair="zebras")
    with pytest.raises(CourseError, match="in_channels"):
        CycleGANRecipe(discriminator=PatchGANConfig(in_channels=2))


def _fit(recipe, out, steps):
    trainer = build_cyclegan(dataclasses.replace(recipe, steps=steps), torch.device("cpu"), out)
    trainer.fit()
    return trainer


def test_resume_is_identical_pool_included(tmp_path):
    recipe = CycleGANRecipe.for_profile("smoke")
    straight = _fit(recipe, None, 6)
    _fit(recipe, tmp_path, 3)
    resumed = _fit(recipe, tmp_path, 6)
    for key in ("G", "D_A", "D_B", "pool_A", "pool_B"):
        for (name, x), (_, y) in zip(straight.modules[key].state_dict().items(),
                                     resumed.modules[key].state_dict().items()):
            assert torch.equal(x, y), f"{key}.{name}"
    hist = straight.history
    assert {"loss_d_real", "loss_d_fake", "loss_g", "loss_cycle", "loss_identity"} <= set(hist)
    assert all(math.isfinite(v) for v in hist["loss_cycle"])
    assert straight.samples[-1][1].shape == (6 * recipe.n_show, 1, 32, 32)


def test_no_identity_ablation_logs_zero_identity():
    trainer = _fit(CycleGANRecipe.for_profile("smoke", identity_weight=0.0, pair="shoes"), None, 2)
    assert trainer.history["loss_identity"] == [0.0, 0.0]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "cyclegan"
    assert main(["train", "cyclegan", "--profile", "smoke", "--out", str(out)]) == 0
    return out


def test_cli_train_and_sample(trained, tmp_path):
    out = tmp_path / "s.pt"
    assert main(["sample", "cyclegan", "--n", "5", "--out", str(out), "--checkpoint",
                 str(trained / "checkpoint.pt"), "--seed", "1"]) == 0
    images = torch.load(out, weights_only=True)["images"]
    assert images.dtype == torch.float32 and images.shape == (5, 1, 28, 28)  # FashionMNIST's shape, not 32x32
    assert images.min() >= -1 and images.max() <= 1


@pytest.mark.parametrize("direction", ["AtoB", "BtoA"])
def test_translate_test_items(trained, direction):
    state = torch.load(trained / "checkpoint.pt", weights_only=True)
    G = cycle_generators(state["hparams"])
    G.load_state_dict(state["modules"]["G"])
    out = translate_test_items(G, 7, direction, "cpu")
    assert set(out) == {"inputs", "outputs", "reconstructions"}
    for value in out.values():
        assert value.dtype == torch.float32 and value.shape == (7, 1, 32, 32)
        assert value.min() >= -1 and value.max() <= 1
    assert torch.equal(out["outputs"], translate_test_items(G, 7, direction, "cpu")["outputs"])  # fixed items
    assert (out["inputs"][0, 0, 0, 0] == (-1 if direction == "AtoB" else 1))  # originals vs negatives
    with pytest.raises(CourseError, match="AtoB"):
        translate_test_items(G, 3, "up", "cpu")
    with pytest.raises(CourseError, match="between 1"):
        translate_test_items(G, 0, direction, "cpu")


def test_translate_cli_writes_28x28_crops_of_the_translations(trained, tmp_path):
    from gan_course.data import unpad

    out = tmp_path / "t.pt"
    assert main(["translate", "cyclegan", "--checkpoint", str(trained / "checkpoint.pt"), "--n", "4",
                 "--out", str(out), "--direction", "BtoA"]) == 0
    data = torch.load(out, weights_only=True)
    assert set(data) == {"inputs", "outputs", "reconstructions"}
    assert all(v.shape == (4, 1, 28, 28) and v.dtype == torch.float32 for v in data.values())
    assert all(v.min() >= -1 and v.max() <= 1 for v in data.values())
    state = torch.load(trained / "checkpoint.pt", weights_only=True)
    G = cycle_generators(state["hparams"])
    G.load_state_dict(state["modules"]["G"])
    full = translate_test_items(G, 4, "BtoA", "cpu")  # (4, 1, 32, 32) each, in Python
    for key, value in full.items():  # the file holds the centre of the very same translations
        assert torch.allclose(data[key], unpad(value), atol=1e-5), key


def test_measures_have_every_key(trained):
    state = torch.load(trained / "checkpoint.pt", weights_only=True)
    G = cycle_generators(state["hparams"])
    G.load_state_dict(state["modules"]["G"])
    scores = measure_cyclegan(G, "cpu", n=20)
    assert {"cycle_l1_A", "cycle_l1_B", "identity_l1_A", "identity_l1_B", "target_rate_AtoB",
            "target_rate_BtoA", "true_l1_AtoB", "true_l1_BtoA", "area_AtoB", "spread_AtoB"} <= set(scores)
    assert all(math.isfinite(v) for v in scores.values())
    assert 0 <= scores["target_rate_AtoB"] <= 1


def test_variant_reproduction_command_in_smoke(tmp_path, capsys):
    """`python -m gan_course.recipes.cyclegan` (the command behind the committed ablation results)."""
    from gan_course.recipes.cyclegan import load_or_run_variant
    from gan_course.recipes.cyclegan import main as variants_main

    out, runs = tmp_path / "ablations", tmp_path / "runs"
    assert variants_main(["--variants", "no_identity", "--profile", "smoke", "--out", str(out),
                          "--runs", str(runs)]) == 0
    path = out / "cyclegan_no_identity.pt"
    assert path.is_file() and path.stat().st_size < 2**20
    result = load_or_run_variant("no_identity", "cpu", use_committed=True, directory=out)
    assert result["hparams"]["identity_weight"] == 0.0 and result["step"] == 6
    assert {"cycle_l1_A", "identity_l1_A", "target_rate_AtoB"} <= set(result["scores"])
    assert result["grids"][-1].shape == (6 * 4, 1, 32, 32)
    path.write_bytes(path.read_bytes() + b"x")  # damaged: refused, with the fix
    with pytest.raises(CourseError, match="SHA-256"):
        load_or_run_variant("no_identity", "cpu", use_committed=True, directory=out)
    with pytest.raises(CourseError, match="TRAIN_EXTRA_RUNS"):
        load_or_run_variant("shoes", "cpu", use_committed=True, directory=out)


@pytest.mark.parametrize("name", ["no_identity", "shoes", "trousers_bags"])
def test_every_variant_has_a_committed_full_result(name):
    """What chapter 7 loads: each extra run's result, SHA-256 checked, with every measure of measure_cyclegan."""
    from gan_course.recipes.cyclegan import VARIANTS, load_or_run_variant

    assert set(VARIANTS) == {"no_identity", "shoes", "trousers_bags"}
    result = load_or_run_variant(name, "cpu", use_committed=True)
    assert result["step"] == 1500 and result["name"] == name
    assert result["hparams"]["pair"] == VARIANTS[name].get("pair", "negative")
    assert {"cycle_l1_B", "target_rate_AtoB", "fd_AtoB", "fd_real_B", "fd_BtoA", "fd_real_A"} <= set(result["scores"])


def test_spread_hand_values():
    from gan_course.recipes.cyclegan import spread

    x = torch.stack([torch.zeros(1, 2, 2), torch.ones(1, 2, 2), torch.ones(1, 2, 2)])  # distances 1, 1, 0
    assert spread(x) == pytest.approx((1 + 1 + 0) / 3)
    assert spread(torch.zeros(4, 1, 2, 2)) == 0.0


def test_smoke_generators_match_the_pretrained_ones():
    """The chapter's pretrained switch loads the committed generators into the smoke trainer too."""
    assert CycleGANRecipe.for_profile("smoke").generator == CycleGANRecipe.for_profile("full").generator
