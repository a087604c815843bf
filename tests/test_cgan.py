"""Chapter 3: the conditional GAN (shapes, label handling, bad input, steps, sampling, CLI, class picker)."""


import pytest
import torch

from gan_course.cli import main
from gan_course.errors import CourseError
from gan_course.models import CGANConfig, ConditionalDiscriminator, ConditionalGenerator
from gan_course.recipes import get_model
from gan_course.recipes.cgan import (CGANRecipe, build_cgan, class_grid, d_step, extra_scores, fixed_class_inputs,
                                     g_step, per_class_accuracy, sample_conditional)
from gan_course.runtime import precision_for
from gan_course.training import StepContext
from helpers import scratch, tiny_image_set

# A tiny conditional GAN on 8x8 images with 10 classes (G: 2x2 -> 4 -> 8): every test runs in milliseconds.
TINY = CGANConfig(latent_dim=8, label_dim=4, image_shape=(1, 8, 8), g_width=4, d_width=4)
CPU = torch.device("cpu")


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)


# ------------------------------------------------------------------ shapes
def test_generator_shape_and_range():
    G = ConditionalGenerator(TINY)
    images = G(torch.randn(5, 8) * 10, torch.tensor([0, 3, 9, 9, 1]))  # large z: tanh must still bound
    assert images.shape == (5, 1, 8, 8) and images.dtype == torch.float32
    assert images.min() >= -1 and images.max() <= 1
    G.eval()
    assert G(torch.randn(1, 8), torch.tensor([4])).shape == (1, 1, 8, 8)  # eval mode: a batch of one works


def test_discriminator_returns_one_logit_per_pair():
    D = ConditionalDiscriminator(TINY)
    logits = D(torch.rand(6, 1, 8, 8) * 2 - 1, torch.arange(6))
    assert logits.shape == (6,) and logits.dtype == torch.float32
    assert not any(isinstance(m, torch.nn.Sigmoid) for m in D.modules())  # logits, not probabilities


def test_default_config_matches_fashion_mnist():
    cfg = CGANConfig()
    G, D = ConditionalGenerator(cfg), ConditionalDiscriminator(cfg)
    y = torch.tensor([0, 9])
    images = G(torch.randn(2, cfg.latent_dim), y)
    assert images.shape == (2, 1, 28, 28)
    assert D(images, y).shape == (2,)
    assert D.features[0].in_channels == 1 + cfg.label_dim  # the label maps sit next to the pixels
    assert G.project(torch.randn(2, cfg.latent_dim + cfg.label_dim)).shape == (2, 64 * 7 * 7)  # -> (64, 7, 7)
    assert D.projection.weight.shape == (10, 128 * 7 * 7)  # one v_y per class, as long as φ(x)
    # DCGAN's rules: no batch norm right after G's output layer or on D's input layer, tanh out, logits out
    assert isinstance(G.upsample[-1], torch.nn.Tanh) and not isinstance(G.upsample[-2], torch.nn.BatchNorm2d)
    assert isinstance(D.features[1], torch.nn.LeakyReLU)


def test_discriminator_label_maps_are_the_embedding_spread_over_the_image():
    D = ConditionalDiscriminator(TINY)
    seen = {}
    D.features[0].register_forward_hook(lambda module, inputs, output: seen.update(x=inputs[0]))
    x, y = torch.rand(3, 1, 8, 8), torch.tensor([0, 5, 9])
    D(x, y)
    assert seen["x"].shape == (3, 1 + 4, 8, 8)
    assert torch.equal(seen["x"][:, :1], x)  # channel 0: the pixels, unchanged
    expected = D.embed(y)[:, :, None, None].expand(3, 4, 8, 8)  # channel 1 + k: a plane filled with e_D(y)[k]
    assert torch.equal(seen["x"][:, 1:], expected)


def test_discriminator_logit_is_judge_plus_projection():
    """D(x, y) = w·φ(x) + b + v_y·φ(x), checked on its own features."""
    D = ConditionalDiscriminator(TINY).eval()
    seen = {}
    D.features.register_forward_hook(lambda module, inputs, output: seen.update(h=output.flatten(1)))
    x, y = torch.rand(4, 1, 8, 8) * 2 - 1, torch.tensor([0, 3, 3, 9])
    logits = D(x, y)
    h = seen["h"]  # φ(x): (4, 2 * d_width * 2 * 2)
    expected = h @ D.judge.weight[0] + D.judge.bias[0] + (D.projection.weight[y] * h).sum(1)
    assert torch.allclose(logits, expected, atol=1e-6)
    with torch.no_grad():  # v_y = 0 for every class: only the label maps at the input remain
        D.projection.weight.zero_()
    assert torch.allclose(D(x, y), h @ D.judge.weight[0] + D.judge.bias[0], atol=1e-6)
    # d_projection=False: the label maps stay at the input, the logit is the judge's alone
    plain = ConditionalDiscriminator(CGANConfig(**{**TINY.__dict__, "d_projection": False})).eval()
    assert plain.projection is None and plain.features[0].in_channels == 1 + 4
    plain.features.register_forward_hook(lambda module, inputs, output: seen.update(h=output.flatten(1)))
    logits = plain(x, y)
    assert torch.allclose(logits, seen["h"] @ plain.judge.weight[0] + plain.judge.bias[0], atol=1e-6)


@pytest.mark.parametrize("shape", [(1, 30, 30), (1, 28, 32)])
def test_config_refuses_images_it_cannot_build(shape):
    with pytest.raises(CourseError, match="divisible by 4"):
        CGANConfig(image_shape=shape)


# ------------------------------------------------------------ the label matters
def test_generator_gives_different_images_for_different_labels_at_fixed_z():
    G = ConditionalGenerator(TINY).eval()
    z = torch.randn(1, 8).repeat(10, 1)  # (10, 8): one noise vector, ten times
    images = G(z, torch.arange(10))  # the same z in every class
    flat = images.flatten(1)
    distances = torch.cdist(flat, flat)  # (10, 10)
    off_diagonal = distances[~torch.eye(10, dtype=torch.bool)]
    # every pair of classes gives a different image (small differences: the weights start from N(0, 0.02))
    assert (off_diagonal > 1e-5).all()
    assert torch.equal(G(z[:2], torch.tensor([4, 4]))[0], G(z[:2], torch.tensor([4, 4]))[1])  # same (z, y): same image


def test_discriminator_sees_the_label_unless_ablated():
    x = torch.rand(1, 1, 8, 8).repeat(10, 1, 1, 1) * 2 - 1  # one image, ten times
    D = ConditionalDiscriminator(TINY).eval()  # eval: batch norm uses its running statistics
    assert D(x, torch.arange(10)).unique().numel() == 10  # the verdict depends on the label
    blind = ConditionalDiscriminator(CGANConfig(**{**TINY.__dict__, "d_sees_label": False})).eval()
    assert blind.embed is None and blind.projection is None  # no label maps, no projection
    assert blind.features[0].in_channels == 1  # the pixels only
    verdicts = blind(x, torch.arange(10))
    assert torch.allclose(verdicts, verdicts[0].expand(10), rtol=1e-5, atol=0)  # the ablation ignores it


def test_fixed_class_inputs_and_class_grid_are_row_major():
    z, y = fixed_class_inputs(TINY, n_rows=3, seed=1)
    assert z.shape == (30, 8) and y.tolist() == list(range(10)) * 3
    assert torch.equal(z[0], z[9]) and not torch.equal(z[9], z[10])  # a row shares its noise
    G = ConditionalGenerator(TINY)
    G.train()
    grid = class_grid(G, z[::10])  # (3 * 10, 1, 8, 8)
    assert grid.shape == (30, 1, 8, 8) and G.training  # mode restored
    G.eval()
    assert torch.allclose(grid[12], G(z[10:11], torch.tensor([2]))[0], atol=1e-6)  # row 1, class 2
    with pytest.raises(CourseError, match="latent_dim"):
        class_grid(G, torch.randn(8))


# ------------------------------------------------------------------ bad input
@pytest.mark.parametrize("labels, needle", [
    (torch.tensor([0, 10]), r"0\.\.9"),  # class 10 does not exist
    (torch.tensor([-1, 3]), r"0\.\.9"),
    (torch.tensor([0.0, 1.0]), "integer class indices"),
    (torch.nn.functional.one_hot(torch.tensor([0, 1]), 10), r"one label per image, shape \(2,\)"),
    (torch.tensor([1, 2, 3]), r"shape \(2,\)"),
    ([0, 1], "tensor of class indices"),
])
def test_bad_labels_name_the_fix(labels, needle):
    G, D = ConditionalGenerator(TINY), ConditionalDiscriminator(TINY)
    with pytest.raises(CourseError, match=needle):
        G(torch.randn(2, 8), labels)
    with pytest.raises(CourseError, match=needle):
        D(torch.rand(2, 1, 8, 8), labels)


def test_out_of_range_label_message_says_how_to_fix():
    with pytest.raises(CourseError) as info:
        ConditionalGenerator(TINY)(torch.randn(1, 8), torch.tensor([10]))
    message = str(info.value)
    assert "[10, 10]" in message and "pass class indices in that range" in message


def test_wrong_noise_and_image_shapes_name_the_expected_shape():
    G, D = ConditionalGenerator(TINY), ConditionalDiscriminator(TINY)
    with pytest.raises(CourseError, match=r"\(B, 8\)"):
        G(torch.randn(2, 9), torch.tensor([0, 1]))  # noise of the wrong size
    with pytest.raises(CourseError, match=r"\(B, 1, 8, 8\)"):
        D(torch.rand(2, 64), torch.tensor([0, 1]))  # flattened images
    with pytest.raises(CourseError, match=r"\(B, 1, 8, 8\)"):
        D(torch.rand(2, 3, 8, 8), torch.tensor([0, 1]))  # three channels


# ------------------------------------------------------------------ the steps
def test_steps_update_only_their_network_and_log_the_usual_keys():
    G, D = ConditionalGenerator(TINY), ConditionalDiscriminator(TINY)
    opt_G = torch.optim.Adam(G.parameters(), lr=1e-2)
    opt_D = torch.optim.Adam(D.parameters(), lr=1e-2)
    ctx = StepContext(precision_for(CPU), {"G": opt_G, "D": opt_D})
    data = tiny_image_set(16)
    batch = (data.images, data.labels)
    g_before = [p.clone() for p in G.parameters()]
    d_before = [p.clone() for p in D.parameters()]
    stats = d_step(batch, ctx, G=G, D=D, opt_D=opt_D, latent_dim=8, num_classes=10)
    assert set(stats) == {"loss_d_real", "loss_d_fake", "d_real", "d_fake"}
    assert all(torch.equal(a, b) for a, b in zip(g_before, G.parameters()))  # fakes were detached
    assert any(not torch.equal(a, b) for a, b in zip(d_before, D.parameters()))
    d_after = [p.clone() for p in D.parameters()]
    stats = g_step(batch, ctx, G=G, D=D, opt_G=opt_G, latent_dim=8, num_classes=10)
    assert set(stats) == {"loss_g"} and torch.isfinite(stats["loss_g"])
    assert any(not torch.equal(a, b) for a, b in zip(g_before, G.parameters()))
    assert all(torch.equal(a, b) for a, b in zip(d_after, D.parameters()))  # opt_G moves G only


def test_d_step_pairs_real_images_with_their_own_labels():
    seen = []

    class Spy(ConditionalDiscriminator):
        def forward(self, x, y):
            seen.append(y.clone())
            return super().forward(x, y)

    G, D = ConditionalGenerator(TINY), Spy(TINY)
    opt_D = torch.optim.SGD(D.parameters(), lr=0.0)
    data = tiny_image_set(16)
    d_step((data.images, data.labels), StepContext(precision_for(CPU), {"D": opt_D}),
                G=G, D=D, opt_D=opt_D, latent_dim=8, num_classes=10)
    assert torch.equal(seen[0], data.labels)  # real pairs: the dataset's own labels


# ------------------------------------------------------------------ sampling
def test_sample_is_balanced_and_well_formed():
    G = ConditionalGenerator(TINY)
    torch.manual_seed(3)
    out = sample_conditional(G, 23, CPU, batch=10)
    assert set(out) == {"images", "labels"}
    assert out["images"].shape == (23, 1, 8, 8) and out["images"].dtype == torch.float32
    assert out["labels"].dtype == torch.int64 and out["labels"].tolist() == [i % 10 for i in range(23)]
    assert out["images"].min() >= -1 and out["images"].max() <= 1
    torch.manual_seed(3)
    assert torch.equal(sample_conditional(G, 23, CPU, batch=10)["images"], out["images"])  # seeded: same
    assert sample_conditional(G, 4, CPU, labels=7)["labels"].tolist() == [7, 7, 7, 7]


@pytest.mark.parametrize("labels, needle", [
    (10, r"0\.\.9"), (-2, r"0\.\.9"), (torch.tensor([1, 2]), r"shape \(4,\)"), ("shoe", "labels=7"),
])
def test_sample_refuses_bad_labels(labels, needle):
    with pytest.raises(CourseError, match=needle):
        sample_conditional(ConditionalGenerator(TINY), 4, CPU, labels=labels)


def test_extra_scores_and_per_class_accuracy_use_the_course_classifier():
    G = ConditionalGenerator(CGANConfig(g_width=4, d_width=4))
    samples = sample_conditional(G, 20, CPU)
    scores = extra_scores(G, samples, CPU)
    assert set(scores) == {"label_accuracy"} and 0.0 <= scores["label_accuracy"] <= 1.0
    per_class = per_class_accuracy(samples["images"], samples["labels"])
    assert len(per_class) == 10 and all(0.0 <= v <= 1.0 for v in per_class.values())


# ------------------------------------------------------------ recipe and CLI
def test_smoke_recipe_trains_and_draws_class_grids(tmp_path):
    recipe = CGANRecipe.for_profile("smoke")
    trainer = build_cgan(recipe, CPU, out_dir=tmp_path / "run", seed=0)
    history = trainer.fit()
    assert trainer.step == recipe.steps and len(history["loss_g"]) == recipe.steps
    step, grid = trainer.samples[-1]
    assert step == recipe.steps and grid.shape == (recipe.n_fixed * 10, 1, 28, 28)
    assert (tmp_path / "run" / "checkpoint.pt").is_file()


@pytest.fixture(scope="module")
def trained(request):
    out = scratch(request, "run") / "cgan"
    assert main(["train", "cgan", "--profile", "smoke", "--out", str(out), "--device", "cpu"]) == 0
    return out


def test_cli_train_and_sample(trained, tmp_path):
    out = tmp_path / "s.pt"
    assert main(["sample", "cgan", "--n", "13", "--out", str(out), "--checkpoint",
                 str(trained / "checkpoint.pt"), "--seed", "2", "--device", "cpu"]) == 0
    data = torch.load(out, weights_only=True)
    assert set(data) == {"images", "labels", "made_by"} and data["made_by"] == "python -m gan_course sample"
    assert data["images"].dtype == torch.float32 and data["images"].shape == (13, 1, 28, 28)
    assert data["images"].min() >= -1 and data["images"].max() <= 1
    assert data["labels"].dtype == torch.int64 and data["labels"].tolist() == [i % 10 for i in range(13)]


def test_cli_evaluate_reports_label_accuracy(trained, capsys):
    assert main(["evaluate", "cgan", "--checkpoint", str(trained / "checkpoint.pt"), "--n", "200",
                 "--device", "cpu"]) == 0
    assert "label accuracy" in capsys.readouterr().out


def test_generator_from_cli_checkpoint_refuses_a_bad_label(trained):
    entry = get_model("cgan")
    state = torch.load(trained / "checkpoint.pt", weights_only=True)
    G = entry.generator_from_checkpoint(state, trained / "checkpoint.pt")
    assert entry.extra_scores is extra_scores and entry.chapter == "03_conditional_gan"
    with pytest.raises(CourseError, match=r"0\.\.9"):
        entry.sample(G, 4, CPU, labels=11)
    with pytest.raises(CourseError, match=r"0\.\.9"):
        G(torch.randn(2, G.cfg.latent_dim), torch.tensor([3, 10]))


# ------------------------------------------------------------------ the picker
def test_class_picker_links_a_dropdown_to_one_grid_per_class():
    import ipywidgets as W

    from gan_course.widgets.cgan import class_picker

    G = ConditionalGenerator(TINY)
    G.train()
    box = class_picker(G, torch.randn(4, 8), start=2)
    dropdown, stack = box.children
    assert isinstance(dropdown, W.Dropdown) and isinstance(stack, W.Stack)
    assert len(dropdown.options) == 10 and len(stack.children) == 10 and stack.selected_index == 2
    assert all(img.value[:4] == b"\x89PNG" for img in stack.children)
    assert len({img.value for img in stack.children}) == 10  # a different grid per class
    assert G.training  # mode restored
    with pytest.raises(CourseError, match="latent_dim"):
        class_picker(G, torch.randn(8))
    with pytest.raises(CourseError, match="one name per class"):
        class_picker(G, torch.randn(4, 8), classes=["a", "b"])


def test_class_snapshot_player_has_one_frame_per_snapshot():
    import ipywidgets as W

    from gan_course.widgets.cgan import class_snapshot_player

    snapshots = [(step, torch.rand(20, 1, 8, 8) * 2 - 1) for step in (8, 16, 24)]  # 2 rows x 10 classes
    box = class_snapshot_player(snapshots)
    stack = box.children[1]
    assert isinstance(stack, W.Stack) and len(stack.children) == 3 and stack.selected_index == 2
