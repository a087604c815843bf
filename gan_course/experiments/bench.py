"""Benchmark: a typical tutorial training loop (a DataLoader with per-image transforms) against the course's engine.

Both arms train the **same** fully connected GAN (``MLPConfig`` with
``image_shape=(1, 32, 32)``, because typical tutorials resize FashionMNIST to 32x32)
with the same batch size, optimiser settings and device, in one process:

1. **tutorial loop**: a typical tutorial loop, written here: a ``DataLoader`` over
   torchvision's ``FashionMNIST`` with ``Resize(32)``, ``ToTensor`` and
   ``Normalize((0.5,), (0.5,))`` applied to each image (``num_workers=0``,
   ``shuffle=True``), a discriminator ending in ``nn.Sigmoid`` scored with
   ``nn.BCELoss``, the D update on real and detached fake images with
   ``(real + fake) / 2``, then the G update, and ``.item()`` logging every 100
   batches;
2. **course engine**: :class:`~gan_course.training.Trainer` with the library's
   :func:`~gan_course.steps.d_step` / :func:`~gan_course.steps.g_step`, data
   from ``load_fashion_mnist(pad_to=32)`` held as one tensor and sliced by
   :class:`~gan_course.data.Batches`, and the engine's default logging, sample
   and checkpoint settings (checkpoints go to a temporary folder), with fused
   Adam (the engine's default);
3. **bare loop**: the same ``d_step`` / ``g_step``, optimisers and batches in a
   plain ``for`` loop with nothing around them: what PyTorch's kernels cost;
4. with ``--compile``, **compiled loop**: the bare loop's iteration through
   ``torch.compile``, its compilation timed apart.

The report ends with the float32 compute floor (the iteration's matrix products
at this machine's best matrix-product rate) and the ratios engine / floor,
engine / bare loop (the engine's overhead) and bare loop / floor (the kernels').

``--model dcgan`` runs the same arms on chapter 4's DCGAN (32x32), and
``--model all`` runs both models one after the other (each block ends with its
own speedup line). ``--time-to-quality MODEL`` instead reports the minutes of
training until the model's quality record (the FD every run keeps) first reaches
each FD bar, training the ``full`` recipe or reading a run's record
(:func:`time_to_quality`).

One iteration is one D update and one G update. Each arm runs ``warmup``
iterations untimed, then ``steps`` timed ones; the time per iteration is the
timed window's wall time divided by ``steps`` (so periodic work, logging,
sample grids, checkpoints, counts), and the median of single iterations is
printed beside it. The last line of the output is the ratio of the two means:
``speedup vs tutorial loop: X.Xx``.
"""

from __future__ import annotations

import contextlib
import os
import statistics
import tempfile
import time
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Callable

import torch
from torch import nn

from ..data import Batches, find_fashion_mnist_root, load_fashion_mnist
from ..errors import CourseError
from ..models import MLPConfig, MLPDiscriminator, MLPGenerator
from ..runtime import describe_machine, seed_everything
from ..steps import d_step, g_step
from ..training import TrainConfig, Trainer

#: The model both arms train: a typical tutorial's MLP on 32x32 images.
BENCH_MLP = MLPConfig(image_shape=(1, 32, 32))


@dataclass(frozen=True)
class BenchModel:
    """A GAN both arms can train: its networks (D returns logits (B,)) and its input sizes."""

    name: str  # as given to --model
    description: str  # one line for the report
    latent_dim: int  # size of z
    image_size: int  # images are (1, S, S): the tutorial loop resizes 28 -> S, the engine pads
    make: Callable[[], tuple[nn.Module, nn.Module]]  # () -> (G, D) freshly initialised


def _mlp_pair():
    return MLPGenerator(BENCH_MLP), MLPDiscriminator(BENCH_MLP)


def _dcgan_pair():
    from ..models.dcgan import DCGANConfig, DCGANDiscriminator, DCGANGenerator

    cfg = DCGANConfig()  # chapter 4's networks, 32x32
    return DCGANGenerator(cfg), DCGANDiscriminator(cfg)


def _dcgan_model() -> BenchModel:
    from ..models.dcgan import DCGANConfig

    cfg = DCGANConfig()
    return BenchModel("dcgan", "chapter 4's DCGAN", cfg.latent_dim, cfg.image_size, _dcgan_pair)


BENCH_MODELS: dict[str, Callable[[], BenchModel]] = {
    "mlp": lambda: BenchModel("mlp", "a typical tutorial's MLP GAN", BENCH_MLP.latent_dim, 32, _mlp_pair),
    "dcgan": _dcgan_model,
}
SEED_LR, SEED_BETAS = 2e-4, (0.5, 0.999)  # the usual tutorial Adam settings (DCGAN's), used by both arms
SEED_LOG_INTERVAL = 100  # the notes print the losses every 100 batches


class SigmoidDiscriminator(nn.Module):
    """A typical tutorial's discriminator: the network followed by ``nn.Sigmoid``, (B, 1) probabilities."""

    def __init__(self, body: nn.Module):
        super().__init__()
        self.body = body  # returns logits (B,)
        self.sigmoid = nn.Sigmoid()

    def forward(self, img: torch.Tensor) -> torch.Tensor:
        return self.sigmoid(self.body(img).unsqueeze(1))  # (B,) logits -> (B, 1) probabilities


def _device(device) -> torch.device:
    if isinstance(device, torch.device):
        return device
    from ..runtime import get_device

    return get_device(device)


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _timing(stamps: list[float], warmup: int, steps: int, end: float) -> dict:
    """``stamps[i]`` is when iteration i+1 started; the window runs from iteration warmup+1 to ``end``."""
    window = end - stamps[warmup]
    singles = [b - a for a, b in zip(stamps[warmup:], stamps[warmup + 1:] + [end])]
    return {"ms_mean": 1e3 * window / steps, "ms_median": 1e3 * statistics.median(singles),
            "seconds": window}


def run_seed_loop(steps: int, warmup: int, batch_size: int, device: torch.device, model: BenchModel | None = None,
                  seed: int = 0, verbose: bool = False) -> dict:
    """A typical tutorial loop: per-image transforms, Sigmoid + BCELoss, ``.item()`` logging."""
    from torch.utils.data import DataLoader
    from torchvision import datasets, transforms

    model = model or BENCH_MODELS["mlp"]()
    setup = time.perf_counter()
    seed_everything(seed)
    transform = transforms.Compose([
        transforms.Resize(model.image_size),  # (28, 28) -> (32, 32), bilinear, per image (PIL)
        transforms.ToTensor(),  # PIL image -> (1, 32, 32) float in [0, 1]
        transforms.Normalize((0.5,), (0.5,)),  # -> [-1, 1]
    ])
    dataset = datasets.FashionMNIST(str(find_fashion_mnist_root()), train=True, download=False, transform=transform)
    loader = DataLoader(dataset, batch_size=batch_size, shuffle=True)  # num_workers=0, as in the notes
    G, D = model.make()
    generator = G.to(device)
    discriminator = SigmoidDiscriminator(D).to(device)
    criterion = nn.BCELoss()
    optimizer_g = torch.optim.Adam(generator.parameters(), lr=SEED_LR, betas=SEED_BETAS)
    optimizer_d = torch.optim.Adam(discriminator.parameters(), lr=SEED_LR, betas=SEED_BETAS)
    setup = time.perf_counter() - setup

    total = warmup + steps
    n_epoch = -(-total // len(loader))  # enough epochs to cover the iterations
    stamps: list[float] = []
    log_lines: list[str] = []
    g_loss_list, d_loss_list = [], []
    _sync(device)
    stamps.append(time.perf_counter())
    done = False
    for epoch in range(n_epoch):
        for i, (real_img, _) in enumerate(loader):
            real_img = real_img.to(device)  # (B, 1, 32, 32)
            valid_label = torch.ones((real_img.shape[0], 1), device=device, dtype=torch.float32)  # (B, 1)
            fake_label = torch.zeros((real_img.shape[0], 1), device=device, dtype=torch.float32)

            # ---- train the discriminator: real -> 1, detached fake -> 0, averaged
            z = torch.randn((real_img.shape[0], model.latent_dim), device=device, dtype=torch.float32)
            gen_img = generator(z)  # (B, 1, 32, 32)
            real_loss = criterion(discriminator(real_img), valid_label)
            fake_loss = criterion(discriminator(gen_img.detach()), fake_label)
            d_loss = (real_loss + fake_loss) * 0.5
            optimizer_d.zero_grad()
            d_loss.backward()
            optimizer_d.step()

            # ---- train the generator: fresh fakes -> 1
            z = torch.randn((real_img.shape[0], model.latent_dim), device=device, dtype=torch.float32)
            gen_img = generator(z)
            g_loss = criterion(discriminator(gen_img), valid_label)
            optimizer_g.zero_grad()
            g_loss.backward()
            optimizer_g.step()

            if (i + 1) % SEED_LOG_INTERVAL == 0:
                g_loss_list.append(g_loss.item())
                d_loss_list.append(d_loss.item())
                line = "Epoch [{}/{}] Batch [{}/{}] Discriminator loss: {:.4f} Generator loss: {:.4f}".format(
                    epoch + 1, n_epoch, i + 1, len(loader), d_loss.item(), g_loss.item())
                log_lines.append(line)
                if verbose:
                    print(line)
            if len(stamps) == warmup:
                _sync(device)  # the timed window starts with an empty GPU queue
            stamps.append(time.perf_counter())
            if len(stamps) > total:
                done = True
                break
        if done:
            break
    _sync(device)
    end = time.perf_counter()
    stamps.pop()  # stamps[i] = start of iteration i+1
    return {**_timing(stamps, warmup, steps, end), "setup_seconds": setup, "iterations": len(stamps),
            "log_lines": log_lines}


class StampedBatches(Batches):
    """:class:`~gan_course.data.Batches` that notes when each iteration asks for its batch (its start).

    The engine takes one batch per iteration on both of its paths, step by step and CUDA graph
    (whose replays call no step function), so the stamps time either. The GPU's queue is
    emptied once, before the first timed iteration.
    """

    def __init__(self, *args, stamps: list[float], warmup: int, device: torch.device, **kwargs):
        super().__init__(*args, **kwargs)
        self.stamps, self.warmup, self.device = stamps, warmup, device

    def __next__(self):
        if len(self.stamps) == self.warmup:
            _sync(self.device)
        self.stamps.append(time.perf_counter())
        return super().__next__()


def run_engine(steps: int, warmup: int, batch_size: int, device: torch.device, model: BenchModel | None = None,
               seed: int = 0, precision: str | None = None, fast_adam: bool | None = None,
               cuda_graph: bool | None = None) -> dict:
    """The course's engine on the same model: one ``Trainer.fit`` over ``warmup + steps`` iterations.

    ``precision`` (``auto``/``fp32``/``bf16``/``fp16``; default ``$GAN_COURSE_PRECISION``),
    ``fast_adam`` (fused Adam; default: the engine's, fused unless ``$GAN_COURSE_FAST_ADAM=0``) and
    ``cuda_graph`` (default: the engine's, a CUDA graph on a CUDA GPU unless ``$GAN_COURSE_CUDA_GRAPH=0``)
    are the engine's switches.
    """
    from ..runtime import precision_for

    model = model or BENCH_MODELS["mlp"]()
    setup = time.perf_counter()
    seed_everything(seed)
    data = load_fashion_mnist("train", device=device, pad_to=model.image_size)  # (60000, 1, 32, 32)
    G, D = model.make()
    G, D = G.to(device), D.to(device)
    opt_G = torch.optim.Adam(G.parameters(), lr=SEED_LR, betas=SEED_BETAS)
    opt_D = torch.optim.Adam(D.parameters(), lr=SEED_LR, betas=SEED_BETAS)
    fixed_z = torch.randn(64, model.latent_dim, generator=torch.Generator().manual_seed(seed)).to(device)
    train_cfg = TrainConfig(steps=warmup + steps)  # the engine's defaults for logging, samples, checkpoints
    stamps: list[float] = []

    with tempfile.TemporaryDirectory(prefix="gan_course_bench_") as tmp:
        trainer = Trainer(
            modules={"G": G, "D": D}, optimizers={"G": opt_G, "D": opt_D},
            d_step=partial(d_step, G=G, D=D, opt_D=opt_D, latent_dim=model.latent_dim),
            g_step=partial(g_step, G=G, D=D, opt_G=opt_G, latent_dim=model.latent_dim),
            batches=StampedBatches(data, batch_size, seed=seed, stamps=stamps, warmup=warmup, device=device),
            config=train_cfg, sample_fn=lambda: G(fixed_z), out_dir=tmp, tag=f"bench-{model.name}",
            hparams={"model": model.name}, precision=precision_for(device, precision),
            fast_adam=fast_adam, cuda_graph=cuda_graph)  # None: the engine's defaults
        setup = time.perf_counter() - setup
        trainer.fit(resume=False)
        _sync(device)
        end = time.perf_counter()
    return {**_timing(stamps, warmup, steps, end), "setup_seconds": setup, "iterations": len(stamps),
            "train_config": train_cfg, "precision": str(trainer.ctx.precision),
            "adam": "fused Adam" if trainer.fast_adam else "default Adam", "path": trainer.graph_note}


def run_bare_loop(steps: int, warmup: int, batch_size: int, device: torch.device, model: BenchModel | None = None,
                  seed: int = 0, precision: str | None = None, fast_adam: bool = True, compiled: bool = False,
                  graphed: bool = False) -> dict:
    """The kernels alone: the library ``d_step``/``g_step`` called in a plain ``for`` loop.

    The same networks, optimisers (fused Adam unless ``fast_adam=False``), precision
    and batches as the engine arm, on batches sliced in advance, with nothing else:
    no progress bar, logging, history, samples or checkpoints. Its time is what
    PyTorch's own kernels cost at these shapes, so ``engine / bare loop`` is the
    engine's overhead and ``bare loop / floor`` the kernels' distance from the floor.

    ``compiled=True`` runs the same iteration (both steps, the optimisers included) through
    ``torch.compile(..., dynamic=False)``; its first warm-up iteration compiles, and
    ``compile_seconds`` reports how long the warm-up took (at least one warm-up iteration).

    ``graphed=True`` (a CUDA GPU) records the iteration once as a CUDA graph, after three
    iterations on a side stream, and replays it for every batch copied into static buffers:
    the same kernels without Python or launches between them, the floor the engine's graph
    path is measured against. Recording counts as warm-up (``compile_seconds``).
    """
    from ..runtime import precision_for
    from ..training import StepContext, use_fused_adam

    model = model or BENCH_MODELS["mlp"]()
    seed_everything(seed)
    data = load_fashion_mnist("train", device=device, pad_to=model.image_size)  # (60000, 1, 32, 32)
    G, D = (m.to(device) for m in model.make())
    optimizers = {"G": torch.optim.Adam(G.parameters(), lr=SEED_LR, betas=SEED_BETAS),
                  "D": torch.optim.Adam(D.parameters(), lr=SEED_LR, betas=SEED_BETAS)}
    ctx = StepContext(precision_for(device, precision), optimizers)
    fused = bool(fast_adam and use_fused_adam(optimizers, ctx.precision))
    batches = Batches(data, batch_size, seed=seed)
    plan = [next(batches) for _ in range(warmup + steps)]  # sliced before the clock starts
    G.train()
    D.train()

    def iteration(batch):
        d_step(batch, ctx, G=G, D=D, opt_D=optimizers["D"], latent_dim=model.latent_dim)
        g_step(batch, ctx, G=G, D=D, opt_G=optimizers["G"], latent_dim=model.latent_dim)

    if compiled:
        torch._dynamo.reset()  # no graph of an earlier arm is reused: this arm pays its own compilation
        iteration = torch.compile(iteration, dynamic=False)
    if graphed:
        iteration = _graphed(iteration, plan[0], optimizers, device)
    # compiled: from scratch, as on a learner's first run (inductor's on-disk cache would hide most of it)
    cold = torch._inductor.config.patch(force_disable_caches=True) if compiled else contextlib.nullcontext()
    stamps = []
    with cold:
        for i, batch in enumerate(plan):
            if i == warmup:
                _sync(device)
            stamps.append(time.perf_counter())
            iteration(batch)
    _sync(device)
    end = time.perf_counter()
    return {**_timing(stamps, warmup, steps, end), "iterations": len(stamps),
            "compile_seconds": stamps[warmup] - stamps[0] if compiled or graphed else 0.0,
            "adam": "fused Adam" if fused else "default Adam", "precision": str(ctx.precision)}


def _graphed(iteration: Callable, example, optimizers: dict, device: torch.device) -> Callable:
    """``iteration(batch)`` recorded once as a CUDA graph: the returned function copies ``batch`` in and replays.

    The first call warms up on a side stream and records; like the engine, the optimisers
    run capturable (PyTorch's "whole-network capture" recipe).
    """
    if device.type != "cuda":
        raise CourseError("the captured-step arm needs a CUDA GPU")
    static = tuple(t.clone() for t in example)
    graph = None

    def replay(batch):
        nonlocal graph
        for s, b in zip(static, batch):
            s.copy_(b)
        if graph is None:
            for opt in optimizers.values():
                for group in opt.param_groups:
                    group["capturable"] = True
            side = torch.cuda.Stream(device)
            side.wait_stream(torch.cuda.current_stream(device))
            with torch.cuda.stream(side):
                for _ in range(3):
                    iteration(static)
            torch.cuda.current_stream(device).wait_stream(side)
            for opt in optimizers.values():
                opt.zero_grad(set_to_none=True)
            graph = torch.cuda.CUDAGraph()
            with torch.cuda.graph(graph):
                iteration(static)
        graph.replay()

    return replay


# ------------------------------------------------------------- compute floor
def iteration_flops(model: BenchModel, batch_size: int, device: torch.device) -> int:
    """Floating-point operations of one engine iteration (library ``d_step`` + ``g_step``) on ``model``.

    Counted by ``torch.utils.flop_counter.FlopCounterMode`` (matrix products and
    convolutions, forward and backward; element-wise work is not counted), on the
    same steps and batch size as the timed arms. The tutorial loop does this work and a
    little more: its G update also computes D's weight gradients, which it never uses
    (the engine back-propagates into the stepped network's parameters only).
    """
    from torch.utils.flop_counter import FlopCounterMode

    from ..runtime import precision_for
    from ..training import StepContext

    G, D = (m.to(device) for m in model.make())
    opt_G = torch.optim.Adam(G.parameters(), lr=SEED_LR, betas=SEED_BETAS)
    opt_D = torch.optim.Adam(D.parameters(), lr=SEED_LR, betas=SEED_BETAS)
    ctx = StepContext(precision_for(device), {"G": opt_G, "D": opt_D})
    real = torch.rand(batch_size, 1, model.image_size, model.image_size, device=device) * 2 - 1
    batch = (real, torch.zeros(batch_size, dtype=torch.long, device=device))
    with FlopCounterMode(display=False) as counter:
        d_step(batch, ctx, G=G, D=D, opt_D=opt_D, latent_dim=model.latent_dim)
        g_step(batch, ctx, G=G, D=D, opt_G=opt_G, latent_dim=model.latent_dim)
    return int(counter.get_total_flops())


def peak_matmul_flops(device: torch.device, size: int = 1024, seconds: float = 1.0) -> float:
    """This machine's float32 matrix-product rate in FLOP/s: the best of repeated ``size`` x ``size`` products.

    A large square product is the most efficient work a CPU does; no training
    step can run its matrix products faster than this.
    """
    a = torch.randn(size, size, device=device)
    b = torch.randn(size, size, device=device)
    best = float("inf")
    deadline = time.perf_counter() + seconds
    torch.mm(a, b)  # warm-up
    while time.perf_counter() < deadline or best == float("inf"):
        _sync(device)
        start = time.perf_counter()
        torch.mm(a, b)
        _sync(device)
        best = min(best, time.perf_counter() - start)
    return 2 * size ** 3 / best


def run_benchmark(steps: int = 500, warmup: int = 50, batch_size: int = 64, device=None, seed: int = 0,
                  repeats: int = 1, verbose: bool = False, out=print, model: str = "mlp",
                  precision: str | None = None, fast_adam: bool | None = None, compile: bool = False) -> dict:
    """Time both arms and print the report; the last line printed is the speedup.

    ``compile=True`` adds a fourth arm: the bare loop's iteration through ``torch.compile``, with its
    compile time (the first warm-up iteration) and its ratio to the bare loop.

    With ``repeats > 1`` the arms alternate (seed, engine, seed, engine, ...) and
    each arm's fastest repeat counts: on a shared machine, the least disturbed run
    is the best estimate of what the code costs. Returns
    ``{"seed_loop": {...}, "engine": {...}, "speedup": float, ...}``.
    """
    if steps <= 0 or warmup < 0 or batch_size <= 0 or repeats <= 0:
        raise CourseError(f"need steps > 0, warmup >= 0, batch_size > 0 and repeats > 0 (got {steps}, {warmup}, "
                          f"{batch_size}, {repeats}): use e.g. --steps 500 --warmup 50 --batch-size 64")
    if compile and warmup < 1:
        raise CourseError("--compile needs at least one warm-up iteration (the first one compiles): use --warmup 1 "
                          "or more")
    if model not in BENCH_MODELS:
        raise CourseError(f"unknown benchmark model {model!r}: choose one of {', '.join(BENCH_MODELS)}")
    device = _device(device)
    spec = BENCH_MODELS[model]()
    G, D = spec.make()
    n_g = sum(p.numel() for p in G.parameters())
    n_d = sum(p.numel() for p in D.parameters())
    s = spec.image_size
    out(f"model: {spec.description} on 1x{s}x{s} images (G {n_g / 1e6:.2f}M, D {n_d / 1e6:.2f}M parameters); "
        f"{s}x{s} because a typical tutorial resizes 28 -> {s} (the engine pads 28 -> {s} instead)")
    out(f"batch {batch_size} | device {device} ({describe_machine(device)}) | torch {torch.__version__} | "
        f"{steps} timed iterations after {warmup} warm-up, best of {repeats}; "
        "one iteration = one D and one G update")
    if hasattr(os, "getloadavg"):
        out("load average before: %.2f %.2f %.2f (1, 5, 15 min; other processes slow both arms)" % os.getloadavg())
    from ..training import fast_adam_requested

    fast_adam = fast_adam_requested() if fast_adam is None else fast_adam  # the engine's choice, for both its arms
    on_gpu = device.type == "cuda"  # the engine replays CUDA graphs there: two more arms
    seed_runs, engine_runs, bare_runs, compiled_runs, eager_runs, floor_runs = [], [], [], [], [], []
    for _ in range(repeats):
        seed_runs.append(run_seed_loop(steps, warmup, batch_size, device, spec, seed, verbose=verbose))
        engine_runs.append(run_engine(steps, warmup, batch_size, device, spec, seed, precision, fast_adam))
        if on_gpu:
            eager_runs.append(run_engine(steps, warmup, batch_size, device, spec, seed, precision, fast_adam,
                                         cuda_graph=False))
        bare_runs.append(run_bare_loop(steps, warmup, batch_size, device, spec, seed, precision, fast_adam))
        if on_gpu and warmup >= 1:
            floor_runs.append(run_bare_loop(steps, warmup, batch_size, device, spec, seed, precision, fast_adam,
                                            graphed=True))
        if compile:
            compiled_runs.append(run_bare_loop(steps, warmup, batch_size, device, spec, seed, precision, fast_adam,
                                               compiled=True))
    seed_loop = min(seed_runs, key=lambda r: r["ms_mean"])
    engine = min(engine_runs, key=lambda r: r["ms_mean"])
    bare = min(bare_runs, key=lambda r: r["ms_mean"])
    tc = engine["train_config"]
    every = (lambda runs: "" if repeats == 1 else
             " | all repeats " + ", ".join(f"{r['ms_mean']:.1f}" for r in runs))
    out(f"tutorial loop: {seed_loop['ms_mean']:7.2f} ms/iteration (mean; median {seed_loop['ms_median']:.2f}) | "
        f"DataLoader + Resize/ToTensor/Normalize per image, Sigmoid + BCELoss, .item() every "
        f"{SEED_LOG_INTERVAL} | setup {seed_loop['setup_seconds']:.1f} s" + every(seed_runs))
    out(f"course engine: {engine['ms_mean']:7.2f} ms/iteration (mean; median {engine['ms_median']:.2f}) | "
        f"Trainer + d_step/g_step, {engine['path']}, {engine['precision']}, {engine['adam']}, data on the device, "
        f"log every {tc.log_every}, samples every "
        f"{tc.sample_every}, checkpoints every {tc.checkpoint_every} and at the end | "
        f"setup {engine['setup_seconds']:.1f} s" + every(engine_runs))
    out(f"bare loop    : {bare['ms_mean']:7.2f} ms/iteration (mean; median {bare['ms_median']:.2f}) | "
        f"the same d_step/g_step, {bare['precision']}, {bare['adam']}, in a plain for loop on batches sliced in "
        "advance: no logging, history, samples or checkpoints" + every(bare_runs))
    eager = min(eager_runs, key=lambda r: r["ms_mean"]) if eager_runs else None
    graph_floor = min(floor_runs, key=lambda r: r["ms_mean"]) if floor_runs else None
    if eager is not None:
        out(f"engine, step by step: {eager['ms_mean']:7.2f} ms/iteration (mean; median {eager['ms_median']:.2f}) | "
            f"the same Trainer with cuda_graph=False" + every(eager_runs))
    if graph_floor is not None:
        out(f"captured step: {graph_floor['ms_mean']:7.2f} ms/iteration (mean; median {graph_floor['ms_median']:.2f}) "
            f"| the bare loop's iteration recorded once as a CUDA graph and replayed: the GPU floor | recording "
            f"{graph_floor['compile_seconds']:.1f} s" + every(floor_runs))
    elif not on_gpu:
        out(f"CUDA graph arms: not run (they need a CUDA GPU; on {device.type} the engine runs step by step)")
    compiled = min(compiled_runs, key=lambda r: r["ms_mean"]) if compile else None
    if compiled is not None:
        out(f"compiled loop: {compiled['ms_mean']:7.2f} ms/iteration (mean; median {compiled['ms_median']:.2f}) | "
            f"the bare loop's iteration through torch.compile (dynamic=False), {compiled['adam']} | compiling and "
            f"warm-up {compiled['compile_seconds']:.1f} s" + every(compiled_runs)
            + " | warm-ups " + ", ".join(f"{r['compile_seconds']:.1f} s" for r in compiled_runs))
    speedup = seed_loop["ms_mean"] / engine["ms_mean"]
    flops, peak = iteration_flops(spec, batch_size, device), peak_matmul_flops(device)
    floor_ms = 1e3 * flops / peak
    out(f"compute floor: {flops / 1e9:.2f} GFLOP of matrix products per engine iteration at "
        f"{peak / 1e9:.0f} GFLOP/s (best {device.type} float32 matrix product) = {floor_ms:.2f} ms/iteration; "
        f"no float32 loop can beat the tutorial loop by more than {seed_loop['ms_mean'] / floor_ms:.1f}x here")
    out(f"engine / floor: {engine['ms_mean'] / floor_ms:.2f}x (the course engine's time over the float32 "
        "compute floor; targets: MLP <= 2.0x, DCGAN <= 1.5x)")
    out(f"engine / bare loop: {engine['ms_mean'] / bare['ms_mean']:.2f}x (what the engine adds to the kernels) | "
        f"bare loop / floor: {bare['ms_mean'] / floor_ms:.2f}x (PyTorch's kernels at these shapes against the "
        "best matrix product)")
    if graph_floor is not None:
        out(f"engine / captured step: {engine['ms_mean'] / graph_floor['ms_mean']:.2f}x (target: <= 1.5x) | "
            f"step by step / captured step: {eager['ms_mean'] / graph_floor['ms_mean']:.2f}x | "
            f"bare loop / captured step: {bare['ms_mean'] / graph_floor['ms_mean']:.2f}x")
    if compiled is not None:
        per_step = bare["ms_mean"] - compiled["ms_mean"]
        pays = (f"it pays after about {1e3 * compiled['compile_seconds'] / per_step:,.0f} iterations" if per_step > 0
                else "it never pays back its compilation")
        out(f"compiled / bare loop: {compiled['ms_mean'] / bare['ms_mean']:.2f}x (below 1 is faster); {pays}")
    if hasattr(os, "getloadavg"):
        out("load average after: %.2f %.2f %.2f" % os.getloadavg())
    out(f"speedup vs tutorial loop: {speedup:.1f}x")
    return {"model": model, "seed_loop": seed_loop, "engine": engine, "bare_loop": bare, "speedup": speedup,
            "steps": steps, "iteration_flops": flops, "peak_flops": peak, "floor_ms": floor_ms,
            "engine_over_floor": engine["ms_mean"] / floor_ms, "engine_over_bare": engine["ms_mean"] / bare["ms_mean"],
            "bare_over_floor": bare["ms_mean"] / floor_ms, "compiled_loop": compiled,
            "engine_step_by_step": eager, "captured_step": graph_floor,
            "engine_over_captured": engine["ms_mean"] / graph_floor["ms_mean"] if graph_floor else None,
            "warmup": warmup,
            "batch_size": batch_size, "repeats": repeats, "device": str(device),
            "machine": describe_machine(device)}


# ------------------------------------------------------------- time to quality
def _fd_bars(model: str, bars) -> list[float]:
    """The FD bars asked for, or the chapter's FD goal; a clear error when there is neither."""
    from .evaluation import GOALS

    if bars is None or bars == []:
        bars = [value for key, op, value in GOALS.get(model, []) if key == "fd"]
        if not bars:
            raise CourseError(f"{model} has no FD goal: pass --bar, e.g. --bar 80")
    return [float(b) for b in ([bars] if isinstance(bars, (int, float)) else bars)]


def time_to_quality(model: str, bar=None, eval_every: int | None = None, n: int | None = None,
                    device=None, seed: int = 0, out=print, profile: str = "full",
                    run: str | Path | None = None, precision: str | None = None) -> dict:
    """Minutes of training until ``model``'s quality record first reaches each FD ``bar``.

    Reads the record every training run keeps (``trainer.quality_record``: the
    course FD of fixed samples every ``quality_every`` steps, with the training
    time so far, measuring excluded). With ``run`` (a checkpoint or run folder)
    the record of that run is read; otherwise the ``profile`` recipe (``full``:
    the chapter's) is trained through the same ``build`` and Trainer as the
    chapter and ``train``, so the run is the chapter's. ``eval_every`` and ``n``
    override the recipe's ``quality_every`` and ``quality_n``. ``bar`` is one FD
    or a list of them (default: the chapter's FD goal). ``precision`` goes to the build (default:
    ``$GAN_COURSE_PRECISION``, else auto).
    """
    from ..metrics.quality import measurements, minutes_to_reach
    from ..recipes import get_model
    from ..records import checkpoint_file, quality_record_of
    from ..training import load_checkpoint

    entry = get_model(model)
    bars = _fd_bars(model, bar)
    if run is not None:
        path = checkpoint_file(run)
        state = load_checkpoint(path)
        if state.get("tag") != entry.tag:
            raise CourseError(f"{path} holds a {state.get('tag')!r} run, not {model}'s: pass a run of {model}")
        record = quality_record_of(state)
        if not record["fd"]:
            raise CourseError(f"{path} has no quality record (trained before runs kept one, or with "
                              f"quality_every=0): train it again with `python -m gan_course train {model}`")
        out(f"time to quality: {model}, the record of {path} (step {int(state.get('step', 0))})")
    else:
        if (eval_every is not None and eval_every <= 0) or (n is not None and n < 2):
            raise CourseError(f"need eval_every > 0 and n >= 2, got {eval_every} and {n}")
        import dataclasses

        device = _device(device)
        recipe = entry.recipe.for_profile(profile)
        recipe = dataclasses.replace(recipe, quality_every=eval_every or recipe.quality_every or 500,
                                     quality_n=n or recipe.quality_n)
        trainer = entry.build(recipe, device, None, seed=seed, precision=precision)
        out(f"time to quality: {model}, {profile} recipe ({recipe.steps} steps), FD on {recipe.quality_n} fixed "
            f"samples every {recipe.quality_every} steps; device {device} ({describe_machine(device)})")
        trainer.fit(resume=False)
        record = trainer.quality_record
    points = measurements(record)
    for p in points:
        out(f"  step {p['step']:>6}: {p['train_seconds'] / 60:6.2f} min of training, FD {p['fd']:7.2f}")
    reached = {}
    for b in bars:
        reached[b] = minutes_to_reach(record, b)
        if reached[b]:
            out(f"time to FD <= {b:g}: {reached[b]['train_seconds'] / 60:.2f} min of training "
                f"({reached[b]['step']} steps)")
        else:
            out(f"FD <= {b:g} not reached within the run's {points[-1]['step']} steps "
                f"({points[-1]['train_seconds'] / 60:.2f} min; best FD {min(p['fd'] for p in points):.2f})")
    return {"model": model, "bars": bars, "bar": bars[0], "points": points, "reached": reached[bars[0]],
            "reached_by_bar": reached}
