"""Recipes declare the role of each setting; --lr-scale, resumes and checkpoints read the roles, never the names."""

import dataclasses
import re

import pytest

from gan_course.cli import main as cli
from gan_course.errors import CheckpointError, CourseError
from gan_course.recipes import MODELS, model_hparams
from gan_course.recipes.common import (ROLES, Recipe, fields_with_role, lr_decay_from, recipe_settings, roles_of,
                                       scale_learning_rates, setting)
from gan_course.recipes.toy import ToyGANRecipe
from gan_course.recipes.wgan import RingRecipe
from gan_course.training import is_learning_rate
from helpers import make_trainer

RECIPES = {**{name: entry.recipe for name, entry in MODELS.items()}, "toy": ToyGANRecipe, "ring": RingRecipe}


@pytest.mark.parametrize("name", list(RECIPES))
def test_every_field_of_every_recipe_declares_a_known_role(name):
    cls = RECIPES[name]
    assert issubclass(cls, Recipe)
    roles = roles_of(cls)  # refuses a field without a role
    assert list(roles) == [f.name for f in dataclasses.fields(cls)]
    unknown = {k: r for k, r in roles.items() if r not in ROLES}
    assert not unknown, f"{cls.__name__}: roles outside the vocabulary: {unknown}"
    assert fields_with_role(cls, "lr"), f"{cls.__name__} declares no learning rate"


def test_a_recipe_field_without_a_role_cannot_be_defined():
    with pytest.raises(CourseError, match=r"^Sketch: declare the role of width, depth with setting\(role, default\)"):
        @dataclasses.dataclass
        class Sketch(Recipe):
            lr: float = setting("lr", 1e-3)
            width: int = 8
            depth: int = dataclasses.field(default=2)
    with pytest.raises(CourseError, match="unknown setting role 'speed': use one of lr, "):
        setting("speed", 1.0)

    @dataclasses.dataclass
    class Plain:  # a dataclass that skipped the base: roles_of still refuses it
        lr: float = 1e-3

    with pytest.raises(CourseError, match="Plain: declare the role of lr"):
        roles_of(Plain)


def test_roles_decide_what_a_learning_rate_is_not_names():
    dcgan = roles_of(MODELS["dcgan"].recipe)
    assert is_learning_rate("lr_g", dcgan) and is_learning_rate("lr", dcgan)
    assert not is_learning_rate("lr_decay", dcgan)  # the bug: a fraction of the run, named lr_*
    assert not is_learning_rate("lr", {})  # no declared roles: nothing may change
    assert fields_with_role(MODELS["infogan"].recipe, "lr") == ("lr_d", "lr_g")
    assert fields_with_role(MODELS["cyclegan"].recipe, "fraction") == ("lr_decay",)


@pytest.mark.parametrize("name", list(RECIPES))
@pytest.mark.parametrize("profile", ["smoke", "full"])
def test_lr_scale_changes_exactly_the_learning_rates_of_every_recipe(name, profile):
    cls = RECIPES[name]
    recipe = cls.for_profile(profile) if hasattr(cls, "for_profile") else cls()
    scaled = scale_learning_rates(recipe, 0.5)
    changed = {f.name for f in dataclasses.fields(recipe) if getattr(scaled, f.name) != getattr(recipe, f.name)}
    assert changed == set(fields_with_role(recipe, "lr"))
    assert all(getattr(scaled, k) == getattr(recipe, k) * 0.5 for k in changed)


def test_lr_scale_on_the_command_line_keeps_dcgans_decay_where_it_was(tmp_path, monkeypatch, capsys):
    built = []

    def build(recipe, device, out_dir, seed=0, *, precision=None):  # the contract of every build_*
        built.append(recipe)
        raise CourseError("built")  # stop before any training

    monkeypatch.setitem(MODELS, "dcgan", dataclasses.replace(MODELS["dcgan"], build=build))
    assert cli(["train", "dcgan", "--profile", "full", "--lr-scale", "0.5", "--out", str(tmp_path / "run")]) != 0
    assert capsys.readouterr().err.splitlines()[-1] == "error: built"  # stopped in build, after --lr-scale
    full = MODELS["dcgan"].recipe.for_profile("full")
    (recipe,) = built
    assert (recipe.lr, recipe.lr_g) == (full.lr * 0.5, full.lr_g * 0.5)
    assert recipe.lr_decay == full.lr_decay == 0.35  # a fraction: unchanged
    assert lr_decay_from(recipe) == lr_decay_from(full) == 2_340  # the decay still starts at step 2340 (was 2970)
    assert dataclasses.replace(recipe, lr=full.lr, lr_g=full.lr_g) == full


def _run(out, recipe, steps):
    """The engine's tiny GAN, carrying ``recipe``'s checkpoint settings and roles (as ``build_*`` passes them)."""
    return make_trainer(out, steps=steps, checkpoint_every=2, hparams=model_hparams(recipe, 0),
                        roles=roles_of(recipe))


@pytest.mark.parametrize("change", [{"lr_decay": 0.175}, {"batch_size": 32}, {"n_fixed": 4},
                                    {"train_limit": 1_024}])
def test_a_resume_that_changes_anything_but_a_learning_rate_is_refused_in_one_line(tmp_path, change):
    recipe = MODELS["dcgan"].recipe.for_profile("smoke")
    _run(tmp_path, recipe, 2).fit()
    (key, value), = change.items()
    with pytest.raises(CheckpointError) as err:
        _run(tmp_path, dataclasses.replace(recipe, **change), 4).fit(resume=True)
    message = str(err.value)
    assert "\n" not in message
    assert f"was made with other settings ({key}: {getattr(recipe, key)!r} there, {value!r} here)" in message


def test_a_resume_may_lower_the_learning_rates_and_run_longer(tmp_path, capsys):
    recipe = MODELS["dcgan"].recipe.for_profile("smoke")
    _run(tmp_path, recipe, 2).fit()
    trainer = _run(tmp_path, dataclasses.replace(scale_learning_rates(recipe, 0.5), steps=99, sample_every=1), 4)
    trainer.fit(resume=True)
    assert trainer.step == 4
    out = capsys.readouterr().out
    assert f"resuming with lr = {recipe.lr * 0.5!r}" in out and f"resuming with lr_g = {recipe.lr_g * 0.5!r}" in out


def test_the_checkpoint_settings_and_the_ablation_key_leave_out_the_cadences_by_role():
    for name, cls in RECIPES.items():
        if name == "toy":
            continue
        recipe = cls.for_profile("smoke")
        assert set(model_hparams(recipe, 0)) == {f for f, r in roles_of(recipe).items()
                                                 if r not in ("length", "cadence", "quality")} | {"seed"}
        assert set(recipe_settings(recipe)) == {f for f, r in roles_of(recipe).items() if r != "quality"}


def test_train_resume_with_lr_scale_halves_the_rates_and_refuses_a_changed_fraction(tmp_path, capsys):
    import torch

    from gan_course.training import CHECKPOINT_NAME, load_checkpoint

    run = tmp_path / "dcgan"
    assert cli(["train", "dcgan", "--profile", "smoke", "--steps", "2", "--out", str(run)]) == 0
    assert cli(["train", "dcgan", "--profile", "smoke", "--steps", "4", "--out", str(run), "--resume",
                "--lr-scale", "0.5"]) == 0  # the NaN advice's command
    smoke = MODELS["dcgan"].recipe.for_profile("smoke")
    state = load_checkpoint(run)
    assert state["step"] == 4
    assert (state["hparams"]["lr"], state["hparams"]["lr_g"]) == (smoke.lr * 0.5, smoke.lr_g * 0.5)
    assert state["hparams"]["lr_decay"] == smoke.lr_decay  # a fraction: not scaled
    state["hparams"]["lr_decay"] = smoke.lr_decay * 0.5  # as the name-matching --lr-scale wrote it
    torch.save(state, run / CHECKPOINT_NAME)
    capsys.readouterr()
    assert cli(["train", "dcgan", "--profile", "smoke", "--steps", "6", "--out", str(run), "--resume"]) != 0
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "other settings (lr_decay: 0.175 there, 0.35 here)" in err, err


@pytest.mark.parametrize("change, needle", [
    ({"lr": -1e-4}, "VanillaRecipe.lr must be a finite number above 0"),
    ({"lr": float("nan")}, "VanillaRecipe.lr must be a finite number above 0"),
    ({"batch_size": 2.5}, "VanillaRecipe.batch_size must be a whole number"),
    ({"steps": -3}, "VanillaRecipe.steps must be a whole number"),
    ({"betas": (0.5,)}, "VanillaRecipe.betas must be Adam's two betas"),
    ({"betas": (0.5, 1.5)}, "VanillaRecipe.betas must be a finite number"),
])
def test_a_recipes_settings_are_checked_by_their_role(change, needle):
    """Issue 30 §5: a recipe refuses a setting outside its role's range in one line, when it is made."""
    from gan_course.recipes import VanillaRecipe

    with pytest.raises(CourseError, match=re.escape(needle)):
        dataclasses.replace(VanillaRecipe(), **change)
