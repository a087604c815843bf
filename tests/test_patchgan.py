"""The PatchGAN discriminator (chapters 6 and 7): layers, receptive field, output grid, bad input."""

import pytest
import torch

from gan_course.errors import CourseError
from gan_course.models import PatchGANConfig, PatchGANDiscriminator, patch_grid_size, receptive_field
from gan_course.models.patchgan import measured_receptive_field, patch_span

torch.set_num_threads(1)


def test_receptive_field_values():
    # Hand walk back from one logit: 1 -> 4 -> 7 -> 16 -> 34 -> 70 (the paper's 70x70 for n_layers=3).
    assert [receptive_field(n) for n in range(6)] == [1, 16, 34, 70, 142, 286]


@pytest.mark.parametrize("n_layers", [0, 1, 2, 3])
def test_calculator_matches_the_layers(n_layers):
    D = PatchGANDiscriminator(PatchGANConfig(base_channels=4, n_layers=n_layers))
    assert measured_receptive_field(D, 160) == receptive_field(n_layers)  # gradient footprint of one logit
    start, stop = patch_span(n_layers, 0)
    assert stop - start == receptive_field(n_layers)


@pytest.mark.parametrize("n_layers,size,grid", [(0, 32, 32), (1, 32, 14), (2, 32, 6), (3, 32, 2), (3, 256, 30),
                                                (3, 64, 6)])
def test_output_grid_matches_calculator(n_layers, size, grid):
    assert patch_grid_size(size, n_layers) == grid
    for norm in ("batch", "instance", "none"):
        D = PatchGANDiscriminator(PatchGANConfig(in_channels=2, base_channels=4, n_layers=n_layers, norm=norm))
        assert D(torch.randn(2, 2, size, size)).shape == (2, 1, grid, grid)


def test_pix2pix_design_widths_and_norms():
    D = PatchGANDiscriminator(PatchGANConfig())
    convs = [m for m in D.net if isinstance(m, torch.nn.Conv2d)]
    assert [c.out_channels for c in convs] == [64, 128, 256, 512, 1]  # C64-C128-C256-C512, then 1 channel
    assert [c.stride[0] for c in convs] == [2, 2, 2, 1, 1]
    assert all(c.kernel_size == (4, 4) for c in convs)
    assert not isinstance(D.net[1], torch.nn.BatchNorm2d)  # no norm on the first layer
    assert sum(isinstance(m, torch.nn.BatchNorm2d) for m in D.net) == 3
    assert all(m.negative_slope == 0.2 for m in D.net if isinstance(m, torch.nn.LeakyReLU))
    pixel = PatchGANDiscriminator(PatchGANConfig(n_layers=0))
    assert all(c.kernel_size == (1, 1) for c in pixel.net if isinstance(c, torch.nn.Conv2d))


def test_bad_input_names_the_fix():
    D = PatchGANDiscriminator(PatchGANConfig(in_channels=2, base_channels=4))
    with pytest.raises(CourseError, match="torch.cat"):
        D(torch.randn(2, 1, 32, 32))  # forgot to concatenate the input
    with pytest.raises(CourseError, match="fewer layers or larger images"):
        D(torch.randn(2, 2, 8, 8))  # too small for 3 stride-2 layers
    with pytest.raises(CourseError, match="tensor"):
        D([1, 2, 3])
    with pytest.raises(CourseError, match="norm"):
        PatchGANConfig(norm="layer")
    with pytest.raises(CourseError, match="PixelGAN"):
        receptive_field(-1)
