"""models/layers.py: the one norm-layer factory and the one N(0, 0.02) initialisation."""

import pytest
import torch
from torch import nn

from gan_course.errors import CourseError

from gan_course.models import (CGANConfig, ConditionalDiscriminator, DCGANConfig, DCGANGenerator, PatchGANConfig,
                               PatchGANDiscriminator, UNetConfig, UNetGenerator, init_weights, norm_layer)
from gan_course.models.resnet_gen import ResnetGenerator, ResnetGeneratorConfig


def test_batch_norm_mixes_the_batch_and_instance_norm_keeps_each_image_on_its_own():
    torch.manual_seed(0)
    x = torch.randn(4, 3, 5, 5)
    other = torch.cat([x[:1], 10 * torch.randn(3, 3, 5, 5) + 4])  # the same first image, another batch
    instance = norm_layer("instance", 3)
    assert torch.allclose(instance(x)[0], instance(other)[0], atol=1e-5)
    batch = norm_layer("batch", 3)
    assert not torch.allclose(batch(x)[0], batch(other)[0], atol=1e-2)
    assert torch.equal(norm_layer("none", 3)(x), x)
    with pytest.raises(CourseError, match="unknown norm 'layer'"):
        norm_layer("layer", 3)


def test_instance_norm_has_a_learned_scale_only_when_asked():
    assert sum(p.numel() for p in norm_layer("instance", 6).parameters()) == 12  # scale and shift
    assert list(norm_layer("instance", 6, instance_affine=False).parameters()) == []
    assert sum(p.numel() for p in norm_layer("batch", 6).parameters()) == 12


def test_init_weights_draws_dcgans_distributions_and_leaves_other_layers_alone():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Embedding(10, 8), nn.Conv2d(8, 256, 3), nn.BatchNorm2d(256), nn.ConvTranspose2d(256, 64, 4),
                        nn.InstanceNorm2d(64, affine=True), nn.Linear(64, 512))
    embedding = net[0].weight.detach().clone()
    init_weights(net, std=0.02)
    for layer in (net[1], net[3], net[5]):
        assert abs(layer.weight.mean().item()) < 0.002 and abs(layer.weight.std().item() - 0.02) < 0.002
        assert not layer.bias.any()
    for layer in (net[2], net[4]):
        assert abs(layer.weight.mean().item() - 1.0) < 0.01 and not layer.bias.any()
    assert torch.equal(net[0].weight, embedding)


def test_init_weights_draws_one_normal_per_weight_in_module_order():
    torch.manual_seed(3)
    net = nn.Sequential(nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4), nn.Linear(4, 2))
    torch.manual_seed(7)
    init_weights(net, std=0.5)
    after = torch.rand(1)
    torch.manual_seed(7)
    expected = [torch.empty(4, 1, 3, 3).normal_(0, 0.5), torch.empty(4).normal_(1, 0.5),
                torch.empty(2, 4).normal_(0, 0.5)]
    assert all(torch.equal(a, b) for a, b in zip([net[0].weight, net[1].weight, net[2].weight], expected))
    assert torch.equal(torch.rand(1), after)  # the same number of draws, so training afterwards is unchanged


@pytest.mark.parametrize("make", [
    lambda: PatchGANDiscriminator(PatchGANConfig(norm="batch", init_std=0.3)),
    lambda: UNetGenerator(UNetConfig(norm="instance", base_channels=8, init_std=0.3)),
    lambda: DCGANGenerator(DCGANConfig(init_std=0.3)),
    lambda: ConditionalDiscriminator(CGANConfig(init_std=0.3)),
], ids=["patchgan", "unet", "dcgan", "cgan"])
def test_the_convolutional_models_initialise_with_their_init_std(make):
    model = make()
    convs = [m for m in model.modules() if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d))]
    weights = torch.cat([m.weight.flatten() for m in convs])
    assert abs(weights.std().item() - 0.3) < 0.03  # PyTorch's default would be far smaller


def test_each_model_builds_the_norm_its_config_names():
    kinds = lambda m: {type(x).__name__ for x in m.modules() if "Norm" in type(x).__name__}  # noqa: E731
    assert kinds(PatchGANDiscriminator(PatchGANConfig(norm="instance"))) == {"InstanceNorm2d"}
    assert kinds(PatchGANDiscriminator(PatchGANConfig(norm="none"))) == set()
    assert kinds(UNetGenerator(UNetConfig(norm="batch", base_channels=8))) == {"BatchNorm2d"}
    assert kinds(ResnetGenerator(ResnetGeneratorConfig(norm="batch"))) == {"BatchNorm2d"}
    assert kinds(ResnetGenerator(ResnetGeneratorConfig(norm="instance"))) == {"InstanceNorm2d"}
