"""Chapter 11's exercises: the forward noising q(x_t | x_0), one DDPM sampling step, the memorisation score,
and concept questions on diffusion, copying and detection.

``EXERCISES`` and ``QUESTIONS`` are merged into :mod:`gan_course.exercises` when it is imported
(see :mod:`gan_course.exercises.core` for what the fields mean)."""

from __future__ import annotations

import torch

from ..diffusion import GaussianDiffusion, get_beta_schedule
from ..metrics.memorisation import memorisation_score
from .core import Exercise, Question, _m, _randn


# ===================================================================== q(x_t | x_0)
def q_sample_from_betas(x0, t, noise, betas):
    """x_t drawn from q(x_t | x_0) with the given noise, for a β schedule (T,): :meth:`GaussianDiffusion.q_sample`."""
    return GaussianDiffusion(betas).q_sample(x0, t, noise)


def _q_cases():
    out = []
    for seed, shape, T, schedule in ((0, (4, 1, 5, 5), 1000, "linear"), (1, (3, 1, 4, 4), 50, "cosine"),
                                     (2, (5, 2, 3, 3), 200, "linear")):
        g = torch.Generator().manual_seed(1100 + seed)
        x0 = torch.rand(*shape, generator=g) * 2 - 1
        t = torch.randint(0, T, (shape[0],), generator=g)
        t[0] = 0  # the first step
        t[-1] = T - 1  # and the last
        out.append((x0, t, torch.randn(*shape, generator=g), get_beta_schedule(schedule, T).float()))
    return out


def _abar(betas, t):
    return torch.cumprod(1 - betas.double(), 0)[t].float().reshape(-1, 1, 1, 1)


def _q_beta_for_abar(x0, t, noise, betas):
    b = betas.double()[t].float().reshape(-1, 1, 1, 1)
    return b.sqrt() * x0 + (1 - b).sqrt() * noise  # β_t written where ᾱ_t belongs


def _q_alpha_not_cumulative(x0, t, noise, betas):
    a = (1 - betas.double())[t].float().reshape(-1, 1, 1, 1)
    return a.sqrt() * x0 + (1 - a).sqrt() * noise


def _q_no_sqrt_on_signal(x0, t, noise, betas):
    a = _abar(betas, t)
    return a * x0 + (1 - a).sqrt() * noise


def _q_no_sqrt_on_noise(x0, t, noise, betas):
    a = _abar(betas, t)
    return a.sqrt() * x0 + (1 - a) * noise


def _q_off_by_one(x0, t, noise, betas):
    abar = torch.cat([torch.ones(1, dtype=torch.float64), torch.cumprod(1 - betas.double(), 0)])
    a = abar[t].float().reshape(-1, 1, 1, 1)  # ᾱ of the step before: index t means the paper's t + 1
    return a.sqrt() * x0 + (1 - a).sqrt() * noise


# ===================================================================== one sampling step
def p_sample_step(eps_model, x_t, t, noise, betas):
    """One ancestral step x_t -> x_{t-1} (Ho et al.'s Algorithm 2, σ_t² = β̃_t, no clipping): :meth:`p_sample`."""
    return GaussianDiffusion(betas).p_sample(eps_model, x_t, t, noise, clip_denoised=False)


class _Eps(torch.nn.Module):
    """A fixed stand-in for ε_θ: a 1x1 convolution plus a term in t (no training needed)."""

    def __init__(self, seed: int, channels: int):
        super().__init__()
        g = torch.Generator().manual_seed(seed)
        self.conv = torch.nn.Conv2d(channels, channels, 1)
        with torch.no_grad():
            self.conv.weight.copy_(torch.randn(self.conv.weight.shape, generator=g) * 0.5)
            self.conv.bias.copy_(torch.randn(channels, generator=g) * 0.1)

    def forward(self, x, t):
        return self.conv(x) + 0.001 * t.float().reshape(-1, 1, 1, 1)


def _p_cases():
    out = []
    for seed, shape, T, ts in ((0, (4, 1, 4, 4), 1000, [0, 1, 500, 999]), (1, (3, 2, 3, 3), 100, [0, 0, 57]),
                               (2, (2, 1, 5, 5), 300, [299, 7])):
        g = torch.Generator().manual_seed(1200 + seed)
        out.append((_Eps(seed, shape[1]), torch.randn(*shape, generator=g), torch.tensor(ts),
                    torch.randn(*shape, generator=g), get_beta_schedule("linear", T).float()))
    return out


def _p_parts(x_t, t, eps, betas):
    b = betas.double()
    abar = torch.cumprod(1 - b, 0)
    abar_prev = torch.cat([torch.ones(1, dtype=torch.float64), abar[:-1]])
    col = lambda v: v[t].float().reshape(-1, 1, 1, 1)  # noqa: E731
    mean = (x_t - col(b / (1 - abar).sqrt()) * eps) / col((1 - b).sqrt())
    return mean, col(b * (1 - abar_prev) / (1 - abar)), col(b)


def _p_no_noise(eps_model, x_t, t, noise, betas):
    mean, _, _ = _p_parts(x_t, t, eps_model(x_t, t), betas)
    return mean  # the variance term dropped at every step


def _p_noise_at_zero(eps_model, x_t, t, noise, betas):
    mean, var, _ = _p_parts(x_t, t, eps_model(x_t, t), betas)
    var = torch.where(var > 0, var, _p_parts(x_t, torch.ones_like(t), eps_model(x_t, t), betas)[1])
    return mean + var.sqrt() * noise  # noise added at the last step (t = 0) too


def _p_variance_as_std(eps_model, x_t, t, noise, betas):
    mean, var, _ = _p_parts(x_t, t, eps_model(x_t, t), betas)
    return mean + (t > 0).float().reshape(-1, 1, 1, 1) * var * noise


def _p_abar_in_mean(eps_model, x_t, t, noise, betas):
    eps = eps_model(x_t, t)
    b = betas.double()
    abar = torch.cumprod(1 - b, 0)
    _, var, _ = _p_parts(x_t, t, eps, betas)
    col = lambda v: v[t].float().reshape(-1, 1, 1, 1)  # noqa: E731
    mean = (x_t - col(b / (1 - abar).sqrt()) * eps) / col(abar.sqrt())  # divides by sqrt(ᾱ_t), not sqrt(α_t)
    return mean + (t > 0).float().reshape(-1, 1, 1, 1) * var.sqrt() * noise


# ===================================================================== the memorisation score
def _mem_cases():
    out = []
    for seed, n_train, n_q, copies, quantile in ((0, 60, 20, 6, 0.05), (1, 40, 15, 0, 0.1), (2, 50, 24, 12, 0.2)):
        train = _randn(n_train, 1, 4, 4, seed=1300 + seed)
        heldout = _randn(30, 1, 4, 4, seed=1310 + seed)
        queries = _randn(n_q, 1, 4, 4, seed=1320 + seed)
        queries[:copies] = train[:copies] + 0.01 * _randn(copies, 1, 4, 4, seed=1330 + seed)  # near-copies
        out.append((queries, train, heldout, quantile))
    return out


def _nn_dist(a, b):
    return torch.cdist(a.flatten(1).double(), b.flatten(1).double()).min(dim=1).values


def _mem_own_threshold(queries, train, heldout, quantile=0.05):
    d = _nn_dist(queries, train)
    return float((d < torch.quantile(d, quantile)).double().mean())  # the samples' own distances set the bar


def _mem_above(queries, train, heldout, quantile=0.05):
    d, h = _nn_dist(queries, train), _nn_dist(heldout, train)
    return float((d > torch.quantile(h, quantile)).double().mean())


def _mem_mean_threshold(queries, train, heldout, quantile=0.05):
    d, h = _nn_dist(queries, train), _nn_dist(heldout, train)
    return float((d < h.mean()).double().mean())


def _mem_fixed_quantile(queries, train, heldout, quantile=0.05):
    d, h = _nn_dist(queries, train), _nn_dist(heldout, train)
    return float((d < torch.quantile(h, 0.05)).double().mean())


EXERCISES: dict[str, Exercise] = {
    "ch11.q_sample": Exercise(
        11, "the forward noising q(x_t | x_0) in one jump", q_sample_from_betas,
        [_m(_q_beta_for_abar, "β_t stands where ᾱ_t belongs: β_t is one step's noise variance, ᾱ_t the share of "
                              "the image's variance left after every step up to t", "β where ᾱ is needed"),
         _m(_q_alpha_not_cumulative, "the signal share uses α_t = 1 - β_t of step t alone: x_0 has been shrunk by "
                                     "every step up to t, so use their product ᾱ_t", "α instead of ᾱ"),
         _m(_q_no_sqrt_on_signal, "the image is scaled by ᾱ_t itself: the SIGNAL's scale is the square root of "
                                  "ᾱ_t (the variances add up to 1, not the scales)", "sqrt missing on the signal"),
         _m(_q_no_sqrt_on_noise, "the noise is scaled by its variance 1 - ᾱ_t: a standard normal is scaled by the "
                                 "standard deviation, the square root", "sqrt missing on the noise"),
         _m(_q_off_by_one, "the step is off by one: index t = 0 is the first noising step, whose ᾱ already "
                           "includes β at index 0", "off by one")],
        _q_cases, rtol=1e-5, atol=1e-6,
        hint="x_t is the image shrunk by the product of all the steps' shrink factors, plus fresh noise whose "
             "variance makes the total variance 1",
        hints=("ᾱ_t is the running product of (1 - β) over the steps 0..t (0-based)",
               "x_t = (square root of ᾱ_t) · x_0 + (square root of 1 - ᾱ_t) · ε, one ᾱ_t per image"),
        section="The forward process", reveals=("q_sample", "q_mean_variance")),
    "ch11.p_sample": Exercise(
        11, "one DDPM sampling step x_t -> x_(t-1)", p_sample_step,
        [_m(_p_no_noise, "no fresh noise is added: every step but the last adds σ_t·z, else the sampler "
                         "collapses towards the mean and the samples lose their variety", "variance dropped"),
         _m(_p_noise_at_zero, "noise is added at the last step too: at t = 0 the step returns the mean, the final "
                              "image", "noise at t = 0"),
         _m(_p_variance_as_std, "the noise is scaled by the variance β̃_t: scale it by its square root σ_t",
            "variance for std"),
         _m(_p_abar_in_mean, "the mean divides by the square root of ᾱ_t: one step undoes one step's shrink, "
                             "the square root of α_t = 1 - β_t", "ᾱ in the mean")],
        _p_cases, rtol=1e-4, atol=1e-5,
        hint="one reverse step removes the noise the network predicts, scaled for one step, then adds fresh noise "
             "with the posterior's variance, except at the very last step",
        hints=("Mean: (x_t - β_t / sqrt(1 - ᾱ_t) · ε_θ(x_t, t)) / sqrt(α_t)",
               "Variance: β̃_t = β_t (1 - ᾱ_(t-1)) / (1 - ᾱ_t), with ᾱ before the first step equal to 1; "
               "add sqrt(β̃_t)·z only where t > 0 (each image has its own t)"),
        section="Sampling: running the chain backwards", reveals=("p_sample", "p_mean_variance")),
    "ch11.memorisation_score": Exercise(
        11, "the nearest-neighbour memorisation score", memorisation_score,
        [_m(_mem_own_threshold, "the threshold comes from the samples' own distances: it must come from HELD-OUT "
                                "real images, which say how close a new image typically lands to the training "
                                "set", "own threshold"),
         _m(_mem_above, "it counts the samples FARTHER than the threshold: copies are the ones unusually CLOSE to a "
                        "training image", "above instead of below"),
         _m(_mem_mean_threshold, "the threshold is the held-out distances' mean: use their low quantile, so that a "
                                 "generator that does not copy scores about that quantile", "mean threshold"),
         _m(_mem_fixed_quantile, "the quantile is ignored: the checker passes other quantiles than 0.05",
            "fixed quantile")],
        _mem_cases, rtol=1e-9, atol=1e-12,
        hint="compare how close the samples come to the training set with how close images the model never saw come",
        hints=("For every sample and every held-out image: the Euclidean distance to its nearest training image "
               "(images flattened)",
               "Threshold: the given quantile of the held-out distances; the score is the share of samples strictly "
               "below it"),
        section="Does the generator copy its training data?", reveals=("memorisation_score",)),
}


QUESTIONS: dict[str, Question] = {
    "ch11.recall": Question(
        11, "At scale, diffusion models usually reach a higher recall than GANs. Which property of their training "
            "explains it best?",
        "b", "The denoising loss is a regression on every training image at every noise level (a bound on the "
             "likelihood): a part of the data the model ignores costs loss. A GAN's generator is only judged on the "
             "samples it produces, so dropping a mode costs it nothing directly.",
        choices={"a": "diffusion models have more parameters",
                 "b": "their loss covers every training image, so ignoring part of the data is penalised",
                 "c": "their samplers add noise at every step, which spreads the samples out",
                 "d": "they have a discriminator that checks coverage"},
        wrong={"a": "Recall differs even at equal size: it comes from the objective, not the parameter count.",
               "c": "Deterministic DDIM adds no noise and still covers the data: the noise in the sampler is not "
                    "the cause.",
               "d": "A diffusion model has no discriminator at all."},
        section="What is known at scale"),
    "ch11.cost": Question(
        11, "A DDPM with T = 1000 and a GAN generator of the same size: roughly how many times more network "
            "evaluations does the DDPM's ancestral sampler spend per image?",
        1000, "Ancestral sampling evaluates ε_θ once per step, T times; the GAN's generator runs once.",
        rtol=0.0, atol=0.5, section="Why there is no discriminator, and what diffusion pays instead"),
    "ch11.detector": Question(
        11, "A detector trained to separate real images from one generator's samples scores near chance on "
            "another generator's samples. Why?",
        "c", "It learns whatever separates that generator's samples most easily (its artefacts, its blur, its "
             "missing classes), not a general notion of 'generated'; another generator has other artefacts.",
        choices={"a": "the other generator copies its training data",
                 "b": "the detector is too small to learn anything",
                 "c": "it learned the first generator's own artefacts, which the other does not share",
                 "d": "generated images cannot be told from real ones in principle"},
        wrong={"a": "The copying test in this chapter finds no copies for the shipped generators.",
               "b": "It reaches high accuracy on the generator it was trained on, so it did learn.",
               "d": "On its own generator the detector is far better than chance."},
        section="Can fakes be detected?"),
    "ch11.copy_threshold": Question(
        11, "Why does the memorisation test compare samples' nearest-training distances with those of HELD-OUT "
            "real images, rather than flag every sample closer than some fixed distance?",
        "a", "Held-out images come from the same distribution but were never trained on: their distances show how "
             "close an honest new image lands. Only samples unusually closer than that are evidence of copying.",
        choices={"a": "held-out images show how close a new, uncopied image typically is, on this data and scale",
                 "b": "held-out images are farther from the training set than any sample can be",
                 "c": "a fixed distance would be too slow to compute"},
        wrong={"b": "Samples can be farther (poor samples are); what matters is being unusually close.",
               "c": "The cost is the same nearest-neighbour search either way."},
        section="Does the generator copy its training data?"),
}
