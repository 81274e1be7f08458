"""The notebook API in a real Jupyter kernel: tests/notebooks/api.ipynb executed by nbclient.

The kernel is this interpreter's (a kernelspec written for the test, running
``sys.executable -m ipykernel_launcher``), so it imports the vecbench under
test. Its outputs must hold the verdicts as text and as an HTML table, the
comparison's table, the plot as a PNG image, and the learner's function
timed beside the built-in tiers.
"""

import gc
import json
import sys
import warnings
from pathlib import Path

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient

from vecbench import usercode

NOTEBOOK = Path(__file__).parent / "notebooks" / "api.ipynb"


def this_interpreters_kernel(folder: Path) -> KernelManager:
    spec = folder / "kernels" / "vecbench-test"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "vecbench test", "language": "python"}))
    return KernelManager(kernel_name="vecbench-test",
                         kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(folder / "kernels")]))


def outputs(cell) -> dict[str, list]:
    """The cell's outputs by MIME type (``stream`` text under "stream")."""
    found: dict[str, list] = {}
    for out in cell.outputs:
        if out.output_type == "stream":
            found.setdefault("stream", []).append(out.text)
        elif out.output_type == "error":
            found.setdefault("error", []).append(f"{out.ename}: {out.evalue}")
        else:
            for mime, data in out.data.items():
                found.setdefault(mime, []).append(data)
    return found


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    folder = tmp_path_factory.mktemp("kernel")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), "stored with outputs"
    client = NotebookClient(nb, km=this_interpreters_kernel(folder), timeout=120,
                            resources={"metadata": {"path": str(folder)}})
    client.execute()
    # nbclient and jupyter_client leave zmq sockets for the garbage collector (jupyter/nbclient#316);
    # collected here, under a filter for just that warning, rather than at the session's end
    del client
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Unclosed socket", ResourceWarning)
        gc.collect()
    return [outputs(c) for c in nb.cells if c.cell_type == "code"]


def test_the_kernel_runs_this_interpreter_without_errors(executed):
    assert executed[0]["stream"][0].strip() == sys.executable
    assert [o.get("error") for o in executed] == [None] * len(executed)


def test_check_module_prints_the_verdicts_and_shows_an_html_table(executed):
    cell = executed[2]
    printed = "".join(cell["stream"])
    assert "sigmoid: matches (week 2 form: sigmoid(x) -> s): 8 inputs agree with the reference" in printed
    assert "propagate: unstable (week 2 logistic regression form" in printed  # the course's log(0)
    assert "divide by zero encountered in log" in printed
    missing = len(usercode.COURSE_NAMES) - 2
    assert printed.splitlines()[-1] == f"no function wrong or crashed (1 matches, 1 unstable, {missing} not found)"
    assert printed.strip() == cell["text/plain"][0].strip()  # print() and the repr say the same
    (page,) = cell["text/html"]
    assert page.startswith("<table>") and "<td style=\"text-align:left\">sigmoid</td>" in page
    assert "<td style=\"text-align:left\">matches</td>" in page and "-&gt; (grads, cost)" in page


def test_compare_shows_its_table_and_its_plot_inline(executed):
    table, plot = executed[3], executed[4]
    (page,) = table["text/html"]
    assert "<th style=\"text-align:right\">numpy vs loops</th>" in page
    assert "<td style=\"text-align:left\">1,000</td>" in page
    assert "MISMATCH" not in page and "error" not in page
    assert table["text/plain"][0].splitlines()[1].split() == ["n", "loops", "numpy", "numpy", "vs", "loops"]
    (image,) = plot["image/png"]
    assert image.startswith("iVBORw0KGgo")  # base64 of the PNG signature
    assert len(image) > 10_000


def test_bench_shows_the_learners_tier_beside_the_built_in_ones(executed):
    cell = executed[5]
    text, (page,) = cell["text/plain"][0], cell["text/html"]
    assert text.startswith("sigmoid as tier yours of kernel sigmoid: median time per call")
    assert text.splitlines()[1].split()[:4] == ["n", "python", "numpy", "yours"]
    assert "<th style=\"text-align:right\">yours vs numpy</th>" in page
    assert "sigmoid: matches (week 2 form: sigmoid(x) -&gt; s)" in page
