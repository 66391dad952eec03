"""Mutation check: inject each realistic wrong rule of scripts/mutants.py, one at a time, and
require the test suite to kill it (some test must fail).

    python scripts/mutation.py              # every mutant, 2 in parallel; exit 1 if one survives
    python scripts/mutation.py --list       # the mutants and the tests meant to kill them
    python scripts/mutation.py -k Adam      # only the mutants whose name contains "Adam"

How it stays safe and fast:

- The working tree is never touched: tinygrad_mlp/, tests/ and pyproject.toml are copied to a
  temporary folder, one copy per lane (``--jobs``); a mutant is written into its lane's
  copy and the original text written back after its run. The folder is removed at the end,
  Ctrl-C included.
- Before anything runs, every snippet must occur exactly once in its file, so the list
  cannot rot silently when the code it targets changes: a missing snippet is an error (exit 2).
- Each mutant runs only the tests named for it (``pytest -x``, HYPOTHESIS_PROFILE=ci), in a
  process forked directly (no worker pool: its shutdown can deadlock) from a parent that
  has already imported numpy, hypothesis and pytest (but never tinygrad_mlp): the child
  imports the mutated copy (this is checked), and the interpreter's start-up is paid once.
  Hypothesis does not shrink a failing example here: the verdict (killed or not) is the
  same, minimising the example would only cost time.
- A run that takes longer than ``--timeout`` is killed and counted as killed (a mutant that
  makes the tests loop is caught); the parent kills every run still going when it leaves.
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


class _Slot:
    """One parallel lane: its own copy of the tree, and the pytest run going on in it."""

    def __init__(self, pristine: Path, index: int) -> None:
        self.dir = pristine.parent / f"slot-{index}"
        for name in COPIED:
            src = pristine / name
            if src.is_dir():
                shutil.copytree(src, self.dir / name, ignore=_IGNORE)
            else:
                shutil.copy2(src, self.dir / name)
        self.pid = 0
        self.started = 0.0
        self.job: tuple[str, tuple[str, ...], bool] = ("", (), False)  # name, tests, mutated
        self.restore: tuple[Path, str] | None = None  # the mutated file and its original text

    def start(self, name: str, tests: tuple[str, ...], mutant: Mutant | None) -> None:
        """Write the mutant (if any) into this lane's copy and fork a pytest run on it."""
        if mutant is not None:
            rel, text = locate(mutant, self.dir)
            path = self.dir / rel
            path.write_text(text.replace(mutant.old, mutant.new))
            self.restore = (path, text)
        (self.dir / "result.json").unlink(missing_ok=True)
        self.job = (name, tests, mutant is not None)
        self.started = time.monotonic()
        self.pid = _fork_pytest(self.dir, tests)

    def finish(self, status: int | None) -> Outcome:
        """The verdict of the run that ended (``status`` None: killed on timeout)."""
        if self.restore is not None:
            path, text = self.restore
            path.write_text(text)
            self.restore = None
        self.pid = 0
        name, _, mutated = self.job
        seconds = time.monotonic() - self.started
        if status is None:
            return Outcome(name, "timeout", "no verdict in time", seconds)
        result = self.dir / "result.json"
        info = json.loads(result.read_text()) if result.exists() else {"failed": "", "module": ""}
        code, failed, module = os.waitstatus_to_exitcode(status), info["failed"], info["module"]
        if module and not module.startswith(str(self.dir)):
            return Outcome(name, "error", f"imported {module}, not the copy", seconds)
        if code in (1, 2) and failed:  # tests failed, or the mutant broke collection
            return Outcome(name, "killed" if mutated else "error", failed, seconds)
        if code == 0:
            return Outcome(name, "SURVIVED" if mutated else "passed", "-", seconds)
        log = (self.dir / "pytest.log").read_text().strip().splitlines()
        return Outcome(name, "error", f"pytest exit {code}: {log[-1] if log else ''}", seconds)


def _fork_pytest(workdir: Path, tests: tuple[str, ...]) -> int:
    """Fork a child that runs pytest on ``tests`` in ``workdir``'s copy; its pid."""
    pid = os.fork()
    if pid:
        return pid
    code = 3  # the child: run pytest on the copy, report, and leave without cleanup
    try:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.chdir(workdir)
        sys.path.insert(0, str(workdir))
        sys.dont_write_bytecode = True  # a stale .pyc of a mutant must never be reused
        os.environ["HYPOTHESIS_PROFILE"] = "ci"
        log = os.open(workdir / "pytest.log", os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        os.dup2(log, 1)
        os.dup2(log, 2)
        rec = _Recorder()
        args = ["-x", "-q", "-p", "no:cacheprovider", "-o", "addopts=", *tests]
        code = int(pytest.main(args, plugins=[rec]))
        result = workdir / "result.json"
        result.write_text(json.dumps({"failed": rec.failed, "module": rec.module}))
    finally:
        os._exit(code)


Job = tuple[str, tuple[str, ...], "Mutant | None"]


def run_jobs(slots: list[_Slot], jobs: list[Job], timeout: float) -> list[Outcome]:
    """Run every job, as many at once as there are lanes; each killed after ``timeout`` s.

    The parent forks each pytest run itself and reaps it with ``waitpid``: no worker pool,
    whose ``terminate`` can deadlock (CPython issues 73945 and 78178) and once hung CI.
    """
    todo = list(reversed(jobs))
    outcomes: list[Outcome] = []
    try:
        while todo or any(s.pid for s in slots):
            for s in slots:
                if not s.pid and todo:
                    s.start(*todo.pop())
            pid, status = os.waitpid(-1, os.WNOHANG)
            ended = [(s, status) for s in slots if pid and s.pid == pid]
            for s in slots:
                if s.pid and s.pid != pid and time.monotonic() - s.started > timeout:
                    os.kill(s.pid, signal.SIGKILL)
                    os.waitpid(s.pid, 0)
                    ended.append((s, None))
            for s, st in ended:
                outcomes.append(s.finish(st))
                o = outcomes[-1]
                print(f"[{len(outcomes)}/{len(jobs)}] {o.verdict}: {o.mutant}", file=sys.stderr)
            if not ended:
                time.sleep(0.02)
    finally:  # Ctrl-C or an error: no run outlives the parent
        for s in slots:
            if s.pid:
                os.kill(s.pid, signal.SIGKILL)
                os.waitpid(s.pid, 0)
    return outcomes


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
    # stopped from outside (CI's timeout): leave through the cleanup, as on Ctrl-C
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    with tempfile.TemporaryDirectory(prefix="tinygrad-mlp-mutation-") as tmp:
        pristine = Path(tmp) / "pristine"
        for name in COPIED:
            src = ROOT / name
            if src.is_dir():
                shutil.copytree(src, pristine / name, ignore=_IGNORE)
            else:
                shutil.copy2(src, pristine / name)
        slots = [_Slot(pristine, i) for i in range(max(1, args.jobs))]
        try:
            if args.baseline and not _baseline_passes(slots, mutants, args.timeout):
                return 2
            jobs: list[Job] = [(m.name, m.tests, m) for m in mutants]
            by_name = {o.mutant: o for o in run_jobs(slots, jobs, args.timeout)}
        except KeyboardInterrupt:
            print("interrupted; the working tree was never touched", file=sys.stderr)
            return 130
    ordered = [by_name[m.name] for m in mutants]
    print(_table(ordered))
    survived = [o for o in ordered if o.verdict == "SURVIVED"]
    errors = [o for o in ordered if o.verdict == "error"]
    killed = len(ordered) - len(survived) - len(errors)
    print(
        f"\n{killed}/{len(ordered)} mutants killed, {len(survived)} survived, "
        f"{len(errors)} errors, in {time.monotonic() - began:.0f} s with {args.jobs} jobs"
    )
    return 2 if errors else 1 if survived else 0


def _baseline_passes(slots: list[_Slot], mutants: list[Mutant], timeout: float) -> bool:
    """Every selection the mutants name passes on the unmutated copy (else no verdict)."""
    tests = list(dict.fromkeys(t for m in mutants for t in m.tests))
    n = len(slots)
    chunks = [tuple(tests[i::n]) for i in range(n) if tests[i::n]]  # no args: the whole suite
    base = run_jobs(slots, [(f"baseline {i}", c, None) for i, c in enumerate(chunks)], 10 * timeout)
    if all(o.verdict == "passed" for o in base):
        return True
    print(_table(base), file=sys.stderr)
    print("the unmutated tests do not pass: no verdict", file=sys.stderr)
    return False


if __name__ == "__main__":
    sys.exit(main())
