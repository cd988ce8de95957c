"""ganbook: the computations behind the book on Goodfellow et al. 2014, *Generative Adversarial Nets*."""
__version__ = "0.1.0"
