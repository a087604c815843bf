"""The training-health check (gan_course.metrics.health) on constructed histories."""

import numpy as np

from gan_course.metrics.health import check_health
from helpers import fake_history


def test_check_health_quiet_on_a_healthy_run(capsys):
    h = fake_history(2000, 0.6, 0.4)
    assert check_health(h) == []
    assert "no collapse symptom" in capsys.readouterr().out


def test_check_health_flags_d_winning(capsys):
    n = 2000
    d_real = np.concatenate([np.full(n // 2, 0.6), np.full(n // 2, 0.9999)])
    d_fake = np.concatenate([np.full(n // 2, 0.4), np.full(n // 2, 0.0001)])
    messages = check_health(fake_history(n, d_real, d_fake))
    assert len(messages) == 1 and "wins outright" in messages[0]
    assert "wins outright" in capsys.readouterr().out


def test_check_health_only_judges_the_last_window():
    n = 2000  # D won early on, then the game recovered: no warning now
    d_real = np.concatenate([np.full(n // 2, 0.995), np.full(n // 2, 0.6)])
    d_fake = np.concatenate([np.full(n // 2, 0.005), np.full(n // 2, 0.4)])
    assert check_health(fake_history(n, d_real, d_fake), verbose=False) == []


def test_check_health_flags_a_vanished_generator_gradient():
    n = 1000
    grad = np.geomspace(1.0, 1e-4, n)  # G's gradient dies away
    messages = check_health(fake_history(n, 0.7, 0.3, grad_g=grad), verbose=False)
    assert len(messages) == 1 and "stopped learning" in messages[0]
    # a gradient that merely shrinks a few times over is normal
    assert check_health(fake_history(n, 0.7, 0.3, grad_g=np.geomspace(1.0, 0.2, n)), verbose=False) == []


def test_check_health_short_history_is_not_judged():
    assert check_health(fake_history(5, 0.999, 0.001), verbose=False) == []


def test_the_engine_and_the_health_check_share_one_definition_of_d_wins():
    import inspect

    from gan_course import training
    from gan_course.metrics.health import D_WINS_FAKE, D_WINS_REAL, d_wins

    assert d_wins(0.995, 0.005) and not d_wins(0.97, 0.005) and not d_wins(0.995, 0.02)
    assert (D_WINS_REAL, D_WINS_FAKE) == (0.99, 0.01)
    source = inspect.getsource(training.Trainer._check_d_wins)
    assert "d_wins(" in source and "0.99" not in source and "0.01" not in source
