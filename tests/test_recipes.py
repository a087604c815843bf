"""recipes/: one registry, one naming scheme, one smoke preset per family, samplers in eval mode."""

import dataclasses
import importlib

import pytest
import torch

from gan_course.errors import CourseError
from gan_course.recipes import MODELS, SMOKE, get_model, model_hparams
from gan_course.recipes.common import roles_of
from gan_course.runtime import seed_everything

CPU = torch.device("cpu")


def test_the_registry_is_a_plain_dict_in_chapter_order_and_unknown_names_list_the_valid_ones():
    assert type(MODELS) is dict
    assert list(MODELS) == ["vanilla", "cgan", "dcgan", "infogan", "pix2pix", "cyclegan", "wgan", "stylegan", "ddpm"]
    with pytest.raises(CourseError) as err:
        get_model("biggan")
    assert str(err.value) == ("unknown model 'biggan': choose one of vanilla, cgan, dcgan, infogan, pix2pix, "
                              "cyclegan, wgan, stylegan, ddpm")


@pytest.mark.parametrize("name", list(MODELS))
def test_every_recipe_names_its_steps_d_step_and_g_step_and_builds_with_them(name):
    entry = MODELS[name]
    module = importlib.import_module(f"gan_course.recipes.{name}")
    recipe = entry.recipe.for_profile("smoke")
    trainer = entry.build(recipe, CPU, None, 0)
    # a one-network model (the diffusion model) has no discriminator: its module's d_step is None, and so is the trainer's
    assert (trainer.d_step is module.d_step is None or trainer.d_step.func is module.d_step)
    assert trainer.g_step.func is module.g_step
    assert trainer.roles == roles_of(recipe)  # what a resume may change comes from the declared roles


@pytest.mark.parametrize("name", list(MODELS))
def test_smoke_recipes_take_their_familys_preset_and_full_ones_none(name):
    recipe = MODELS[name].recipe
    smoke, full = recipe.for_profile("smoke"), recipe.for_profile("full")
    preset = SMOKE[name] if name in SMOKE else SMOKE["gan"]
    for key, value in preset.items():
        if isinstance(value, dict):
            assert dataclasses.replace(getattr(full, key), **value) == getattr(smoke, key)
        else:
            assert getattr(smoke, key) == value != getattr(full, key), key
    assert full == recipe()


def test_overrides_apply_on_top_of_the_smoke_preset():
    from gan_course.recipes.pix2pix import Pix2PixRecipe

    recipe = Pix2PixRecipe.for_profile("smoke", l1_weight=0.0, steps=3)
    assert (recipe.l1_weight, recipe.steps, recipe.discriminator.base_channels) == (0.0, 3, 4)


def _generator(name):
    entry = MODELS[name]
    torch.manual_seed(0)
    G = entry.make_generator(model_hparams(entry.recipe.for_profile("smoke"), 0))
    for m in G.modules():  # non-trivial running statistics, so that eval and train mode differ
        if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 2.0)
    return entry, G


@pytest.mark.parametrize("name", list(MODELS))
def test_every_sampler_runs_g_in_eval_mode_and_gives_it_back_in_its_mode(name):
    entry, G = _generator(name)
    G.eval()
    seed_everything(1)
    expected = entry.sample(G, 6, CPU)["images"]
    G.train()
    seed_everything(1)
    got = entry.sample(G, 6, CPU)["images"]
    assert all(m.training for m in G.modules())  # back in training mode
    assert torch.equal(got, expected)  # and drawn in eval mode


@pytest.mark.parametrize("name", list(MODELS))
def test_the_entry_fields_say_what_a_model_can_do(name):
    entry, G = _generator(name)
    if entry.conditional:
        assert (entry.sample(G, 4, CPU, labels=3)["labels"] == 3).all()
    else:
        with pytest.raises(TypeError):
            entry.sample(G, 4, CPU, labels=3)
    if entry.translates:
        out = entry.translate(G, 3, "AtoB", CPU)
        assert out["outputs"].shape == out["inputs"].shape == (3, 1, 32, 32)
    assert entry.translates == (name in ("pix2pix", "cyclegan"))


@pytest.mark.parametrize("name", ["pix2pix", "cyclegan"])
def test_translation_samples_are_the_first_held_out_items_whatever_the_seed(name):
    entry, G = _generator(name)
    seed_everything(1)
    three = entry.sample(G, 3, CPU)["images"]
    seed_everything(2)
    five = entry.sample(G, 5, CPU)["images"]
    assert torch.equal(three, five[:3])
    direction = "BtoA" if name == "cyclegan" else "AtoB"  # CycleGAN samples translate *into* FashionMNIST
    assert torch.equal(three, entry.translate(G, 3, direction, CPU)["outputs"])
    with pytest.raises(CourseError, match="n must be between 1 and"):
        entry.sample(G, 10**6, CPU)
