"""The asv suite (see asv.conf.json): generated from ``impls.KERNELS``, no kernel code here."""
