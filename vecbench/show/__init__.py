"""Showing a run: the terminal table, plots, the roofline and the report page.

``report`` (the speed-up table and the self-contained HTML or markdown
page), ``plots`` (the report's figures), ``roofplot`` (kernels against the
ceilings, % of ceiling) and ``demo`` (the course's vectorization demo). Reads
run documents; measures nothing itself except what ``demo`` times.
"""
