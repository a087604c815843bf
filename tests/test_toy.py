"""Chapter 1's toy-lab recipe (gan_course.recipes.toy)."""

import pytest

from gan_course.errors import CourseError
from gan_course.theory import Mixture1D
from gan_course.recipes.toy import ToyGANRecipe


def test_toy_config_checks_pack():
    with pytest.raises(CourseError, match="multiple of pack"):
        ToyGANRecipe(batch_size=100, pack=3)
    with pytest.raises(CourseError):
        Mixture1D(means=(0.0,), stds=(-1.0,))


@pytest.mark.parametrize("lab", ["train_toy_gan", "build_ring", "train_ring"])
def test_the_ring_labs_refuse_garbage_in_one_line_before_any_work(lab, tmp_path):
    """Chapter 1's and chapter 9's ring labs check their arguments the way every build does."""
    import torch

    from gan_course.recipes import toy, wgan

    fn = {"train_toy_gan": toy.train_toy_gan, "build_ring": wgan.build_ring, "train_ring": wgan.train_ring}[lab]
    good = toy.ToyGANRecipe() if lab == "train_toy_gan" else wgan.RingRecipe()
    other = wgan.RingRecipe() if lab == "train_toy_gan" else toy.ToyGANRecipe()
    state = torch.get_rng_state()
    for args, kwargs, says in [((other,), {}, "needs recipe to be"), ((good,), {"seed": -1}, "seed"),
                               ((good,), {"device": "cuda:7"}, "device"), ((good,), {"precision": "half"}, "precision"),
                               (({"steps": 2},), {}, "needs recipe to be")]:
        with pytest.raises(CourseError) as info:
            fn(*args, **{**kwargs, "out_dir": tmp_path / "run"})
        assert says in str(info.value) and "\n" not in str(info.value)
    assert torch.equal(torch.get_rng_state(), state) and not (tmp_path / "run").exists()
