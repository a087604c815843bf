"""Small builders shared by the foundation's unit tests (no downloads, CPU only, milliseconds)."""

from __future__ import annotations

import gzip
import shutil
import struct
from functools import partial
from pathlib import Path

import numpy as np
import torch

from gan_course.data import Batches, ImageSet
from gan_course.models import MLPConfig, MLPDiscriminator, MLPGenerator
from gan_course.runtime import seed_everything
from gan_course.steps import d_step, g_step
from gan_course.training import Trainer, TrainConfig

# These networks are tiny: extra intra-op threads only add overhead, and with pytest-xdist
# workers sharing two cores, OpenMP spinning made a 20-step fit over ten times slower.
torch.set_num_threads(1)

# A tiny fully connected GAN on 8x8 images: every engine test trains it in milliseconds.
TINY = MLPConfig(latent_dim=8, image_shape=(1, 8, 8), g_hidden=(16, 32), d_hidden=(32, 16))


def tiny_image_set(n: int = 32, shape: tuple[int, int, int] = (1, 8, 8), seed: int = 1234) -> ImageSet:
    """Random images in [-1, 1] and labels 0..9 from their own generator (independent of the global seed)."""
    g = torch.Generator().manual_seed(seed)
    images = torch.rand(n, *shape, generator=g) * 2 - 1  # (n, C, H, W) in [-1, 1)
    labels = torch.randint(10, (n,), generator=g)
    return ImageSet(images, labels)


def make_trainer(out_dir=None, *, seed: int = 0, d_step_fn=None, g_step_fn=None, tag: str = "tiny",
                 hparams: dict | None = None, cfg: MLPConfig = TINY, batch_size: int = 8,
                 with_samples: bool = True, precision=None, fast_adam=None, roles: dict | None = None,
                 cuda_graph=None, **train_cfg) -> Trainer:
    """A fresh seeded tiny MLP GAN wired into the engine.

    ``d_step_fn(batch, ctx, *, G, D, opt_D, latent_dim)`` and ``g_step_fn`` replace the
    library steps (they receive the same bound arguments); ``roles`` declares the role of each
    ``hparams`` key (``{"lr": "lr"}``: a resume may change it); ``train_cfg`` goes to TrainConfig.
    """
    seed_everything(seed)
    G, D = MLPGenerator(cfg), MLPDiscriminator(cfg)
    opt_G = torch.optim.Adam(G.parameters(), lr=2e-3, betas=(0.5, 0.999))
    opt_D = torch.optim.Adam(D.parameters(), lr=2e-3, betas=(0.5, 0.999))
    batches = Batches(tiny_image_set(shape=cfg.image_shape), batch_size=batch_size, seed=7)
    fixed_z = torch.randn(4, cfg.latent_dim, generator=torch.Generator().manual_seed(99))  # (4, latent_dim)
    return Trainer(
        modules={"G": G, "D": D},
        optimizers={"G": opt_G, "D": opt_D},
        d_step=partial(d_step_fn or d_step, G=G, D=D, opt_D=opt_D, latent_dim=cfg.latent_dim),
        g_step=partial(g_step_fn or g_step, G=G, D=D, opt_G=opt_G, latent_dim=cfg.latent_dim),
        batches=batches,
        config=TrainConfig(**train_cfg),
        sample_fn=(lambda: G(fixed_z)) if with_samples else None,
        out_dir=out_dir,
        tag=tag,
        hparams={"width": 16} if hparams is None else hparams,
        precision=precision,
        fast_adam=fast_adam,
        roles=roles,
        cuda_graph=cuda_graph,
    )


def assert_same_state(a, b) -> None:
    """Recursively compare state dicts / nested containers; tensors with torch.equal (bitwise)."""
    if torch.is_tensor(a):
        assert torch.is_tensor(b) and a.dtype == b.dtype and a.shape == b.shape, (a, b)
        assert torch.equal(a, b), (a, b)
    elif isinstance(a, dict):
        assert isinstance(b, dict) and set(a) == set(b), (sorted(map(str, a)), sorted(map(str, b)))
        for key in a:
            assert_same_state(a[key], b[key])
    elif isinstance(a, (list, tuple)):
        assert isinstance(b, (list, tuple)) and len(a) == len(b)
        for x, y in zip(a, b):
            assert_same_state(x, y)
    else:
        assert a == b, (a, b)


def write_idx(path: Path, array: torch.Tensor) -> None:
    """Write a uint8 tensor as a gzipped idx file: magic 0x0000 08 <ndim>, big-endian int32 dims, data."""
    array = array.to(torch.uint8).contiguous()
    header = struct.pack(">I", 0x0800 + array.dim()) + struct.pack(f">{array.dim()}I", *array.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + bytes(array.flatten().tolist()))


def write_fake_fashion_mnist(folder: Path, n_train: int = 12, n_test: int = 6, seed: int = 0) -> dict:
    """The four FashionMNIST files (gzipped idx) with random content; returns the tensors written."""
    folder.mkdir(parents=True, exist_ok=True)
    g = torch.Generator().manual_seed(seed)
    arrays = {
        "train-images-idx3-ubyte": torch.randint(0, 256, (n_train, 28, 28), generator=g, dtype=torch.uint8),
        "train-labels-idx1-ubyte": torch.randint(0, 10, (n_train,), generator=g, dtype=torch.uint8),
        "t10k-images-idx3-ubyte": torch.randint(0, 256, (n_test, 28, 28), generator=g, dtype=torch.uint8),
        "t10k-labels-idx1-ubyte": torch.randint(0, 10, (n_test,), generator=g, dtype=torch.uint8),
    }
    # make sure both extremes occur, so the [-1, 1] scaling is checked at its ends
    arrays["train-images-idx3-ubyte"][0, 0, 0] = 0
    arrays["train-images-idx3-ubyte"][0, 0, 1] = 255
    for name, array in arrays.items():
        write_idx(folder / f"{name}.gz", array)
    return arrays


def toc_files(root=None) -> list[str]:
    """Every ``file:`` entry of _toc.yml (root first), in order, as paths without suffix."""
    from pathlib import Path

    import yaml

    root = Path(root) if root else Path(__file__).resolve().parents[1]
    toc = yaml.safe_load((root / "_toc.yml").read_text())
    found = [toc["root"]]

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                found.append(node["file"])
            for key, value in node.items():
                if key != "file":
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk({k: v for k, v in toc.items() if k != "root"})
    return found


def fake_history(n, d_real, d_fake, grad_g=None, seed=0):
    """A logged history of ``n`` steps with D(x) ~ d_real and D(G(z)) ~ d_fake (plus a little noise)."""
    rng = np.random.default_rng(seed)
    d_real = np.clip(np.broadcast_to(d_real, n) + 0.02 * rng.standard_normal(n), 1e-4, 1 - 1e-4)
    d_fake = np.clip(np.broadcast_to(d_fake, n) + 0.02 * rng.standard_normal(n), 1e-4, 1 - 1e-4)
    h = {"step": list(range(1, n + 1)), "d_real": d_real.tolist(), "d_fake": d_fake.tolist(),
         "loss_d_real": (-np.log(d_real)).tolist(), "loss_d_fake": (-np.log(1 - d_fake)).tolist(),
         "loss_g": (-np.log(d_fake)).tolist()}
    h["grad_norm_G"] = list(np.broadcast_to(1.0 if grad_g is None else grad_g, n).astype(float))
    return h


def assert_killed_run_resumes_bitwise(tmp_path: Path, model: str, steps: int, kill_after: int) -> None:
    """`train MODEL` (smoke, CPU) SIGKILLed right after its ``kill_after``-th optimiser step, then ``--resume``:
    the final checkpoint equals an uninterrupted run's (step, weights, optimisers, data order, RNG, history)."""
    import os
    import signal
    import subprocess
    import sys

    from test_interruptions import KILLER

    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    args = lambda out, *extra: ["train", model, "--profile", "smoke", "--steps", str(steps), "--out", str(out),  # noqa: E731
                                "--device", "cpu", *extra]
    python = [sys.executable, "-m", "gan_course"]
    subprocess.run(python + args(tmp_path / "straight"), check=True, env=env, capture_output=True, timeout=600)
    out = tmp_path / "killed"
    killed = subprocess.run([sys.executable, "-c", KILLER, "optimizer step", str(kill_after), *args(out)],
                            env=env, capture_output=True, text=True, timeout=600)
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    subprocess.run(python + args(out, "--resume"), check=True, env=env, capture_output=True, timeout=600)
    final = lambda d: {k: v for k, v in torch.load(d / "checkpoint.pt", weights_only=True).items()  # noqa: E731
                       if k in ("step", "modules", "optimizers", "batches", "rng", "history")}
    assert_same_state(final(tmp_path / "straight"), final(out))


def scratch(request, name: str) -> Path:
    """A fresh folder for a module- or session-scoped fixture, removed when that fixture is torn down.

    pytest keeps ``tmp_path_factory`` folders until the session ends, and the real checkpoints the
    fixtures train (24 MB each for the vanilla GAN) add up to gigabytes over a run: more than a CI
    disk may have free. ``tmp_path`` folders go when their test passes (``tmp_path_retention_policy``).
    """
    path = request.getfixturevalue("tmp_path_factory").mktemp(name)
    request.addfinalizer(lambda: shutil.rmtree(path, ignore_errors=True))
    return path


def smoke_run(request, model: str, *extra: str) -> Path:
    """A module fixture's run: ``python -m gan_course train MODEL --profile smoke`` into a :func:`scratch` folder."""
    from gan_course.cli import main

    out = scratch(request, "run") / model
    assert main(["train", model, "--profile", "smoke", "--out", str(out), *extra]) == 0
    return out


def straight_and_resumed(build, recipe, tmp_path: Path, stop_at: int):
    """Two trainers of ``build(recipe, "cpu", ...)``: one trained straight through, one stopped after ``stop_at``
    steps (a build with that many steps) and resumed by a fresh build of the whole recipe, as a user would."""
    import dataclasses

    straight = build(recipe, torch.device("cpu"), tmp_path / "straight")
    straight.fit()
    build(dataclasses.replace(recipe, steps=stop_at), torch.device("cpu"), tmp_path / "split").fit()
    resumed = build(recipe, torch.device("cpu"), tmp_path / "split")
    resumed.fit()
    return straight, resumed


def assert_resumed_alike(straight, resumed, keys=("step", "modules", "optimizers", "rng")) -> None:
    """The two trainers' states agree bit for bit on ``keys``."""
    assert_same_state({k: straight.state_dict()[k] for k in keys}, {k: resumed.state_dict()[k] for k in keys})


class Stopped(Exception):
    """Raised from the data mid-run: the process is gone, its last checkpoint stays."""


def stop_after(trainer, steps: int) -> None:
    """Train ``trainer`` from scratch and stop it after ``steps`` steps, as a killed process would: unlike a build
    with fewer steps, the run keeps the whole recipe's schedule (learning-rate decay)."""
    import pytest

    batches = trainer.batches

    class Stopping(type(batches)):
        def __next__(self):
            if trainer.step == steps:
                raise Stopped()
            return super().__next__()

    batches.__class__ = Stopping
    with pytest.raises(Stopped):
        trainer.fit(resume=False)
