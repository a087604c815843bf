"""Every figure the chapters draw. No plotting code lives in chapter cells (nor in the widgets).

Figures by subject: :mod:`.images` (grids), :mod:`.history` (training curves), :mod:`.diagrams`
(architectures), :mod:`.toy` (chapter 1), :mod:`.convolution` (chapter 4), :mod:`.codes` (chapter 5),
:mod:`.translation` (chapters 6 and 7), :mod:`.metrics` (chapter 8), :mod:`.diffusion` (chapter 11).
"""

from .codes import plot_code_classes, plot_code_effects, plot_info_losses
from .convolution import plot_transposed_conv_1d
from .diagrams import (alternating_update_diagram, conditional_diagram, cyclegan_diagram, dcgan_diagram,
                       gan_game_diagram, infogan_diagram, knn_balls_diagram, unet_patchgan_diagram)
from .history import plot_compare, plot_health, plot_losses
from .images import image_grid, save_grid, show_grid, show_snapshots
from .metrics import plot_fd_vs_n, plot_precision_recall, show_ladder
from .translation import plot_cyclegan_losses, show_patches, show_rows, show_translations
from .quality import plot_quality
from .toy import (plot_coverage_over_training, plot_densities_1d, plot_final_samples, plot_generator_losses,
                  plot_grad_norms_vs_d, plot_jsd_sweep, plot_points, plot_value_convergence, toy_frame)

__all__ = ["image_grid", "plot_compare", "plot_health", "plot_losses", "plot_quality", "save_grid", "show_grid",
           "show_snapshots",
           # architecture diagrams (diagrams.py)
           "alternating_update_diagram", "conditional_diagram", "cyclegan_diagram", "dcgan_diagram", "gan_game_diagram",
           "infogan_diagram", "knn_balls_diagram", "unet_patchgan_diagram",
           # chapter 4 (convolution.py), chapter 5 (codes.py), chapters 6 and 7 (translation.py)
           "plot_transposed_conv_1d", "plot_code_classes", "plot_code_effects", "plot_info_losses",
           "plot_cyclegan_losses", "show_patches", "show_rows", "show_translations",
           # chapter 8 (metrics.py)
           "plot_fd_vs_n", "plot_precision_recall", "show_ladder",
           # chapter 1 (toy.py)
           "plot_coverage_over_training", "plot_densities_1d", "plot_final_samples", "plot_generator_losses",
           "plot_grad_norms_vs_d", "plot_jsd_sweep", "plot_points", "plot_value_convergence", "toy_frame"]
