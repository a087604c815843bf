"""The course's environment variables: every ``GAN_COURSE_*`` is read here, and each is parsed the same way.

:data:`VARIABLES` lists them, with their accepted values, their default and what they
set (the README's table of variables is tested against it). :func:`read_settings`
reads them all at once into a :class:`Settings`; :func:`read` reads one. Either way:

* surrounding spaces are dropped, and an unset or empty variable means its default;
* a variable with a list of values takes one of them, in any case (``FP16`` is
  ``fp16``); a switch (:data:`ON` / :data:`OFF`) takes ``1``/``0`` or
  ``true``/``false``, ``yes``/``no``, ``on``/``off``; free text (a device name,
  a folder) is kept as written;
* anything else is one line, :class:`~gan_course.errors.CourseError`, that names
  the variable and lists the values it accepts.

A device name or a folder is free text here; :func:`~gan_course.runtime.get_device`
and the data loader check that it exists.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from .errors import CourseError

ON = ("1", "true", "yes", "on")  # what a switch accepts for "on"
OFF = ("0", "false", "no", "off")  # ... and for "off"


@dataclass(frozen=True)
class Variable:
    """One environment variable: its name, the values it takes and what unset means."""

    name: str  # e.g. "GAN_COURSE_PROFILE"
    field: str  # its attribute of Settings, e.g. "profile"
    default: str | None  # the value when unset (or empty); None: an automatic choice, described by `unset`
    meaning: str  # what it sets, in one line (the README's table)
    values: tuple[str, ...] = ()  # the values it accepts; () = free text (a device name, a folder)
    switch: bool = False  # on/off: ON or OFF, read as True or False
    text: str = ""  # what a free-text variable holds, in words (a folder, a device name)
    automatic: str = ""  # what leaving it unset means, in words, where the default value does not say it

    @property
    def unset(self) -> str:
        """What leaving it unset means, in words."""
        return self.automatic or str(self.default)

    @property
    def accepted(self) -> str:
        """The values it accepts, as the error message and the README list them."""
        if self.switch:
            return ", ".join(w for pair in zip(ON, OFF) for w in pair)  # 1, 0, true, false, ...
        return ", ".join(self.values) if self.values else self.text

    def parse(self, raw: str | None):
        """The value of ``raw`` (the variable's text; ``None`` when unset): a str, a bool for a switch,
        or ``None`` when it is unset and has no default."""
        text = (raw or "").strip() or self.default
        if text is None:
            return None
        word = text.lower()
        if self.switch and word in ON + OFF:
            return word in ON
        if not self.switch and not self.values:
            return text
        if not self.switch and word in self.values:
            return word
        raise CourseError(f"{self.name}={raw!r} is not understood: use one of {self.accepted} "
                          f"(or unset it for {self.unset})")


PROFILE = Variable("GAN_COURSE_PROFILE", "profile", "full",
                   "how much work a chapter or a command does: smoke (seconds, for CI) or full (the real run)",
                   values=("smoke", "full"))
DEVICE = Variable("GAN_COURSE_DEVICE", "device", None, "the device the course computes on",
                  text="cpu, cuda, cuda:N or mps (one this machine has)",
                  automatic="the best available: cuda, else mps, else cpu")
PRECISION = Variable("GAN_COURSE_PRECISION", "precision", "auto",
                     "the forward passes' arithmetic; auto: bfloat16 on recent GPUs, float16 + GradScaler on "
                     "older ones, float32 elsewhere", values=("auto", "fp32", "bf16", "fp16"))
FAST_ADAM = Variable("GAN_COURSE_FAST_ADAM", "fast_adam", "1",
                     "fused Adam where PyTorch has it; off keeps PyTorch's default implementation", switch=True,
                     automatic="on")
CUDA_GRAPH = Variable("GAN_COURSE_CUDA_GRAPH", "cuda_graph", "1",
                      "on a CUDA GPU, each training iteration replayed from a CUDA graph; off runs it step by step",
                      switch=True, automatic="on")
PRETRAINED = Variable("GAN_COURSE_PRETRAINED", "pretrained", "0",
                      "the chapters load their shipped generators instead of training", switch=True,
                      automatic="off")
RUNS = Variable("GAN_COURSE_RUNS", "runs", "runs",
                "where checkpoints go: `$GAN_COURSE_RUNS/<profile>/<run name>`", text="a folder")
DATA = Variable("GAN_COURSE_DATA", "data", None, "where FashionMNIST is read from",
                text="a folder with the four FashionMNIST files",
                automatic="the Debian package's folder, else torchvision's download")

VARIABLES: tuple[Variable, ...] = (PROFILE, DEVICE, PRECISION, FAST_ADAM, CUDA_GRAPH, PRETRAINED, RUNS, DATA)


@dataclass(frozen=True)
class Settings:
    """Every ``GAN_COURSE_*`` variable, parsed (see :data:`VARIABLES`)."""

    profile: str  # "smoke" or "full"
    device: str | None  # a device name, None: the best available
    precision: str  # "auto", "fp32", "bf16" or "fp16"
    fast_adam: bool
    cuda_graph: bool
    pretrained: bool
    runs: Path  # the checkpoints' base folder
    data: Path | None  # a FashionMNIST folder, None: the usual places


def read(variable: Variable, environ: Mapping[str, str] | None = None):
    """The parsed value of one variable in ``environ`` (default: the process's environment)."""
    environ = os.environ if environ is None else environ
    return variable.parse(environ.get(variable.name))


def read_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Every variable read once from ``environ`` (default: the process's environment) into a :class:`Settings`.

    An unknown value of any of them is refused here, in one line, before any work starts.
    """
    values = {v.field: read(v, environ) for v in VARIABLES}
    values["runs"] = Path(values["runs"]).expanduser()
    values["data"] = Path(values["data"]).expanduser() if values["data"] else None
    return Settings(**values)


def runs_variable(environ: Mapping[str, str] | None = None) -> str | None:
    """``$GAN_COURSE_RUNS`` as set (``None`` when unset or empty): messages print paths relative to it."""
    environ = os.environ if environ is None else environ
    return environ.get(RUNS.name) or None


def runs_folder(environ: Mapping[str, str] | None = None) -> Path:
    """``$GAN_COURSE_RUNS`` (default ``runs``) as the folder the runs go to, refused in one line that names
    the variable when it cannot be one: a file, a device such as ``/dev/null``, or a path through a file.

    The folder itself need not exist yet (a run creates it)."""
    environ = os.environ if environ is None else environ
    base = Path(read(RUNS, environ)).expanduser()
    probe = base
    while not probe.exists() and probe != probe.parent:  # the nearest part of the path that exists
        probe = probe.parent
    if probe.exists() and not probe.is_dir():
        what = "a file" if probe.is_file() else "not a folder (a device or another special file)"
        problem = f"is {what}" if probe == base else f"goes through {probe}, which is {what}"
        raise CourseError(f"GAN_COURSE_RUNS={environ.get(RUNS.name)!r} {problem}: point it at a folder for "
                          f"the runs' checkpoints (or unset it for {RUNS.unset})")
    return base

