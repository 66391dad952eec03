"""Mutation check: inject each realistic wrong rule of scripts/mutants.py, one at a time, and
require the test suite to kill it (some test must fail).

    python scripts/mutation.py              # every mutant, 2 in parallel; exit 1 if one survives
    python scripts/mutation.py --list       # the mutants and the tests meant to kill them
    python scripts/mutation.py -k Adam      # only the mutants whose name contains "Adam"

How it stays safe and fast:

- The working tree is never touched: tinygrad_mlp/, tests/ and pyproject.toml are copied to a
  temporary folder, one copy per worker; a mutant is written into the worker's copy and the
  original text written back after its run. The folder is removed at the end, Ctrl-C included.
- Before anything runs, every snippet must occur exactly once in its file, so the list
  cannot rot silently when the code it targets changes: a missing snippet is an error (exit 2).
- Each mutant runs only the tests named for it (``pytest -x``, HYPOTHESIS_PROFILE=ci), in a
  process forked from a parent that has already imported numpy, hypothesis and pytest (but
  never tinygrad_mlp): the child imports the mutated copy (this is checked), and the
  interpreter's start-up is paid once. Hypothesis does not shrink a failing example here: the
  verdict (killed or not) is the same, minimising the example would only cost time.
- A selection that finds no test (a renamed test or op-table row) is an error, not a kill;
  ``--baseline`` first runs every selection on the unmutated copy, which must pass.

Exit status: 0 when every mutant is killed, 1 when one survives, 2 on a broken list.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # one BLAS thread per worker: 2 cores
os.environ.setdefault("OMP_NUM_THREADS", "1")

import multiprocessing as mp

import numpy  # noqa: F401  imported once here, inherited by every forked run
import pytest
from hypothesis import Phase, settings

sys.path.insert(0, str(Path(__file__).resolve().parent))
from mutants import MUTANTS, Mutant

ROOT = Path(__file__).resolve().parents[1]
COPIED = ("tinygrad_mlp", "tests", "pyproject.toml")
_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", ".hypothesis", ".pytest_cache")


@dataclass
class Outcome:
    """How one mutant fared: killed by which test (or why not), and the seconds it took."""

    mutant: str
    verdict: str  # "killed", "SURVIVED", "timeout" (counted as killed), "error"
    by: str
    seconds: float


def locate(m: Mutant, root: Path) -> tuple[str, str]:
    """(file, its text) of the one file among ``m.files`` holding ``m.old`` exactly once."""
    for rel in m.files:
        path = root / rel
        if path.exists():
            text = path.read_text()
            count = text.count(m.old)
            if count == 1:
                return rel, text
            if count > 1:
                raise LookupError(f"{m.name}: the snippet occurs {count} times in {rel}")
    raise LookupError(f"{m.name}: snippet not found in {', '.join(m.files)}: {m.old!r}")


class _Recorder:
    """A pytest plugin for the forked run: no shrinking, the first failure, what was imported."""

    def __init__(self) -> None:
        self.failed = ""
        self.module = ""

    def pytest_configure(self, config: object) -> None:
        # tests/conftest.py has loaded the ci profile by now; keep it, minus shrinking
        profile = os.environ["HYPOTHESIS_PROFILE"]
        no_shrink = (Phase.explicit, Phase.reuse, Phase.generate)
        settings.register_profile("mutation", settings.get_profile(profile), phases=no_shrink)
        settings.load_profile("mutation")

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed and not self.failed:
            self.failed = f"collecting {report.nodeid or 'tests'}"

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.failed and not self.failed:
            self.failed = report.nodeid + ("" if report.when == "call" else f" ({report.when})")

    def pytest_sessionfinish(self, session: object) -> None:
        module = sys.modules.get("tinygrad_mlp")
        self.module = str(getattr(module, "__file__", ""))


_WORKDIR = Path()
_CHILD = 0


def _init_worker(pristine: str) -> None:
    global _WORKDIR
    _WORKDIR = Path(tempfile.mkdtemp(prefix="worker-", dir=Path(pristine).parent))
    for name in COPIED:
        src = Path(pristine) / name
        if src.is_dir():
            shutil.copytree(src, _WORKDIR / name, ignore=_IGNORE)
        else:
            shutil.copy2(src, _WORKDIR / name)

    def stop(signum: int, frame: object) -> None:  # pool.terminate(): take the run down too
        if _CHILD:
            os.kill(_CHILD, signal.SIGKILL)
        os._exit(1)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C


def _run_tests(tests: tuple[str, ...], timeout: float) -> tuple[int | None, str, str]:
    """(pytest's exit code or None on timeout, first failure, tinygrad_mlp's file) of a run."""
    global _CHILD
    result = _WORKDIR / "result.json"
    result.unlink(missing_ok=True)
    pid = os.fork()
    if pid == 0:  # the child: run pytest on the copy, report, and leave without cleanup
        code = 3
        try:
            os.chdir(_WORKDIR)
            sys.path.insert(0, str(_WORKDIR))
            sys.dont_write_bytecode = True  # a stale .pyc of a mutant must never be reused
            os.environ["HYPOTHESIS_PROFILE"] = "ci"
            log = os.open(_WORKDIR / "pytest.log", os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
            os.dup2(log, 1)
            os.dup2(log, 2)
            rec = _Recorder()
            args = ["-x", "-q", "-p", "no:cacheprovider", "-o", "addopts=", *tests]
            code = int(pytest.main(args, plugins=[rec]))
            result.write_text(json.dumps({"failed": rec.failed, "module": rec.module}))
        finally:
            os._exit(code)
    _CHILD = pid
    start = time.monotonic()
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() - start > timeout:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            _CHILD = 0
            return None, "", ""
        time.sleep(0.02)
    _CHILD = 0
    info = json.loads(result.read_text()) if result.exists() else {"failed": "", "module": ""}
    return os.waitstatus_to_exitcode(status), info["failed"], info["module"]


def _verdict(name: str, tests: tuple[str, ...], timeout: float, mutated: bool) -> Outcome:
    start = time.monotonic()
    code, failed, module = _run_tests(tests, timeout)
    seconds = time.monotonic() - start
    if code is None:
        return Outcome(name, "timeout", f"no verdict within {timeout:g} s", seconds)
    if module and not module.startswith(str(_WORKDIR)):
        return Outcome(name, "error", f"imported {module}, not the copy", seconds)
    if code in (1, 2) and failed:  # tests failed, or the mutant broke collection
        return Outcome(name, "killed" if mutated else "error", failed, seconds)
    if code == 0:
        return Outcome(name, "SURVIVED" if mutated else "passed", "-", seconds)
    log = (_WORKDIR / "pytest.log").read_text().strip().splitlines()
    return Outcome(name, "error", f"pytest exit {code}: {log[-1] if log else ''}", seconds)


def run_mutant(job: tuple[Mutant, float]) -> Outcome:
    """Apply one mutant to this worker's copy, run its tests, restore the file."""
    m, timeout = job
    rel, text = locate(m, _WORKDIR)
    path = _WORKDIR / rel
    path.write_text(text.replace(m.old, m.new))
    try:
        return _verdict(m.name, m.tests, timeout, mutated=True)
    finally:
        path.write_text(text)


def run_baseline(job: tuple[tuple[str, ...], float]) -> Outcome:
    """Run a selection on the unmutated copy: it must pass."""
    tests, timeout = job
    return _verdict(f"baseline of {len(tests)} selections", tests, timeout, mutated=False)


def _table(outcomes: list[Outcome]) -> str:
    width = max(len(o.mutant) for o in outcomes)
    lines = [f"{'mutant':<{width}}  {'verdict':<8}  {'seconds':>7}  killed by"]
    for o in outcomes:
        by = o.by.replace("tests/", "")
        lines.append(f"{o.mutant:<{width}}  {o.verdict:<8}  {o.seconds:7.1f}  {by}")
    return "\n".join(lines)


def _misfits(mutants: list[Mutant]) -> list[str]:
    """Why the mutant list does not fit the code: duplicate names, a snippet not found once,
    a mutant that changes nothing (empty when every mutant can run)."""
    names = [m.name for m in MUTANTS]
    broken = [f"duplicate mutant names: {sorted({n for n in names if names.count(n) > 1})}"]
    broken = broken if len(set(names)) < len(names) else []
    for m in mutants:
        try:
            locate(m, ROOT)
        except LookupError as e:
            broken.append(str(e))
        if m.old == m.new:
            broken.append(f"{m.name}: replaces the snippet with itself")
    return broken


def main(argv: list[str] | None = None) -> int:
    """Run the mutants; print the table; 0 if all killed, 1 if one survived, 2 if broken."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-j", "--jobs", type=int, default=2, help="parallel runs (default 2)")
    parser.add_argument("-k", default="", help="only mutants whose name contains this")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per mutant")
    parser.add_argument("--baseline", action="store_true", help="first run the tests unmutated")
    parser.add_argument("--list", action="store_true", help="list the mutants and exit")
    args = parser.parse_args(argv)
    mutants = [m for m in MUTANTS if args.k.lower() in m.name.lower()]
    broken = _misfits(mutants)
    if broken:
        print("the mutant list does not fit the code:\n  " + "\n  ".join(broken), file=sys.stderr)
        return 2
    if args.list:
        for m in mutants:
            print(f"{m.name}\n    {locate(m, ROOT)[0]}: {' '.join(m.tests)}")
        return 0
    began = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="tinygrad-mlp-mutation-") as tmp:
        pristine = Path(tmp) / "pristine"
        for name in COPIED:
            src = ROOT / name
            if src.is_dir():
                shutil.copytree(src, pristine / name, ignore=_IGNORE)
            else:
                shutil.copy2(src, pristine / name)
        ctx = mp.get_context("fork")
        with ctx.Pool(args.jobs, initializer=_init_worker, initargs=(str(pristine),)) as pool:
            try:
                if args.baseline:
                    tests = list(dict.fromkeys(t for m in mutants for t in m.tests))
                    chunks = [(tuple(tests[i :: args.jobs]), 10 * args.timeout) for i in
                              range(args.jobs)]  # fmt: skip
                    chunks = [c for c in chunks if c[0]]  # no args would run the suite
                    base = pool.map(run_baseline, chunks)
                    if any(o.verdict != "passed" for o in base):
                        print(_table(base), file=sys.stderr)
                        print("the unmutated tests do not pass: no verdict", file=sys.stderr)
                        return 2
                outcomes: dict[str, Outcome] = {}
                jobs = [(m, args.timeout) for m in mutants]
                for o in pool.imap_unordered(run_mutant, jobs):
                    outcomes[o.mutant] = o
                    print(f"[{len(outcomes)}/{len(jobs)}] {o.verdict}: {o.mutant}", file=sys.stderr)
            except KeyboardInterrupt:
                pool.terminate()
                print("interrupted; the working tree was never touched", file=sys.stderr)
                return 130
    ordered = [outcomes[m.name] for m in mutants]
    print(_table(ordered))
    survived = [o for o in ordered if o.verdict == "SURVIVED"]
    errors = [o for o in ordered if o.verdict == "error"]
    killed = len(ordered) - len(survived) - len(errors)
    print(
        f"\n{killed}/{len(ordered)} mutants killed, {len(survived)} survived, "
        f"{len(errors)} errors, in {time.monotonic() - began:.0f} s with {args.jobs} jobs"
    )
    return 2 if errors else 1 if survived else 0


if __name__ == "__main__":
    sys.exit(main())
