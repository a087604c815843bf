"""show_source(..., idea_only=True): the chapters show the idea; the argument checks are one comment line."""

from __future__ import annotations

import inspect

from gan_course.runtime import source_markdown, without_checks

SOURCE = '''def scale(x, factor):
    """Multiply x by factor."""
    if factor <= 0:
        raise ValueError("factor must be positive")
    if not isinstance(x, float):
        raise TypeError("x must be a float")

    assert x == x
    y = x * factor  # the idea
    if y > 10:
        y = 10.0  # a branch that is not a check stays
    return y
'''


def test_checks_become_one_comment_and_the_idea_stays():
    shown, hidden = without_checks(SOURCE)
    assert hidden == 6
    assert "raise" not in shown and "assert" not in shown
    assert "y = x * factor  # the idea" in shown and "if y > 10:" in shown and "return y" in shown
    assert shown.count("argument checks") == 1  # checks separated only by a blank line make one run, one comment
    namespace: dict = {}
    exec(compile(SOURCE, "<test>", "exec"), namespace)  # the shown code is the code that runs, minus the checks
    assert namespace["scale"](2.0, 3.0) == 6.0


def test_a_class_loses_its_post_init_and_a_real_model_keeps_its_forward():
    from gan_course.models.unet import UNetGenerator

    full = inspect.getsource(UNetGenerator)
    shown, hidden = without_checks(full)
    assert hidden > 0 and len(shown.splitlines()) < len(full.splitlines())
    assert "def forward" in shown and "torch.cat" in shown
    assert "argument checks" in source_markdown(UNetGenerator, idea_only=True)
    assert "argument checks" not in source_markdown(UNetGenerator)


def test_source_without_checks_is_unchanged():
    plain = "def f(x):\n    return x + 1\n"
    assert without_checks(plain) == (plain, 0)


def test_calls_of_the_argument_helpers_are_checks_too():
    """A loss checks its inputs with gan_course.arguments (issue 30 §5): the chapter shows the formula only."""
    from gan_course.losses import categorical_info_loss, cycle_consistency_loss, discriminator_loss

    for fn in (discriminator_loss, cycle_consistency_loss, categorical_info_loss):
        shown, hidden = without_checks(inspect.getsource(fn))
        assert hidden > 0 and "argument checks" in shown, fn.__name__
        assert "scores(" not in shown and "same_shape(" not in shown and "tensor(" not in shown, shown
        assert "return" in shown
    source = "def f(x, n):\n    n = arguments.whole('n', n, 1)\n    check_x(x)\n    y = g(x)\n    return y\n"
    shown, hidden = without_checks(source)
    assert hidden == 2 and "y = g(x)" in shown
