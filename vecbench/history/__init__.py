"""History across commits with asv, and a site that opens anywhere.

``runner`` sequences the asv commands (machine, run over the last commits,
publish, preview), ``asv_results`` reads asv's own files, ``page`` draws the
static, script-free history page, ``offline`` replaces the site's CDN assets
with local copies, and ``site`` does both after a publish. The asv suite
itself lives in ``benchmarks/``.
"""
