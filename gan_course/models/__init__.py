"""The course's networks, one module per family, one ``@dataclass`` config per model."""

from .mlp import MLPConfig, MLPDiscriminator, MLPGenerator
from .toy import ToyConfig, ToyDiscriminator, ToyGenerator

__all__ = ["MLPConfig", "MLPDiscriminator", "MLPGenerator",
           "ToyConfig", "ToyDiscriminator", "ToyGenerator"]
