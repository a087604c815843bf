"""The two halves of one GAN iteration, as the chapters show them.

Bind the networks with ``functools.partial`` and hand both to the
:class:`~gan_course.training.Trainer`::

    d = partial(d_step, G=G, D=D, opt_D=opt_D, latent_dim=100)
    g = partial(g_step, G=G, D=D, opt_G=opt_G, latent_dim=100)
"""

from __future__ import annotations

import torch

from .losses import discriminator_loss, generator_nonsaturating_loss


def d_step(batch, ctx, *, G, D, opt_D, latent_dim: int, discriminator_loss=discriminator_loss) -> dict:
    """One discriminator update: push D(x) up on real images and D(G(z)) down on fakes.

    ``discriminator_loss(real_logits, fake_logits) -> (loss_real, loss_fake)`` is the course's by default;
    chapter 2 passes the learner's own when it passes its check.
    """
    real, _ = batch  # (B, C, H, W) in [-1, 1]; labels unused by an unconditional GAN
    z = torch.randn(real.shape[0], latent_dim, device=real.device)  # (B, latent_dim)
    with ctx.autocast():
        fake = G(z).detach()  # (B, C, H, W); detach: this update must not reach G's weights
        real_logits, fake_logits = D(real), D(fake)  # (B,), (B,)
        loss_real, loss_fake = discriminator_loss(real_logits, fake_logits)
    ctx.backward_step(loss_real + loss_fake, opt_D)
    return {"loss_d_real": loss_real, "loss_d_fake": loss_fake,
            "d_real": torch.sigmoid(real_logits.float()).mean(),  # mean D(x)
            "d_fake": torch.sigmoid(fake_logits.float()).mean()}  # mean D(G(z)) before the update


def g_step(batch, ctx, *, G, D, opt_G, latent_dim: int, generator_loss=generator_nonsaturating_loss) -> dict:
    """One generator update: make the (just improved) D call fresh fakes real."""
    real, _ = batch
    z = torch.randn(real.shape[0], latent_dim, device=real.device)  # fresh noise (B, latent_dim)
    with ctx.autocast():
        fake_logits = D(G(z))  # no detach: the gradient must flow through D into G
        loss = generator_loss(fake_logits)
    ctx.backward_step(loss, opt_G)  # gradients for G's weights only (backward's inputs), then G's step
    return {"loss_g": loss}
