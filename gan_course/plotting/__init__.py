"""Every figure the chapters draw. No plotting code lives in chapter cells."""

from .diagrams import (cyclegan_diagram, dcgan_diagram, gan_game_diagram, infogan_diagram,
                       unet_patchgan_diagram)
from .history import check_health, plot_compare, plot_health, plot_losses
from .images import image_grid, save_grid, show_grid, show_snapshots
from .metrics import plot_fd_vs_n, plot_precision_recall, show_ladder
from .quality import plot_quality
from .toy import (plot_coverage_over_training, plot_densities_1d, plot_final_samples, plot_generator_losses,
                  plot_grad_norms_vs_d, plot_jsd_sweep, plot_points, plot_value_convergence, toy_frame)

__all__ = ["check_health", "image_grid", "plot_compare", "plot_health", "plot_losses", "plot_quality", "save_grid", "show_grid",
           "show_snapshots",
           # architecture diagrams (diagrams.py)
           "cyclegan_diagram", "dcgan_diagram", "gan_game_diagram", "infogan_diagram", "unet_patchgan_diagram",
           # chapter 8 (metrics.py)
           "plot_fd_vs_n", "plot_precision_recall", "show_ladder",
           # chapter 1 (toy.py)
           "plot_coverage_over_training", "plot_densities_1d", "plot_final_samples", "plot_generator_losses",
           "plot_grad_norms_vs_d", "plot_jsd_sweep", "plot_points", "plot_value_convergence", "toy_frame"]
