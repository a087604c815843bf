"""Every figure the chapters draw. No plotting code lives in chapter cells."""

from .history import check_health, plot_health, plot_losses
from .images import image_grid, show_grid, show_snapshots

__all__ = ["check_health", "image_grid", "plot_health", "plot_losses", "show_grid", "show_snapshots"]
