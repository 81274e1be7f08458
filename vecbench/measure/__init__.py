"""The measurement: what a figure is and how it is taken.

``check`` (the equivalence gate: a tier is timed only if it matches the
reference), ``timing`` (one measurement: first call apart, autorange,
samples, statistics), ``sweep`` (kernels x sizes x tiers, budgeted, in
passes), ``run`` (a whole run as one document), ``results`` (the run file's
schema, atomic save, strict load) and ``machine`` (what the figures were
measured on, and the thread counts). Imports nothing above it but
``vecbench.ceilings``.
"""
