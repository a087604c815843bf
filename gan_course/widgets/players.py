"""Interactive views that also work on the static website.

Each player pre-renders its frames as PNG images and links a slider to a
``Stack`` of them *in the browser* (``jslink``), so it keeps working in the
built book where no Python kernel is running.
"""

from __future__ import annotations

import io
from typing import Callable, Sequence

import torch

from .. import arguments
from ..errors import CourseError
from ..plotting.images import check_snapshots, png_from_figure, png_from_images  # noqa: F401 (re-exported)
from ..runtime import eval_mode


def frame_player(frames: Sequence[bytes], labels: Sequence[str], description: str = "frame",
                 width: str = "360px", play_interval_ms: int = 400, start: int | None = None):
    """A slider (and play button) over pre-rendered PNG frames; needs no kernel.

    Three links tie it together in the browser: play -> slider, slider -> image
    stack, slider -> caption stack. ``start`` is the frame shown first (default:
    the last one).
    """
    import ipywidgets as W

    frames = arguments.sequence("frames", frames, "a list of PNG frames (bytes), e.g. from png_from_figure")
    labels = arguments.sequence("labels", labels, "a list of one caption per frame", min_len=0)
    if not all(isinstance(f, bytes) for f in frames):
        raise CourseError("frames must be PNG images as bytes, e.g. from png_from_figure(fig)")
    for name, value in (("description", description), ("width", width)):
        arguments.instance(name, value, str, "a string")
    arguments.whole("play_interval_ms", play_interval_ms, 1, 60_000, example=400)
    if len(frames) != len(labels) or not frames:
        raise CourseError(f"frame_player got {len(frames)} frames and {len(labels)} labels: "
                          "pass one label per frame and at least one frame")
    start = len(frames) - 1 if start is None else start
    if not 0 <= start < len(frames):
        raise CourseError(f"start={start} is not a frame index: use 0..{len(frames) - 1}")
    images = [W.Image(value=f, format="png", layout=W.Layout(width=width)) for f in frames]
    stack = W.Stack(images, selected_index=start)
    captions = W.Stack([W.HTML(f"<b>{label}</b>") for label in labels], selected_index=start)
    slider = W.IntSlider(value=start, min=0, max=len(frames) - 1, description=description,
                         readout=False, continuous_update=True)
    play = W.Play(value=start, min=0, max=len(frames) - 1, interval=play_interval_ms)
    W.jslink((play, "value"), (slider, "value"))
    W.jslink((slider, "value"), (stack, "selected_index"))
    W.jslink((slider, "value"), (captions, "selected_index"))
    return W.VBox([W.HBox([play, slider, captions]), stack])


def snapshot_player(snapshots: Sequence[tuple[int, torch.Tensor]], n_images: int = 64, scale: int = 2):
    """Replay the Trainer's fixed-noise grids: drag to see G improve step by step."""
    snapshots = check_snapshots(snapshots)
    arguments.whole("n_images", n_images, 1, 10_000, example=64)
    arguments.whole("scale", scale, 1, 32, example=2)
    if not snapshots:
        print("no snapshots to replay: they are drawn while training; after loading the pretrained generator "
              "(USE_PRETRAINED) there are none")
        return None
    frames = [png_from_images(images[:n_images], scale=scale) for _, images in snapshots]
    return frame_player(frames, [f"step {step}" for step, _ in snapshots], description="step")


def png_width(frame: bytes) -> int:
    """The width in pixels of a PNG image."""
    from PIL import Image

    return Image.open(io.BytesIO(frame)).width


def figure_player(make_figure: Callable[[int], object], count: int, labels: Sequence[str],
                  description: str = "frame", dpi: int = 80):
    """Replay ``count`` matplotlib figures, ``make_figure(i)`` for i in range(count).

    The frames are shown at their drawn size (not squeezed into the players' default 360 px, which
    shrank a figure's 9 pt text to 6 px), so a text of ``size`` points shows ``size * dpi / 72`` px tall."""
    frames = same_size([png_from_figure(make_figure(i), dpi=dpi) for i in range(count)])
    return mark_text_frames(frame_player(frames, labels, description=description, width=f"{png_width(frames[0])}px"))


#: CSS class of a player's pictures that carry text (figures, labelled grids): the site's browser test
#: checks that they show at their drawn size, where their text is drawn 11 px tall or more.
TEXT_FRAME_CLASS = "gan-text-frame"


def mark_text_frames(player):
    """Give every picture of ``player`` (a frame_player) the :data:`TEXT_FRAME_CLASS` class; returns it."""
    import ipywidgets as W

    todo = [player]
    while todo:
        widget = todo.pop()
        if isinstance(widget, W.Image):
            widget.add_class(TEXT_FRAME_CLASS)
        todo.extend(getattr(widget, "children", ()))
    return player


def same_size(frames: Sequence[bytes]) -> list[bytes]:
    """PNG frames padded with white (centred) to the largest width and height among them, so that
    every frame shows at its drawn size in one player (tightly cropped figures differ by a few px)."""
    from PIL import Image

    images = [Image.open(io.BytesIO(f)).convert("RGB") for f in frames]
    width, height = max(i.width for i in images), max(i.height for i in images)
    out = []
    for frame, image in zip(frames, images):
        if image.size == (width, height):
            out.append(frame)
            continue
        canvas = Image.new("RGB", (width, height), "white")
        canvas.paste(image, ((width - image.width) // 2, (height - image.height) // 2))
        buffer = io.BytesIO()
        canvas.save(buffer, format="PNG", optimize=True)
        out.append(buffer.getvalue())
    return out


@torch.no_grad()
def latent_walk_player(generator: torch.nn.Module, path: torch.Tensor, labels: Sequence[str] | None = None,
                       scale: int = 6, description: str = "t", width: str | None = None):
    """One frame per point of a latent walk: a slider along the path.

    ``path`` is ``(T, latent_dim)`` for one walk (one image per frame) or
    ``(T, N, latent_dim)`` for N walks side by side (a row of N images per
    frame), e.g. the output of :func:`gan_course.latent.slerp`. G runs in eval
    mode (batch norm uses its running statistics) and is put back as it was.
    """
    arguments.instance("generator", generator, torch.nn.Module, "a generator (a torch module), e.g. G")
    arguments.tensor("path", path, what="a latent path (T, latent_dim) or (T, N, latent_dim)")
    arguments.whole("scale", scale, 1, 32, example=6)
    if path.dim() not in (2, 3) or path.shape[0] == 0:
        raise CourseError(f"latent_walk_player expects a path of shape (T, latent_dim) or (T, N, latent_dim), "
                          f"got {tuple(path.shape)}: build it with gan_course.latent.slerp")
    steps = path.shape[0]
    walks = path.shape[1] if path.dim() == 3 else 1
    with eval_mode(generator):
        images = generator(path.reshape(steps * walks, path.shape[-1])).float().cpu()  # (T*N, C, H, W)
    images = images.reshape(steps, walks, *images.shape[1:])  # (T, N, C, H, W)
    frames = [png_from_images(row, nrow=walks, scale=scale) for row in images]
    labels = labels or [f"t = {i / max(1, steps - 1):.2f}" for i in range(steps)]
    if width is None:  # show the frames at their own size
        from PIL import Image

        width = f"{Image.open(io.BytesIO(frames[0])).width}px"
    return frame_player(frames, labels, description=description, width=width, start=0)
