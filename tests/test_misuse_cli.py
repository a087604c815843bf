"""Issue 13: the command line under misuse, as an adversarial new user meets it.

Every bad input or situation in ``CASES`` must end with exit status 2, exactly one
line on stderr that names the fix, no traceback, and every file that existed before
byte-identical afterwards (the sandbox, the shared checkpoint, the shipped
pretrained generators). ``OK_CASES`` are situations that must *work* (exit 0) and
keep what the user has: symbolic links written through, a live run's temp file
kept, a run folder accepted as --checkpoint, a resume with a lower learning rate.

All cases run through ``python -m gan_course``'s own entry point, in one Python
process per batch (tests/cli_batch.py), because starting Python and torch costs
seconds per process. The read-only and full file systems are real tmpfs mounts
when we are root and may mount (``mount -t tmpfs``); elsewhere they are simulated
inside the batch process (writes under the folder fail with EROFS / ENOSPC).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from gan_course.cli import made_by, main
from helpers import scratch

ROOT = Path(__file__).resolve().parents[1]
BATCH = Path(__file__).resolve().parent / "cli_batch.py"
ASSETS = ROOT / "gan_course" / "assets"


# ------------------------------------------------------------------ file-system helpers
def snapshot(*folders: Path) -> dict[str, str]:
    """path -> content hash (regular files), link target (links) or kind (devices, FIFOs, folders)."""
    seen = {}
    for folder in folders:
        for dirpath, dirnames, filenames in os.walk(folder):
            for name in dirnames + filenames:
                path = Path(dirpath) / name
                st = os.lstat(path)
                if stat.S_ISLNK(st.st_mode):
                    seen[str(path)] = "link->" + os.readlink(path)
                elif stat.S_ISREG(st.st_mode):
                    seen[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
                elif not stat.S_ISDIR(st.st_mode):
                    seen[str(path)] = f"special {stat.S_IFMT(st.st_mode)}"
    return seen


def try_tmpfs(path: Path, size: str) -> bool:
    path.mkdir(parents=True, exist_ok=True)
    if os.environ.get("GAN_COURSE_TEST_SIMULATE_FS") or os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                            capture_output=True)
    return result.returncode == 0


def umount(path: Path) -> None:
    subprocess.run(["umount", "-l", str(path)], capture_output=True)


def run_batch(cases: list[dict], folder: Path, timeout: int = 600) -> dict[str, dict]:
    (folder / "cases.json").write_text(json.dumps(cases))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
           "OMP_NUM_THREADS": "1", "GAN_COURSE_PROFILE": "smoke"}
    env.pop("GAN_COURSE_DEVICE", None)
    proc = subprocess.run([sys.executable, str(BATCH), str(folder / "cases.json"), str(folder / "results.json")],
                          env=env, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, f"the batch process died (status {proc.returncode}): {proc.stderr[-3000:]}"
    return {r["name"]: r for r in json.loads((folder / "results.json").read_text())}


# ------------------------------------------------------------------ the shared world
@pytest.fixture(scope="module")
def world(request):
    """A trained smoke checkpoint, broken copies of it, special files and file systems; cleaned up after."""
    base = scratch(request, "misuse")
    shared = base / "shared"
    run = shared / "run"
    assert main(["train", "vanilla", "--profile", "smoke", "--steps", "4", "--out", str(run), "--device", "cpu"]) == 0
    ckpt = run / "checkpoint.pt"
    state = torch.load(ckpt, weights_only=True)
    for tensor in state["modules"]["G"].values():
        if tensor.is_floating_point():
            tensor.fill_(float("nan"))
    torch.save(state, shared / "nan.pt")
    sample = shared / "earlier_samples.pt"
    torch.save({"images": torch.zeros(2, 1, 28, 28), "made_by": made_by("sample")}, sample)  # an earlier output

    ro, full = base / "ro", base / "full"
    real_ro, real_full = try_tmpfs(ro, "40m"), try_tmpfs(full, "40m")
    try:
        yield from _build_world(base, shared, run, ckpt, sample, ro, full, real_ro, real_full)
    finally:
        for mount in (ro, full):
            umount(mount)


def _build_world(base, shared, run, ckpt, sample, ro, full, real_ro, real_full):
    # read-only: a run folder with a checkpoint and an earlier output, then remounted read-only
    (ro / "run").mkdir()
    shutil.copy(ckpt, ro / "run" / "checkpoint.pt")
    shutil.copy(sample, ro / "earlier.pt")
    if real_ro:
        real_ro = subprocess.run(["mount", "-o", "remount,ro", str(ro)], capture_output=True).returncode == 0
    # full: an earlier output and a checkpoint to resume, then filled up to a few kB
    (full / "run").mkdir()
    shutil.copy(ckpt, full / "run" / "checkpoint.pt")
    shutil.copy(sample, full / "earlier.pt")
    if real_full:
        fd = os.open(full / "filler", os.O_WRONLY | os.O_CREAT)
        try:
            while True:
                os.write(fd, b"\0" * 4096)
        except OSError:
            pass
        finally:
            os.close(fd)
        os.truncate(full / "filler", max(0, (full / "filler").stat().st_size - 8192))  # room for a lock file

    # a live process holding the run lock of a folder, with its temp file there
    locked = base / "locked"
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import os, sys, time\n"
         "from gan_course.io import run_lock\n"
         "cm = run_lock(sys.argv[1]); cm.__enter__()\n"
         "open(os.path.join(sys.argv[1], f'.checkpoint.pt.{os.getpid()}.tmp'), 'wb').write(b'half a checkpoint')\n"
         "print('ready', flush=True); time.sleep(600)\n", str(locked)],
        stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert holder.stdout.readline().strip() == "ready"
    shutil.copy(ckpt, locked / "checkpoint.pt")

    world = {"base": base, "shared": shared, "run": run, "ckpt": ckpt, "nan": shared / "nan.pt",
             "sample": sample, "ro": ro, "full": full, "locked": locked, "holder": holder,
             "simulate_ro": not real_ro, "simulate_full": not real_full}
    try:
        yield world
    finally:
        holder.kill()
        holder.wait()


def _fashion_files(folder: Path, damage: str) -> Path:
    """A GAN_COURSE_DATA folder with the four files, one of them damaged."""
    from helpers import write_fake_fashion_mnist

    write_fake_fashion_mnist(folder)
    target = folder / "train-images-idx3-ubyte.gz"
    data = target.read_bytes()
    if damage == "truncated-gz":
        target.write_bytes(data[: len(data) // 2])
    elif damage == "garbage-gz":
        target.write_bytes(b"\x1f\x8b" + b"this is not deflate data" * 20)
    elif damage == "short-plain":  # an unpacked file whose header promises more images than it holds
        import gzip

        target.unlink()
        (folder / "train-images-idx3-ubyte").write_bytes(gzip.decompress(data)[:-100])
    elif damage == "not-idx":
        import gzip

        target.write_bytes(gzip.compress(b"<html>404 not found</html>"))
    return folder


# (name, argv, env, needles that must be in the one line, set-up) -- {X} in argv/env is filled from the world
CASES = [
    # 1. output paths
    ("out is a folder", ["sample", "vanilla", "--n", "2", "--out", "{sandbox}"], {}, ["is a folder", "--out"]),
    ("out under a regular file", ["sample", "vanilla", "--n", "2", "--out", "{sandbox}/afile/x.pt"], {},
     ["under", "file"]),
    ("out is /dev/null", ["sample", "vanilla", "--n", "2", "--out", "/dev/null"], {}, ["device", "regular file"]),
    ("out is a FIFO", ["sample", "vanilla", "--n", "2", "--out", "{sandbox}/fifo"], {}, ["FIFO"]),
    ("out is a link to a device", ["sample", "vanilla", "--n", "2", "--out", "{sandbox}/devlink"], {}, ["device"]),
    ("out is an unrelated file", ["sample", "vanilla", "--n", "2", "--out", "{sandbox}/notes.txt"], {},
     ["not an earlier output", "another --out"]),
    ("out on a read-only file system", ["sample", "vanilla", "--n", "2", "--out", "{ro}/new.pt"], {},
     ["read-only"]),
    ("replace on a read-only file system", ["sample", "vanilla", "--n", "2", "--out", "{ro}/earlier.pt"], {},
     ["read-only"]),
    ("out on a full disk", ["sample", "vanilla", "--n", "64", "--out", "{full}/earlier.pt"], {},
     ["no space", "previous file is kept"]),
    ("translate out is a folder", ["translate", "pix2pix", "--n", "2", "--out", "{sandbox}"], {}, ["folder"]),
    ("train out is a regular file", ["train", "vanilla", "--steps", "1", "--out", "{sandbox}/afile"], {},
     ["is a file", "folder"]),
    ("train out under a regular file", ["train", "vanilla", "--steps", "1", "--out", "{sandbox}/afile/run"], {},
     ["file"]),
    ("train out on a read-only file system", ["train", "vanilla", "--steps", "1", "--out", "{ro}/newrun"], {},
     ["read-only"]),
    ("train resume on a read-only file system",
     ["train", "vanilla", "--steps", "8", "--out", "{ro}/run", "--resume"], {}, ["read-only"]),
    ("train checkpoint name is a folder",
     ["train", "vanilla", "--steps", "1", "--out", "{sandbox}/ckdir", "--resume"], {}, ["checkpoint", "folder"]),
    ("full disk at a checkpoint", ["train", "vanilla", "--steps", "6", "--out", "{full}/run", "--resume"], {},
     ["no space", "previous file is kept"]),
    # 2. concurrency
    ("second run into a live run's folder", ["train", "vanilla", "--steps", "8", "--out", "{locked}", "--resume"], {},
     ["another process", "--out"]),
    ("second fresh run into a live run's folder", ["train", "vanilla", "--steps", "8", "--out", "{locked}"], {},
     ["another process"]),
    # 3. numbers that are not finite
    ("sample from NaN weights", ["sample", "vanilla", "--n", "2", "--out", "{sandbox}/s.pt", "--checkpoint", "{nan}"],
     {}, ["NaN", "lower learning rate"]),
    ("evaluate NaN weights", ["evaluate", "vanilla", "--n", "200", "--checkpoint", "{nan}"], {}, ["NaN"]),
    ("export NaN weights", ["export-pretrained", "vanilla", "--checkpoint", "{nan}", "--force"], {}, ["NaN"]),
    ("resume from NaN weights", ["train", "vanilla", "--steps", "8", "--out", "{sandbox}/nanrun", "--resume"], {},
     ["NaN", "delete it"]),
    ("learning rate scale nan", ["train", "vanilla", "--lr-scale", "nan"], {}, ["finite"]),
    ("learning rate scale inf", ["train", "vanilla", "--lr-scale", "inf"], {}, ["finite"]),
    # 4. devices and sizes
    ("unknown device", ["sample", "vanilla", "--n", "2", "--out", "{sandbox}/s.pt", "--device", "tpu"], {},
     ["tpu", "cpu"]),
    ("GPU that is not there", ["train", "vanilla", "--device", "cuda:99"], {}, ["not available", "cpu"]),
    ("mps on Linux", ["evaluate", "vanilla", "--device", "mps:3"], {}, ["cpu"]),
    ("device variable unknown", ["evaluate", "vanilla", "--n", "200"], {"GAN_COURSE_DEVICE": "gpu0"},
     ["GAN_COURSE_DEVICE", "cpu"]),
    ("device variable not here", ["train", "vanilla", "--steps", "1"], {"GAN_COURSE_DEVICE": "cuda:99"},
     ["GAN_COURSE_DEVICE", "cpu"]),
    ("a billion samples", ["sample", "vanilla", "--n", "1000000000", "--out", "{sandbox}/s.pt"], {}, ["at most"]),
    ("negative seed", ["sample", "vanilla", "--n", "2", "--out", "{sandbox}/s.pt", "--seed", "-1"], {},
     ["between 0 and"]),
    ("huge seed", ["train", "vanilla", "--seed", "99999999999999999999999"], {}, ["between 0 and"]),
    ("huge step count", ["train", "vanilla", "--steps", "10000000000"], {}, ["at most"]),
    ("evaluate on 4 images", ["evaluate", "vanilla", "--n", "4"], {}, ["at least 200"]),
    ("evaluate on more images than the test set", ["evaluate", "vanilla", "--n", "20000"], {}, ["at most"]),
    ("translate zero items", ["translate", "pix2pix", "--n", "0", "--out", "x.pt"], {}, ["positive"]),
    ("label out of range", ["sample", "cgan", "--n", "2", "--out", "{sandbox}/s.pt", "--label", "12"], {}, ["0-9"]),
    ("bench batch of zero", ["bench", "--batch-size", "0"], {}, ["positive"]),
    ("bench bar not finite", ["bench", "--bar", "nan"], {}, ["finite"]),
    ("classifier seed too large", ["train-classifier", "--seed", "1" + "0" * 30], {}, ["between 0 and"]),
    # 5. data
    ("truncated gz", ["train", "vanilla", "--steps", "1", "--out", "{sandbox}/r"],
     {"GAN_COURSE_DATA": "{data:truncated-gz}", "XDG_CACHE_HOME": "{sandbox}/cache"},
     ["train-images-idx3-ubyte.gz", "truncated or corrupt"]),
    ("garbage gz", ["train", "vanilla", "--steps", "1", "--out", "{sandbox}/r"],
     {"GAN_COURSE_DATA": "{data:garbage-gz}", "XDG_CACHE_HOME": "{sandbox}/cache"},
     ["train-images-idx3-ubyte.gz", "replace it"]),
    ("short unpacked file", ["train", "vanilla", "--steps", "1", "--out", "{sandbox}/r"],
     {"GAN_COURSE_DATA": "{data:short-plain}", "XDG_CACHE_HOME": "{sandbox}/cache"},
     ["train-images-idx3-ubyte", "truncated"]),
    ("not an idx file", ["train", "vanilla", "--steps", "1", "--out", "{sandbox}/r"],
     {"GAN_COURSE_DATA": "{data:not-idx}", "XDG_CACHE_HOME": "{sandbox}/cache"},
     ["not a FashionMNIST", "replace it"]),
    # 6. checkpoints on Colab
    ("default folder honours GAN_COURSE_RUNS", ["train", "vanilla", "--steps", "1"],
     {"GAN_COURSE_RUNS": "{sandbox}/drive"}, ["drive/smoke/vanilla", "--resume"]),
    ("checkpoint folder without a checkpoint",
     ["sample", "vanilla", "--n", "2", "--out", "{sandbox}/s.pt", "--checkpoint", "{sandbox}"], {},
     ["folder without a checkpoint.pt", "run folder"]),
    ("checkpoint is /dev/null", ["evaluate", "vanilla", "--checkpoint", "/dev/null"], {}, ["no checkpoint at"]),
    # 7. resume
    ("resume with another seed", ["train", "vanilla", "--steps", "8", "--out", "{sandbox}/copy", "--resume",
                                  "--seed", "3"], {}, ["seed", "another output folder"]),
    ("resume with the full profile", ["train", "vanilla", "--profile", "full", "--steps", "8",
                                      "--out", "{sandbox}/copy", "--resume"], {}, ["batch_size"]),
    # 8. files the package ships
    ("export a smoke checkpoint", ["export-pretrained", "vanilla", "--checkpoint", "{run}"], {},
     ["smoke profile", "would replace", "vanilla.pt", "--force"]),
    ("export a checkpoint of another model", ["export-pretrained", "dcgan", "--checkpoint", "{run}", "--force"], {},
     ["checkpoint of this model"]),
    # 8b. nothing the course ships is overwritten or joined by a stray file (issue 30 §2)
    ("translate over a shipped ablation result",
     ["translate", "pix2pix", "--n", "2", "--out", str(ASSETS / "ablations" / "pix2pix_ablations.pt")], {},
     ["inside the course package", "choose a folder outside it"]),
    ("sample into the package", ["sample", "vanilla", "--n", "2", "--out", str(ASSETS.parent / "mine.pt")], {},
     ["inside the course package"]),
    ("sample through a link into the shipped assets", ["sample", "vanilla", "--n", "2", "--out", "{sandbox}/pkg.pt"],
     {}, ["inside the course package", "pix2pix_ablations.pt"]),
    ("sample over a look-alike file", ["sample", "vanilla", "--n", "2", "--out", "{sandbox}/lookalike.pt"], {},
     ["not an earlier output of `sample`"]),
    ("train into the shipped generators", ["train", "vanilla", "--steps", "1", "--out", str(ASSETS / "pretrained")],
     {}, ["inside the course package", "`train` must not write"]),
    ("train with GAN_COURSE_RUNS inside the package", ["train", "vanilla", "--steps", "1"],
     {"GAN_COURSE_RUNS": str(ASSETS)}, ["GAN_COURSE_RUNS", "inside the course package"]),
    ("smoke experiment into the shipped results",
     ["experiment", "cyclegan-variants", "--profile", "smoke", "--variants", "shoes", "--out", str(ASSETS / "ablations")],
     {}, ["only the full profile makes", "--out"]),
    ("full experiment over the shipped results", ["experiment", "pix2pix-ablations", "--profile", "full"], {},
     ["pix2pix_ablations.json", "shipped with the course", "--force"]),
    ("full variants over the shipped results", ["experiment", "cyclegan-variants", "--profile", "full",
                                                "--variants", "shoes"], {}, ["cyclegan_shoes.pt", "--force"]),
    ("experiment checkpoints inside the package", ["experiment", "cyclegan-variants", "--profile", "smoke",
                                                   "--runs", str(ASSETS / "runs")], {}, ["--runs", "inside the course package"]),
    ("experiment cache inside the package", ["experiment", "pix2pix-ablations", "--profile", "smoke", "--out",
                                             "{sandbox}/abl", "--cache", str(ASSETS / "cache")], {}, ["--cache"]),
    ("smoke classifier over the shipped one", ["train-classifier", "--profile", "smoke", "--out-dir", str(ASSETS)],
     {}, ["only the full profile makes"]),
    ("full classifier over the shipped one", ["train-classifier", "--profile", "full", "--device", "cpu"], {},
     ["classifier.pt", "--force"]),
    ("classifier into the generators' folder", ["train-classifier", "--profile", "full", "--force",
                                                "--out-dir", str(ASSETS / "pretrained")], {}, ["must not write"]),
    # 9. the command line itself
    ("unknown model", ["evaluate", "biggan"], {}, ["unknown model", "vanilla"]),
    ("unknown subcommand", ["fly", "vanilla"], {}, ["invalid choice"]),
    ("missing --out", ["sample", "vanilla", "--n", "2"], {}, ["--out"]),
    ("empty --out", ["sample", "vanilla", "--n", "2", "--out", ""], {}, ["empty"]),
    ("name too long", ["sample", "vanilla", "--n", "2", "--out", "{sandbox}/" + "x" * 300 + ".pt"], {},
     ["too long"]),
    ("translate with a non-translation model", ["translate", "dcgan", "--n", "2", "--out", "{sandbox}/t.pt"], {},
     ["translate pix2pix"]),
]

OK_CASES = [
    ("write through a symbolic link", ["sample", "vanilla", "--n", "2", "--out", "{sandbox}/link.pt"], {}),
    ("run folder as --checkpoint", ["sample", "vanilla", "--n", "3", "--out", "{sandbox}/s.pt",
                                    "--checkpoint", "{run}"], {}),
    ("resume with a lower learning rate", ["train", "vanilla", "--steps", "6", "--out", "{sandbox}/copy",
                                           "--resume", "--lr-scale", "0.5"], {}),
    ("resume beside a live writer's temp file", ["train", "vanilla", "--steps", "5", "--out", "{sandbox}/temps",
                                                 "--resume"], {}),
    ("smoke and full default folders differ", ["train", "vanilla", "--steps", "1"], {}),
    ("a smoke experiment writes to its own folder", ["experiment", "cyclegan-variants", "--profile", "smoke",
                                                     "--variants", "shoes", "--device", "cpu"], {}),
]


def _setup(name: str, sandbox: Path, world) -> None:
    """The files a case starts from, inside its own sandbox."""
    (sandbox / "afile").write_text("a regular file\n")
    (sandbox / "notes.txt").write_text("my notes: do not lose\n")
    if name == "out is a FIFO":
        os.mkfifo(sandbox / "fifo")
    if name == "out is a link to a device":
        os.symlink("/dev/null", sandbox / "devlink")
    if name == "train checkpoint name is a folder":
        (sandbox / "ckdir" / "checkpoint.pt").mkdir(parents=True)
    if name == "resume from NaN weights":
        (sandbox / "nanrun").mkdir()
        state = torch.load(world["ckpt"], weights_only=True)
        for tensor in state["modules"]["D"].values():
            if tensor.is_floating_point():
                tensor.fill_(float("inf"))
        torch.save(state, sandbox / "nanrun" / "checkpoint.pt")
    if name in ("resume with another seed", "resume with the full profile", "resume with a lower learning rate"):
        (sandbox / "copy").mkdir()
        shutil.copy(world["ckpt"], sandbox / "copy" / "checkpoint.pt")
    if name == "default folder honours GAN_COURSE_RUNS":
        (sandbox / "drive" / "smoke" / "vanilla").mkdir(parents=True)
        shutil.copy(world["ckpt"], sandbox / "drive" / "smoke" / "vanilla" / "checkpoint.pt")
    if name == "sample through a link into the shipped assets":
        os.symlink(ASSETS / "ablations" / "pix2pix_ablations.pt", sandbox / "pkg.pt")
    if name == "sample over a look-alike file":  # the same keys as a sample, but not made by `sample`
        torch.save({"images": torch.ones(3, 1, 28, 28)}, sandbox / "lookalike.pt")
    if name == "write through a symbolic link":
        shutil.copy(world["sample"], sandbox / "target.pt")
        os.symlink("target.pt", sandbox / "link.pt")
    if name == "resume beside a live writer's temp file":
        (sandbox / "temps").mkdir()
        shutil.copy(world["ckpt"], sandbox / "temps" / "checkpoint.pt")
        (sandbox / "temps" / f".checkpoint.pt.{world['holder'].pid}.tmp").write_bytes(b"live")
        dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                              text=True).stdout.strip()
        (sandbox / "temps" / f".checkpoint.pt.{dead}.tmp").write_bytes(b"dead")
    if name == "smoke and full default folders differ":
        (sandbox / "runs" / "full" / "vanilla").mkdir(parents=True)
        shutil.copy(world["ckpt"], sandbox / "runs" / "full" / "vanilla" / "checkpoint.pt")  # a full run's place


def _fill(text: str, sandbox: Path, world) -> str:
    if text.startswith("{data:"):
        damage = text[len("{data:"):-1]
        return str(_fashion_files(sandbox / "data", damage))
    return text.format(sandbox=sandbox, ro=world["ro"], full=world["full"], locked=world["locked"],
                       nan=world["nan"], run=world["run"])


def _batch_case(name, argv, env, world, folder) -> dict:
    sandbox = folder / re.sub(r"[^A-Za-z0-9]+", "_", name)
    sandbox.mkdir()
    _setup(name, sandbox, world)
    case = {"name": name, "cwd": str(sandbox), "argv": [_fill(a, sandbox, world) for a in argv],
            "env": {"GAN_COURSE_RUNS": str(sandbox / "runs"), **{k: _fill(v, sandbox, world) for k, v in env.items()}},
            "unset": ["GAN_COURSE_DEVICE", "GAN_COURSE_DATA"]}
    case["unset"] = [k for k in case["unset"] if k not in case["env"]]
    uses = " ".join(case["argv"])
    if world["simulate_ro"] and str(world["ro"]) in uses:
        case["simulate"] = {"readonly": str(world["ro"])}
    if world["simulate_full"] and str(world["full"]) in uses:
        case["simulate"] = {"full": str(world["full"])}
    return case


@pytest.fixture(scope="module")
def outcomes(world):
    folder = world["base"] / "cases"
    folder.mkdir()
    cases = [_batch_case(name, argv, env, world, folder) for name, argv, env, _ in CASES]
    cases += [_batch_case(name, argv, env, world, folder) for name, argv, env in OK_CASES]
    watched = [folder, world["shared"], world["ro"], world["full"], world["locked"], ASSETS]
    before = snapshot(*watched)
    dev_null = os.stat("/dev/null").st_mode
    results = run_batch(cases, world["base"])
    after = snapshot(*watched)
    if os.environ.get("GAN_COURSE_TEST_DUMP"):  # to read every message: GAN_COURSE_TEST_DUMP=file.json
        Path(os.environ["GAN_COURSE_TEST_DUMP"]).write_text(json.dumps(results, indent=1))
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode) and os.stat("/dev/null").st_mode == dev_null
    return {"results": results, "before": before, "after": after, "folder": folder,
            "sandbox": {c["name"]: Path(c["cwd"]) for c in cases}}


def test_the_table_covers_every_category_with_forty_cases():
    assert len(CASES) >= 40


@pytest.mark.parametrize("name, argv, env, needles", CASES, ids=[c[0] for c in CASES])
def test_misuse_is_one_line_status_2_and_loses_nothing(outcomes, name, argv, env, needles):
    result = outcomes["results"][name]
    err = result["stderr"]
    assert "Traceback" not in err, err
    assert result["code"] == 2, (result["code"], err, result["stdout"][-2000:])
    lines = err.strip("\n").split("\n")
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    for needle in needles:
        assert needle in err, (needle, err)
    sandbox = str(outcomes["sandbox"][name])
    shared_prefixes = [sandbox]
    changed = [p for p, h in outcomes["before"].items()
               if outcomes["after"].get(p) != h and (p.startswith(sandbox + os.sep) or not p.startswith(
                   str(outcomes["folder"])))]
    assert not changed, f"{name}: files changed or lost: {changed}"
    assert shared_prefixes  # (every case's own sandbox, plus the shared files, are compared)


def _ok(outcomes, name):
    result = outcomes["results"][name]
    assert result["code"] == 0 and "Traceback" not in result["stderr"], result["stderr"][-3000:]
    return result, outcomes["sandbox"][name]


def test_a_symbolic_link_is_written_through_and_stays_a_link(outcomes):
    _, sandbox = _ok(outcomes, "write through a symbolic link")
    assert (sandbox / "link.pt").is_symlink() and os.readlink(sandbox / "link.pt") == "target.pt"
    assert torch.load(sandbox / "target.pt", weights_only=True)["images"].shape == (2, 1, 28, 28)


def test_the_run_folder_that_train_prints_is_a_checkpoint(outcomes):
    _, sandbox = _ok(outcomes, "run folder as --checkpoint")
    assert torch.load(sandbox / "s.pt", weights_only=True)["images"].shape == (3, 1, 28, 28)


def test_resuming_with_a_lower_learning_rate_follows_the_nan_advice(outcomes):
    result, sandbox = _ok(outcomes, "resume with a lower learning rate")
    assert "resuming with lr = 0.0001" in result["stdout"]
    state = torch.load(sandbox / "copy" / "checkpoint.pt", weights_only=True)
    assert state["step"] == 6 and state["hparams"]["lr"] == pytest.approx(1e-4)
    assert all(g["lr"] == pytest.approx(1e-4) for o in state["optimizers"].values() for g in o["param_groups"])


def test_a_live_writers_temp_file_is_kept_a_dead_ones_removed(outcomes, world):
    _, sandbox = _ok(outcomes, "resume beside a live writer's temp file")
    left = sorted(p.name for p in (sandbox / "temps").iterdir())
    assert left == sorted([f".checkpoint.pt.{world['holder'].pid}.tmp", "best.pt", "checkpoint.pt"])
    assert (world["locked"] / f".checkpoint.pt.{world['holder'].pid}.tmp").read_bytes() == b"half a checkpoint"


def test_smoke_runs_never_land_in_the_full_runs_folder(outcomes):
    result, sandbox = _ok(outcomes, "smoke and full default folders differ")
    assert f"{sandbox}/runs/smoke/vanilla" in result["stdout"]
    assert torch.load(sandbox / "runs" / "smoke" / "vanilla" / "checkpoint.pt", weights_only=True)["step"] == 1
    assert "run folder:" in result["stdout"]


def test_data_errors_leave_no_temporary_files(outcomes):
    for name, *_ in CASES:
        cache = outcomes["sandbox"][name] / "cache"
        if cache.exists():
            assert not [p for p in cache.rglob("*.tmp")], name


def test_two_real_processes_one_refused_while_the_other_runs(world, tmp_path):
    """The lock through two genuine ``python -m gan_course`` processes (not the batch)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1", "GAN_COURSE_PROFILE": "smoke"}
    env.pop("GAN_COURSE_DEVICE", None)
    before = snapshot(world["locked"])
    proc = subprocess.run([sys.executable, "-m", "gan_course", "train", "vanilla", "--out", str(world["locked"]),
                           "--resume", "--steps", "9"], env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "another process" in proc.stderr, proc.stderr
    assert snapshot(world["locked"]) == before


def test_a_smoke_experiment_writes_under_the_runs_folder_not_the_shipped_one(outcomes):
    result, sandbox = _ok(outcomes, "a smoke experiment writes to its own folder")
    written = sandbox / "runs" / "smoke" / "ablations" / "cyclegan_shoes.pt"
    assert written.is_file() and str(written) in result["stdout"]
    assert torch.load(written, weights_only=True)["name"] == "shoes"
