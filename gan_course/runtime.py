"""Seeds, devices, mixed precision and the notebooks' shared set-up cell."""

from __future__ import annotations

import contextlib
import inspect
import os
import platform
import random
import re
import sys
import warnings
from dataclasses import dataclass

import numpy as np
import torch

from .errors import CourseError
from .profiles import current_profile
from .settings import DEVICE, PRECISION, read


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and PyTorch (CPU and every GPU).

    On the CPU this makes a run bitwise reproducible: the course's code draws
    every random number from these generators. ``seed`` is a whole number from 0 to
    2**64 - 1 (PyTorch's range; NumPy is seeded with it modulo 2**32).
    """
    from .arguments import MAX_SEED, whole

    seed = whole("seed", seed, 0, MAX_SEED, example=0)
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)  # also seeds every CUDA device


_ENGINE_STEPS = 0  # > 0 while the Trainer runs a step function (see engine_step)


@contextlib.contextmanager
def engine_step():
    """Mark a block as the inside of the training engine's step functions.

    There, labels and codes come from the data set or from ``torch.randint`` over
    the right range, so the models skip their *value* checks (a ``min``/``max`` read
    on the host would make the CPU wait for a GPU at every forward). Type and shape
    checks still run, and every call outside the engine checks values as before.
    """
    global _ENGINE_STEPS
    _ENGINE_STEPS += 1
    try:
        yield
    finally:
        _ENGINE_STEPS -= 1


def in_engine_step() -> bool:
    """True inside :func:`engine_step` (the engine's hot loop)."""
    return _ENGINE_STEPS > 0


_CAPTURED_STEPS = 0  # > 0 while the engine records (or, in tests, replays) an iteration for a CUDA graph


@contextlib.contextmanager
def captured_step():
    """Mark a block as an iteration that a CUDA graph records (:mod:`gan_course.graphs`).

    A graph replays the recorded kernels and none of the Python around them, so code
    in the step functions that decides something on the host at every step (the
    CycleGAN image pool's draws) does that work before each replay instead, in a
    ``before_replay()`` method the engine calls, and reads the result from a buffer here.
    """
    global _CAPTURED_STEPS
    _CAPTURED_STEPS += 1
    try:
        yield
    finally:
        _CAPTURED_STEPS -= 1


def in_captured_step() -> bool:
    """True inside :func:`captured_step`."""
    return _CAPTURED_STEPS > 0


DEVICE_ENV = DEVICE.name  # "GAN_COURSE_DEVICE"


def available_devices() -> list[str]:
    """The device names that work on this machine: ``cpu``, then ``cuda``/``cuda:N`` and ``mps`` where present."""
    names = ["cpu"]
    if torch.cuda.is_available():
        names += ["cuda"] + [f"cuda:{i}" for i in range(torch.cuda.device_count())]
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        names.append("mps")
    return names


def check_device(device, source: str = "device") -> torch.device:
    """``device`` as a ``torch.device`` if it exists here; otherwise a :class:`CourseError` listing those that do."""
    here = ", ".join(available_devices())
    try:
        dev = device if isinstance(device, torch.device) else torch.device(str(device).strip())
    except (RuntimeError, ValueError, TypeError):
        raise CourseError(f"unknown {source} {str(device)[:60]!r}: use one of the devices available here: "
                          f"{here}") from None
    ok = (dev.type == "cpu" and dev.index in (None, 0)
          or dev.type == "cuda" and torch.cuda.is_available()
          and (dev.index is None or 0 <= dev.index < torch.cuda.device_count())
          or dev.type == "mps" and "mps" in available_devices() and dev.index in (None, 0))
    if not ok:
        raise CourseError(f"the {source} {str(device)[:60]!r} is not available on this machine: use one of {here}")
    return dev


@contextlib.contextmanager
def preserved_rng(seed: int | None = None):
    """Run a block on its own random numbers, then put every global generator back as it was.

    Saves Python's, NumPy's, PyTorch's CPU and every CUDA generator; with ``seed``,
    seeds them all (:func:`seed_everything`) for the block. A measurement taken in
    the middle of training (a score, an exercise check) then changes nothing the
    training draws afterwards.
    """
    python, numpy = random.getstate(), np.random.get_state()
    with torch.random.fork_rng():  # the CPU generator and every CUDA one
        try:
            if seed is not None:
                seed_everything(seed)
            yield
        finally:
            random.setstate(python)
            np.random.set_state(numpy)


CHUNK = 500  # items per forward pass when a whole set goes through a network: bounded memory on any device


def in_chunks(fn, inputs: torch.Tensor, device=None, size: int = CHUNK, indexed: bool = False) -> torch.Tensor:
    """``fn`` applied to ``inputs`` ``size`` items at a time, the results joined: float32, on the CPU.

    ``(N, ...) -> (N, ...)``. Each chunk goes to ``device`` first when one is given. The chunks run
    in order, so a ``fn`` that draws random numbers draws them in the same order as before: the
    result is bit for bit the same as the loop it replaces. With ``indexed``, ``fn`` is called as
    ``fn(chunk, i)``, ``i`` the chunk's number (for a noise seed per chunk).
    """
    parts = inputs.split(size)
    moved = (part if device is None else part.to(device) for part in parts)
    return torch.cat([(fn(part, i) if indexed else fn(part)).float().cpu() for i, part in enumerate(moved)])


def eval_mode(*modules: torch.nn.Module):
    """Run a block with ``modules`` in eval mode, then put every (sub)module back in the mode it had.

    Eval mode turns dropout off and makes batch norm use its running statistics
    instead of the batch's. Every sampler and evaluator of the course runs a
    generator inside ``with eval_mode(G):``, so a caller's ``G`` comes back in the
    mode it was in (training or not), also when the block raises. It changes
    modes only: wrap the block in ``torch.no_grad()`` too where no gradient is needed.
    The modules are checked when it is called, before any mode changes (none is a valid, empty block).
    """
    for i, module in enumerate(modules):
        if not isinstance(module, torch.nn.Module):
            raise CourseError(f"eval_mode needs torch modules, got modules[{i}] = {str(module)[:40]!r} "
                              f"({type(module).__name__}): pass e.g. eval_mode(G)")
    return _eval_mode(*modules)


@contextlib.contextmanager
def _eval_mode(*modules: torch.nn.Module):
    saved = [(m, m.training) for module in modules for m in module.modules()]
    for module in modules:
        module.eval()
    try:
        yield modules[0] if len(modules) == 1 else modules
    finally:
        for m, training in saved:
            m.training = training


def get_device(prefer: str | None = None) -> torch.device:
    """cuda > mps > cpu, or ``$GAN_COURSE_DEVICE`` / ``prefer`` when given.

    A name that is unknown or not available here (``cuda`` without a GPU, ``cuda:3``
    on a one-GPU machine) is a :class:`CourseError` that lists the devices there are.
    """
    if prefer is not None and str(prefer).strip():
        return check_device(prefer, "device")
    name = read(DEVICE)  # None when unset
    if name:
        return check_device(name, f"device in {DEVICE_ENV}")
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


PRECISION_ENV = PRECISION.name  # "GAN_COURSE_PRECISION"
#: What ``$GAN_COURSE_PRECISION`` may say. ``auto`` (the default) is what :func:`precision_for` picks by itself.
PRECISIONS = PRECISION.values  # ("auto", "fp32", "bf16", "fp16")


def precision_for(device: torch.device, choice: str | None = None) -> Precision:
    """Pick autocast settings for ``device`` (see :class:`Precision`).

    ``choice`` (default: ``$GAN_COURSE_PRECISION``, else ``auto``) overrides the
    automatic pick:

    * ``auto``: bfloat16 on CUDA GPUs from Ampere on, float16 + GradScaler on
      older ones (Colab's T4), float32 on the CPU and MPS;
    * ``fp32``: no autocast anywhere;
    * ``bf16``: bfloat16 autocast, also on the CPU (fast only on CPUs with native
      bfloat16 instructions, e.g. AVX-512 BF16 or AMX; it changes every result, so
      it is opt-in);
    * ``fp16``: float16 autocast with a GradScaler, the path a T4 takes; on a
      newer GPU this reproduces Colab's numerics. CUDA only.
    """
    if choice is not None and not isinstance(choice, str):
        raise CourseError(f"precision must be one of {', '.join(PRECISIONS)} or None (then ${PRECISION_ENV}), "
                          f"got {str(choice)[:40]!r} ({type(choice).__name__})")
    device = device if isinstance(device, torch.device) else check_device(device)  # a name: checked here
    source = "asked for" if choice else f"from ${PRECISION_ENV}"
    choice = choice.strip().lower() if choice else read(PRECISION)  # the variable: refused there if unknown
    if choice not in PRECISIONS:
        raise CourseError(f"unknown precision {choice!r}: use one of {', '.join(PRECISIONS)}")
    if choice == "fp32" or (choice == "auto" and device.type != "cuda"):
        return Precision(device.type, None, use_grad_scaler=False)
    if choice == "bf16":
        if device.type not in ("cuda", "cpu"):
            raise CourseError(f"precision bf16 ({source}) needs a CUDA GPU or the CPU, not {device.type}: "
                              "use fp32 or auto")
        return Precision(device.type, torch.bfloat16, use_grad_scaler=False)
    if choice == "fp16":
        if device.type != "cuda":
            raise CourseError(f"precision fp16 ({source}) is the float16 + GradScaler path of CUDA GPUs such as "
                              f"Colab's T4, and this device is {device.type}: use bf16, fp32 or auto")
        return Precision("cuda", torch.float16, use_grad_scaler=True)
    major, _ = torch.cuda.get_device_capability(device)  # auto on CUDA
    if major >= 8:
        return Precision("cuda", torch.bfloat16, use_grad_scaler=False)
    return Precision("cuda", torch.float16, use_grad_scaler=True)


def describe_machine(device: torch.device) -> str:
    """One line naming the hardware, for the record under every timing (``device``: a torch.device or its name)."""
    device = check_device(device)
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return f"{platform.processor() or platform.machine()} CPU, {cores} cores, {torch.get_num_threads()} torch threads"


_DEFAULT_FORMATWARNING = warnings.formatwarning
_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


def course_formatwarning(message, category, filename, lineno, line=None) -> str:
    """A warning raised by the course's own code as one line, ``Category: message``, without the file path and
    source line of the machine it ran on (what a reader needs is the message); other warnings as usual."""
    if os.path.abspath(str(filename)).startswith(_PACKAGE_DIR):
        return f"{category.__name__}: {message}\n"
    return _DEFAULT_FORMATWARNING(message, category, filename, lineno, line)


def notebook_setup(seed: int = 0) -> torch.device:
    """The shared set-up of every chapter: versions, profile, seed, device.

    Prints what a reader needs to reproduce a run and returns the device. The course's
    own warnings print as one line without machine paths (:func:`course_formatwarning`).
    """
    import matplotlib
    import torchvision

    from . import __version__

    seed_everything(seed)
    device = get_device()
    warnings.formatwarning = course_formatwarning
    print(f"python {sys.version.split()[0]} | torch {torch.__version__} | "
          f"torchvision {torchvision.__version__} | matplotlib {matplotlib.__version__} | "
          f"gan_course {__version__}")
    print(f"profile: {current_profile()} | seed: {seed} | device: {device} "
          f"({describe_machine(device)}) | precision: {precision_for(device)}")
    return device


def without_checks(source: str) -> tuple[str, int]:
    """``source`` with its argument checks left out, and how many lines were hidden.

    A check is an ``if`` statement (no ``else``) whose body ends by raising, an
    ``assert``, a method named ``__post_init__`` or ``_check*``/``_validate*``, or a
    statement that only calls checks (a helper of :mod:`gan_course.arguments`, or a
    ``check_*``/``_check*`` function), alone or assigned to a name:
    the guard rails that give a user one clear line, which a chapter does not need
    to show. Each run of hidden lines becomes one comment, so the listing still
    says that something is there.
    """
    import ast
    import textwrap

    from . import arguments

    helpers = {name for name, value in vars(arguments).items()
               if inspect.isfunction(value) and value.__module__ == arguments.__name__ and not name.startswith("_")}

    def is_check_call(node) -> bool:
        if isinstance(node, ast.Tuple):
            return bool(node.elts) and all(is_check_call(e) for e in node.elts)
        if not isinstance(node, ast.Call):
            return False
        func = node.func
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "arguments":
            return True
        name = func.id if isinstance(func, ast.Name) else None
        return name is not None and (name in helpers or name.startswith(("check_", "_check")))

    try:
        tree = ast.parse(textwrap.dedent(source))
    except SyntaxError:
        return source, 0

    def is_check(node) -> bool:
        if isinstance(node, ast.Assert):
            return True
        if isinstance(node, ast.If) and not node.orelse and node.body and isinstance(node.body[-1], ast.Raise):
            return True
        if isinstance(node, (ast.Expr, ast.Assign)) and is_check_call(node.value):
            return True
        return isinstance(node, ast.FunctionDef) and (node.name == "__post_init__"
                                                        or node.name.startswith(("_check", "_validate")))

    drop: set[int] = set()  # 0-based line numbers
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            for child in node.body:
                if is_check(child):
                    first = min([child.lineno] + [d.lineno for d in getattr(child, "decorator_list", [])])
                    drop.update(range(first - 1, child.end_lineno))
    if not drop:
        return source, 0
    lines = source.rstrip("\n").split("\n")
    out, count, i = [], 0, 0
    while i < len(lines):
        if i not in drop:
            out.append(lines[i])
            i += 1
            continue
        j = i
        while j < len(lines) and (j in drop or (not lines[j].strip() and j + 1 in drop)):
            j += 1
        indent = lines[i][:len(lines[i]) - len(lines[i].lstrip())]
        out.append(f"{indent}# ... {j - i} line{'s' if j - i != 1 else ''} of argument checks (engine appendix)")
        count += j - i
        i = j
    return "\n".join(out), count


def source_markdown(obj, open: bool = False, idea_only: bool = False) -> str:
    """The source of ``obj`` as Markdown: a collapsed ``<details>`` block whose one-line summary
    names the object, its length and the first line of its docstring, around a fenced listing.

    JupyterLab, Colab, VS Code and the website all render it as a toggle (collapsed unless
    ``open``) with the code highlighted by the front end itself.
    """
    import html

    source = inspect.getsource(obj)
    if idea_only:  # the idea, without the argument checks (see without_checks)
        source, _ = without_checks(source)
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


def show_source(obj, open: bool = False, idea_only: bool = False) -> None:
    """Display the source of a package function or class in a notebook.

    The chapters call this instead of copying code: what you read is exactly
    what runs. The listing is collapsed behind a one-line summary (click to
    read it); ``open=True`` shows it expanded. ``idea_only=True``
    leaves out the argument checks (each run of them becomes one comment line): the
    chapters show the idea, the engine appendix the guard rails.
    """
    if not (inspect.isfunction(obj) or inspect.ismethod(obj) or inspect.isclass(obj) or inspect.ismodule(obj)):
        raise CourseError(f"show_source needs obj to be a function, class or module of the package, got "
                          f"{str(obj)[:40]!r} ({type(obj).__name__}): pass e.g. show_source(discriminator_loss)")
    for name, flag in (("open", open), ("idea_only", idea_only)):
        if not isinstance(flag, bool):
            raise CourseError(f"{name} must be True or False, got {flag!r:.40} ({type(flag).__name__})")
    try:
        inspect.getsource(obj)
    except (OSError, TypeError):
        raise CourseError(f"show_source has no source to show for obj {str(obj)[:40]!r}: it is built in or was "
                          "defined interactively") from None
    try:
        from IPython.display import Markdown, display
    except ImportError:  # plain Python
        print(without_checks(inspect.getsource(obj))[0] if idea_only else inspect.getsource(obj))
        return
    display(Markdown(source_markdown(obj, open=open, idea_only=idea_only)))


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
