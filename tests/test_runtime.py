"""Profiles, seeding, devices and mixed-precision choices (no GPU needed)."""

import random

import numpy as np
import pytest
import torch

from gan_course import profiles, runtime
from gan_course.errors import CourseError
from gan_course.profiles import current_profile, pick
from gan_course.runtime import Precision, get_device, precision_for, seed_everything


# ------------------------------------------------------------------ profiles
def test_unknown_profile_names_the_variable(monkeypatch):
    monkeypatch.setenv("GAN_COURSE_PROFILE", "fast")
    with pytest.raises(CourseError, match="GAN_COURSE_PROFILE") as info:
        current_profile()
    assert "'fast'" in str(info.value) and "smoke" in str(info.value) and "full" in str(info.value)
    with pytest.raises(CourseError, match="GAN_COURSE_PROFILE"):
        pick(smoke=1, full=2)


@pytest.mark.parametrize("value, expected", [("smoke", 1), ("full", 2), ("", 2), (" smoke ", 1)])
def test_pick_chooses_per_profile(monkeypatch, value, expected):
    monkeypatch.setenv("GAN_COURSE_PROFILE", value)
    assert pick(smoke=1, full=2) == expected


def test_unset_profile_is_full(monkeypatch):
    monkeypatch.delenv("GAN_COURSE_PROFILE", raising=False)
    assert current_profile() == profiles.DEFAULT == "full"
    assert pick(smoke="s", full="f") == "f"


def test_pick_with_an_explicit_profile_overrides_the_variable(monkeypatch):
    monkeypatch.setenv("GAN_COURSE_PROFILE", "smoke")
    assert pick(smoke=1, full=2, profile="full") == 2
    monkeypatch.setenv("GAN_COURSE_PROFILE", "full")
    assert pick(smoke=1, full=2, profile="smoke") == 1
    with pytest.raises(CourseError, match="unknown profile"):
        pick(smoke=1, full=2, profile="Smoke")  # a typo must not silently mean "full"


# ------------------------------------------------------------------- seeding
def _draws():
    return torch.randn(5), np.random.rand(3), random.random()


def test_seed_everything_makes_draws_reproducible():
    seed_everything(42)
    t1, n1, r1 = _draws()
    seed_everything(42)
    t2, n2, r2 = _draws()
    seed_everything(43)
    t3, n3, r3 = _draws()
    assert torch.equal(t1, t2) and np.array_equal(n1, n2) and r1 == r2
    assert not torch.equal(t1, t3) and not np.array_equal(n1, n3) and r1 != r3


def test_seed_everything_accepts_large_seeds():
    seed_everything(2**40 + 1)  # NumPy's seed must stay below 2**32
    a = torch.randn(3)
    seed_everything(2**40 + 1)
    assert torch.equal(a, torch.randn(3))


# ------------------------------------------------------------------- devices
def test_get_device_follows_prefer_and_the_variable(monkeypatch):
    monkeypatch.delenv("GAN_COURSE_DEVICE", raising=False)
    assert get_device("cpu") == torch.device("cpu")
    monkeypatch.setenv("GAN_COURSE_DEVICE", "cpu")
    assert get_device() == torch.device("cpu")


def test_get_device_falls_back_to_cpu(monkeypatch):
    monkeypatch.delenv("GAN_COURSE_DEVICE", raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    assert get_device() == torch.device("cpu")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert get_device() == torch.device("cuda")


# ----------------------------------------------------------------- precision
def test_cpu_precision_is_float32_without_scaler():
    p = precision_for(torch.device("cpu"))
    assert p == Precision("cpu", None, use_grad_scaler=False)
    assert not p.enabled and str(p) == "float32"
    with p.autocast():
        y = torch.nn.Linear(3, 2)(torch.randn(4, 3))
    assert y.dtype == torch.float32


@pytest.mark.parametrize("capability, dtype, scaler, text", [
    ((7, 5), torch.float16, True, "autocast float16 + GradScaler"),  # Turing, e.g. Colab's T4
    ((7, 0), torch.float16, True, "autocast float16 + GradScaler"),
    ((8, 0), torch.bfloat16, False, "autocast bfloat16"),  # Ampere
    ((9, 0), torch.bfloat16, False, "autocast bfloat16"),  # Hopper
])
def test_cuda_precision_follows_compute_capability(monkeypatch, capability, dtype, scaler, text):
    asked = []

    def fake_capability(device=None):
        asked.append(device)
        return capability

    monkeypatch.setattr(torch.cuda, "get_device_capability", fake_capability)
    p = precision_for(torch.device("cuda"))
    assert asked, "the capability was not queried"
    assert p.device_type == "cuda" and p.dtype == dtype and p.use_grad_scaler is scaler
    assert p.enabled and str(p) == text


def test_bfloat16_autocast_on_cpu_through_precision():
    p = Precision("cpu", torch.bfloat16, use_grad_scaler=False)
    with p.autocast():
        y = torch.nn.Linear(3, 2)(torch.randn(4, 3))
    assert y.dtype == torch.bfloat16


@pytest.mark.parametrize("value, device, dtype, scaler", [
    ("fp32", "cpu", None, False),
    ("bf16", "cpu", torch.bfloat16, False),  # opt-in: changes every result, fast only with native bf16
    ("auto", "cpu", None, False),
    (" BF16 ", "cpu", torch.bfloat16, False),  # case and spaces forgiven
    ("fp16", "cuda", torch.float16, True),  # Colab's T4 path, forced on a newer GPU
    ("bf16", "cuda", torch.bfloat16, False),
    ("fp32", "cuda", None, False),
])
def test_precision_environment_variable_overrides_the_automatic_choice(monkeypatch, value, device, dtype, scaler):
    monkeypatch.setattr(torch.cuda, "get_device_capability", lambda device=None: (9, 0))
    monkeypatch.setenv("GAN_COURSE_PRECISION", value)
    p = precision_for(torch.device(device))
    assert (p.device_type, p.dtype, p.use_grad_scaler) == (device, dtype, scaler)


def test_forced_fp16_on_cuda_trains_with_a_scaler_per_optimizer(monkeypatch):
    from gan_course.training import StepContext

    monkeypatch.setenv("GAN_COURSE_PRECISION", "fp16")
    monkeypatch.setattr(torch.cuda, "get_device_capability", lambda device=None: (9, 0))
    ctx = StepContext(precision_for(torch.device("cuda")), {"G": object(), "D": object()})
    assert set(ctx.scalers) == {"G", "D"}


@pytest.mark.parametrize("value, device, fix", [
    ("half", "cpu", "use one of auto, fp32, bf16, fp16"),
    ("fp16", "cpu", "use bf16, fp32 or auto"),  # float16 + GradScaler is a CUDA path
    ("bf16", "mps", "use fp32 or auto"),
])
def test_a_bad_precision_is_one_clear_error(monkeypatch, value, device, fix):
    monkeypatch.setenv("GAN_COURSE_PRECISION", value)
    with pytest.raises(CourseError) as info:
        precision_for(torch.device(device))
    assert fix in str(info.value) and "GAN_COURSE_PRECISION" in str(info.value)


# ------------------------------------------------------------ setup helpers
def test_notebook_setup_seeds_and_reports(monkeypatch, capsys):
    monkeypatch.setenv("GAN_COURSE_PROFILE", "smoke")
    monkeypatch.setenv("GAN_COURSE_DEVICE", "cpu")
    device = runtime.notebook_setup(seed=3)
    out = capsys.readouterr().out
    assert device == torch.device("cpu")
    assert "profile: smoke" in out and "seed: 3" in out and "precision: float32" in out
    assert f"torch {torch.__version__}" in out
    after = torch.randn(4)
    seed_everything(3)
    assert torch.equal(after, torch.randn(4))


def test_describe_machine_names_the_cpu():
    assert "CPU" in runtime.describe_machine(torch.device("cpu"))


def test_show_source_prints_the_real_source(monkeypatch, capsys):
    import builtins

    real_import = builtins.__import__

    def no_ipython(name, *args, **kwargs):  # plain Python: show_source falls back to print
        if name.startswith("IPython"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_ipython)
    runtime.show_source(seed_everything)
    out = capsys.readouterr().out
    assert out.startswith("def seed_everything(seed: int) -> None:")
    assert "torch.manual_seed(seed)" in out


def test_keep_runs_in_drive_needs_colab(monkeypatch):
    import sys

    from gan_course.errors import CourseError
    from gan_course.runtime import keep_runs_in_drive

    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    with pytest.raises(CourseError, match="GAN_COURSE_RUNS"):
        keep_runs_in_drive()


def test_keep_runs_in_drive_mounts_and_points_runs_there(monkeypatch, tmp_path):
    import sys
    import types

    from gan_course.runtime import keep_runs_in_drive
    from gan_course.training import run_dir

    mounted = []
    colab = types.ModuleType("google.colab")
    colab.drive = types.SimpleNamespace(mount=mounted.append)  # a stand-in for Colab's drive module
    google = types.ModuleType("google")
    google.colab = colab
    monkeypatch.setitem(sys.modules, "google", google)
    monkeypatch.setitem(sys.modules, "google.colab", colab)
    monkeypatch.delenv("GAN_COURSE_RUNS", raising=False)
    path = keep_runs_in_drive(mount_point=str(tmp_path / "drive"))
    assert mounted == [str(tmp_path / "drive")]
    assert path == str(tmp_path / "drive" / "MyDrive" / "gan_course_runs")
    assert str(run_dir("vanilla", profile="full")).startswith(path)
    monkeypatch.delenv("GAN_COURSE_RUNS")


def test_show_source_is_collapsed_behind_a_one_line_summary(monkeypatch):
    import markdown_it

    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj: shown.append(obj))
    runtime.show_source(seed_everything)
    text = shown[0].data
    # the notebook front ends (and the site) render Markdown: a closed <details> with a summary line
    html = markdown_it.MarkdownIt("commonmark").render(text)
    assert html.startswith('<details class="gan-source">\n<summary>Source of <code>gan_course.runtime.seed_everything'
                           '</code> (') and "</details>" in html
    assert '<code class="language-python">def seed_everything(seed: int) -&gt; None:' in html  # the code, highlighted
    assert "torch.manual_seed(seed)" in html and " open" not in html.split("\n")[0]
    assert runtime.source_markdown(seed_everything, open=True).startswith('<details class="gan-source" open>')


def test_show_source_summary_skips_a_dataclass_signature():
    from gan_course.models.mlp import MLPConfig

    first = runtime.source_markdown(MLPConfig).split("\n")[1]
    assert first.startswith("<summary>Source of <code>gan_course.models.mlp.MLPConfig</code> (") and "latent_dim" not in first


def test_preserved_rng_seeds_the_block_and_restores_every_generator():
    def draw():
        return random.random(), float(np.random.rand()), float(torch.rand(()))

    seed_everything(5)
    expected = draw()
    seed_everything(5)
    with runtime.preserved_rng(123):
        inside = draw()
    assert draw() == expected  # as if the block never ran
    seed_everything(123)
    assert draw() == inside  # the block ran on seed 123


def test_eval_mode_uses_running_statistics_and_restores_every_submodule():
    from gan_course.runtime import eval_mode

    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.BatchNorm1d(4), torch.nn.Dropout(0.5))
    x = torch.randn(8, 4)
    net.train()
    net(x)  # one step of running statistics
    net[2].eval()  # a mixed state: dropout off, the rest training
    expected = torch.nn.functional.batch_norm(net[0](x), net[1].running_mean, net[1].running_var,
                                              net[1].weight, net[1].bias, training=False)
    with eval_mode(net) as m:
        assert m is net and not any(sub.training for sub in net.modules())
        assert torch.allclose(net(x), expected)  # running statistics, no dropout
    assert [sub.training for sub in net.modules()] == [True, True, True, False]
    with pytest.raises(RuntimeError), eval_mode(net, torch.nn.ReLU()):
        raise RuntimeError("the block fails")
    assert [sub.training for sub in net.modules()] == [True, True, True, False]  # restored after an exception too


def test_course_warnings_print_without_machine_paths():
    import warnings

    import gan_course.training as training
    from gan_course.runtime import course_formatwarning

    ours = course_formatwarning("D wins", UserWarning, training.__file__, 404, "self._flush()")
    assert ours == "UserWarning: D wins\n"  # no path, no source line
    theirs = course_formatwarning("other", DeprecationWarning, "/somewhere/else.py", 7, None)
    assert "/somewhere/else.py:7" in theirs and "other" in theirs
    before = warnings.formatwarning
    try:
        from gan_course.runtime import notebook_setup

        notebook_setup(seed=0)  # what every chapter's set-up cell runs
        assert warnings.formatwarning is course_formatwarning
    finally:
        warnings.formatwarning = before


def test_in_chunks_maps_a_set_chunk_by_chunk_in_order_and_returns_float32_on_the_cpu():
    from gan_course.runtime import in_chunks

    seen = []

    def fn(chunk, i=None):
        seen.append((len(chunk), i))
        return chunk.double() * 2

    x = torch.arange(1200, dtype=torch.float32).view(1200, 1)
    out = in_chunks(fn, x)
    assert out.dtype == torch.float32 and out.device.type == "cpu" and torch.equal(out, x * 2)
    assert seen == [(500, None), (500, None), (200, None)]
    seen.clear()
    assert torch.equal(in_chunks(fn, x, size=700, indexed=True), x * 2) and seen == [(700, 0), (500, 1)]
    torch.manual_seed(0)  # a function that draws: the chunks draw in order, as the loop did
    noisy = in_chunks(lambda c: c + torch.randn_like(c), x)
    torch.manual_seed(0)
    assert torch.equal(noisy, torch.cat([c + torch.randn_like(c) for c in x.split(500)]))
