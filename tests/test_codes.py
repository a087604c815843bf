"""What InfoGAN's codes do, measured (gan_course.metrics.codes): image statistics, the code-class table."""


import pytest
import torch

from gan_course.errors import CourseError


# ------------------------------------------------------------ chapter views
def test_image_statistics_on_drawn_shapes():
    from gan_course.metrics.codes import image_statistics

    img = -torch.ones(3, 1, 28, 28)
    img[0, 0, 4:24, 12:16] = 1  # an upright bar 4 wide, 20 high
    img[1, 0, 4:24, 8:20] = 1  # a wider bar
    for r in range(4, 24):  # a bar leaning right going down: one pixel across per pixel down
        img[2, 0, r, r - 2:r + 2] = 1
    s = image_statistics(img)
    assert s["brightness"][0].item() == pytest.approx(80 / 784)
    assert s["width"][1] > s["width"][0] and s["height"][0] > s["width"][0]
    assert s["slant"][0].item() == pytest.approx(0.0, abs=1e-5)
    assert s["slant"][2].item() == pytest.approx(1.0, abs=1e-4)
    with pytest.raises(CourseError, match="grey images"):
        image_statistics(torch.zeros(2, 3, 28, 28))


def test_code_class_table_keeps_every_class():
    from gan_course.metrics.codes import code_class_table

    table = code_class_table(torch.tensor([0, 0, 1]), torch.tensor([3, 3, 9]), n_codes=2)
    assert table.shape == (2, 10) and table[0, 3] == 2 and table[1, 9] == 1 and table.sum() == 3
