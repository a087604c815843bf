"""Architecture diagrams, drawn with matplotlib from the models' own configurations.

Every shape a diagram prints is computed from a config (``DCGANConfig``,
``InfoGANConfig``, ``UNetConfig``, ``PatchGANConfig``) with the same formulas
the models use (:func:`~gan_course.models.dcgan.layer_sizes`,
:func:`~gan_course.models.patchgan.patch_span`, ...), so a diagram cannot drift
from the code. Networks are built on PyTorch's ``meta`` device inside a forked
RNG, so drawing a diagram draws no random numbers and leaves a chapter's seeded
results unchanged.

Each function shows its figure (like every plotting function of the course) and
returns it; ``fig.diagram_labels`` lists the text of every box, in drawing order,
so that tests (and curious readers) can check what was drawn.
"""

from __future__ import annotations

import torch
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Rectangle
from torch import nn

from .. import arguments
from ..errors import CourseError
from .images import finish, new_figure

# one colour per role, the same in every diagram
COLOURS = {"data": "#d9ead3", "G": "#cfe2f3", "D": "#f4cccc", "Q": "#fff2cc", "loss": "#eeeeee",
           "tensor": "#ffffff"}


def _box(ax, x: float, y: float, text: str, role: str = "tensor", w: float = 1.6, h: float = 0.5,
         fontsize: float = 8.5) -> tuple[float, float]:
    """A rounded box centred at (x, y) with ``text``; returns its centre. Records the label on the figure."""
    ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0.02,rounding_size=0.08",
                                facecolor=COLOURS[role], edgecolor="#444444", linewidth=1.0))
    ax.text(x, y, text, ha="center", va="center", fontsize=fontsize)
    ax.figure.diagram_labels.append(text)
    return x, y


def _arrow(ax, start, end, text: str = "", style: str = "-|>", colour: str = "#333333", rad: float = 0.0,
           fontsize: float = 7.5, text_offset=(0.0, 0.12)) -> None:
    """An arrow from ``start`` to ``end`` (points), optionally labelled at its middle."""
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle=style, mutation_scale=10, color=colour, linewidth=1.0,
                                 connectionstyle=f"arc3,rad={rad}", shrinkA=0, shrinkB=0))
    if text:
        mx, my = (start[0] + end[0]) / 2 + text_offset[0], (start[1] + end[1]) / 2 + text_offset[1]
        ax.text(mx, my, text, ha="center", va="bottom", fontsize=fontsize, color=colour)


def _canvas(width: float, height: float, figsize, ncols: int = 1):
    fig, axes = new_figure(1, ncols, figsize=figsize)
    fig.diagram_labels = []
    for ax in (axes if ncols > 1 else [axes]):
        ax.set_xlim(0, width)
        ax.set_ylim(0, height)
        ax.set_aspect("equal")
        ax.axis("off")
    return fig, axes


def _shape(*dims) -> str:
    return "(" + ", ".join(str(d) for d in dims) + ")"


# ---------------------------------------------------------------------------------------------- the GAN game

def gan_game_diagram(title: str = "The GAN game"):
    """The data, G, D and the two losses (chapters 1 and 2).

    Noise ``z`` goes through G to a fake image; D scores real and fake images;
    D's loss pushes D(x) up and D(G(z)) down, G's (non-saturating) loss pushes
    D(G(z)) up. Each loss box says which network it updates.
    """
    arguments.instance("title", title, str, "a string")
    fig, ax = _canvas(10, 5, (9, 4.5))
    z = _box(ax, 1.0, 1.2, "noise z ~ N(0, I)", "data", w=1.8)
    g = _box(ax, 3.3, 1.2, "G\n(generator)", "G", w=1.4, h=0.8)
    fake = _box(ax, 5.5, 1.2, "fake image G(z)", "tensor", w=1.8)
    real = _box(ax, 5.5, 3.5, "real image x ~ p_data", "data", w=2.2)
    d = _box(ax, 7.6, 2.35, "D\n(discriminator)", "D", w=1.6, h=0.8)
    d_loss = _box(ax, 8.6, 4.3, "D's loss (updates D):\n-log D(x) - log(1 - D(G(z)))", "loss", w=2.7, h=0.7)
    g_loss = _box(ax, 8.6, 0.4, "G's loss (updates G, through D):\n-log D(G(z))  (non-saturating)", "loss", w=2.7, h=0.7)
    _arrow(ax, (z[0] + 0.9, z[1]), (g[0] - 0.7, g[1]))
    _arrow(ax, (g[0] + 0.7, g[1]), (fake[0] - 0.9, fake[1]))
    _arrow(ax, (real[0] + 1.1, real[1]), (d[0] - 0.4, d[1] + 0.4), "D(x)", text_offset=(0.0, 0.05))
    _arrow(ax, (fake[0] + 0.9, fake[1]), (d[0] - 0.4, d[1] - 0.4), "D(G(z))", text_offset=(0.25, -0.3))
    _arrow(ax, (d[0] + 0.3, d[1] + 0.4), (d_loss[0] - 0.3, d_loss[1] - 0.35))
    _arrow(ax, (d[0] + 0.3, d[1] - 0.4), (g_loss[0] - 0.3, g_loss[1] + 0.35))
    ax.set_title(title)
    return finish(fig, ax)


# ------------------------------------------------------------------------------------------------- DCGAN

def _meta_module(build):
    """Build a module on the meta device without touching any RNG (no parameters are allocated)."""
    with torch.random.fork_rng(devices=[]), torch.device("meta"):
        return build()


def dcgan_stack_shapes(cfg=None) -> dict[str, list[tuple[int, ...]]]:
    """The activation shapes (without the batch axis) of DCGAN's G and D for ``cfg``, input first.

    Channels come from the layers of the networks that ``cfg`` builds; spatial
    sizes from :func:`~gan_course.models.dcgan.layer_sizes` (the convolution
    formulas). ``G`` starts with z reshaped to (latent_dim, 1, 1); ``D`` ends with
    the (1, 1, 1) logit.
    """
    from ..models.dcgan import DCGANConfig, DCGANDiscriminator, DCGANGenerator, layer_sizes

    cfg = cfg or DCGANConfig()
    shapes = {}
    for name, cls, start in (("G", DCGANGenerator, 1), ("D", DCGANDiscriminator, cfg.image_size)):
        net = _meta_module(lambda: cls(cfg))
        convs = [m for m in net.modules() if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d))]
        sizes = layer_sizes(net, start)
        first = convs[0].in_channels
        stack = [(first, start, start)]
        for conv, (_, _, out) in zip(convs, sizes):
            stack.append((conv.out_channels, out, out))
        shapes[name] = stack
    return shapes


def dcgan_diagram(cfg=None):
    """DCGAN's generator and discriminator as two stacks of feature maps, with the shapes ``cfg`` gives.

    Each box is one activation, ``(B, C, H, W)``; each arrow one (transposed)
    convolution, labelled with what follows it (BN, ReLU / LeakyReLU, tanh).
    The box widths grow with the spatial size.
    """
    if cfg is not None:
        from ..models import DCGANConfig

        arguments.config(cfg, DCGANConfig, "dcgan_diagram")
    from ..models.dcgan import DCGANConfig

    cfg = cfg or DCGANConfig()
    stacks = dcgan_stack_shapes(cfg)
    n = max(len(s) for s in stacks.values())
    fig, axes = _canvas(2.6 * n, 3.2, (2.0 * n + 1, 4.2), ncols=1)
    ax = axes
    biggest = cfg.image_size
    for row, (name, y) in enumerate((("G", 2.3), ("D", 0.7))):
        stack = stacks[name]
        ax.text(0.1, y + 0.55, "Generator G" if name == "G" else "Discriminator D", fontsize=9, weight="bold")
        xs = []
        for i, (c, h, w) in enumerate(stack):
            x = 1.2 + 2.6 * i
            width = 1.2 + 0.9 * (h / biggest)
            label = _shape("B", c, h, w)
            if name == "G" and i == 0:
                label = f"z {_shape('B', cfg.latent_dim)}\n-> {label}"
            if name == "D" and i == len(stack) - 1:
                label = f"{label}\n-> logit (B,)"
            _box(ax, x, y, label, "G" if name == "G" else "D", w=width, h=0.62, fontsize=7.5)
            xs.append((x, width))
        last = len(stack) - 2
        for i in range(len(stack) - 1):
            (x0, w0), (x1, w1) = xs[i], xs[i + 1]
            if name == "G":
                op = "ConvT 4x4/1\nBN, ReLU" if i == 0 else ("ConvT 4x4/2\ntanh" if i == last else
                                                              "ConvT 4x4/2\nBN, ReLU")
            else:
                op = "Conv 4x4/2\nLReLU" if i == 0 else ("Conv 4x4/1" if i == last else "Conv 4x4/2\nBN, LReLU")
            _arrow(ax, (x0 + w0 / 2, y), (x1 - w1 / 2, y), op, fontsize=6.5, text_offset=(0.0, 0.33))
    ax.set_title(f"DCGAN for {cfg.image_size}x{cfg.image_size} images (g_width={cfg.g_width}, "
                 f"d_width={cfg.d_width}, latent_dim={cfg.latent_dim})")
    return finish(fig, ax)


# ------------------------------------------------------------------------------------------------ InfoGAN

def infogan_shapes(cfg=None) -> dict[str, object]:
    """Shapes (without the batch axis) along InfoGAN's G, the shared D/Q trunk and its heads, for ``cfg``."""
    from ..models.infogan import InfoGANConfig

    cfg = cfg or InfoGANConfig()
    c, side, _ = cfg.image_shape
    (g4, g2), (d2, d4) = cfg.g_channels, cfg.d_channels
    return {
        "G": [(cfg.input_dim,), (g4, side // 4, side // 4), (g2, side // 2, side // 2), (c, side, side)],
        "trunk": [(c, side, side), (d2, side // 2, side // 2), (d4, side // 4, side // 4), (cfg.trunk_dim,)],
        "d_head": (1,),
        "q_hidden": (cfg.q_hidden,),
        "q_heads": {"category logits": (cfg.n_categories,), "mean": (cfg.n_continuous,),
                    "log std": (cfg.n_continuous,)},
    }


def infogan_diagram(cfg=None):
    """InfoGAN: G(z, c), then one trunk shared by D and Q, and their heads (D's logit, Q's code posterior)."""
    if cfg is not None:
        from ..models import InfoGANConfig

        arguments.config(cfg, InfoGANConfig, "infogan_diagram")
    from ..models.infogan import InfoGANConfig

    cfg = cfg or InfoGANConfig()
    s = infogan_shapes(cfg)
    fig, ax = _canvas(16, 6, (13, 4.9))
    y_g, y_t = 4.6, 2.4
    inp = _box(ax, 1.4, y_g, f"z {_shape('B', cfg.noise_dim)}\n+ c_cat one-hot {_shape('B', cfg.n_categories)}\n"
                             f"+ c_cont {_shape('B', cfg.n_continuous)}", "data", w=2.5, h=1.0, fontsize=7.5)
    prev = (inp[0] + 1.25, y_g)
    ops = ["Linear, BN, ReLU", "ConvT 4x4/2, BN, ReLU", "ConvT 4x4/2, tanh"]
    for i, (shape, op) in enumerate(zip(s["G"][1:], ops)):
        x = 5.0 + 3.3 * i
        _arrow(ax, prev, (x - 0.9, y_g), op, fontsize=6.5)
        _box(ax, x, y_g, "G: " + _shape("B", *shape), "G", w=1.8, fontsize=7.5)
        prev = (x + 0.9, y_g)
    ax.text(0.2, y_g + 0.9, f"G({cfg.input_dim} inputs) -> image", fontsize=9, weight="bold")
    # the generated image goes into the shared trunk
    trunk_ops = ["Conv 4x4/2, LReLU", "Conv 4x4/2, BN, LReLU", "Linear, BN, LReLU"]
    x_img = 1.4
    _box(ax, x_img, y_t, "image " + _shape("B", *s["trunk"][0]), "tensor", w=1.9, fontsize=7.5)
    # route G's output down to the trunk's input: down, left along the gap between the rows, down
    x_out, y_mid = prev[0] - 0.9, (y_g + y_t) / 2 + 0.1
    ax.plot([x_out, x_out, x_img], [y_g - 0.25, y_mid, y_mid], color="#333333", linewidth=1.0)
    _arrow(ax, (x_img, y_mid), (x_img, y_t + 0.25))
    ax.text((x_out + x_img) / 2, y_mid + 0.08, "fake image G(z, c), or a real image", ha="center", va="bottom",
            fontsize=7.5)
    prev = (x_img + 0.95, y_t)
    for i, (shape, op) in enumerate(zip(s["trunk"][1:], trunk_ops)):
        x = 4.6 + 3.0 * i
        _arrow(ax, prev, (x - 0.85, y_t), op, fontsize=6.5)
        _box(ax, x, y_t, "trunk: " + _shape("B", *shape), "D", w=1.7, fontsize=7.5)
        prev = (x + 0.85, y_t)
    ax.text(3.0, y_t + 0.75, "shared D/Q trunk", fontsize=9, weight="bold")
    d_head = _box(ax, 13.6, 3.6, "D head: logit (B,)\nreal or fake?", "D", w=2.2, h=0.7, fontsize=7.5)
    q_hid = _box(ax, 12.9, 1.2, "Q: " + _shape("B", cfg.q_hidden), "Q", w=1.5, fontsize=7.5)
    heads = s["q_heads"]
    q_out = _box(ax, 13.2, 0.2, f"Q heads: category logits {_shape('B', heads['category logits'][0])}, "
                                f"mean {_shape('B', heads['mean'][0])}, log std {_shape('B', heads['log std'][0])}",
                 "Q", w=5.2, h=0.4, fontsize=7.0)
    _arrow(ax, prev, (d_head[0] - 1.1, d_head[1] - 0.1), "Linear", fontsize=6.5)
    _arrow(ax, prev, (q_hid[0] - 0.75, q_hid[1]), "Linear, BN, LReLU", fontsize=6.5, text_offset=(-0.3, -0.4))
    _arrow(ax, (q_hid[0], q_hid[1] - 0.25), (q_hid[0], q_out[1] + 0.2))
    ax.set_title("InfoGAN: the generator, and one trunk read by two heads (D: real/fake, Q: which code?)")
    return finish(fig, ax)


# -------------------------------------------------------------------------------------- U-Net and PatchGAN

def unet_shapes(cfg=None) -> dict[str, list[tuple[int, int, int]]]:
    """Encoder and decoder activation shapes (C, H, W) of the U-Net ``cfg`` builds, outermost first.

    ``decoder[i]`` has the spatial size of ``encoder[i]``; with skips, the decoder
    layer that produces it reads the decoder activation below it concatenated
    with the encoder activation of the same size.
    """
    from ..models.unet import UNetConfig

    cfg = cfg or UNetConfig()
    widths = cfg.widths()
    enc = [(cfg.in_channels, cfg.image_size, cfg.image_size)]
    for i, w in enumerate(widths):
        side = cfg.image_size // 2 ** (i + 1)
        enc.append((w, side, side))
    dec = [(cfg.out_channels, cfg.image_size, cfg.image_size)] + [
        (widths[i - 1], cfg.image_size // 2 ** i, cfg.image_size // 2 ** i) for i in range(1, cfg.n_down)]
    return {"encoder": enc, "decoder": dec}


def unet_patchgan_diagram(unet_cfg=None, patch_cfg=None, cell: tuple[int, int] | None = None):
    """Left: the U-Net, its encoder, decoder and skip connections. Right: the PatchGAN's output grid on
    the image, with the receptive field of one output cell (``cell``, default the centre one)."""
    from ..models.patchgan import PatchGANConfig
    from ..models.unet import UNetConfig

    if unet_cfg is not None:
        arguments.config(unet_cfg, UNetConfig, "unet_patchgan_diagram", "unet_cfg")
    if patch_cfg is not None:
        arguments.config(patch_cfg, PatchGANConfig, "unet_patchgan_diagram", "patch_cfg")
    if cell is not None and not (isinstance(cell, tuple) and len(cell) == 2):
        raise CourseError(f"cell must be None or a (row, column) pair, got {arguments.shown(cell)}")
    from ..models.patchgan import PatchGANConfig, patch_grid_size, patch_span, receptive_field
    from ..models.unet import UNetConfig

    unet_cfg = unet_cfg or UNetConfig()
    patch_cfg = patch_cfg or PatchGANConfig()
    shapes = unet_shapes(unet_cfg)
    enc, dec = shapes["encoder"], shapes["decoder"]
    levels = len(enc)
    fig, (ax, ax2) = _canvas(7.5, levels * 0.9 + 0.6, (12, 5.2), ncols=2)
    ax2.set_aspect("equal")
    for i, shape in enumerate(enc):
        y = levels * 0.9 - i * 0.9
        _box(ax, 1.5, y, ("input " if i == 0 else "enc ") + _shape("B", *shape), "G", w=2.2, h=0.5, fontsize=7.5)
        if i:
            _arrow(ax, (1.5, y + 0.65), (1.5, y + 0.25), fontsize=6.5)
    bottom_y = levels * 0.9 - (levels - 1) * 0.9
    for i, shape in enumerate(dec):
        y = levels * 0.9 - i * 0.9
        _box(ax, 6.0, y, ("output " if i == 0 else "dec ") + _shape("B", *shape), "G", w=2.2, h=0.5, fontsize=7.5)
        below = levels * 0.9 - (i + 1) * 0.9
        if i + 1 < len(dec):  # the decoder layer below doubles the size up to this one
            _arrow(ax, (6.0, below + 0.25), (6.0, y - 0.25))
        if unet_cfg.skips and i + 1 < levels - 1:  # skip: encoder level i+1 joins the decoder layer that makes dec i
            _arrow(ax, (2.6, below), (4.9, below + 0.05), "skip (concat)", colour="#38761d", fontsize=6.5,
                   text_offset=(0.0, 0.02))
    _arrow(ax, (2.6, bottom_y), (4.9, bottom_y + 0.9 - 0.25), "bottleneck", colour="#333333", fontsize=6.5,
           text_offset=(0.0, -0.35))
    ax.set_title(f"U-Net ({'with' if unet_cfg.skips else 'without'} skips), "
                 f"{unet_cfg.image_size}x{unet_cfg.image_size}", fontsize=10)
    # right: the PatchGAN output grid and one cell's receptive field
    size, n = unet_cfg.image_size, patch_cfg.n_layers
    grid = patch_grid_size(size, n)
    rf = receptive_field(n)
    r, c = cell if cell is not None else (grid // 2, grid // 2)
    (y0, y1), (x0, x1) = patch_span(n, r), patch_span(n, c)
    side = 0.75 * size  # the logit grid is drawn beside the image, on its own scale: a logit is not a region
    gap = 0.25 * size
    ax2.set_xlim(-0.05 * size, size + gap + side + 0.05 * size)
    ax2.set_ylim(size + 0.12 * size, -0.12 * size)
    ax2.add_patch(Rectangle((0, 0), size, size, facecolor="#f3f3f3", edgecolor="#444444"))  # the input image
    ax2.text(size / 2, -0.04 * size, f"input image, {size}x{size} pixels", ha="center", va="bottom", fontsize=7.5)
    ax2.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, facecolor="#cc0000", alpha=0.15, edgecolor="#cc0000",
                            linewidth=2, linestyle="--"))
    left, step = size + gap, side / grid
    for k in range(grid + 1):  # D's output: grid x grid logits
        ax2.plot([left + k * step] * 2, [0, side], color="#999999", linewidth=0.5)
        ax2.plot([left, left + side], [k * step] * 2, color="#999999", linewidth=0.5)
    ax2.add_patch(Rectangle((left + c * step, r * step), step, step, facecolor="#cc0000", alpha=0.8))
    ax2.text(left + side / 2, -0.04 * size, f"D's output, {grid}x{grid} logits", ha="center", va="bottom",
             fontsize=7.5)
    _arrow(ax2, (left + c * step, r * step + step / 2), (min(x1, size), (y0 + y1) / 2), colour="#cc0000",
           rad=0.2)
    label = (f"PatchGAN (n_layers={n}): a {grid}x{grid} grid of logits;\nthe red logit sees the dashed "
             f"{rf}x{rf} patch\n(pixels {x0}..{x1 - 1}; outside the image: zero padding)")
    fig.diagram_labels.append(label)
    ax2.set_title(label, fontsize=8.5)
    fig.patch_info = {"grid": grid, "receptive_field": rf, "cell": (r, c), "span_x": (x0, x1), "span_y": (y0, y1)}
    return finish(fig, ax)


# ------------------------------------------------------------------------------------------------ CycleGAN

def cyclegan_diagram(a: str = "A", b: str = "B", g_ab: str = "G_AB", g_ba: str = "G_BA"):
    """CycleGAN's two cycles (a -> b -> a and b -> a -> b), its two discriminators and its identity terms."""
    for name, value in (("a", a), ("b", b), ("g_ab", g_ab), ("g_ba", g_ba)):
        arguments.instance(name, value, str, "a short label, e.g. 'A'")
    fig, ax = _canvas(12, 7.0, (11, 6.2))
    for y, (src, dst, fwd, back, d) in ((5.2, (a, b, g_ab, g_ba, "D_" + b)), (1.4, (b, a, g_ba, g_ab, "D_" + a))):
        x_src = _box(ax, 1.0, y, f"{src}: real {src.lower()}", "data", w=1.7)
        x_fwd = _box(ax, 3.5, y, fwd, "G", w=1.2)
        fake = _box(ax, 6.0, y, f"fake {dst.lower()} = {fwd}({src.lower()})", "tensor", w=2.5)
        x_back = _box(ax, 8.6, y, back, "G", w=1.2)
        rec = _box(ax, 10.9, y, f"{back}({fwd}({src.lower()}))", "tensor", w=2.0)
        disc = _box(ax, 6.0, y + (1.1 if y > 3 else -1.1), f"{d}: real or fake {dst.lower()}? (least squares)",
                    "D", w=4.2, h=0.45, fontsize=7.5)
        _arrow(ax, (x_src[0] + 0.85, y), (x_fwd[0] - 0.6, y))
        _arrow(ax, (x_fwd[0] + 0.6, y), (fake[0] - 1.25, y))
        _arrow(ax, (fake[0] + 1.25, y), (x_back[0] - 0.6, y))
        _arrow(ax, (x_back[0] + 0.6, y), (rec[0] - 1.0, y))
        _arrow(ax, (fake[0], y + (0.25 if y > 3 else -0.25)), (disc[0], disc[1] - (0.23 if y > 3 else -0.23)))
        cyc = f"cycle loss |{back}({fwd}({src.lower()})) - {src.lower()}|_1"
        _arrow(ax, (rec[0], y - (0.25 if y > 3 else -0.25)), (x_src[0], y - (0.25 if y > 3 else -0.25)), cyc,
               colour="#38761d", rad=-0.18 if y > 3 else 0.18, fontsize=7.5,
               text_offset=(0.0, -1.2 if y > 3 else 0.95))
        fig.diagram_labels.append(cyc)
    ident = (f"identity terms: |{g_ab}({b.lower()}) - {b.lower()}|_1 and |{g_ba}({a.lower()}) - {a.lower()}|_1 "
             "(a generator fed its own target domain should change nothing)")
    ax.text(6.0, 3.3, ident, ha="center", va="center", fontsize=7.5, color="#0b5394",
            bbox=dict(boxstyle="round", facecolor="#eef3fb", edgecolor="#0b5394"))
    fig.diagram_labels.append(ident)
    ax.set_title("CycleGAN: two generators, two discriminators, two cycles")
    return finish(fig, ax)


__all__ = ["cyclegan_diagram", "dcgan_diagram", "dcgan_stack_shapes", "gan_game_diagram", "infogan_diagram",
           "infogan_shapes", "unet_patchgan_diagram", "unet_shapes"]


# ------------------------------------------------------------------------------- one iteration (chapter 2)

def alternating_update_diagram():
    """One iteration of chapter 2's loop: D's step, then G's step, and where each backward pass goes.

    Left: D's step. The fakes are ``detach()``-ed, so the backward pass (red)
    stops at the cut and reaches D's weights only. Right: G's step. No detach:
    the backward pass runs back *through* D into G, but only G's optimiser
    steps, so D's weights do not move.
    """
    fig, (left, right) = _canvas(7.4, 5.0, (9.4, 4.2), ncols=2)
    red = "#cc0000"
    # D's step
    z = _box(left, 0.6, 1.0, "z", "data", w=0.7)
    g = _box(left, 1.8, 1.0, "G", "G", w=0.8, h=0.7)
    fake = _box(left, 3.1, 1.0, "G(z)", "tensor", w=0.9)
    cut = _box(left, 4.6, 1.0, "detach()", "loss", w=1.2)
    real = _box(left, 4.6, 2.9, "real x", "data", w=1.1)
    d = _box(left, 6.5, 2.0, "D", "D", w=0.9, h=0.7)
    loss = _box(left, 4.6, 4.4, "D's loss → step opt_D", "loss", w=2.8)
    _arrow(left, (z[0] + 0.35, z[1]), (g[0] - 0.4, g[1]))
    _arrow(left, (g[0] + 0.4, g[1]), (fake[0] - 0.45, fake[1]))
    _arrow(left, (fake[0] + 0.45, fake[1]), (cut[0] - 0.6, cut[1]))
    _arrow(left, (cut[0] + 0.6, cut[1]), (d[0] - 0.3, d[1] - 0.35))
    _arrow(left, (real[0] + 0.55, real[1]), (d[0] - 0.45, d[1] + 0.2))
    _arrow(left, (d[0], d[1] + 0.35), (loss[0] + 1.4, loss[1] - 0.1))
    _arrow(left, (loss[0] + 1.1, loss[1] - 0.25), (d[0] + 0.2, d[1] + 0.35), colour=red, rad=-0.25)
    left.plot([cut[0] - 0.75, cut[0] - 0.75], [0.45, 1.55], color=red, lw=2.0, ls="--")
    left.text(cut[0] - 0.75, 0.3, "backward stops here:\nG gets no gradient", ha="center", va="top", fontsize=7.5,
              color=red)
    left.set_title("1. D's step: real → 1, fake → 0", fontsize=10)
    # G's step
    z2 = _box(right, 0.7, 2.0, "fresh z", "data", w=1.0)
    g2 = _box(right, 2.1, 2.0, "G", "G", w=0.8, h=0.7)
    fake2 = _box(right, 3.6, 2.0, "G(z)", "tensor", w=0.9)
    d2 = _box(right, 5.6, 2.0, "D\n(not stepped)", "D", w=1.6, h=0.8)
    loss2 = _box(right, 3.7, 4.2, "G's loss −log D(G(z)) → step opt_G", "loss", w=4.4)
    _arrow(right, (z2[0] + 0.5, z2[1]), (g2[0] - 0.4, g2[1]))
    _arrow(right, (g2[0] + 0.4, g2[1]), (fake2[0] - 0.45, fake2[1]))
    _arrow(right, (fake2[0] + 0.45, fake2[1]), (d2[0] - 0.8, d2[1]))
    _arrow(right, (d2[0], d2[1] + 0.4), (d2[0], loss2[1] - 0.25))
    # the backward pass, in red, underneath: loss -> through D -> G(z) -> G's weights
    _arrow(right, (d2[0] + 0.3, loss2[1] - 0.25), (d2[0] + 0.3, d2[1] + 0.4), colour=red)
    _arrow(right, (d2[0] - 0.4, d2[1] - 0.4), (fake2[0] + 0.2, fake2[1] - 0.3), colour=red, rad=-0.3)
    _arrow(right, (fake2[0] - 0.2, fake2[1] - 0.3), (g2[0] + 0.2, g2[1] - 0.35), colour=red, rad=-0.3)
    right.text(3.7, 0.55, "backward passes through D into G;\nonly G's weights are stepped", ha="center",
               va="center", fontsize=7.5, color=red)
    right.set_title("2. G's step: make D call G(z) real", fontsize=10)
    fig.diagram_labels += ["backward stops here", "backward passes through D into G"]
    return finish(fig, (left, right))


# --------------------------------------------------------------------- where the label enters (chapter 3)

def conditional_diagram(cfg=None):
    """Where the class label y enters chapter 3's networks, with the shapes of ``cfg`` (a ``CGANConfig``).

    G: the label's embedding is concatenated with z before G's first layer.
    D: the embedding becomes ``label_dim`` constant maps stacked on the image's
    channels, and (with the projection) meets D's last features once more.
    """
    if cfg is not None:
        from ..models import CGANConfig

        arguments.config(cfg, CGANConfig, "conditional_diagram")
    from ..models.cgan import CGANConfig

    cfg = cfg or CGANConfig()
    c, h, w = cfg.image_shape
    fig, ax = _canvas(10.6, 4.6, (9.4, 4.1))
    y = _box(ax, 5.3, 4.1, "class label y (B,)", "data", w=2.2)
    # generator, bottom left
    z = _box(ax, 0.9, 2.6, f"z {_shape('B', cfg.latent_dim)}", "data", w=1.6)
    eg = _box(ax, 2.9, 3.4, f"e_G(y) {_shape('B', cfg.label_dim)}", "tensor", w=1.9)
    cat = _box(ax, 2.9, 2.0, f"[z ; e_G(y)]\n{_shape('B', cfg.latent_dim + cfg.label_dim)}", "tensor", w=1.9,
               h=0.7)
    g = _box(ax, 2.9, 0.7, f"G → image {_shape('B', c, h, w)}", "G", w=2.5)
    _arrow(ax, (y[0] - 1.1, y[1]), (eg[0] + 0.5, eg[1] + 0.25))
    _arrow(ax, (z[0], z[1] - 0.25), (cat[0] - 0.95, cat[1]))
    _arrow(ax, (eg[0], eg[1] - 0.25), (cat[0], cat[1] + 0.35))
    _arrow(ax, (cat[0], cat[1] - 0.35), (g[0], g[1] + 0.25))
    # discriminator, right
    ed = _box(ax, 6.9, 3.1, f"e_D(y) as {cfg.label_dim} maps\n{_shape('B', cfg.label_dim, h, w)}", "tensor",
              w=2.4, h=0.7)
    x = _box(ax, 4.9, 1.9, f"image {_shape('B', c, h, w)}", "data", w=1.9)
    stack = _box(ax, 7.4, 1.9, f"[x ; maps] {_shape('B', c + cfg.label_dim, h, w)}", "tensor", w=2.6)
    d = _box(ax, 7.4, 0.6, "D's convolutions → φ(x)", "D", w=2.6)
    logit = _box(ax, 9.7, 0.6, "logit", "loss", w=1.0)
    _arrow(ax, (y[0] + 1.1, y[1]), (ed[0], ed[1] + 0.35))
    _arrow(ax, (ed[0] + 0.3, ed[1] - 0.35), (stack[0] + 0.3, stack[1] + 0.25))
    _arrow(ax, (x[0] + 0.95, x[1]), (stack[0] - 1.3, stack[1]))
    _arrow(ax, (stack[0], stack[1] - 0.25), (d[0], d[1] + 0.25))
    _arrow(ax, (d[0] + 1.3, d[1]), (logit[0] - 0.5, logit[1]))
    if cfg.d_projection:
        _arrow(ax, (y[0] + 1.1, y[1] - 0.1), (logit[0], logit[1] + 0.25), "+ v_y·φ(x) (projection)", rad=-0.3,
               text_offset=(1.45, 0.1))
    ax.set_title("Where the label enters: G's input, D's input (and D's output)")
    return finish(fig, ax)


# ----------------------------------------------------------- precision and recall as balls (chapter 8)

def knn_balls_diagram(k: int = 3, seed: int = 0):
    """The k-NN balls behind precision and recall, on 2-D points, for a spread and a collapsed generator.

    Each panel draws a ball around every point of one set, as wide as that
    point's distance to its k-th nearest neighbour in the same set. Precision:
    the share of generated points inside some real ball. Recall: the share of
    real points inside some generated ball. A collapsed generator's points sit
    close together, so its balls are tiny and recall is near 0 even when every
    one of its points is realistic. The printed shares are computed with the
    course's :func:`~gan_course.metrics.images.precision_recall`.
    """
    arguments.whole("k", k, 1, 10, example=3)
    arguments.whole("seed", seed, 0, arguments.MAX_SEED, example=0)
    from matplotlib.patches import Circle

    from ..metrics.images import precision_recall

    gen = torch.Generator().manual_seed(seed)
    centres = torch.tensor([[-1.5, 0.0], [0.0, 1.2], [1.5, 0.0], [0.0, -1.2]])
    real = centres[torch.arange(40) % 4] + 0.35 * torch.randn(40, 2, generator=gen)  # (40, 2)
    spread = centres[torch.arange(40) % 4] + 0.4 * torch.randn(40, 2, generator=gen)  # covers every cluster
    collapsed = centres[2] + 0.05 * torch.randn(40, 2, generator=gen)  # all on one cluster, close together
    fig, axes = new_figure(1, 3, figsize=(9.4, 3.4))

    def radii(points):
        return torch.cdist(points, points).kthvalue(k + 1, dim=1).values  # (n,) k-th neighbour, self excluded

    panels = [("precision: G's points in real balls", real, spread, "real", "generated"),
              ("recall: real points in G's balls", spread, real, "generated", "real"),
              ("recall of a collapsed G", collapsed, real, "generated (collapsed)", "real")]
    for ax, (title, balls, probes, ball_name, probe_name) in zip(axes, panels):
        for p, r in zip(balls, radii(balls)):
            ax.add_patch(Circle(p.tolist(), float(r), facecolor="#cfe2f3" if ball_name.startswith("gen") else
                                "#d9ead3", edgecolor="none", alpha=0.45))
        ax.scatter(*balls.T, s=8, color="#3d85c6" if ball_name.startswith("gen") else "#38761d", label=ball_name)
        ax.scatter(*probes.T, s=10, marker="x", color="#3d85c6" if probe_name.startswith("gen") else "#38761d",
                   label=probe_name)
        ax.set_xlim(-2.6, 2.6)
        ax.set_ylim(-2.3, 2.3)
        ax.set_aspect("equal")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.legend(fontsize=7, loc="lower left")
        ax.set_title(title, fontsize=9)
    p_spread, r_spread = precision_recall(real, spread, k)
    p_col, r_col = precision_recall(real, collapsed, k)
    axes[0].set_xlabel(f"precision {p_spread:.2f}", fontsize=8)
    axes[1].set_xlabel(f"recall {r_spread:.2f}", fontsize=8)
    axes[2].set_xlabel(f"precision {p_col:.2f}, recall {r_col:.2f}", fontsize=8)
    fig.knn_scores = {"spread": (p_spread, r_spread), "collapsed": (p_col, r_col)}
    return finish(fig, axes)
