"""The course's networks, one module per family, one ``@dataclass`` config per model."""

from .cgan import CGANConfig, ConditionalDiscriminator, ConditionalGenerator, check_labels
from .dcgan import DCGANConfig, DCGANDiscriminator, DCGANGenerator, layer_sizes
from .layers import NORMS, init_weights, norm_layer
from .infogan import (InfoGANConfig, InfoGANDiscriminator, InfoGANGenerator, InfoGANOutput,
                      sample_codes)
from .mlp import MLPConfig, MLPDiscriminator, MLPGenerator
from .patchgan import PatchGANConfig, PatchGANDiscriminator, patch_grid_size, receptive_field
from .resnet_gen import CycleGenerators, ResidualBlock, ResnetGenerator, ResnetGeneratorConfig
from .sizes import conv_output_size, transposed_conv_output_size
from .toy import ToyConfig, ToyDiscriminator, ToyGenerator
from .unet import UNetConfig, UNetGenerator

__all__ = ["MLPConfig", "MLPDiscriminator", "MLPGenerator",
           "ToyConfig", "ToyDiscriminator", "ToyGenerator",
           "PatchGANConfig", "PatchGANDiscriminator", "patch_grid_size", "receptive_field",
           "UNetConfig", "UNetGenerator",
           "DCGANConfig", "DCGANDiscriminator", "DCGANGenerator", "layer_sizes",
           "NORMS", "init_weights", "norm_layer",
           "conv_output_size", "transposed_conv_output_size",
           "InfoGANConfig", "InfoGANDiscriminator", "InfoGANGenerator", "InfoGANOutput", "sample_codes",
           "CGANConfig", "ConditionalDiscriminator", "ConditionalGenerator", "check_labels",
           "CycleGenerators", "ResidualBlock", "ResnetGenerator", "ResnetGeneratorConfig"]
from .critic import CRITICS, DCGANCritic, ToyCritic, apply_spectral_norm, layer_weight_grad_norms  # noqa: E402

__all__ += ["CRITICS", "DCGANCritic", "ToyCritic", "apply_spectral_norm", "layer_weight_grad_norms"]
from .stylegan import (StyleGANConfig, StyleGenerator, mix_styles, modulated_conv2d, modulated_weights,  # noqa: E402
                       truncate)

__all__ += ["StyleGANConfig", "StyleGenerator", "mix_styles", "modulated_conv2d", "modulated_weights", "truncate"]
