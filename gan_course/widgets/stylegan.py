"""Chapter 10's view: style mixing (two seeds and a crossover layer) and truncation (ψ), with no kernel."""

from __future__ import annotations

from typing import Sequence

import torch

from .. import arguments
from ..errors import CourseError
from ..models.stylegan import check_style_generator, mix_styles
from ..plotting.images import png_from_images
from ..runtime import eval_mode
from .players import frame_player


def _w(G, seed: int) -> torch.Tensor:
    return G.mapping(torch.randn(1, G.cfg.latent_dim, generator=torch.Generator().manual_seed(seed)))  # (1, w_dim)


@torch.no_grad()
def style_player(G, seeds: Sequence[int] = (0, 1, 2, 3), psis: Sequence[float] = (1.0, 0.8, 0.6, 0.4, 0.2, 0.0),
                 noise_seed: int = 0, scale: int = 4):
    """Two panels, every frame pre-rendered and linked in the browser (``jslink``), so the site needs no kernel:

    * mixing: buttons choose seed A and seed B, a slider the crossover layer; the frame shows
      A, the mix (A's styles before the crossover, B's from it on) and B;
    * truncation: a slider over ψ; the frame shows the seeds' images truncated towards w̄.
    """
    check_style_generator(G, "style_player")
    if len(arguments.seeds("seeds", seeds)) > 8:  # len(seeds)² x (num_ws + 1) frames are rendered
        raise CourseError(f"seeds must hold at most 8 seeds (every pair is pre-rendered), got {len(seeds)}: "
                          "pass e.g. (0, 1, 2, 3)")
    arguments.values("psis", psis, "a list of truncations ψ from 0 to 1, e.g. (1.0, 0.6, 0.2)", minimum=0.0,
                     maximum=1.0)
    arguments.whole("noise_seed", noise_seed, 0, arguments.MAX_SEED, example=0)
    arguments.whole("scale", scale, 1, 32, example=4)
    import ipywidgets as W

    n = G.cfg.num_ws
    with eval_mode(G):
        ws = {s: _w(G, s) for s in seeds}
        pure = {s: G.synthesis(G.broadcast(ws[s]), noise_seed) for s in seeds}
        outer = []
        cross_sliders = []
        b_buttons = W.ToggleButtons(options=[str(s) for s in seeds], index=min(1, len(seeds) - 1),
                                    description="seed B")
        for a in seeds:
            middles = []
            for b in seeds:
                frames = [png_from_images(torch.cat([pure[a], G.synthesis(mix_styles(ws[a], ws[b], n, c), noise_seed),
                                                     pure[b]]), nrow=3, scale=scale) for c in range(n + 1)]
                player = frame_player(frames, [f"layers 0-{c - 1} from A, {c}-{n - 1} from B" if 0 < c < n else
                                               ("all from B" if c == 0 else "all from A") for c in range(n + 1)],
                                      description="crossover", start=n // 2, width=f"{96 * scale // 4 * 3}px")
                cross_sliders.append(player)
                middles.append(player)
            middle = W.Stack(middles, selected_index=b_buttons.index)
            W.jslink((b_buttons, "index"), (middle, "selected_index"))
            outer.append(middle)
        a_buttons = W.ToggleButtons(options=[str(s) for s in seeds], index=0, description="seed A")
        mixing = W.Stack(outer, selected_index=0)
        W.jslink((a_buttons, "index"), (mixing, "selected_index"))
        w_all = torch.cat([ws[s] for s in seeds])  # (S, w_dim)
        trunc_frames = [png_from_images(G.synthesis(G.broadcast(G.truncate(w_all, psi)), noise_seed),
                                        nrow=len(seeds), scale=scale) for psi in psis]
    truncation = frame_player(trunc_frames, [f"ψ = {psi:g}" for psi in psis], description="ψ", start=0,
                              width=f"{32 * scale * len(seeds) // 2}px")
    return W.VBox([W.HTML("<b>Style mixing</b>: image A | mix | image B"), a_buttons, b_buttons, mixing,
                   W.HTML("<b>Truncation in W</b>: w̄ + ψ(w − w̄)"), truncation])
