"""Chapter 11: the diffusion process, the DDPM recipe, DDIM, the memorisation test and the chapter's experiments."""

import dataclasses
import sys

import pytest
import torch

from gan_course.diffusion import GaussianDiffusion, ddpm_loss, get_beta_schedule
from gan_course.errors import CourseError
from gan_course.exercises import EXERCISES
from gan_course.metrics.memorisation import memorisation_score, nearest_neighbours
from gan_course.models.ddpm import DDPMConfig, DDPMUNet, timestep_embedding
from gan_course.recipes import get_model
from gan_course.recipes.ddpm import DDPMRecipe, build_ddpm, sample_ddpm
from helpers import (assert_killed_run_resumes_bitwise, assert_resumed_alike, scratch,
                     straight_and_resumed)

CPU = torch.device("cpu")


def _diffusion(T=100, schedule="linear"):
    return GaussianDiffusion(get_beta_schedule(schedule, T))


# ------------------------------------------------------------------ the forward process
def test_the_linear_schedule_is_ho_et_al_and_the_cosine_one_ends_near_pure_noise():
    betas = get_beta_schedule("linear", 1000)
    assert betas[0].item() == pytest.approx(1e-4) and betas[-1].item() == pytest.approx(0.02)
    d = GaussianDiffusion(betas)
    assert d.alphas_cumprod[-1].item() == pytest.approx(4.04e-5, rel=0.02)  # x_T is almost pure noise
    assert GaussianDiffusion(get_beta_schedule("cosine", 1000)).alphas_cumprod[-1].item() < 1e-6
    with pytest.raises(CourseError):
        get_beta_schedule("quadratic", 10)


@pytest.mark.parametrize("step", [0, 10, 57, 99])
def test_q_sample_has_the_stated_mean_and_variance(step):
    d = _diffusion()
    x0 = torch.linspace(-1, 1, 8).reshape(1, 1, 2, 4).double()
    n = 200_000
    g = torch.Generator().manual_seed(step)
    t = torch.full((n,), step)
    xt = d.q_sample(x0.expand(n, -1, -1, -1), t, torch.randn(n, 1, 2, 4, generator=g, dtype=torch.float64))
    abar = torch.cumprod(1 - d.betas, 0)[step]
    mean, var = d.q_mean_variance(x0, torch.tensor([step]))
    assert torch.allclose(mean, abar.sqrt() * x0) and torch.allclose(var, (1 - abar).expand_as(var))
    assert torch.allclose(xt.mean(0), mean[0], atol=5 * (1 - abar).sqrt().item() / n ** 0.5)
    assert torch.allclose(xt.var(0), var[0].expand(1, 2, 4), rtol=0.02)


def test_the_posterior_mean_of_the_true_x0_undoes_one_step_by_hand():
    d = _diffusion(T=5)
    b = d.betas
    abar = torch.cumprod(1 - b, 0)
    x0, xt, t = torch.tensor([[[[0.5]]]]).double(), torch.tensor([[[[0.2]]]]).double(), torch.tensor([3])
    mean, var, _ = d.q_posterior_mean_variance(x0, xt, t)
    coef1 = b[3] * abar[2].sqrt() / (1 - abar[3])
    coef2 = (1 - abar[2]) * (1 - b[3]).sqrt() / (1 - abar[3])
    assert mean.item() == pytest.approx((coef1 * 0.5 + coef2 * 0.2).item())
    assert var.item() == pytest.approx((b[3] * (1 - abar[2]) / (1 - abar[3])).item())


# ------------------------------------------------------------------ the loss
def test_the_loss_is_zero_for_the_true_noise_and_grows_when_the_prediction_moves_away():
    d = _diffusion()
    g = torch.Generator().manual_seed(0)
    x0, noise = torch.rand(6, 1, 4, 4, generator=g) * 2 - 1, torch.randn(6, 1, 4, 4, generator=g)
    t = torch.randint(0, 100, (6,), generator=g)
    oracle = lambda x_t, t_: noise  # noqa: E731  (knows the noise that was added)
    assert ddpm_loss(oracle, d, x0, t, noise).item() == 0.0
    for delta in (0.01, 0.1, 1.0):
        off = lambda x_t, t_, delta=delta: noise + delta  # noqa: E731
        assert ddpm_loss(off, d, x0, t, noise).item() == pytest.approx(delta ** 2, rel=1e-5)


def test_the_oracle_denoiser_recovers_x0_exactly():
    d = _diffusion()
    g = torch.Generator().manual_seed(1)
    x0, noise = torch.rand(3, 1, 4, 4, generator=g, dtype=torch.float64) * 2 - 1, torch.randn(3, 1, 4, 4, generator=g,
                                                                                            dtype=torch.float64)
    t = torch.tensor([0, 40, 99])
    assert torch.allclose(d.predict_start_from_noise(d.q_sample(x0, t, noise), t, noise), x0, atol=1e-9)


# ------------------------------------------------------------------ sampling
def _eps_net(seed=0):
    torch.manual_seed(seed)
    net = torch.nn.Conv2d(1, 1, 3, padding=1).double()
    return lambda x, t: net(x) * 0.3 + 1e-3 * t.double().reshape(-1, 1, 1, 1)


def test_ddim_with_eta_1_over_all_T_steps_is_the_ancestral_sampler_step_for_step():
    """The property the sampler promises: η = 1, every step, no clipping = DDPM with σ² = β̃, given the same noise."""
    d, eps = _diffusion(T=50), _eps_net()
    shape = (4, 1, 5, 5)
    ancestral = d.p_sample_loop(lambda x, t: eps(x.double(), t), shape,
                                generator=torch.Generator().manual_seed(3), clip_denoised=False)
    ddim = d.ddim_sample_loop(lambda x, t: eps(x.double(), t), shape, steps=50, eta=1.0,
                              generator=torch.Generator().manual_seed(3), clip_denoised=False)
    assert torch.allclose(ancestral, ddim, atol=1e-4)


def test_deterministic_ddim_depends_on_x_T_only_and_the_last_step_adds_no_noise():
    d, eps = _diffusion(T=100), _eps_net(1)
    x_T = torch.randn(2, 1, 4, 4, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    a = d.ddim_sample_loop(eps, x_T.shape, 10, x_T=x_T, generator=torch.Generator().manual_seed(1))
    b = d.ddim_sample_loop(eps, x_T.shape, 10, x_T=x_T, generator=torch.Generator().manual_seed(2))
    assert torch.equal(a, b)
    _, kept = d.ddim_sample_loop(eps, x_T.shape, 10, x_T=x_T, keep=lambda t: True)
    assert [t for t, _ in kept] == [80, 70, 60, 50, 40, 30, 20, 10, 0, -1]
    with pytest.raises(CourseError):
        d.ddim_sample_loop(eps, x_T.shape, 101)


def test_the_unet_keeps_the_shape_and_its_time_embedding_matters():
    net = DDPMUNet(DDPMConfig())
    torch.nn.init.normal_(net.out[-1].weight, 0, 0.1)  # the output layer starts at zero: give it weights
    x = torch.randn(2, 1, 32, 32)
    out0, out1 = net(x, torch.tensor([0, 0])), net(x, torch.tensor([500, 500]))
    assert out0.shape == x.shape and not torch.allclose(out0, out1)
    assert timestep_embedding(torch.tensor([0, 3]), 16).shape == (2, 16)
    with pytest.raises(CourseError, match="pad"):
        net(torch.randn(2, 1, 28, 28), torch.tensor([0, 0]))


def test_sample_ddpm_checks_steps_and_gives_images_in_range():
    G = DDPMUNet(DDPMConfig())
    out = sample_ddpm(G, 3, CPU, steps=2)["images"]
    assert out.shape == (3, 1, 32, 32) and out.abs().max() <= 1
    for bad in (0, 1001, 2.5, True):
        with pytest.raises(CourseError, match="steps"):
            sample_ddpm(G, 3, CPU, steps=bad)


# ------------------------------------------------------------------ the recipe
def test_the_recipe_trains_in_smoke_and_resumes_bitwise(tmp_path):
    recipe = DDPMRecipe.for_profile("smoke", steps=8, checkpoint_every=4, sample_every=4, quality_every=4,
                                    train_limit=256, quality_n=32)
    straight, resumed = straight_and_resumed(build_ddpm, recipe, tmp_path, stop_at=4)
    assert straight.quality_record["step"] == [0, 4, 8] and straight.d_step is None
    assert_resumed_alike(straight, resumed, ("step", "modules", "optimizers", "rng", "batches"))


@pytest.mark.slow  # starts and kills a training process: `make test` runs it, `make unit` does not
@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_a_killed_ddpm_run_resumes_bitwise(tmp_path):
    """`train ddpm` SIGKILLed after the optimiser step of step 11, then --resume: the same final checkpoint."""
    assert_killed_run_resumes_bitwise(tmp_path, "ddpm", steps=14, kill_after=11)


def test_the_registry_entry_samples_with_steps_and_gans_take_none():
    entry = get_model("ddpm")
    assert entry.sampling_steps == 50 and get_model("dcgan").sampling_steps is None
    G = entry.make_generator({"model": dataclasses.asdict(DDPMConfig())})
    assert entry.sample(G, 2, CPU, steps=1)["images"].shape == (2, 1, 32, 32)


# ------------------------------------------------------------------ memorisation
def test_nearest_neighbours_finds_training_images_exactly():
    from gan_course.data import load_fashion_mnist

    train = load_fashion_mnist("train", limit=3000)
    picked = torch.tensor([0, 17, 1234, 2999])
    dist, index = nearest_neighbours(train.images[picked], train.images)
    assert dist.max().item() < 1e-5
    assert torch.equal(train.images[index], train.images[picked])  # the same image (or an exact duplicate)
    padded = torch.nn.functional.pad(train.images[picked], (2, 2, 2, 2), value=-1.0)  # 32x32 queries compare too
    assert nearest_neighbours(padded, train.images)[0].max().item() < 1e-5


def test_nearest_neighbours_agrees_with_cdist_on_features():
    g = torch.Generator().manual_seed(0)
    q, r = torch.randn(7, 5, generator=g), torch.randn(40, 5, generator=g)
    dist, index = nearest_neighbours(q, r, chunk=3)
    full = torch.cdist(q.double(), r.double())
    assert torch.equal(index, full.argmin(1)) and torch.allclose(dist, full.min(1).values)


def test_the_memorisation_score_is_one_for_copies_and_near_the_quantile_otherwise():
    g = torch.Generator().manual_seed(0)
    train, heldout, fresh = (torch.randn(n, 1, 6, 6, generator=g) for n in (400, 400, 400))
    assert memorisation_score(train[:50], train, heldout, 0.05) == 1.0
    assert memorisation_score(fresh, train, heldout, 0.1) == pytest.approx(0.1, abs=0.05)
    with pytest.raises(CourseError):
        memorisation_score(fresh, train, heldout, 1.5)


# ------------------------------------------------------------------ the chapter's experiments
def test_a_detector_trains_with_the_trainer_and_separates_easy_fakes():
    from gan_course.experiments.responsibility import build_detector, detector_accuracy

    g = torch.Generator().manual_seed(0)
    real = torch.rand(128, 1, 28, 28, generator=g) * 2 - 1
    fake = torch.full((128, 1, 28, 28), -1.0)  # blank images
    trainer = build_detector(real, fake, steps=20, batch_size=32)
    trainer.fit()
    assert trainer.g_step is None
    acc = detector_accuracy(trainer.modules["D"], real[:32], fake[:32])
    assert acc["balanced"] > 0.9


def test_skewed_subset_follows_the_shares():
    from gan_course.data import load_fashion_mnist
    from gan_course.experiments.responsibility import skewed_subset

    data = load_fashion_mnist("train", limit=5000)
    shares = torch.tensor([0.5, 0.3, 0.1, 0.1] + [0.0] * 6)
    sub = skewed_subset(data, shares, 200)
    assert torch.equal(torch.bincount(sub.labels, minlength=10)[:4], torch.tensor([100, 60, 20, 20]))


def test_the_trainer_refuses_no_step_at_all():
    from gan_course.experiments.responsibility import build_detector

    trainer = build_detector(torch.zeros(64, 1, 28, 28), torch.ones(64, 1, 28, 28), steps=2, batch_size=32)
    from gan_course.training import Trainer

    with pytest.raises(CourseError, match="d_step or a g_step"):
        Trainer(modules=trainer.modules, optimizers=trainer.optimizers, d_step=None, g_step=None,
                batches=trainer.batches, config=trainer.config)


# ------------------------------------------------------------------ exercises, diagrams, widget
CH11 = [k for k in EXERCISES if k.startswith("ch11.")]


def test_chapter_eleven_has_its_exercises():
    assert set(CH11) == {"ch11.q_sample", "ch11.p_sample", "ch11.memorisation_score"}



def test_the_exercise_step_is_the_package_step():
    from gan_course.exercises.ch11 import p_sample_step, q_sample_from_betas

    betas = get_beta_schedule("linear", 10)
    d = GaussianDiffusion(betas)
    x0, noise, t = torch.rand(2, 1, 3, 3).double(), torch.randn(2, 1, 3, 3).double(), torch.tensor([0, 9])
    assert torch.equal(q_sample_from_betas(x0, t, noise, betas), d.q_sample(x0, t, noise))
    eps = lambda x, t_: 0.5 * x  # noqa: E731
    assert torch.equal(p_sample_step(eps, x0, t, noise, betas), d.p_sample(eps, x0, t, noise, clip_denoised=False))


def test_the_diagrams_and_the_reverse_player():
    import ipywidgets as W
    import matplotlib

    matplotlib.use("Agg")
    from gan_course.plotting.diffusion import diffusion_diagram, sampling_cost_diagram
    from gan_course.widgets.diffusion import reverse_process_player

    assert "p_θ" in diffusion_diagram().diagram_labels
    assert "DDPM" in sampling_cost_diagram().diagram_labels
    view = reverse_process_player(DDPMUNet(DDPMConfig()), n=4, steps=3)
    assert isinstance(view, W.VBox) and len(view.children[1].children) == 4  # x_T and 3 steps


# ------------------------------------------------------------------ the command line
def _one_line_error(capsys, code, *needles):
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err, err
    for needle in needles:
        assert needle in err, err


@pytest.fixture(scope="module")
def ddpm_run(request):
    from gan_course.cli import main

    out = scratch(request, "ddpm_cli") / "ddpm"
    assert main(["train", "ddpm", "--profile", "smoke", "--steps", "4", "--out", str(out)]) == 0
    return out


def test_sample_and_evaluate_ddpm_take_steps(ddpm_run, tmp_path, capsys):
    from gan_course.cli import main

    out = tmp_path / "s.pt"
    assert main(["sample", "ddpm", "--n", "3", "--steps", "2", "--out", str(out), "--checkpoint", str(ddpm_run)]) == 0
    assert torch.load(out, weights_only=True)["images"].shape == (3, 1, 28, 28)
    assert main(["evaluate", "ddpm", "--n", "200", "--steps", "1", "--checkpoint", str(ddpm_run), "--no-ladder"]) == 0
    assert "ddpm" in capsys.readouterr().out


@pytest.mark.parametrize("command", ["sample", "evaluate"])
def test_steps_for_a_gan_is_one_clear_line(capsys, tmp_path, command):
    from gan_course.cli import main

    extra = ["--n", "4", "--out", str(tmp_path / "s.pt")] if command == "sample" else []
    _one_line_error(capsys, main([command, "dcgan", "--steps", "5", *extra]), "--steps is for diffusion models only",
                    "drop --steps")


@pytest.mark.parametrize("steps, needle", [("0", "must be positive"), ("abc", "not a whole number"),
                                           ("5000", "from 1 to T = 1000")])
def test_bad_steps_for_the_ddpm_are_one_clear_line(capsys, tmp_path, ddpm_run, steps, needle):
    from gan_course.cli import main

    code = main(["sample", "ddpm", "--n", "2", "--steps", steps, "--out", str(tmp_path / "s.pt"),
                 "--checkpoint", str(ddpm_run)])
    _one_line_error(capsys, code, needle)


def test_train_for_seconds_reaches_the_budget_although_the_first_steps_are_slower():
    """Equal-time arms: the pace is re-measured after each fit, so a slow warm-up does not stop the arm short."""
    import dataclasses

    from gan_course.experiments.responsibility import train_for_seconds

    @dataclasses.dataclass
    class Config:
        steps: int

    class FakeTrainer:  # 0.2 s per step for the first 20 steps, 0.1 s after: the warm-up of a real run
        def __init__(self):
            self.config, self.step, self.train_seconds = Config(10_000), 0, 0.0

        def fit(self):
            while self.step < self.config.steps:
                self.train_seconds += 0.2 if self.step < 20 else 0.1
                self.step += 1

    trainer = train_for_seconds(FakeTrainer(), 100.0, calibration_steps=20)
    assert abs(trainer.train_seconds - 100.0) <= 1.0  # one estimate from the warm-up alone gives 50 s
    assert trainer.config.steps == trainer.step
