"""One side of an interleaved A/B (``vecbench ab``): a sweep taken one step at a time, on request.

``vecbench.verdict.ab`` starts one such process per revision, with the
revision's ``impls`` first on the path (its working folder holds nothing
else), and asks them in turn to measure the same kernel x size, so that
whatever the machine does meanwhile falls on both sides alike. The
instrument is today's (the sweep of ``vecbench run``, its gate, its process
set-up); what is measured is the revision's kernels.

Run as ``python -m vecbench.verdict.ab_side SETTINGS_JSON``. One JSON object
per line each way, on the process's own standard input and output (anything
else the kernels print goes to standard error):

    -> {"op": "steps"}                              <- {"impls": path, "steps": [[kernel, n], ...],
                                                         "missing": [kernel, ...]}
    -> {"op": "first", "kernel": K, "n": N}         <- {"later": bool}  (samples left for later passes)
    -> {"op": "later", "kernel": K, "n": N, "pass": P}  <- {}
    -> {"op": "end"}                                <- {"run": the run document}

Each answer comes once this process's thread pools have gone idle
(``timing.quiesce``), so that a pool still spinning here cannot take a core
from the other side's samples. A failure to start (the revision's kernels do
not import, or do not speak today's ``Kernel`` spec) is answered with
``{"error": "..."}`` and exit status 2.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from contextlib import ExitStack
from typing import IO, Any


def serve(settings_json: str, requests: IO[str], answers: IO[str]) -> None:
    """Answer requests until ``end`` (or the end of input).

    The revision's kernels are imported here, not with the module, so that
    kernels that fail to import are answered as an error, not a traceback.
    """
    import impls
    from vecbench.measure import core, timing
    from vecbench.measure.run import begin, finish
    from vecbench.measure.settings import Settings
    from vecbench.training import workloads

    fields = json.loads(settings_json)
    settings = Settings(**{k: v for k, v in fields.items() if k in Settings.__dataclass_fields__})

    def answer(obj: dict[str, Any]) -> None:
        timing.quiesce()
        answers.write(json.dumps(obj) + "\n")
        answers.flush()

    available = {k.name: k for k in workloads.resolve(None)}
    kernels = [available[name] for name in settings.kernels if name in available]
    with ExitStack() as stack:
        settings.threads = core.setup_process(settings.threads, settings.allocator, stack)["threads_set"]
        doc, sweep = begin(settings)
        t0 = time.perf_counter()
        by_key = {k.name: k for k in kernels}
        for line in requests:
            request = json.loads(line)
            op = request["op"]
            if op == "steps":
                answer({"impls": os.path.dirname(impls.__file__),
                        "steps": [[k.name, n] for k in kernels if sweep.tiers_of(k) for n in sweep.sizes_of(k)],
                        "missing": [name for name in settings.kernels if name not in available]})
            elif op == "first":
                sweep.probe()
                sweep.records += sweep.measure_size(by_key[request["kernel"]], request["n"])
                answer({"later": pending(sweep.pending, request["kernel"], request["n"]) is not None})
            elif op == "later":
                step = pending(sweep.pending, request["kernel"], request["n"])
                if step is not None:
                    sweep.probe()
                    sweep.resample(step, request["pass"] - 2)
                answer({})
            elif op == "end":
                break
        answer({"run": finish(doc, sweep, time.perf_counter() - t0, complete=True)})


def pending(steps: list, kernel: str, n: int) -> Any:
    """The sweep's step of ``kernel`` at ``n`` still waiting for later passes, if any."""
    return next((s for s in steps if s.kernel.name == kernel and s.n == n), None)


def main(argv: list[str]) -> int:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops us; Ctrl-C is its to handle
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "w")
    sys.stdout = sys.stderr  # kernels that print cannot break the protocol
    try:
        serve(argv[0], sys.stdin, answers)
    except Exception as exc:  # the parent turns this into one line
        answers.write(json.dumps({"error": f"{type(exc).__name__}: {exc}"}) + "\n")
        answers.flush()
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
