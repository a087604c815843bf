"""Architecture diagrams: what they draw matches what the configured networks compute."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

from gan_course.models.dcgan import DCGANConfig, DCGANDiscriminator, DCGANGenerator  # noqa: E402
from gan_course.models.infogan import InfoGANConfig, InfoGANDiscriminator, InfoGANGenerator  # noqa: E402
from gan_course.models.patchgan import PatchGANConfig, PatchGANDiscriminator, measured_receptive_field  # noqa: E402
from gan_course.models.unet import UNetConfig, UNetGenerator  # noqa: E402
from gan_course.plotting import (cyclegan_diagram, dcgan_diagram, gan_game_diagram, infogan_diagram,  # noqa: E402
                                 unet_patchgan_diagram)

pytestmark = pytest.mark.filterwarnings("ignore:.*non-interactive.*:UserWarning")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _shape(t: torch.Tensor) -> str:
    return "(B, " + ", ".join(str(d) for d in t.shape[1:]) + ")"


def _conv_output_shapes(net: nn.Module, x: torch.Tensor, *args) -> list[str]:
    """The shapes every (transposed) convolution of ``net`` really produces on ``x``."""
    shapes = []
    hooks = [m.register_forward_hook(lambda m, i, o: shapes.append(_shape(o))) for m in net.modules()
             if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d))]
    net.eval()
    with torch.no_grad():
        net(x, *args)
    for h in hooks:
        h.remove()
    return shapes


def _text(fig) -> str:
    return "\n".join(fig.diagram_labels)


@pytest.mark.parametrize("cfg", [DCGANConfig(), DCGANConfig(latent_dim=20, image_size=64, g_width=8, d_width=12)])
def test_dcgan_diagram_draws_the_shapes_the_networks_produce(cfg):
    fig = dcgan_diagram(cfg)
    labels = fig.diagram_labels
    g_real = _conv_output_shapes(DCGANGenerator(cfg), torch.randn(2, cfg.latent_dim))
    d_real = _conv_output_shapes(DCGANDiscriminator(cfg), torch.randn(2, *cfg.image_shape))
    g_boxes, d_boxes = labels[:len(g_real) + 1], labels[len(g_real) + 1:]
    assert f"(B, {cfg.latent_dim})" in g_boxes[0]  # z, reshaped to (B, latent_dim, 1, 1)
    assert [b.splitlines()[0] for b in g_boxes[1:]] == g_real
    assert d_boxes[0] == _shape(torch.zeros(2, *cfg.image_shape))
    assert [b.splitlines()[0] for b in d_boxes[1:]] == d_real
    assert "logit (B,)" in d_boxes[-1]


def test_drawing_a_diagram_draws_no_random_numbers():
    state = torch.random.get_rng_state()
    dcgan_diagram(DCGANConfig())
    infogan_diagram()
    unet_patchgan_diagram()
    assert torch.equal(state, torch.random.get_rng_state())


def test_infogan_diagram_matches_the_networks():
    cfg = InfoGANConfig(noise_dim=10, n_categories=5, n_continuous=3, g_channels=(24, 12), d_channels=(8, 20),
                        trunk_dim=40, q_hidden=30)
    text = _text(infogan_diagram(cfg))
    G, D = InfoGANGenerator(cfg).eval(), InfoGANDiscriminator(cfg).eval()
    z, cat, cont = torch.randn(2, 10), torch.tensor([0, 4]), torch.zeros(2, 3)
    with torch.no_grad():
        h = G.project(torch.cat([z, nn.functional.one_hot(cat, 5).float(), cont], 1)).view(2, 24, 7, 7)
        for layer in (h, G.decode[0](h)):
            assert _shape(layer) in text
        out = D(G(z, cat, cont))
        trunk = D.trunk(G(z, cat, cont))
    assert "G: (B, 1, 28, 28)" in text
    assert "trunk: (B, 8, 14, 14)" in text and "trunk: (B, 20, 7, 7)" in text and f"trunk: {_shape(trunk)}" in text
    assert "Q: (B, 30)" in text
    assert f"category logits {_shape(out.cat_logits)}" in text and f"mean {_shape(out.cont_mean)}" in text
    assert "z (B, 10)" in text and "one-hot (B, 5)" in text and "c_cont (B, 3)" in text


@pytest.mark.parametrize("skips", [True, False])
def test_unet_diagram_matches_the_network(skips):
    cfg = UNetConfig(image_size=32, base_channels=8, max_mult=4, n_down=4, skips=skips)
    fig = unet_patchgan_diagram(cfg, PatchGANConfig(in_channels=2, base_channels=8, n_layers=1))
    labels = fig.diagram_labels
    net = UNetGenerator(cfg).eval()
    real = []
    hooks = [m.register_forward_hook(lambda m, i, o: real.append(_shape(o))) for m in list(net.down) + list(net.up)]
    with torch.no_grad():
        net(torch.randn(2, 1, 32, 32))
    for h in hooks:
        h.remove()
    enc, dec = real[:cfg.n_down], real[cfg.n_down:]
    assert [lab.split(" ", 1)[1] for lab in labels if lab.startswith("enc ")] == enc
    assert [lab.split(" ", 1)[1] for lab in labels if lab.startswith(("dec ", "output "))] == dec[::-1]
    assert ("skip" in "".join(t.get_text() for t in fig.axes[0].texts)) == skips


@pytest.mark.parametrize("n_layers,size", [(1, 32), (3, 256)])
def test_patchgan_panel_shows_the_real_grid_and_receptive_field(n_layers, size):
    pcfg = PatchGANConfig(in_channels=2, base_channels=4, n_layers=n_layers)
    fig = unet_patchgan_diagram(UNetConfig(image_size=size, base_channels=4, n_down=5), pcfg)
    info = fig.patch_info
    D = PatchGANDiscriminator(pcfg)
    with torch.no_grad():
        grid = D(torch.randn(1, 2, size, size)).shape[-1]
    assert info["grid"] == grid
    x0, x1 = info["span_x"]
    assert x1 - x0 == info["receptive_field"] == measured_receptive_field(D, 256)
    assert f"{grid}x{grid} grid" in fig.diagram_labels[-1] and f"{x1 - x0}x{x1 - x0} patch" in fig.diagram_labels[-1]


def test_gan_game_and_cyclegan_diagrams_name_their_losses():
    game = _text(gan_game_diagram())
    assert "-log D(x) - log(1 - D(G(z)))" in game and "-log D(G(z))" in game and "noise z" in game
    cycle = _text(cyclegan_diagram())
    assert "|G_BA(G_AB(a)) - a|_1" in cycle and "|G_AB(G_BA(b)) - b|_1" in cycle
    assert "|G_AB(b) - b|_1" in cycle and "|G_BA(a) - a|_1" in cycle
    assert "D_A" in cycle and "D_B" in cycle


def test_the_alternating_update_diagram_marks_both_backward_passes():
    from gan_course.plotting import alternating_update_diagram

    fig = alternating_update_diagram()
    labels = " | ".join(fig.diagram_labels)
    assert "detach()" in labels and "backward stops here" in labels and "through D into G" in labels
    assert "D's loss → step opt_D" in labels and "G's loss −log D(G(z)) → step opt_G" in labels


def test_the_conditional_diagram_takes_its_shapes_from_the_config():
    from gan_course.models.cgan import CGANConfig
    from gan_course.plotting import conditional_diagram

    cfg = CGANConfig()
    labels = " | ".join(conditional_diagram(cfg).diagram_labels)
    assert f"(B, {cfg.latent_dim + cfg.label_dim})" in labels
    assert f"(B, {cfg.image_shape[0] + cfg.label_dim}, {cfg.image_shape[1]}, {cfg.image_shape[2]})" in labels


def test_the_knn_ball_diagram_shows_a_collapsed_generator_with_zero_recall():
    from gan_course.plotting import knn_balls_diagram

    fig = knn_balls_diagram()
    p_spread, r_spread = fig.knn_scores["spread"]
    p_collapsed, r_collapsed = fig.knn_scores["collapsed"]
    assert p_spread > 0.7 and r_spread > 0.7  # spread over every cluster: realistic and covering
    assert p_collapsed > 0.9 and r_collapsed < 0.1  # realistic points, tiny balls: recall near 0
