"""The CycleGAN history pool (gan_course.image_pool): filling, swapping, seeding, resuming."""

from __future__ import annotations


import pytest
import torch

from gan_course.errors import CourseError
from gan_course.image_pool import ImagePool


# ------------------------------------------------------------------ image pool
def _numbered(start: int, n: int) -> torch.Tensor:
    return torch.arange(start, start + n, dtype=torch.float32).view(n, 1, 1, 1).expand(n, 1, 2, 2).clone()


def test_pool_fills_to_its_size_returning_the_new_images():
    pool = ImagePool((1, 2, 2), size=50, seed=0)
    for start in range(0, 50, 10):
        batch = _numbered(start, 10)
        assert torch.equal(pool.query(batch), batch)  # while filling, D sees exactly the new fakes
    assert len(pool) == 50
    assert torch.equal(pool.images[:, 0, 0, 0], torch.arange(50.0))


def test_full_pool_swaps_about_half_and_keeps_the_new_images():
    pool = ImagePool((1, 2, 2), size=50, seed=0)
    pool.query(_numbered(0, 50))
    new = _numbered(1000, 400)
    ids = new[:, 0, 0, 0]  # 1000..1399, in order
    out = pool.query(new)[:, 0, 0, 0]
    passed = out == ids
    # D sees, at each position, its own new fake or one that sat in the pool at that moment:
    # an old image (0..49) or an EARLIER new fake of this batch that was stored; never a later one
    earlier_new = (out >= 1000) & (out < ids)
    assert torch.all(passed | (out < 50) | earlier_new)
    assert earlier_new.any()  # stored new fakes do come back out
    # nothing lost, nothing duplicated: each swap hands out a stored image and stores the new one
    assert sorted(out.tolist() + pool.images[:, 0, 0, 0].tolist()) == list(range(50)) + ids.tolist()
    swapped = (~passed).float().mean().item()
    assert 0.4 < swapped < 0.6  # probability 0.5
    stored = set(pool.images[:, 0, 0, 0].tolist())
    assert len(pool) == 50 and stored & set(range(1000, 1400))  # new fakes took slots


def test_swapped_image_leaves_and_new_image_takes_its_slot():
    pool = ImagePool((1, 2, 2), size=3, seed=0, p_swap=1.0)  # always swap once full
    pool.query(_numbered(0, 3))
    before = pool.images[:, 0, 0, 0].clone()
    out = pool.query(_numbered(10, 1))[0, 0, 0, 0].item()
    after = pool.images[:, 0, 0, 0]
    slot = int((before == out).nonzero())
    assert out in {0.0, 1.0, 2.0} and after[slot] == 10 and (after != before).sum() == 1


def test_pool_is_seeded_deterministic_and_resumable():
    def run(pool, batches):
        return [pool.query(b) for b in batches]

    batches = [_numbered(100 * i, 20) for i in range(6)]
    a, b = ImagePool((1, 2, 2), seed=3), ImagePool((1, 2, 2), seed=3)
    assert all(torch.equal(x, y) for x, y in zip(run(a, batches), run(b, batches)))
    c = ImagePool((1, 2, 2), seed=4)
    assert not all(torch.equal(x, y) for x, y in zip(run(c, batches), run(ImagePool((1, 2, 2), seed=3), batches)))
    first, second = ImagePool((1, 2, 2), seed=5), ImagePool((1, 2, 2), seed=0)
    run(first, batches[:3])
    second.load_state_dict(first.state_dict())  # what a checkpoint restores
    assert all(torch.equal(x, y) for x, y in zip(run(first, batches[3:]), run(second, batches[3:])))


def test_pool_edge_cases():
    x = _numbered(0, 4)
    assert torch.equal(ImagePool((1, 2, 2), size=0).query(x), x)  # size 0: no pool
    with pytest.raises(CourseError, match="50"):
        ImagePool((1, 2, 2), size=-1)
    with pytest.raises(CourseError, match="image shape"):
        ImagePool((1, 2, 2)).query(torch.zeros(2, 1, 3, 3))


@pytest.mark.parametrize("size,batch", [(1, 4), (3, 5), (5, 2), (8, 8)])
def test_the_batched_pool_is_the_one_image_at_a_time_rule(size, batch):
    """Against the rule written out image by image (the pool's own generator drawn in the same order): the same
    images shown and stored, also when two fakes of one batch pick the same slot (a pool of 1 makes that certain)."""
    pool = ImagePool((1, 2, 2), size=size, seed=5)
    gen = torch.Generator().manual_seed(5)
    stored: list[torch.Tensor] = []
    for step in range(12):
        fakes = torch.randn(batch, 1, 2, 2, generator=torch.Generator().manual_seed(100 + step))
        expected = []
        for image in fakes:
            if len(stored) < size:
                stored.append(image.clone())
                expected.append(image)
            elif torch.rand((), generator=gen).item() < 0.5:
                slot = int(torch.randint(0, size, (), generator=gen))
                expected.append(stored[slot])
                stored[slot] = image.clone()
            else:
                expected.append(image)
        assert torch.equal(pool.query(fakes), torch.stack(expected)), step
        assert torch.equal(pool.images[:len(stored)], torch.stack(stored)), step
