"""Hands-on exercises: write a key piece of a GAN yourself and check it at once.

Every chapter has "Your turn" sections. Each asks for one small function, which
:func:`check` runs on fixed, seeded inputs next to the course's own version::

    from gan_course.exercises import EXERCISES, check

    def my_discriminator_loss(real_logits, fake_logits):
        ...

    check("ch2.discriminator_loss", my_discriminator_loss)

``check`` prints one line when the function agrees with the reference, or what
differed (a value, a shape, a gradient that reached the wrong network) and a
hint. When your output matches a common mistake that the course has recorded
(a missing ``detach()``, the saturating loss, ``sigmoid`` + ``BCELoss`` on
logits, ...) the hint names that mistake. It never raises for an error in your
code, and a function that still raises ``NotImplementedError`` is reported as
"not done yet". A check leaves every global random-number generator as it
found it, so it never changes the numbers of a chapter.

``EXERCISES`` maps each id (``"chN.name"``) to its :class:`Exercise`: the
chapter, a title, the ``reference`` (the package's own implementation, or for
a piece the package writes inside a model, the same few lines, tested to agree
with the model) and the recorded ``mistakes``.
"""

from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass, replace
from typing import Any, Callable

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .. import losses, theory
from ..errors import CourseError
from ..runtime import preserved_rng
from ..metrics.images import precision_recall
from ..models import patchgan, sizes

NOT_DONE = "not done yet — using the reference implementation"


@dataclass(frozen=True)
class Mistake:
    """A realistic wrong implementation, and the hint :func:`check` prints when a learner's output matches it."""

    fn: Callable  # the wrong implementation (same signature as the reference)
    hint: str  # names the mistake and the fix

    def __call__(self, *args, **kwargs):
        return self.fn(*args, **kwargs)

    @property
    def name(self) -> str:
        return self.fn.__name__


@dataclass(frozen=True)
class Exercise:
    chapter: int  # the chapter whose "Your turn" section asks for it
    title: str  # what the learner writes, in a few words
    reference: Callable  # the implementation the learner must match
    mistakes: list  # Mistake objects: common wrong implementations, each with its hint
    cases: Callable[[], list]  # fresh, seeded argument tuples (built anew for every run)
    observe: Callable | None = None  # observe(fn, args) -> what is compared; default fn(*args)
    hint: str = "compare your code with the statement, one term at a time"  # when no recorded mistake matches
    rtol: float = 1e-5  # relative tolerance of the comparison
    atol: float = 1e-6  # absolute tolerance of the comparison


# ===================================================================== comparing results
class _Raised:
    """Stands for an exception raised by a function under test."""

    def __init__(self, error: BaseException):
        self.error = error

    def __str__(self) -> str:
        return f"{type(self.error).__name__}: {self.error}"


def _normalise(value: Any) -> Any:
    """Tensors, arrays and numbers -> float64 tensors (detached); tuples -> lists; dicts kept."""
    if isinstance(value, dict):
        return {k: _normalise(v) for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        return [_normalise(v) for v in value]
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().to(torch.float64)
    if isinstance(value, np.ndarray) or isinstance(value, (float, int, np.floating, np.integer)):
        if isinstance(value, bool):
            return value
        return torch.as_tensor(np.asarray(value, dtype=np.float64))
    return value


def _fmt(t: torch.Tensor) -> str:
    if t.numel() == 1:
        return f"{t.item():.6g}"
    flat = t.flatten()
    shown = ", ".join(f"{v:.4g}" for v in flat[:4].tolist())
    return f"[{shown}{', ...' if flat.numel() > 4 else ''}]"


def _difference(got: Any, expected: Any, ex: Exercise, where: str = "the result") -> str | None:
    """None when ``got`` agrees with ``expected``; otherwise one phrase saying what differed."""
    if isinstance(expected, dict):
        if not isinstance(got, dict):
            return f"{where} should be a dict, got {type(got).__name__}"
        for key, value in expected.items():
            if key not in got:
                return f"{where} has no {key!r}"
            problem = _difference(got[key], value, ex, str(key))
            if problem:
                return problem
        return None
    if isinstance(expected, list):
        if not isinstance(got, list):
            return f"{where} should be a tuple of {len(expected)} values, got a {type(got).__name__}"
        if len(got) != len(expected):
            return f"{where} has {len(got)} values instead of {len(expected)}"
        for i, (g, e) in enumerate(zip(got, expected)):
            problem = _difference(g, e, ex, f"{where}[{i}]" if where != "the result" else f"value {i + 1}")
            if problem:
                return problem
        return None
    if isinstance(expected, torch.Tensor):
        if not isinstance(got, torch.Tensor):
            return f"{where} should be a number or tensor, got {type(got).__name__}"
        if got.shape != expected.shape:
            return f"{where} has shape {tuple(got.shape)} instead of {tuple(expected.shape)}"
        close = torch.isclose(got, expected, rtol=ex.rtol, atol=ex.atol, equal_nan=True)
        if bool(close.all()):
            return None
        if expected.numel() == 1:
            return f"{where} is {_fmt(got)}, expected {_fmt(expected)}"
        bad = int((~close).sum())
        return f"{where} differs at {bad} of {expected.numel()} entries: got {_fmt(got)}, expected {_fmt(expected)}"
    return None if got == expected else f"{where} is {got!r}, expected {expected!r}"


def _run(ex: Exercise, fn: Callable, args: tuple) -> Any:
    """What ``fn`` gives on one case (normalised), or a :class:`_Raised`."""
    try:
        out = ex.observe(fn, args) if ex.observe is not None else fn(*args)
        return _normalise(out)
    except NotImplementedError:
        raise
    except Exception as error:  # the learner's code: reported, never raised
        return _Raised(error)


@contextlib.contextmanager
def _keep_random_state():
    """Seeds every global generator for a check and restores them afterwards (and grad mode)."""
    grad = torch.is_grad_enabled()
    try:
        with preserved_rng(0):
            yield
    finally:
        torch.set_grad_enabled(grad)


def _outputs(ex: Exercise, fn: Callable) -> list:
    with _keep_random_state():
        return [_run(ex, fn, args) for args in ex.cases()]


def _same(a: list, b: list, ex: Exercise) -> bool:
    for x, y in zip(a, b):
        if isinstance(x, _Raised) or isinstance(y, _Raised):
            if not (isinstance(x, _Raised) and isinstance(y, _Raised) and type(x.error) is type(y.error)):
                return False
        elif _difference(x, y, ex) is not None:
            return False
    return True


def diagnose(exercise_id: str, fn: Callable) -> tuple[str, str | None]:
    """``("pass" | "not done" | "fail", the matching mistake's name or None)``: :func:`check` without printing."""
    status, _, mistake = _verdict(exercise_id, fn)
    return status, mistake


def _verdict(exercise_id: str, fn: Callable) -> tuple[str, list[str], str | None]:
    ex = get(exercise_id)
    if not callable(fn):
        return "fail", [f"✗ {exercise_id}: pass your function itself (got a {type(fn).__name__})."], None
    try:
        got = _outputs(ex, fn)
    except NotImplementedError:
        return "not done", [f"… {exercise_id}: {NOT_DONE}."], None
    expected = _outputs(ex, ex.reference)
    n = len(expected)
    for i, (g, e) in enumerate(zip(got, expected)):
        if isinstance(e, _Raised):  # a broken reference is the course's bug, not the learner's
            raise CourseError(f"the reference of {exercise_id} raised {e}")
        where = f" (test case {i + 1} of {n})" if n > 1 else ""
        if isinstance(g, _Raised):
            problem = f"Your function raised {g}{where}"
        else:
            problem = _difference(g, e, ex)
            if problem is None:
                continue
            problem = problem[0].upper() + problem[1:] + where
        for mistake in ex.mistakes:
            if _same(got, _outputs(ex, mistake), ex):
                return "fail", [f"✗ {exercise_id}: {problem}.", f"  Hint: {mistake.hint}"], mistake.name
        return "fail", [f"✗ {exercise_id}: {problem}.", f"  Hint: {ex.hint}"], None
    return "pass", [f"✓ {exercise_id}: correct, it matches the course's implementation on "
                    f"{n} test case{'s' if n > 1 else ''}."], None


def get(exercise_id: str) -> Exercise:
    if exercise_id not in EXERCISES:
        raise CourseError(f"no exercise {exercise_id!r}: use one of {', '.join(EXERCISES)}")
    return EXERCISES[exercise_id]


def check(exercise_id: str, fn: Callable) -> bool:
    """Run ``fn`` on the exercise's fixed inputs, compare with the reference, print the verdict.

    Returns True when every output agrees. Prints one line on success, or what
    differed and a hint naming the likely mistake; an exception in ``fn`` is
    reported, not raised, and ``raise NotImplementedError`` reads "not done yet".
    """
    status, lines, _ = _verdict(exercise_id, fn)
    print("\n".join(lines))
    return status == "pass"


# ===================================================================== helpers for the cases
def _gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def _randn(*shape, seed: int, scale: float = 1.0) -> torch.Tensor:
    return torch.randn(*shape, generator=_gen(seed)) * scale


def _grid_densities():
    """(p_data, p_g, x) for chapter 1: a two-bump data density and one Gaussian, on a small grid."""
    data = theory.Mixture1D(means=(-2.0, 2.0), stds=(0.7, 0.7))
    model = theory.gaussian(0.5, 1.2)
    x = theory.quadrature_grid(data, model, n=2001)
    return data.pdf(x), model.pdf(x), x


# ===================================================================== chapter 1
def _ch1_d_star_cases():
    p, q, _ = _grid_densities()
    sparse_p = np.array([0.0, 0.2, 0.0, 0.5, 1.0, 0.0])
    sparse_q = np.array([0.0, 0.0, 0.3, 0.5, 0.25, 0.0])  # both vanish at 0 and 5
    return [(p, q), (sparse_p, sparse_q)]


def _d_star_swapped(p_data, p_g):
    total = p_data + p_g
    return np.divide(p_g, total, out=np.full_like(total, 0.5), where=total > 0)


def _d_star_no_half(p_data, p_g):
    with np.errstate(divide="ignore", invalid="ignore"):
        return p_data / (p_data + p_g)


def _d_star_ratio(p_data, p_g):
    with np.errstate(divide="ignore", invalid="ignore"):
        return p_data / p_g


def _ch1_value_cases():
    p, q, x = _grid_densities()
    d_star = theory.optimal_discriminator(p, q)
    d_half = np.full_like(x, 0.5)
    d_sig = 1 / (1 + np.exp(-0.8 * x))  # a D that prefers positive x
    keep = (d_star > 1e-12) & (d_star < 1 - 1e-12)  # stay where log D and log(1 - D) are finite
    return [(p, q, d_half, x), (p, q, d_sig, x), (p[keep], q[keep], d_star[keep], x[keep])]


def _value_negated(p_data, p_g, d, x):
    return -theory.integrate(p_data * np.log(d) + p_g * np.log(1 - d), x)


def _value_log_d_on_fakes(p_data, p_g, d, x):
    return theory.integrate(p_data * np.log(d) - p_g * np.log(d), x)


def _value_no_dx(p_data, p_g, d, x):
    return float(np.sum(p_data * np.log(d) + p_g * np.log(1 - d)))


def _ch1_jsd_cases():
    out = []
    for (m1, s1), (m2, s2) in [((0.0, 1.0), (1.5, 1.0)), ((-1.0, 0.6), (2.0, 1.3))]:
        a, b = theory.gaussian(m1, s1), theory.gaussian(m2, s2)
        x = theory.quadrature_grid(a, b, n=2001)
        out.append((a.pdf(x), b.pdf(x), x))
    return out


def _kl(p, q, x):
    return theory.integrate(p * np.log(p / q), x)


def _jsd_kl(p, q, x):
    return _kl(p, q, x)


def _jsd_no_halves(p, q, x):
    m = (p + q) / 2
    return _kl(p, m, x) + _kl(q, m, x)


def _jsd_bits(p, q, x):
    m = (p + q) / 2
    return 0.5 * theory.integrate(p * np.log2(p / m), x) + 0.5 * theory.integrate(q * np.log2(q / m), x)


# ===================================================================== chapter 2
def _logit_cases():
    """Logits of an undecided D, of a D that is right, and of a confident D that is completely fooled."""
    return [
        (_randn(16, seed=1), _randn(16, seed=2)),
        (torch.tensor([3.0, 5.0, 2.5, 4.0]), torch.tensor([-3.0, -6.0, -2.0, -4.5])),
        (torch.tensor([-40.0, -120.0, 2.0, 0.5]), torch.tensor([40.0, 120.0, -1.0, 0.0])),
    ]


def _d_loss_sigmoid_bce(real_logits, fake_logits):
    bce = nn.BCELoss()
    return (bce(torch.sigmoid(real_logits), torch.ones_like(real_logits)),
            bce(torch.sigmoid(fake_logits), torch.zeros_like(fake_logits)))


def _d_loss_swapped_labels(real_logits, fake_logits):
    return (F.binary_cross_entropy_with_logits(real_logits, torch.zeros_like(real_logits)),
            F.binary_cross_entropy_with_logits(fake_logits, torch.ones_like(fake_logits)))


def _d_loss_value_sign(real_logits, fake_logits):
    return (-F.binary_cross_entropy_with_logits(real_logits, torch.ones_like(real_logits)),
            -F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits)))


def _g_loss_cases():
    return [(_randn(16, seed=3),), (torch.tensor([-6.0, -4.0, -5.0, -3.0]),),
            (torch.tensor([-120.0, -40.0, 1.0, 0.0]),)]


def _g_loss_saturating(fake_logits):
    return -F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))


def _g_loss_fake_label(fake_logits):
    return F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))


def _g_loss_sigmoid_bce(fake_logits):
    return nn.BCELoss()(torch.sigmoid(fake_logits), torch.ones_like(fake_logits))


def _d_step_nets(seed: int):
    torch.manual_seed(seed)
    G = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 6), nn.Tanh())  # z (B, 4) -> x (B, 6)
    D = nn.Sequential(nn.Linear(6, 16), nn.LeakyReLU(0.2), nn.Linear(16, 1), nn.Flatten(0))  # (B, 6) -> (B,)
    return G, D


def _d_step_cases():
    out = []
    for seed in (0, 1):
        G, D = _d_step_nets(seed)
        out.append((G, D, _randn(8, 6, seed=10 + seed).tanh(), _randn(8, 4, seed=20 + seed)))
    return out


def _d_step_observe(fn, args):
    G, D, real, z = args
    loss = fn(G, D, real, z)
    if not (isinstance(loss, torch.Tensor) and loss.numel() == 1):
        what = f"shape {tuple(loss.shape)}" if isinstance(loss, torch.Tensor) else type(loss).__name__
        raise TypeError(f"return D's loss as one scalar tensor (loss_real + loss_fake), not a {what}")
    for p in list(G.parameters()) + list(D.parameters()):
        p.grad = None
    loss.backward()
    g_norm = sum(float(p.grad.norm()) for p in G.parameters() if p.grad is not None)
    return {"D's loss": loss,
            "the gradient reaching G's weights (its norm)": g_norm,
            "D's gradients": [p.grad if p.grad is not None else torch.zeros_like(p) for p in D.parameters()]}


def d_step_loss(G, D, real, z):
    """D's loss for one step, with G's fakes detached (what :func:`gan_course.steps.d_step` minimises)."""
    loss_real, loss_fake = losses.discriminator_loss(D(real), D(G(z).detach()))
    return loss_real + loss_fake


def _d_step_no_detach(G, D, real, z):
    loss_real, loss_fake = losses.discriminator_loss(D(real), D(G(z)))
    return loss_real + loss_fake


def _d_step_swapped(G, D, real, z):
    real_logits, fake_logits = D(real), D(G(z).detach())
    return (F.binary_cross_entropy_with_logits(real_logits, torch.zeros_like(real_logits))
            + F.binary_cross_entropy_with_logits(fake_logits, torch.ones_like(fake_logits)))


def _d_step_real_only(G, D, real, z):
    return losses.discriminator_loss(D(real), D(G(z).detach()))[0]


# ===================================================================== chapter 3
def _cgan_embed(seed: int, num_classes: int = 10, dim: int = 3) -> nn.Embedding:
    torch.manual_seed(seed)
    return nn.Embedding(num_classes, dim)


def discriminator_input(x, y, embed):
    """[x ; e_D(y)]: the label's embedding spread into constant maps next to the pixels (ConditionalDiscriminator)."""
    B, _, H, W = x.shape
    maps = embed(y)[:, :, None, None].expand(B, embed.embedding_dim, H, W)  # (B, label_dim, H, W)
    return torch.cat([x, maps], dim=1)  # (B, C + label_dim, H, W)


def _d_input_cases():
    return [(_randn(4, 1, 6, 6, seed=30), torch.tensor([0, 3, 9, 3]), _cgan_embed(0)),
            (_randn(3, 2, 5, 5, seed=31), torch.tensor([7, 7, 1]), _cgan_embed(1, dim=4))]


def _d_input_label_number(x, y, embed):
    B, _, H, W = x.shape
    return torch.cat([x, y.float()[:, None, None, None].expand(B, 1, H, W)], dim=1)


def _d_input_maps_first(x, y, embed):
    B, _, H, W = x.shape
    return torch.cat([embed(y)[:, :, None, None].expand(B, embed.embedding_dim, H, W), x], dim=1)


def _d_input_added(x, y, embed):
    return x + embed(y).mean(dim=1)[:, None, None, None]


def projection_logit(features, y, judge, projection):
    """D(x, y) = w·φ(x) + b + v_y·φ(x): ConditionalDiscriminator's end, from its features φ(x) (B, n)."""
    return judge(features).squeeze(1) + (projection(y) * features).sum(dim=1)  # (B,)


def _projection_cases():
    out = []
    for seed in (0, 1):
        torch.manual_seed(40 + seed)
        judge, projection = nn.Linear(12, 1), nn.Embedding(10, 12)
        out.append((_randn(5, 12, seed=50 + seed), torch.tensor([1, 4, 4, 0, 9]), judge, projection))
    return out


def _projection_added(features, y, judge, projection):
    return judge(features).squeeze(1) + projection(y).sum(dim=1)


def _projection_no_squeeze(features, y, judge, projection):
    return judge(features) + (projection(y) * features).sum(dim=1)


def _projection_only(features, y, judge, projection):
    return (projection(y) * features).sum(dim=1)


# ===================================================================== chapter 4
_CONV_CASES = [(28, 4, 2, 1), (14, 4, 2, 1), (32, 3, 1, 1), (28, 5, 2, 1), (29, 5, 2, 2)]
_TCONV_CASES = [(7, 4, 2, 1), (14, 4, 2, 1), (1, 4, 1, 0), (4, 3, 2, 1), (5, 5, 1, 2)]


def _conv_no_plus_one(i, k, s=1, p=0):
    return (i + 2 * p - k) // s


def _conv_true_division(i, k, s=1, p=0):
    return (i + 2 * p - k) / s + 1


def _conv_one_side_padding(i, k, s=1, p=0):
    return (i + p - k) // s + 1


def _tconv_conv_formula(i, k, s=1, p=0):
    return (i + 2 * p - k) // s + 1


def _tconv_plus_padding(i, k, s=1, p=0):
    return (i - 1) * s + 2 * p + k


def _tconv_i_times_s(i, k, s=1, p=0):
    return i * s - 2 * p + k


# ===================================================================== chapter 5
def _cat_cases():
    return [(_randn(8, 10, seed=60, scale=2.0), torch.randint(0, 10, (8,), generator=_gen(61))),
            (torch.tensor([[8.0, -2.0, 0.0], [0.0, 0.0, 0.0], [-5.0, 5.0, 1.0]]), torch.tensor([0, 2, 0]))]


def _cat_nll_on_logits(cat_logits, category):
    return F.nll_loss(cat_logits, category)


def _cat_double_softmax(cat_logits, category):
    return F.cross_entropy(torch.softmax(cat_logits, dim=1), category)


def _cat_one_hot_mse(cat_logits, category):
    return F.mse_loss(torch.softmax(cat_logits, dim=1), F.one_hot(category, cat_logits.shape[1]).float())


def _gauss_cases():
    return [(_randn(6, 2, seed=70), _randn(6, 2, seed=71, scale=0.5), _randn(6, 2, seed=72)),
            (torch.zeros(3, 1), torch.tensor([[-1.0], [0.0], [1.0]]), torch.tensor([[0.5], [2.0], [-1.0]]))]


def _gauss_log_std_as_std(mean, log_std, value):
    z = (value - mean) / log_std
    return (0.5 * math.log(2 * math.pi) + torch.log(log_std.abs()) + 0.5 * z ** 2).sum(dim=1).mean()


def _gauss_no_log_std_term(mean, log_std, value):
    z = (value - mean) * torch.exp(-log_std)
    return (0.5 * math.log(2 * math.pi) + 0.5 * z ** 2).sum(dim=1).mean()


def _gauss_mean_over_codes(mean, log_std, value):
    z = (value - mean) * torch.exp(-log_std)
    return (0.5 * math.log(2 * math.pi) + log_std + 0.5 * z ** 2).mean()


def _gauss_mse(mean, log_std, value):
    return F.mse_loss(mean, value)


# ===================================================================== chapter 6
def skip_connection(h, skip):
    """A U-Net decoder level's input: [decoder activation ; encoder activation] on channels (UNetGenerator)."""
    return torch.cat([h, skip], dim=1)  # (B, c, s, s) + (B, c, s, s) -> (B, 2c, s, s)


def _skip_cases():
    return [(_randn(2, 4, 8, 8, seed=80), _randn(2, 4, 8, 8, seed=81)),
            (_randn(3, 8, 2, 2, seed=82), _randn(3, 8, 2, 2, seed=83))]


def _skip_added(h, skip):
    return h + skip


def _skip_reversed(h, skip):
    return torch.cat([skip, h], dim=1)


def _skip_batch_dim(h, skip):
    return torch.cat([h, skip], dim=0)


def _rf_cases():
    return [(n,) for n in (1, 2, 3, 4, 5)]


def _pixelgan_free_layers(n_layers):
    return [(4, 2)] * n_layers + [(4, 1), (4, 1)]


def _rf_forward_walk(n_layers):
    r = 1
    for k, s in _pixelgan_free_layers(n_layers):
        r = (r - 1) * s + k
    return r


def _rf_no_minus_one(n_layers):
    r = 1
    for k, s in reversed(_pixelgan_free_layers(n_layers)):
        r = r * s + k
    return r


def _rf_ignores_stride(n_layers):
    r = 1
    for k, _ in _pixelgan_free_layers(n_layers):
        r += k - 1
    return r


def _pix2pix_cases():
    out = []
    for seed in (0, 1):
        target = _randn(2, 1, 8, 8, seed=90 + seed).tanh()
        output = (target + _randn(2, 1, 8, 8, seed=92 + seed, scale=0.3)).clamp(-1, 1)
        out.append((_randn(2, 1, 3, 3, seed=94 + seed, scale=2.0), target, output))
    return out


def pix2pix_generator_loss(fake_logits, target, output):
    """The package's pix2pix G loss with its defaults (λ = 100): ``(total, adversarial, l1)``."""
    return losses.pix2pix_generator_loss(fake_logits, target, output)


def _p2p_lambda_on_adversarial(fake_logits, target, output):
    adv = F.binary_cross_entropy_with_logits(fake_logits, torch.ones_like(fake_logits))
    l1 = (output - target).abs().mean()
    return 100 * adv + l1, adv, l1


def _p2p_l2(fake_logits, target, output):
    adv = F.binary_cross_entropy_with_logits(fake_logits, torch.ones_like(fake_logits))
    l2 = ((output - target) ** 2).mean()
    return adv + 100 * l2, adv, l2


def _p2p_fake_label(fake_logits, target, output):
    adv = F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))
    l1 = (output - target).abs().mean()
    return adv + 100 * l1, adv, l1


# ===================================================================== chapter 7
def _score_cases():
    return [(_randn(2, 1, 4, 4, seed=100), _randn(2, 1, 4, 4, seed=101)),
            (torch.tensor([0.9, 1.2, 0.4]), torch.tensor([0.1, -0.3, 0.8]))]


def _lsgan_no_half(real_scores, fake_scores):
    return (real_scores - 1).pow(2).mean(), fake_scores.pow(2).mean()


def _lsgan_swapped(real_scores, fake_scores):
    return 0.5 * real_scores.pow(2).mean(), 0.5 * (fake_scores - 1).pow(2).mean()


def _lsgan_bce(real_scores, fake_scores):
    return losses.discriminator_loss(real_scores, fake_scores)


def _cycle_nets(seed: int):
    torch.manual_seed(seed)
    G_AB = nn.Sequential(nn.Conv2d(1, 1, 3, padding=1), nn.Tanh())  # A -> B
    G_BA = nn.Sequential(nn.Conv2d(1, 1, 3, padding=1), nn.Tanh())  # B -> A
    return G_AB, G_BA


def _cycle_cases():
    out = []
    for seed in (0, 1):
        G_AB, G_BA = _cycle_nets(seed)
        out.append((G_AB, G_BA, _randn(2, 1, 6, 6, seed=110 + seed).tanh(), _randn(2, 1, 6, 6, seed=112 + seed).tanh()))
    return out


def cycle_and_identity_losses(G_AB, G_BA, real_a, real_b):
    """CycleGAN's reconstruction terms, as its G step computes them.

    Returns ``(cycle_a, cycle_b, identity_ab, identity_ba)``: L1(a, G_BA(G_AB(a))), L1(b, G_AB(G_BA(b))),
    L1(b, G_AB(b)) and L1(a, G_BA(a)).
    """
    return (losses.cycle_consistency_loss(real_a, G_BA(G_AB(real_a))),
            losses.cycle_consistency_loss(real_b, G_AB(G_BA(real_b))),
            losses.identity_loss(real_b, G_AB(real_b)),
            losses.identity_loss(real_a, G_BA(real_a)))


def _l1(a, b):
    return (a - b).abs().mean()


def _cycle_wrong_pair(G_AB, G_BA, real_a, real_b):
    return (_l1(real_b, G_BA(G_AB(real_a))), _l1(real_a, G_AB(G_BA(real_b))),
            _l1(real_b, G_AB(real_b)), _l1(real_a, G_BA(real_a)))


def _cycle_translation_vs_input(G_AB, G_BA, real_a, real_b):
    return (_l1(real_a, G_AB(real_a)), _l1(real_b, G_BA(real_b)),
            _l1(real_b, G_AB(real_b)), _l1(real_a, G_BA(real_a)))


def _identity_wrong_domain(G_AB, G_BA, real_a, real_b):
    return (_l1(real_a, G_BA(G_AB(real_a))), _l1(real_b, G_AB(G_BA(real_b))),
            _l1(real_a, G_AB(real_a)), _l1(real_b, G_BA(real_b)))


# ===================================================================== chapter 8
def frechet_distance_from_features(features_a, features_b):
    """FD between two feature sets (N, d), (M, d): means, unbiased covariances, then the formula
    torchmetrics' FrechetInceptionDistance (behind :func:`~gan_course.metrics.images.frechet_distance`) uses."""
    a, b = features_a.double(), features_b.double()
    mu_a, mu_b, cov_a, cov_b = a.mean(0), b.mean(0), torch.cov(a.T), torch.cov(b.T)
    cross = torch.linalg.eigvals(cov_a @ cov_b).sqrt().real.sum()  # Tr((Σa Σb)^½)
    return (mu_a - mu_b).square().sum() + cov_a.trace() + cov_b.trace() - 2 * cross


def _fd_cases():
    a = _randn(64, 4, seed=120)
    mix = torch.tensor([[1.0, 0.3, 0.0, 0.0], [0.0, 0.8, 0.2, 0.0], [0.0, 0.0, 1.5, 0.0], [0.4, 0.0, 0.0, 0.5]])
    b = _randn(48, 4, seed=121) @ mix + torch.tensor([0.5, -0.2, 0.0, 0.3])
    return [(a.double(), b.double()), (b.double(), (_randn(40, 4, seed=122) * 2).double())]


def _fd_parts(a, b, unbiased=True):
    ma, mb = a.mean(0), b.mean(0)
    if unbiased:
        ca, cb = torch.cov(a.T), torch.cov(b.T)
    else:
        ca, cb = torch.cov(a.T, correction=0), torch.cov(b.T, correction=0)
    return ma, mb, ca, cb


def _sqrtm_trace(ca, cb):
    return torch.linalg.eigvals(ca @ cb).sqrt().real.sum()


def _fd_no_sqrt(a, b):
    ma, mb, ca, cb = _fd_parts(a, b)
    return (ma - mb).square().sum() + torch.trace(ca + cb - 2 * ca @ cb)


def _fd_biased_cov(a, b):
    ma, mb, ca, cb = _fd_parts(a, b, unbiased=False)
    return (ma - mb).square().sum() + ca.trace() + cb.trace() - 2 * _sqrtm_trace(ca, cb)


def _fd_norm_not_squared(a, b):
    ma, mb, ca, cb = _fd_parts(a, b)
    return (ma - mb).norm() + ca.trace() + cb.trace() - 2 * _sqrtm_trace(ca, cb)


def _pr_cases():
    real = _randn(40, 3, seed=130)
    fake = _randn(30, 3, seed=131, scale=0.5) + torch.tensor([1.0, 0.0, 0.0])  # narrow and shifted
    return [(real, fake), (fake, real), (real, _randn(25, 3, seed=132, scale=2.0))]


def _covered(reference, queries, kth):
    radii = torch.cdist(reference, reference).kthvalue(kth, dim=1).values
    return (torch.cdist(queries, reference) <= radii[None]).any(dim=1).float().mean().item()


def _pr_counts_self(real_features, fake_features, k=3):
    return _covered(real_features, fake_features, k), _covered(fake_features, real_features, k)


def _pr_swapped(real_features, fake_features, k=3):
    return _covered(fake_features, real_features, k + 1), _covered(real_features, fake_features, k + 1)


def _pr_query_radii(real_features, fake_features, k=3):
    def covered(reference, queries):
        radii = torch.cdist(queries, queries).kthvalue(k + 1, dim=1).values  # the queries' own radii
        return (torch.cdist(queries, reference) <= radii[:, None]).any(dim=1).float().mean().item()
    return covered(real_features, fake_features), covered(fake_features, real_features)


# ===================================================================== the list
def _m(fn: Callable, hint: str) -> Mistake:
    return Mistake(fn, hint)


SIGMOID_BCE = ("sigmoid followed by BCELoss on logits: for a confident D, sigmoid rounds to exactly 0 or 1 in "
               "float32 and BCELoss clips log 0 at -100, so the loss is wrong; use "
               "F.binary_cross_entropy_with_logits on the logits")

EXERCISES: dict[str, Exercise] = {
    # ---------------------------------------------------------------- chapter 1
    "ch1.optimal_discriminator": Exercise(
        1, "the optimal discriminator D*(x) = p_data / (p_data + p_g)", theory.optimal_discriminator,
        [_m(_d_star_swapped, "the densities are swapped: D* puts p_data, the density of the REAL data, on top"),
         _m(_d_star_no_half, "0/0 gives nan where both densities vanish: return 1/2 there "
                             "(np.divide(..., out=np.full_like(total, 0.5), where=total > 0))"),
         _m(_d_star_ratio, "p_data / p_g is the density ratio, not a probability: divide by p_data + p_g")],
        _ch1_d_star_cases),
    "ch1.value_function": Exercise(
        1, "the value function V(G, D) by quadrature", theory.value_function,
        [_m(_value_negated, "sign error: that is -V, the loss D minimises; the value function itself is "
                            "∫ p_data log D + ∫ p_g log(1 - D), which D maximises"),
         _m(_value_log_d_on_fakes, "sign error in the fake term: it is + p_g · log(1 - D), not - p_g · log D"),
         _m(_value_no_dx, "a plain sum is not an integral: integrate over x (theory.integrate(values, x)), "
                          "which multiplies by the grid spacing dx")],
        _ch1_value_cases, rtol=1e-6),
    "ch1.js_divergence": Exercise(
        1, "the Jensen–Shannon divergence by quadrature", theory.js_divergence,
        [_m(_jsd_kl, "that is KL(p ‖ q): the JSD compares each density with their mixture m = (p + q)/2"),
         _m(_jsd_no_halves, "missing the ½ on each KL term: JSD = ½ KL(p ‖ m) + ½ KL(q ‖ m) (at most log 2)"),
         _m(_jsd_bits, "log base 2 gives bits; the course measures the JSD in nats (np.log)")],
        _ch1_jsd_cases, rtol=1e-6),
    # ---------------------------------------------------------------- chapter 2
    "ch2.discriminator_loss": Exercise(
        2, "D's loss from logits, real and fake terms apart", losses.discriminator_loss,
        [_m(_d_loss_sigmoid_bce, SIGMOID_BCE),
         _m(_d_loss_swapped_labels, "the labels are swapped: real images get target 1, fakes target 0"),
         _m(_d_loss_value_sign, "sign error: you returned the value function's terms (log D(x), log(1 - D(G(z)))), "
                                "which D maximises; the loss to minimise is their negative, the BCE")],
        _logit_cases),
    "ch2.d_step_loss": Exercise(
        2, "D's loss in a D step that leaves G untouched", d_step_loss,
        [_m(_d_step_no_detach, "missing detach(): D's loss back-propagates into G; write D(G(z).detach()) "
                               "so that the D step leaves G's weights alone"),
         _m(_d_step_swapped, "the labels are swapped: real images get target 1, fakes target 0"),
         _m(_d_step_real_only, "only the real term: D's loss is loss_real + loss_fake")],
        _d_step_cases, observe=_d_step_observe),
    "ch2.generator_loss": Exercise(
        2, "the non-saturating generator loss", losses.generator_nonsaturating_loss,
        [_m(_g_loss_saturating, "that is the saturating loss E[log(1 - D(G(z)))], whose gradient vanishes when D "
                                "rejects the fakes; the non-saturating loss is -E[log D(G(z))] = BCE(logits, 1)"),
         _m(_g_loss_fake_label, "G is trained with the fake label 0, which helps D; G wants its fakes called "
                                "real: BCE(logits, 1)"),
         _m(_g_loss_sigmoid_bce, SIGMOID_BCE)],
        _g_loss_cases),
    # ---------------------------------------------------------------- chapter 3
    "ch3.discriminator_input": Exercise(
        3, "the label as feature maps next to the pixels", discriminator_input,
        [_m(_d_input_label_number, "the class number as one extra channel says 9 is 'more' than 1; use the "
                                   "embedding embed(y), spread into label_dim constant maps"),
         _m(_d_input_maps_first, "the label maps come first: the image channels go first, [x ; maps], "
                                 "as the discriminator's first convolution expects"),
         _m(_d_input_added, "the label is added to the pixels instead of concatenated on the channel dimension")],
        _d_input_cases),
    "ch3.projection_logit": Exercise(
        3, "the projection discriminator's logit", projection_logit,
        [_m(_projection_added, "the label is merely added at the end (v_y summed on its own), so D cannot "
                               "tell a matching pair from a mismatched one: use the product (v_y * φ(x)).sum(1)"),
         _m(_projection_no_squeeze, "judge(features) is (B, 1); added to a (B,) tensor it broadcasts to (B, B): "
                                    "squeeze(1) it first"),
         _m(_projection_only, "the unconditional term w·φ(x) + b is missing: add judge(features).squeeze(1)")],
        _projection_cases),
    # ---------------------------------------------------------------- chapter 4
    "ch4.conv_output_size": Exercise(
        4, "the output size of a strided convolution", sizes.conv_output_size,
        [_m(_conv_no_plus_one, "missing + 1: the first kernel position counts too, o = ⌊(i + 2p - k)/s⌋ + 1"),
         _m(_conv_true_division, "use floor division (//): a kernel that does not fit a whole stride "
                                 "produces no output, so the size is a whole number"),
         _m(_conv_one_side_padding, "the padding is added on both sides: i + 2p, not i + p")],
        lambda: list(_CONV_CASES)),
    "ch4.transposed_conv_output_size": Exercise(
        4, "the output size of a transposed convolution", sizes.transposed_conv_output_size,
        [_m(_tconv_conv_formula, "that is the ordinary convolution's formula; a transposed convolution "
                                 "grows the input: o = (i - 1)s - 2p + k"),
         _m(_tconv_plus_padding, "sign error on the padding: in a transposed convolution padding removes "
                                 "rows, o = (i - 1)s - 2p + k"),
         _m(_tconv_i_times_s, "i·s counts one stride too many: the i inputs are i - 1 strides apart, "
                              "o = (i - 1)s - 2p + k")],
        lambda: list(_TCONV_CASES)),
    # ---------------------------------------------------------------- chapter 5
    "ch5.categorical_info_loss": Exercise(
        5, "InfoGAN's categorical Q loss", losses.categorical_info_loss,
        [_m(_cat_nll_on_logits, "nll_loss expects log-probabilities: it was given raw logits; use "
                                "F.cross_entropy(logits, c), which applies log_softmax itself"),
         _m(_cat_double_softmax, "softmax applied twice: F.cross_entropy already includes the (log-)softmax, "
                                 "so give it the logits"),
         _m(_cat_one_hot_mse, "a squared error on one-hot codes is not -log Q(c | x): use the cross-entropy")],
        _cat_cases),
    "ch5.gaussian_info_loss": Exercise(
        5, "InfoGAN's Gaussian Q loss (negative log-likelihood)", losses.gaussian_info_loss,
        [_m(_gauss_log_std_as_std, "log_std is log σ, not σ: divide by exp(log_std) and add log_std itself"),
         _m(_gauss_no_log_std_term, "the + log σ term is missing: without it Q is never charged for being "
                                    "unsure, NLL = ½ log 2π + log σ + ½ ((c - μ)/σ)²"),
         _m(_gauss_mean_over_codes, "the NLL is summed over the codes, then averaged over the batch: "
                                    ".sum(dim=1).mean(), not .mean()"),
         _m(_gauss_mse, "a squared error ignores Q's predicted σ: write the Gaussian negative log-likelihood")],
        _gauss_cases),
    # ---------------------------------------------------------------- chapter 6
    "ch6.skip_connection": Exercise(
        6, "a U-Net decoder level's input with its skip", skip_connection,
        [_m(_skip_added, "the skip is added instead of concatenated: a U-Net stacks the encoder's maps next "
                         "to the decoder's, torch.cat([h, skip], dim=1), doubling the channels"),
         _m(_skip_reversed, "the order is reversed: the decoder's activation comes first, "
                            "torch.cat([h, skip], dim=1), as the next layer's weights expect"),
         _m(_skip_batch_dim, "concatenated on dim 0, the batch: the channels are dim 1")],
        _skip_cases),
    "ch6.receptive_field": Exercise(
        6, "the PatchGAN's receptive field", patchgan.receptive_field,
        [_m(_rf_forward_walk, "wrong receptive-field recurrence: walk from the OUTPUT back to the input "
                              "(reversed(layers)), r = (r - 1)·s + k"),
         _m(_rf_no_minus_one, "wrong receptive-field recurrence: r cells of a layer's output span "
                              "(r - 1)·s + k input cells, not r·s + k"),
         _m(_rf_ignores_stride, "wrong receptive-field recurrence: each layer adds (k - 1) times the product of "
                                "the strides after it, not k - 1; use r = (r - 1)·s + k from the output back")],
        _rf_cases),
    "ch6.pix2pix_generator_loss": Exercise(
        6, "the pix2pix generator loss, cGAN + λ·L1", pix2pix_generator_loss,
        [_m(_p2p_lambda_on_adversarial, "λ is on the wrong term: the weight 100 multiplies the L1 term, "
                                        "total = adversarial + 100 · l1"),
         _m(_p2p_l2, "that is an L2 (squared) error; pix2pix uses L1, the mean ABSOLUTE error, which blurs less"),
         _m(_p2p_fake_label, "the adversarial term uses the fake label: G wants D to call its output real, "
                             "BCE(logits, 1)")],
        _pix2pix_cases),
    # ---------------------------------------------------------------- chapter 7
    "ch7.lsgan_discriminator_loss": Exercise(
        7, "the least-squares D loss", losses.lsgan_discriminator_loss,
        [_m(_lsgan_no_half, "CycleGAN halves D's loss: ½ (D(y) - 1)² and ½ D(G(x))²"),
         _m(_lsgan_swapped, "the targets are swapped: real scores are regressed onto 1, fakes onto 0"),
         _m(_lsgan_bce, "that is the BCE loss of chapter 2; LSGAN regresses the raw scores with squared errors")],
        _score_cases),
    "ch7.cycle_and_identity_losses": Exercise(
        7, "the cycle and identity losses", cycle_and_identity_losses,
        [_m(_cycle_wrong_pair, "the cycle loss is on the wrong pair: compare the round trip G_BA(G_AB(a)) with "
                               "a itself, not with an image of the other domain"),
         _m(_cycle_translation_vs_input, "the cycle loss compares the translation G_AB(a) with a: that forbids "
                                         "translating at all; compare the ROUND TRIP G_BA(G_AB(a)) with a"),
         _m(_identity_wrong_domain, "the identity loss is fed the wrong domain: G_AB must leave images that are "
                                    "ALREADY in B alone, identity_ab = L1(b, G_AB(b))")],
        _cycle_cases),
    # ---------------------------------------------------------------- chapter 8
    "ch8.frechet_distance": Exercise(
        8, "the Fréchet distance from features", frechet_distance_from_features,
        [_m(_fd_no_sqrt, "the matrix square root is missing: the cross term is 2 Tr((Σ_a Σ_b)^½), "
                         "the sum of the square roots of the eigenvalues of Σ_a Σ_b"),
         _m(_fd_biased_cov, "the covariances divide by N; FD uses the unbiased ones (N - 1), as torch.cov does"),
         _m(_fd_norm_not_squared, "the mean term is the SQUARED distance ‖μ_a - μ_b‖², not the distance")],
        _fd_cases, rtol=1e-6),
    "ch8.precision_recall": Exercise(
        8, "k-NN precision and recall", precision_recall,
        [_m(_pr_counts_self, "each real point counts itself as its nearest neighbour (distance 0): take the "
                             "(k + 1)-th smallest distance, kthvalue(k + 1), to reach the k-th OTHER point"),
         _m(_pr_swapped, "precision and recall are swapped: precision asks whether the FAKES fall inside the "
                         "real balls"),
         _m(_pr_query_radii, "the balls belong to the reference set: precision puts a ball around every REAL "
                             "point and asks which fakes fall in one")],
        _pr_cases),
}

# What to compare when a wrong answer matches none of the recorded mistakes.
_HINTS = {
    "ch1.optimal_discriminator": "D* = p_data / (p_data + p_g) at every point, and 1/2 where both densities are 0",
    "ch1.value_function": "V = integrate(p_data * log(d) + p_g * log(1 - d), x)",
    "ch1.js_divergence": "with m = (p + q)/2: ½ integrate(p log(p/m), x) + ½ integrate(q log(q/m), x), natural logs",
    "ch2.discriminator_loss": "loss_real = BCE(real_logits, 1) and loss_fake = BCE(fake_logits, 0), each a mean over "
                              "the batch, computed from the logits (F.binary_cross_entropy_with_logits)",
    "ch2.d_step_loss": "D(real) and D(G(z).detach()) into discriminator_loss, then loss_real + loss_fake",
    "ch2.generator_loss": "-mean(log D(G(z))) = F.binary_cross_entropy_with_logits(fake_logits, 1s)",
    "ch3.discriminator_input": "embed(y) is (B, label_dim): index it as [:, :, None, None], expand it to "
                               "(B, label_dim, H, W) and torch.cat([x, maps], dim=1)",
    "ch3.projection_logit": "judge(features).squeeze(1) + (projection(y) * features).sum(dim=1), shape (B,)",
    "ch4.conv_output_size": "o = (i + 2p - k) // s + 1",
    "ch4.transposed_conv_output_size": "o = (i - 1) s - 2p + k",
    "ch5.categorical_info_loss": "F.cross_entropy(cat_logits, category) does the log-softmax and the batch mean",
    "ch5.gaussian_info_loss": "per code: ½ log 2π + log_std + ½ ((value - mean) / exp(log_std))², then "
                              ".sum(dim=1).mean()",
    "ch6.skip_connection": "torch.cat([h, skip], dim=1): the channels double, the size stays",
    "ch6.receptive_field": "start from r = 1 at the output and walk back through the layers: r = (r - 1) s + k",
    "ch6.pix2pix_generator_loss": "adversarial = BCE(fake_logits, 1), l1 = mean |output - target|, "
                                  "total = adversarial + 100 · l1; return all three",
    "ch7.lsgan_discriminator_loss": "0.5 · mean((real_scores - 1)²) and 0.5 · mean(fake_scores²)",
    "ch7.cycle_and_identity_losses": "each term is a mean absolute difference: round trips against where they started, "
                                     "G_AB(b) against b, G_BA(a) against a",
    "ch8.frechet_distance": "means over dim 0, torch.cov(features.T) (N - 1), squared mean distance plus "
                            "Tr(Σa) + Tr(Σb) - 2 · Σ sqrt(eigenvalues of Σa Σb)",
    "ch8.precision_recall": "radius of each reference point = distance to its k-th nearest OTHER reference point; "
                            "precision: share of fakes within some real radius; recall: the same, roles swapped",
}
EXERCISES = {key: replace(ex, hint=_HINTS[key]) for key, ex in EXERCISES.items()}
