"""The results' two faces: a plain-text table for ``print`` and a small HTML table for Jupyter.

Every string that reaches the HTML, headers and cells alike, goes through
``html.escape``: a verdict quotes a learner's own code and exception text.
"""

from __future__ import annotations

import html


def text_table(headers: list[str], rows: list[list[str]]) -> list[str]:
    """Columns padded to their widest cell, the first left-aligned, the rest right-aligned."""
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]

    def line(cells: list[str]) -> str:
        first, *rest = [str(c) for c in cells]
        return "  ".join([first.ljust(widths[0]), *(c.rjust(w) for c, w in zip(rest, widths[1:]))]).rstrip()

    return [line(headers), "  ".join("-" * w for w in widths), *(line(r) for r in rows)]


def html_table(headers: list[str], rows: list[list[str]], caption: str = "", notes: list[str] = (),
               figures: bool = True) -> str:
    """A table with an optional caption, and notes below it as a list; ``figures``: the
    columns after the first hold numbers (right-aligned), else text (left-aligned)."""
    esc = html.escape
    align = lambda i: "right" if figures and i else "left"  # noqa: E731
    head = "".join(f'<th style="text-align:{align(i)}">{esc(str(h))}</th>' for i, h in enumerate(headers))
    body = "".join("<tr>" + "".join(f'<td style="text-align:{align(i)}">{esc(str(c))}</td>'
                                    for i, c in enumerate(r)) + "</tr>" for r in rows)
    cap = f"<caption style='text-align:left'>{esc(caption)}</caption>" if caption else ""
    out = f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    if notes:
        out += "<ul>" + "".join(f"<li>{esc(n)}</li>" for n in notes) + "</ul>"
    return out
