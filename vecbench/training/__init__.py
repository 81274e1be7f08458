"""End-to-end training: the course's models composed of one tier's kernels.

``data`` (course-format HDF5 data sets, synthetic stand-ins), ``train``
(gradient descent for logistic regression, the shallow and the deep network),
``fit`` (one training run summarised, with its learning curve) and
``workloads`` (one training iteration as a kernel the sweep can time).
"""
