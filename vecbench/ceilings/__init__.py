"""The machine's ceilings: what the best possible figure would be.

``roofline`` measures memory bandwidth (STREAM-style) and peak FLOP/s (BLAS
matrix multiply), ``vectormath`` tells whether exp/log/tanh are vectorized in
this build, and ``store`` keeps one entry per machine in
``results/ceilings.json`` and attaches it to a run. The lowest layer: it
imports only ``vecbench.files``.
"""
