"""ganbook: the computations behind the book on Goodfellow et al. 2014, *Generative Adversarial Nets*.

Layers, lowest first; a module imports only from layers below its own, or from its own
subpackage, never in a circle (tests/test_layers.py reads every import and enforces it):

  base      leaves: the quick/full switch, atomic files and SHA256, PNG, the paper's formulas
  data      p_data: MNIST, faces, the 1-D and 2-D mixtures, the paper's splits
  core      nets, p_z, models that sample themselves, objectives, steps, recipe, the one loop,
            checkpoints, and build: the one place that makes a run's nets for a spec
  measures  Parzen, the classifier-feature measures, modes of a mixture, the collapse detector
  store     shipped weights and run folders (one checksum convention: SHA256 in the record)
  chapters  each chapter's experiments (Table 1, sweeps, VAE, DCGAN and latent, toys, mixtures)
  widgets, cli   what a reader drives: JupyterLab widgets and ``python -m ganbook``

A new concept goes in the lowest layer that can hold it; one module, one concept, under 300 lines.
"""
__version__ = "0.1.0"
