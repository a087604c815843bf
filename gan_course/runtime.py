"""Seeds, devices, mixed precision and the notebooks' shared set-up cell."""

from __future__ import annotations

import inspect
import os
import platform
import random
import re
import sys
from dataclasses import dataclass

import numpy as np
import torch

from .errors import CourseError
from .profiles import current_profile


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and PyTorch (CPU and every GPU).

    On the CPU this makes a run bitwise reproducible: the course's code draws
    every random number from these generators.
    """
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)  # also seeds every CUDA device


def get_device(prefer: str | None = None) -> torch.device:
    """cuda > mps > cpu, or ``$GAN_COURSE_DEVICE`` / ``prefer`` when given."""
    name = prefer or os.environ.get("GAN_COURSE_DEVICE")
    if name:
        return torch.device(name)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


@dataclass(frozen=True)
class Precision:
    """How forward passes run on a device.

    On CUDA GPUs older than Ampere (compute capability < 8.0, e.g. Colab's T4)
    there is no fast bfloat16, so we use float16 autocast *with* a GradScaler:
    fp16 gradients underflow without loss scaling. From 8.0 on, bfloat16 has
    float32's range and needs no scaler. CPU and MPS run in float32.
    """

    device_type: str  # "cuda", "cpu" or "mps"
    dtype: torch.dtype | None  # autocast dtype, None = no autocast
    use_grad_scaler: bool  # loss scaling, needed for float16 only

    @property
    def enabled(self) -> bool:
        return self.dtype is not None

    def autocast(self):
        """Context manager for forward passes (a no-op where disabled)."""
        if not self.enabled:
            return torch.autocast(device_type="cpu", enabled=False)
        return torch.autocast(device_type=self.device_type, dtype=self.dtype)

    def __str__(self) -> str:
        if not self.enabled:
            return "float32"
        name = str(self.dtype).replace("torch.", "")
        return f"autocast {name}" + (" + GradScaler" if self.use_grad_scaler else "")


def precision_for(device: torch.device) -> Precision:
    """Pick autocast settings for ``device`` (see :class:`Precision`)."""
    if device.type == "cuda":
        major, _ = torch.cuda.get_device_capability(device)
        if major >= 8:
            return Precision("cuda", torch.bfloat16, use_grad_scaler=False)
        return Precision("cuda", torch.float16, use_grad_scaler=True)
    return Precision(device.type, None, use_grad_scaler=False)


def describe_machine(device: torch.device) -> str:
    """One line naming the hardware, for the record under every timing."""
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return f"{platform.processor() or platform.machine()} CPU, {cores} cores, {torch.get_num_threads()} torch threads"


def notebook_setup(seed: int = 0) -> torch.device:
    """The shared set-up of every chapter: versions, profile, seed, device.

    Prints what a reader needs to reproduce a run and returns the device.
    """
    import matplotlib
    import torchvision

    from . import __version__

    seed_everything(seed)
    device = get_device()
    print(f"python {sys.version.split()[0]} | torch {torch.__version__} | "
          f"torchvision {torchvision.__version__} | matplotlib {matplotlib.__version__} | "
          f"gan_course {__version__}")
    print(f"profile: {current_profile()} | seed: {seed} | device: {device} "
          f"({describe_machine(device)}) | precision: {precision_for(device)}")
    return device


def source_markdown(obj, open: bool = False) -> str:
    """The source of ``obj`` as Markdown: a collapsed ``<details>`` block whose one-line summary
    names the object, its length and the first line of its docstring, around a fenced listing.

    JupyterLab, Colab, VS Code and the website all render it as a toggle (collapsed unless
    ``open``) with the code highlighted by the front end itself.
    """
    import html

    source = inspect.getsource(obj)
    name = f"{getattr(obj, '__module__', '')}.{getattr(obj, '__qualname__', getattr(obj, '__name__', ''))}"
    lines = source.rstrip("\n").count("\n") + 1
    doc = (inspect.getdoc(obj) or "").strip().split("\n")[0]
    if doc.startswith(f"{getattr(obj, '__name__', '')}("):  # a dataclass's generated signature, not a docstring
        doc = ""
    if len(doc) > 100:
        doc = doc[:99].rstrip() + "…"
    summary = f"Source of <code>{html.escape(name.strip('.'))}</code> ({lines} lines)"
    if doc:
        summary += f": {html.escape(doc)}"
    longest = max((len(run) for run in re.findall(r"`+", source)), default=0)
    fence = "`" * max(3, longest + 1)  # longer than any run of backticks inside the code
    return (f"<details class=\"gan-source\"{' open' if open else ''}>\n<summary>{summary}</summary>\n\n"
            f"{fence}python\n{source.rstrip()}\n{fence}\n\n</details>")


def show_source(obj, open: bool = False) -> None:
    """Display the source of a package function or class in a notebook.

    The chapters call this instead of copying code: what you read is exactly
    what runs. The listing is collapsed behind a one-line summary (click to
    read it); ``open=True`` shows it expanded.
    """
    try:
        from IPython.display import Markdown, display
    except ImportError:  # plain Python
        print(inspect.getsource(obj))
        return
    display(Markdown(source_markdown(obj, open=open)))


DRIVE_MOUNT = "/content/drive"


def keep_runs_in_drive(folder: str = "gan_course_runs", mount_point: str = DRIVE_MOUNT) -> str:
    """On Colab: mount Google Drive and keep every checkpoint there, so a disconnect loses nothing.

    Sets ``GAN_COURSE_RUNS`` to ``<mount_point>/MyDrive/<folder>``; every chapter's
    ``run_dir`` (and ``python -m gan_course train --out``'s default in a notebook)
    then lives on Drive. After a disconnect: reconnect, run the set-up cells with
    the same choice, and run the chapter again; each training cell resumes from
    its last checkpoint instead of starting over. Returns the folder.
    """
    if "google.colab" not in sys.modules:
        raise CourseError("keep_runs_in_drive works on Google Colab only: elsewhere, set GAN_COURSE_RUNS "
                          "to any folder that survives a restart (the default, ./runs, already does)")
    from google.colab import drive  # only importable on Colab

    drive.mount(mount_point)
    path = os.path.join(mount_point, "MyDrive", folder)
    os.makedirs(path, exist_ok=True)
    os.environ["GAN_COURSE_RUNS"] = path
    print(f"checkpoints now go to Google Drive: {path} (GAN_COURSE_RUNS); after a disconnect, "
          "re-run the chapter and its training cells resume")
    return path
