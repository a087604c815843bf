"""The arithmetic is chosen at the edge: ``build_*(..., precision=...)`` and ``train --precision`` pass it down."""

from __future__ import annotations

import pytest
import torch

from gan_course.cli import main
from gan_course.errors import CourseError
from gan_course.recipes import MODELS, get_model
from gan_course.runtime import precision_for

CPU = torch.device("cpu")


@pytest.mark.parametrize("model", sorted(MODELS))
def test_every_build_takes_the_precision_it_is_given_over_the_variable(model, monkeypatch):
    monkeypatch.setenv("GAN_COURSE_PRECISION", "fp32")
    entry = get_model(model)
    recipe = entry.recipe.for_profile("smoke")
    given = entry.build(recipe, CPU, None, 0, precision="bf16")
    assert given.ctx.precision.dtype == torch.bfloat16
    monkeypatch.setenv("GAN_COURSE_PRECISION", "bf16")
    default = entry.build(recipe, CPU, None, 0)  # none given: the variable, read once, here
    assert default.ctx.precision.dtype == torch.bfloat16
    monkeypatch.delenv("GAN_COURSE_PRECISION")
    assert not entry.build(recipe, CPU, None, 0, precision="auto").ctx.precision.enabled  # float32 on the CPU


@pytest.mark.parametrize("lab", ["toy", "ring"])
def test_the_ring_labs_build_the_same_way_and_take_the_precision_too(lab, monkeypatch):
    """Chapter 1's toy lab and chapter 9's ring: ``build_*(recipe, device, out_dir, seed, *, precision)`` as well."""
    from gan_course.recipes.toy import ToyGANRecipe, build_toy
    from gan_course.recipes.wgan import RingRecipe, build_ring

    build, recipe = {"toy": (build_toy, ToyGANRecipe(steps=2)), "ring": (build_ring, RingRecipe(steps=2))}[lab]
    monkeypatch.setenv("GAN_COURSE_PRECISION", "fp32")
    assert build(recipe, CPU, None, 0, precision="bf16").ctx.precision.dtype == torch.bfloat16
    assert not build(recipe, CPU, None, 0).ctx.precision.enabled  # the variable's fp32
    monkeypatch.setenv("GAN_COURSE_PRECISION", "bf16")
    assert build(recipe, "cpu", None, 0).ctx.precision.dtype == torch.bfloat16


BUILDS = [*sorted(MODELS), "toy", "ring"]


def _build_and_recipe(name):
    from gan_course.recipes.toy import ToyGANRecipe, build_toy
    from gan_course.recipes.wgan import RingRecipe, build_ring

    labs = {"toy": (build_toy, ToyGANRecipe), "ring": (build_ring, RingRecipe)}
    if name in labs:
        return labs[name][0], labs[name][1]()
    return get_model(name).build, get_model(name).recipe.for_profile("smoke")


@pytest.mark.parametrize("name", BUILDS)
def test_an_unusable_precision_is_refused_by_every_build_before_it_seeds_or_loads_anything(name):
    build, recipe = _build_and_recipe(name)
    before = (torch.get_rng_state(), torch.random.initial_seed())
    for bad, says in [("half", "unknown precision 'half'"), ("fp16", "precision fp16 (asked for)"),
                      (16, "precision must be one of")]:
        with pytest.raises(CourseError) as info:
            build(recipe, CPU, None, 0, precision=bad)
        assert says in str(info.value) and "\n" not in str(info.value)
    assert torch.equal(torch.get_rng_state(), before[0]) and torch.random.initial_seed() == before[1]


@pytest.mark.parametrize("bad", [5, ["bf16"], b"bf16", "half"])
def test_a_precision_that_is_not_one_of_the_four_is_one_line(bad):
    with pytest.raises(CourseError) as info:
        precision_for(CPU, bad)
    message = str(info.value)
    assert "\n" not in message and "fp32" in message and "bf16" in message


def test_fp16_on_the_cpu_says_where_the_choice_came_from(monkeypatch):
    with pytest.raises(CourseError, match=r"precision fp16 \(asked for\).*use bf16, fp32 or auto"):
        precision_for(CPU, "fp16")
    monkeypatch.setenv("GAN_COURSE_PRECISION", "fp16")
    with pytest.raises(CourseError, match=r"precision fp16 \(from \$GAN_COURSE_PRECISION\)"):
        precision_for(CPU)


def test_train_precision_is_refused_before_any_work_or_passed_to_the_build(tmp_path, capsys, monkeypatch):
    import gan_course.recipes.vanilla as vanilla

    monkeypatch.delenv("GAN_COURSE_PRECISION", raising=False)
    out = tmp_path / "run"
    assert main(["train", "vanilla", "--profile", "smoke", "--steps", "2", "--out", str(out), "--device", "cpu",
                 "--precision", "fp16"]) == 2  # refused before any work: nothing written
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "precision fp16 (asked for)" in err and not out.exists()
    chosen = []
    monkeypatch.setattr(vanilla, "precision_for", lambda device, choice: chosen.append(choice) or
                        precision_for(device, choice))
    assert main(["train", "vanilla", "--profile", "smoke", "--steps", "2", "--out", str(out), "--device", "cpu",
                 "--precision", "bf16"]) == 0
    assert chosen == ["bf16"] and torch.load(out / "checkpoint.pt", weights_only=True)["step"] == 2


def test_bench_time_to_quality_passes_its_precision_to_the_build(monkeypatch, capsys):
    import dataclasses

    from gan_course.recipes import MODELS

    asked = []

    def build(recipe, device, out_dir, seed=0, *, precision=None):
        asked.append(precision)
        raise CourseError("built")  # stop before any training

    monkeypatch.setitem(MODELS, "dcgan", dataclasses.replace(MODELS["dcgan"], build=build))
    assert main(["bench", "--time-to-quality", "dcgan", "--profile", "smoke", "--precision", "bf16",
                 "--device", "cpu"]) == 2
    assert asked == ["bf16"] and capsys.readouterr().err.strip().endswith("built")
