"""The build exercises (one per chapter), their wiring into training, and the extra concept questions.

* every build exercise: the reference passes, at least four recorded mistakes fail with their own name, a stub
  reads "not done yet", and the reference agrees with the package's own code;
* every wiring (chapters 2 to 7): training with the worked solution of the instructor edition's solution cell
  gives bitwise the same weights and history as the package's code path, on a few seeded steps;
* every concept question is well formed, and the numeric ones agree with the package.
"""

from __future__ import annotations

import copy
import importlib
import dataclasses
import math
import re
from pathlib import Path

import nbformat
import pytest
import torch

from gan_course import exercises, losses
from gan_course.errors import CourseError
from gan_course.exercises import builds

ROOT = Path(__file__).resolve().parents[1]
CPU = torch.device("cpu")

BUILD_IDS = sorted(builds.BUILD_EXERCISES)


def _stub(*args, **kwargs):
    raise NotImplementedError


# ------------------------------------------------------------------ the exercises
def test_there_is_a_build_exercise_for_every_chapter_from_2_to_8():
    assert sorted({exercises.EXERCISES[k].chapter for k in BUILD_IDS}) == list(range(2, 9))
    assert all(k in exercises.EXERCISES for k in BUILD_IDS)


@pytest.mark.parametrize("key", BUILD_IDS)
def test_the_reference_passes_and_a_stub_is_not_done(key):
    ex = exercises.get(key)
    assert exercises.diagnose(key, ex.reference) == ("pass", None)
    assert exercises.diagnose(key, _stub)[0] == "not done"


@pytest.mark.parametrize("key", BUILD_IDS)
def test_at_least_four_recorded_mistakes_are_caught_by_name(key):
    ex = exercises.get(key)
    assert len(ex.mistakes) >= 4
    for mistake in ex.mistakes:
        assert exercises.diagnose(key, mistake.fn) == ("fail", mistake.name), mistake.name


@pytest.mark.parametrize("key", BUILD_IDS)
def test_a_hint_names_a_concept_not_the_code(key):
    ex = exercises.get(key)
    import inspect
    body = [line.strip() for line in inspect.getsource(ex.reference).splitlines()[1:]
            if line.strip() and not line.strip().startswith(('"', "#", "def ", "return"))]
    code = {line.split("#")[0].strip() for line in body} - {""}
    for text in [*ex.all_hints(), *(m.hint for m in ex.mistakes)]:
        assert not any(c in text for c in code if len(c) > 12), (key, text)


def test_a_failed_build_check_says_where_and_names_the_mistake(capsys):
    ex = exercises.get("ch2.gan_step")
    assert not exercises.check("ch2.gan_step", ex.mistakes[0].fn)
    out = capsys.readouterr().out
    assert "G's weights after two iterations" in out and "Recorded mistake" in out and "Hint:" in out


# ------------------------------------------------------------------ the references agree with the package
def test_gan_step_is_the_package_d_step_then_g_step():
    from gan_course.runtime import precision_for
    from gan_course.steps import d_step, g_step
    from gan_course.training import StepContext

    for seed in (0, 1):
        G1, D1, oG1, oD1 = builds._step_nets(seed)
        G2, D2 = copy.deepcopy(G1), copy.deepcopy(D1)
        oG2 = torch.optim.Adam(G2.parameters(), lr=1e-2, betas=(0.5, 0.999))
        oD2 = torch.optim.Adam(D2.parameters(), lr=1e-2, betas=(0.5, 0.999))
        real = torch.randn(8, 6).tanh()
        for _ in range(3):
            torch.manual_seed(seed + 10)
            z_d, z_g = torch.randn(8, 4), torch.randn(8, 4)  # what d_step, then g_step draw
            builds.gan_step(G1, D1, oG1, oD1, real, z_d, z_g)
            torch.manual_seed(seed + 10)
            ctx = StepContext(precision_for(CPU), {"G": oG2, "D": oD2})
            d_step((real, None), ctx, G=G2, D=D2, opt_D=oD2, latent_dim=4)
            g_step((real, None), ctx, G=G2, D=D2, opt_G=oG2, latent_dim=4)
        for a, b in zip([*G1.parameters(), *D1.parameters()], [*G2.parameters(), *D2.parameters()]):
            assert torch.allclose(a, b, rtol=1e-6, atol=1e-7)


def test_conditional_logit_is_the_models_forward():
    for D, x, y in builds._conditional_cases():
        assert torch.equal(builds.conditional_logit(D, x, y), D(x, y))


def test_the_layer_builders_give_the_packages_networks():
    from gan_course.models import DCGANConfig, DCGANGenerator
    from gan_course.models.patchgan import PatchGANConfig, PatchGANDiscriminator

    for cfg in (DCGANConfig(), DCGANConfig(image_size=16, channels=3, latent_dim=7)):
        torch.manual_seed(0)
        a = DCGANGenerator(cfg).state_dict()
        torch.manual_seed(0)
        b = DCGANGenerator(cfg, layers=builds.dcgan_generator_layers).state_dict()
        assert list(a) == list(b) and all(torch.equal(a[k], b[k]) for k in a)
    for cfg in (PatchGANConfig(), PatchGANConfig(n_layers=1, base_channels=32),
                PatchGANConfig(n_layers=4, norm="instance"), PatchGANConfig(n_layers=2, norm="none")):
        torch.manual_seed(0)
        a = PatchGANDiscriminator(cfg).state_dict()
        torch.manual_seed(0)
        b = PatchGANDiscriminator(cfg, layers=builds.patchgan_layers).state_dict()
        assert list(a) == list(b) and all(torch.equal(a[k], b[k]) for k in a)


def test_info_terms_agree_with_the_recipes():
    from gan_course.models.infogan import InfoGANOutput
    from gan_course.recipes.infogan import info_terms

    for q, category, continuous, lam_cat, lam_cont in builds._info_cases():
        m = continuous.shape[1]
        k = q.shape[1] - 2 * m
        out = InfoGANOutput(q[:, 0], q[:, :k], q[:, k:k + m], q[:, k + m:])
        ours = builds.info_terms(q, category, continuous, lam_cat, lam_cont)
        theirs = info_terms(out, category, continuous, lambda_cat=lam_cat, lambda_cont=lam_cont)
        assert all(torch.equal(a, b) for a, b in zip(ours, theirs))


def test_the_stable_frechet_distance_agrees_with_the_course_fd():
    from gan_course.exercises import frechet_distance_from_features

    for a, b in builds._stable_fd_cases():
        ours = float(builds.stable_frechet_distance(a, b))
        theirs = float(frechet_distance_from_features(a, b))
        assert math.isclose(ours, theirs, rel_tol=1e-6, abs_tol=1e-6), (ours, theirs)


# ------------------------------------------------------------------ wiring: the worked solutions train bitwise alike
def _solution(notebook: str, cell_id: str, name: str):
    """Run the instructor edition's solution cell ``cell_id`` and return the function ``name`` it defines."""
    nb = nbformat.read(ROOT / "notebooks" / notebook, as_version=4)
    cells = [c for c in nb.cells if c.get("id") == cell_id]
    assert len(cells) == 1, f"{notebook} has no cell {cell_id!r}"
    assert "solution" in cells[0].metadata.get("tags", [])
    namespace: dict = {}
    exec(compile(cells[0].source, f"{notebook}:{cell_id}", "exec"), namespace)
    return namespace[name]


@pytest.fixture(params=["fp32", "bf16"])
def precision(request, monkeypatch):
    """Each wiring on the CPU's float32 path and under bfloat16 autocast (the path of a recent GPU)."""
    monkeypatch.setenv("GAN_COURSE_PRECISION", request.param)
    return request.param


def _few_steps(recipe, steps=3):
    return dataclasses.replace(recipe, steps=steps, sample_every=steps, checkpoint_every=steps, quality_every=0)


def _train(build, recipe, **kwargs):
    import os

    trainer = build(recipe, CPU, out_dir=None, seed=0, **kwargs)
    expected = {"fp32": "float32", "bf16": "autocast bfloat16"}[os.environ.get("GAN_COURSE_PRECISION", "fp32")]
    assert str(trainer.ctx.precision) == expected
    history = trainer.fit()
    return trainer, history


def _counted(fn, calls):
    """fn, counting its calls in ``calls``: proves a training run used the injected function at all."""
    def counted(*args, **kwargs):
        calls.append(1)
        return fn(*args, **kwargs)
    return counted


def _assert_same_run(a, b):
    (ta, ha), (tb, hb) = a, b
    assert ha.keys() == hb.keys()
    for key in ha:
        assert ha[key] == hb[key], key
    for name, module in ta.modules.items():
        sa, sb = module.state_dict(), tb.modules[name].state_dict()
        assert list(sa) == list(sb)
        for key in sa:
            assert torch.equal(sa[key], sb[key]), (name, key)


def test_chapter_2_trains_bitwise_alike_with_the_worked_losses(precision):
    from gan_course.recipes import VanillaRecipe, build_vanilla

    nb = "02_vanilla_gan.ipynb"
    d_loss = _solution(nb, "your-turn-ch2-discriminator-loss-solution", "my_discriminator_loss")
    g_loss = _solution(nb, "your-turn-ch2-generator-loss-solution", "my_generator_loss")
    assert exercises.diagnose("ch2.discriminator_loss", d_loss)[0] == "pass"
    recipe = _few_steps(VanillaRecipe.for_profile("smoke"))
    calls = []
    _assert_same_run(_train(build_vanilla, recipe),
                     _train(build_vanilla, recipe, discriminator_loss=_counted(d_loss, calls),
                            generator_loss=_counted(g_loss, calls)))
    assert len(calls) == 2 * recipe.steps


def test_chapter_2_the_worked_gan_step_reproduces_the_hand_written_loop():
    step = _solution("02_vanilla_gan.ipynb", "your-turn-ch2-gan-step-solution", "my_gan_step")
    assert exercises.diagnose("ch2.gan_step", step)[0] == "pass"
    for seed in (0, 3):
        nets_a, nets_b = builds._step_nets(seed), builds._step_nets(seed)
        for i in range(3):
            real, z_d, z_g = torch.randn(8, 6).tanh(), torch.randn(8, 4), torch.randn(8, 4)
            builds.gan_step(*nets_a, real, z_d, z_g)
            step(*nets_b, real, z_d, z_g)
        for a, b in zip([*nets_a[0].parameters(), *nets_a[1].parameters()],
                        [*nets_b[0].parameters(), *nets_b[1].parameters()]):
            assert torch.equal(a, b)


# chapter: (recipe's module, recipe class, build function, the worked solution's notebook, cell and name,
#           the build's argument that takes it, steps, how many calls the run makes: None = at least one)
WORKED_BUILDS = {
    3: ("cgan", "CGANRecipe", "build_cgan", "03_conditional_gan.ipynb", "your-turn-ch3-conditional-logit-solution",
        "my_conditional_logit", "d_forward", 3, None),
    4: ("dcgan", "DCGANRecipe", "build_dcgan", "04_dcgan.ipynb", "your-turn-ch4-dcgan-generator-solution",
        "my_dcgan_generator_layers", "generator_layers", 3, None),
    5: ("infogan", "InfoGANRecipe", "build_infogan", "05_infogan.ipynb", "your-turn-ch5-info-terms-solution",
        "my_info_terms", "info_losses", 3, 6),  # two calls a step: D's and G's
    6: ("pix2pix", "Pix2PixRecipe", "build_pix2pix", "06_pix2pix.ipynb", "your-turn-ch6-patchgan-solution",
        "my_patchgan_layers", "discriminator_layers", 2, None),
    7: ("cyclegan", "CycleGANRecipe", "build_cyclegan", "07_cyclegan.ipynb",
        "your-turn-ch7-generator-objective-solution", "my_generator_objective", "generator_objective", 2, 2),
}


@pytest.mark.parametrize("chapter", sorted(WORKED_BUILDS))
def test_chapters_3_to_7_train_bitwise_alike_with_the_worked_solution(chapter, precision):
    """What the learner writes is what trains: the worked solution, passed to the build, gives the same run."""
    module, recipe_cls, build_name, notebook, cell, name, argument, steps, expected = WORKED_BUILDS[chapter]
    recipes = importlib.import_module(f"gan_course.recipes.{module}")
    build = getattr(recipes, build_name)
    recipe = _few_steps(getattr(recipes, recipe_cls).for_profile("smoke"), steps=steps)
    calls = []
    _assert_same_run(_train(build, recipe),
                     _train(build, recipe, **{argument: _counted(_solution(notebook, cell, name), calls)}))
    assert len(calls) == expected if expected is not None else calls


def test_yours_or_course_says_which_version_trains(capsys):
    ref = exercises.get("ch5.info_terms").reference
    assert builds.yours_or_course("ch5.info_terms", ref) is None
    assert "course's version" in capsys.readouterr().out

    def mine(q, category, continuous, lambda_cat, lambda_cont):
        return ref(q, category, continuous, lambda_cat, lambda_cont)

    assert builds.yours_or_course("ch5.info_terms", mine) is mine
    assert "training with your mine" in capsys.readouterr().out
    assert builds.yours_or_course("ch5.info_terms", _stub) is None
    assert "is not written yet" in capsys.readouterr().out
    wrong = exercises.get("ch5.info_terms").mistakes[0].fn
    assert builds.yours_or_course("ch5.info_terms", wrong) is None
    assert "does not pass the check" in capsys.readouterr().out


# ------------------------------------------------------------------ the concept questions
def test_at_least_three_questions_per_chapter_are_registered():
    chapters = sorted(int(p.name[:2]) for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    assert chapters and chapters == list(range(1, len(chapters) + 1))
    for chapter in chapters:  # every chapter on disk, the new ones included
        ours = [k for k, q in exercises.QUESTIONS.items() if q.chapter == chapter]
        assert len(ours) >= 3, f"chapter {chapter} has {len(ours)} concept questions"
    assert all(q.explanation and q.section for q in exercises.QUESTIONS.values())


def test_every_question_is_asked_in_its_chapter():
    asked = set()
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "code" and "question" in cell.metadata.get("tags", []):
                asked.update(re.findall(r'exercises\.ask\("([^"]+)"', cell.source))
    outcomes = {k for k, q in exercises.QUESTIONS.items() if q.section == "Exercises"}  # asked in the exercises' text
    assert set(exercises.QUESTIONS) - outcomes - asked == NOT_YET_ASKED
    assert all(exercises.QUESTIONS[k].chapter <= 8 for k in NOT_YET_ASKED)  # a new chapter asks all of its own


# Registered questions of chapters 1-8 that no chapter asks yet: each gets its cell when its chapter is next
# re-executed in the full profile (a cell added without that run would have no saved output). Shrinks only.
NOT_YET_ASKED: set[str] = set()


def test_the_numeric_answers_agree_with_the_package():
    from gan_course import theory
    from gan_course.models import DCGANConfig
    from gan_course.models import patchgan, sizes
    from gan_course.recipes.pix2pix import Pix2PixRecipe

    assert exercises.grade("ch1.d_star_ratio", float(theory.optimal_discriminator(torch.tensor(3.0).numpy(),
                                                                                  torch.tensor(1.0).numpy())))
    zero = torch.zeros(4)
    assert exercises.grade("ch2.coin_flip_loss", float(sum(losses.discriminator_loss(zero, zero))))
    assert exercises.grade("ch4.tconv_doubles", sizes.transposed_conv_output_size(4, 4, 2, 1))
    assert exercises.grade("ch4.n_up_64", DCGANConfig(image_size=64).n_up)
    assert exercises.grade("ch4.conv_size_odd", sizes.conv_output_size(7, 4, 2, 1))
    assert exercises.grade("ch6.receptive_field_n4", patchgan.receptive_field(4))
    assert exercises.grade("ch5.guessing_q", float(losses.categorical_info_loss(torch.zeros(5, 10),
                                                                                 torch.arange(5))))
    assert exercises.grade("ch5.gaussian_nll_floor", float(losses.gaussian_info_loss(
        torch.zeros(3, 1), torch.zeros(3, 1), torch.zeros(3, 1))))
    d = Pix2PixRecipe.for_profile("full").discriminator
    assert d.n_layers == 1 and exercises.grade("ch6.patch_grid", patchgan.patch_grid_size(32, d.n_layers))
    half = torch.full((4,), 0.5)
    assert all(exercises.grade("ch7.lsgan_constant_d", float(t)) for t in losses.lsgan_discriminator_loss(half, half))
    a = torch.randn(200, 3, dtype=torch.float64)
    shift = torch.tensor([3.0, 0.0, 0.0], dtype=torch.float64)
    assert exercises.grade("ch8.fd_shifted_means", float(builds.stable_frechet_distance(a, a + shift)))
    from gan_course.wasserstein import parallel_lines

    assert exercises.grade("ch9.emd_parallel_lines", parallel_lines(-0.4, n=50)["emd"])
    torch.manual_seed(0)
    layers = [torch.nn.Linear(4, 6), torch.nn.LeakyReLU(0.2), torch.nn.Linear(6, 5), torch.nn.LeakyReLU(0.2),
              torch.nn.Linear(5, 1)]
    with torch.no_grad():
        for layer, sigma in zip(layers[::2], (2.0, 0.5, 3.0)):  # give each weight the question's spectral norm
            layer.weight.mul_(sigma / torch.linalg.matrix_norm(layer.weight, ord=2))
    bound = math.prod(float(torch.linalg.matrix_norm(layer.weight, ord=2)) for layer in layers[::2])
    assert exercises.grade("ch9.lipschitz_bound", bound)
    x = torch.randn(256, 4, requires_grad=True)  # and the network's slope never exceeds it
    (grads,) = torch.autograd.grad(torch.nn.Sequential(*layers)(x).sum(), x)
    assert grads.norm(dim=1).max() <= bound + 1e-5


def test_the_instructor_question_cells_hold_the_right_answers():
    import re

    graded = set()
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if "question" not in cell.metadata.get("tags", []) or cell.cell_type != "code":
                continue
            for qid, answer in re.findall(r'exercises\.ask\("([^"]+)",\s*([^)]+)\)', cell.source):
                assert exercises.grade(qid, eval(answer, {"math": math})), (path.name, qid)
                graded.add(qid)
    assert len(graded) >= 30  # the cells were found


def _questions_file(tmp_path, text):
    path = tmp_path / "questions.toml"
    path.write_text(text, encoding="utf-8")
    return path


GOOD_QUESTION = '''[ch2.example]
section = "Binary cross-entropy is the GAN loss"
prompt = "What is 1 + 1?"
answer = 2
explanation = "One and one make two."
'''


def test_the_questions_file_loads_into_the_questions_the_chapters_ask(tmp_path):
    from gan_course.exercises.core import load_questions

    questions = load_questions(_questions_file(tmp_path, GOOD_QUESTION))
    assert list(questions) == ["ch2.example"]
    q = questions["ch2.example"]
    assert (q.chapter, q.answer, q.numeric, q.rtol) == (2, 2, True, 0.01)
    assert load_questions() == {k: v for k, v in exercises.QUESTIONS.items()}  # every question lives in the file
    assert not [m for m in exercises.CHAPTER_MODULES
                if hasattr(importlib.import_module(f"gan_course.exercises.{m}"), "QUESTIONS")]


@pytest.mark.parametrize("text, says", [
    ("[ch2.example\nprompt = 1", "cannot read the questions"),
    (GOOD_QUESTION.replace("answer = 2", "answer = 2\nanswr = 3"), "unknown field 'answr'"),
    (GOOD_QUESTION.replace('explanation = "One and one make two."', ""), "has no explanation"),
    (GOOD_QUESTION.replace("[ch2.example]", "[chapter2.example]"), "[chapter2] is not a chapter"),
    (GOOD_QUESTION.replace("[ch2.example]", "[ch0.example]"), "[ch0] is not a chapter"),
    (GOOD_QUESTION.replace("answer = 2", "answer = true"), "its answer a letter or a number"),
    (GOOD_QUESTION.replace('prompt = "What is 1 + 1?"', 'prompt = "  "'), "non-empty strings"),
    (GOOD_QUESTION.replace('prompt = "What is 1 + 1?"', "prompt = 5"), "non-empty strings"),
    (GOOD_QUESTION + "rtol = -0.1\n", "rtol and atol numbers ≥ 0"),
    (GOOD_QUESTION + "[ch2.example.choices]\na = 7\n", "non-empty strings"),
    ("ch2 = 5\n", "[ch2] is not a chapter"),
    ("[ch2]\nexample = 5\n", "ch2.example must be a table of fields"),
])
def test_a_broken_questions_file_is_one_line_that_names_the_question(tmp_path, text, says):
    from gan_course.exercises.core import load_questions

    with pytest.raises(CourseError) as info:
        load_questions(_questions_file(tmp_path, text))
    message = str(info.value)
    assert says in message and "\n" not in message, message


def test_a_missing_or_undecodable_questions_file_is_one_line(tmp_path):
    from gan_course.exercises.core import load_questions

    for path in (tmp_path / "none.toml", _questions_file(tmp_path, "")):
        if path.exists():
            path.write_bytes(b"\xff\xfe[ch")
        with pytest.raises(CourseError, match="cannot read the questions") as info:
            load_questions(path)
        assert "\n" not in str(info.value)


def test_the_exercise_outcome_numbers_agree_with_the_package():
    import numpy as np
    from gan_course import theory
    from gan_course.models import DCGANConfig, DCGANGenerator
    from gan_course.models import patchgan, sizes

    mu, x = 1.5, np.linspace(-4, 4, 9)
    d = theory.optimal_discriminator(theory.gaussian(0, 1).pdf(x), theory.gaussian(mu, 1).pdf(x))
    b = 1.125
    assert np.abs(d - 1 / (1 + np.exp(-(-mu * x + b)))).max() < 1e-12
    assert exercises.grade("ch1.ex1_bias", b)
    curves = theory.generator_loss_curves(np.array([0.5]))
    assert abs(curves["saturating"]["grad_logit"][0]) == abs(curves["non-saturating"]["grad_logit"][0])
    assert exercises.grade("ch1.ex3_equal_gradients", 0.5)
    t, dim = 0.25, 100
    assert exercises.grade("ch2.ex4_quarter_norm", ((1 - t) ** 2 + t ** 2) * dim)
    assert exercises.grade("ch4.ex1_first_kernel", 7) and sizes.transposed_conv_output_size(1, 7, 1, 0) == 7
    G, macs = DCGANGenerator(DCGANConfig()), []

    def count(module, inputs, output):
        h, w = inputs[0].shape[2:]
        macs.append(h * w * module.in_channels * module.out_channels * module.kernel_size[0] * module.kernel_size[1])

    for m in G.modules():
        if isinstance(m, torch.nn.ConvTranspose2d):
            m.register_forward_hook(count)
    G.eval()
    G(torch.zeros(1, 100))
    assert exercises.grade("ch4.ex3_generator_macs", sum(macs))
    assert exercises.grade("ch5.ex3_fixed_sigma_nll", float(losses.gaussian_info_loss(
        torch.zeros(1, 1), torch.zeros(1, 1), torch.ones(1, 1))))
    assert exercises.grade("ch6.ex1_receptive_field_4", patchgan.receptive_field(4))
    r = 1
    for k, s in reversed([(5, 2), (5, 1), (5, 1)]):
        r = (r - 1) * s + k
    assert exercises.grade("ch6.ex5_kernel5", r)


def test_every_end_of_chapter_exercise_states_an_expected_outcome():
    import re

    for path in sorted((ROOT / "notebooks").glob("0*.ipynb")):
        text = "\n\n".join(c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "markdown")
        start = [m.end() for m in re.finditer(r"^## Exercises\s*$", text, re.M)]
        if not start:  # chapters whose exercise list starts in the summary cell
            start = [text.index("**1. ")]
        body = text[start[-1] if start else 0:]
        body = re.sub(r"```\{admonition\} Solution.*?\n```", "", body, flags=re.S)
        statements = re.split(r"\n\s*(?=\*\*\d+\. )", "\n" + body[body.index("**1. "):])
        statements = [s for s in statements if s.strip().startswith("**")]
        assert statements, path.name
        for s in statements:
            assert "Expected outcome" in s, (path.name, s[:80])


def test_every_section_a_hint_names_is_a_heading_of_its_chapter():
    """A learner told to reread "section X" finds X among the chapter's headings."""
    headings: dict[int, set[str]] = {}
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        found = headings.setdefault(int(path.name[:2]), set())
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "markdown":
                found.update(h.strip() for h in re.findall(r"^#+\s+(.*)$", cell.source, re.M))
    wrong = [(key, item.section) for registry in (exercises.EXERCISES, exercises.QUESTIONS)
             for key, item in registry.items() if item.section and item.section not in headings.get(item.chapter, ())]
    assert not wrong, f"sections that are not headings of their chapter: {wrong}"


# ------------------------------------------------------------------ the exercises' texts (chNN.toml)
def _double(x):
    return 2 * x


def _triple(x):
    return 3 * x


def _square(x):
    return x * x


GOOD_TEXT = '''[ch2.double]
title = "doubling"
section = "Binary cross-entropy is the GAN loss"
hints = ["twice is two times", "add it to itself"]

[ch2.double.mistakes]
_triple = ["three times", "one time too many"]
_square = "multiplied by itself, not by two"
'''


def _check():
    return exercises.Check(_double, [_triple, _square], lambda: [(torch.tensor(3.0),)])


def test_an_exercise_is_its_check_joined_with_its_text(tmp_path):
    ex = exercises.exercises_from({"ch2.double": _check()}, [_questions_file(tmp_path, GOOD_TEXT)])["ch2.double"]
    assert (ex.chapter, ex.title, ex.hint, ex.hints) == (2, "doubling", "twice is two times", ("add it to itself",))
    assert [(m.name, m.title, m.hint) for m in ex.mistakes] == [
        ("_triple", "three times", "one time too many"), ("_square", "square", "multiplied by itself, not by two")]
    assert float(ex.mistakes[0](torch.tensor(3.0))) == 9.0 and ex.cases()[0][0] == 3.0  # the code half


@pytest.mark.parametrize("text, checks, says", [
    (GOOD_TEXT + '\n[ch2.extra]\ntitle = "x"\n', None, "ch02.toml: [ch2.extra] has no exercise: add its Check"),
    (GOOD_TEXT, {"ch2.double": 1, "ch2.other": 1}, "ch02.toml has no [ch2.other]: write its title"),
    (GOOD_TEXT.replace("[ch2.double]", "[ch2.doubled]").replace("[ch2.double.", "[ch2.doubled."), None,
     "ch02.toml has no [ch2.double]"),
    (GOOD_TEXT.replace('_square = "multiplied by itself, not by two"\n', ""), None,
     "has no hint for the mistake _square"),
    (GOOD_TEXT + "_halve = \"half\"\n", None, "names _halve, which is not one of the exercise's mistakes"),
    (GOOD_TEXT.replace('title = "doubling"', 'titel = "doubling"'), None, "unknown field 'titel'"),
    (GOOD_TEXT.replace('hints = ["twice is two times", "add it to itself"]', "hints = []"), None,
     "hints a list of one or more texts"),
    (GOOD_TEXT.replace('hints = ["twice is two times", "add it to itself"]', 'hints = "twice"'), None,
     "hints a list of one or more texts"),
    (GOOD_TEXT.replace('_triple = ["three times", "one time too many"]', '_triple = ["three", "times", "x"]'), None,
     '_triple must be a hint, or ["label", "hint"]'),
    (GOOD_TEXT.replace('_triple = ["three times", "one time too many"]', "_triple = 3"), None,
     '_triple must be a hint, or ["label", "hint"]'),
    (GOOD_TEXT.replace("[ch2.double]", "[chapter.double]").replace("[ch2.double.", "[chapter.double."), None,
     "[chapter] is not a chapter"),
    (GOOD_TEXT.replace("hints = [", "hints = [[").replace("itself\"]", "itself\"]]"), None,
     "hints a list of one or more texts"),
    ("[ch2.double\ntitle = 1", None, "cannot read the exercise texts"),
])
def test_a_broken_exercise_text_is_one_line_that_names_the_file_and_the_exercise(tmp_path, text, checks, says):
    checks = {k: _check() for k in checks} if checks else {"ch2.double": _check()}
    path = tmp_path / "ch02.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CourseError) as info:
        exercises.exercises_from(checks, [path])
    message = str(info.value)
    assert says in message and "\n" not in message, message


def test_an_exercise_text_in_two_files_or_a_check_that_is_not_one_is_refused(tmp_path):
    (tmp_path / "a").mkdir(), (tmp_path / "b").mkdir()
    paths = [tmp_path / d / "ch02.toml" for d in "ab"]
    for path in paths:
        path.write_text(GOOD_TEXT, encoding="utf-8")
    with pytest.raises(CourseError, match=r"^ch02.toml: \[ch2.double\] is also in ch02.toml: keep one$"):
        exercises.exercises_from({"ch2.double": _check()}, paths)
    with pytest.raises(CourseError, match="exercise 'ch2.double' is a function, not a Check"):
        exercises.exercises_from({"ch2.double": _double}, paths[:1])


def test_every_exercise_text_of_the_course_belongs_to_its_chapter_file():
    from gan_course.exercises.core import EXERCISE_TEXTS

    for path in sorted(EXERCISE_TEXTS.glob("ch[0-9][0-9].toml")):
        chapter = int(path.stem[2:])
        ids = re.findall(r"^\[(ch\d+\.\w+)\]$", path.read_text(encoding="utf-8"), flags=re.M)
        assert ids and all(exercises.EXERCISES[i].chapter == chapter for i in ids), path.name
