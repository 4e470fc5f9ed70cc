"""A small ast-based mutation runner for the domain rules (``make mutation``; docs/testing.md).

Each mutant is one small change to one rule module (see ``OPERATORS``). It is run in a forked child of this
process: the child imports the mutated module from a code object (nothing is written to disk) and runs the
unit test files that import that module with ``pytest -x``, so the first failing test kills the mutant. The
parent has imported the third-party packages once and never imports ``micropay`` itself, so every child
imports the whole project fresh, with the mutant in place.

Test files are chosen from the import graph: first the files that import the module directly (fast), and
only when the mutant survives those, the rest of ``tests/unit`` that imports it transitively.

Mutants listed in ``scripts/mutation_equivalents.txt`` (file:line:col, operator, the source line and why
they cannot change behaviour) are not run; they are reported as equivalent and left out of the score.

    python scripts/mutation.py                    # every target module
    python scripts/mutation.py money msisdn       # some of them (by file stem)
    python scripts/mutation.py --list money       # the mutants, without running them
    python scripts/mutation.py --show money.py:27:15  # the mutated source lines of the mutants there
    python scripts/mutation.py --check-equivalents # also run the listed equivalents (each must survive)
"""

from __future__ import annotations

import argparse
import ast
import copy
import importlib
import importlib.abc
import importlib.util
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import CodeType, FrameType, ModuleType
from typing import Any, Final

ROOT: Final = Path(__file__).resolve().parent.parent
SRC: Final = ROOT / "src"
TESTS: Final = ROOT / "tests" / "unit"
EQUIVALENTS_FILE: Final = ROOT / "scripts" / "mutation_equivalents.txt"
TARGETS: Final = tuple(
    f"src/micropay/domain/model/{stem}.py"
    for stem in ("state_machine", "result_codes", "idempotency", "circuit_breaker", "money", "msisdn")
)
#: ``-x``: the first failure kills. Plugins are named rather than discovered (``PYTEST_DISABLE_PLUGIN_AUTOLOAD``),
#: and ``--confcutdir`` leaves out tests/conftest.py (database fixtures the unit tests do not use).
PLUGINS: Final = ("pytest_asyncio.plugin", "anyio.pytest_plugin", "_hypothesis_pytestplugin")
PYTEST_ARGS: Final = (
    "-x",
    "-q",
    "-p",
    "no:cacheprovider",
    "--no-header",
    "-o",
    "addopts=",
    "--confcutdir=tests/unit",
    *(arg for plugin in PLUGINS for arg in ("-p", plugin)),
)

_COMPARISON_SWAPS: Final[dict[type[ast.cmpop], type[ast.cmpop]]] = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
}
OPERATORS: Final = (
    "comparison swap (< <=, > >=, == !=, in / not in, is / is not)",
    "and <-> or",
    "True <-> False",
    "number constant +1 and -1",
    "string constant -> 'XX' + s + 'XX' (an empty one -> 'XX')",
    "return value -> return None",
    "statement removed (replaced by pass; inside functions, docstrings excepted)",
)


# --- mutants -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mutant:
    path: str  # relative to ROOT
    index: int  # the index-th mutation opportunity of the file, in traversal order
    line: int
    col: int
    operator: str
    source_line: str
    in_function: bool = False
    span: tuple[int, int] = (0, 0)  # the lines of the innermost statement around the mutated node

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}:{self.col}"

    @property
    def label(self) -> str:
        return f"{self.where} {self.operator}"


class _Mutator(ast.NodeTransformer):
    """Walks a module in a fixed order and counts every mutation opportunity; applies the ``target``-th one.

    With ``target`` -1 it applies none and only records the opportunities (``found``).
    """

    def __init__(self, target: int = -1) -> None:
        self.target = target
        self.count = 0
        self.found: list[tuple[int, int, str, bool, tuple[int, int]]] = []
        self._in_function = 0
        self._statements: list[tuple[int, int]] = [(0, 0)]

    def _opportunity(self, node: ast.AST, operator: str) -> bool:
        index = self.count
        self.count += 1
        line = getattr(node, "lineno", 0)
        span = (line, line) if isinstance(node, ast.stmt) else self._statements[-1]
        self.found.append((line, getattr(node, "col_offset", 0), operator, self._in_function > 0, span))
        return index == self.target

    # Annotations are types, not behaviour (``from __future__ import annotations``): never visited.
    def visit_arg(self, node: ast.arg) -> ast.AST:
        return node

    def visit_AnnAssign(self, node: ast.AnnAssign) -> ast.AST:
        if node.value is not None:
            node.value = self.visit(node.value)
        return node

    def visit_ImportFrom(self, node: ast.ImportFrom) -> ast.AST:
        return node

    def visit_Import(self, node: ast.Import) -> ast.AST:
        return node

    def _visit_function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> ast.AST:
        node.decorator_list = [self.visit(d) for d in node.decorator_list]
        node.args = self.visit(node.args)
        self._in_function += 1
        node.body = self._visit_body(node.body, removable=True)
        self._in_function -= 1
        return node

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.AST:
        return self._visit_function(node)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> ast.AST:
        return self._visit_function(node)

    def visit_ClassDef(self, node: ast.ClassDef) -> ast.AST:
        # bases and class keywords (``frozen=True``) are how a type is built, not a rule: left alone
        node.body = self._visit_body(node.body, removable=False)
        return node

    def visit_Module(self, node: ast.Module) -> ast.AST:
        node.body = self._visit_body(node.body, removable=False)
        return node

    def _visit_body(self, body: list[ast.stmt], *, removable: bool) -> list[ast.stmt]:
        out: list[ast.stmt] = []
        for position, statement in enumerate(body):
            if position == 0 and _is_docstring(statement):
                out.append(statement)
                continue
            removable_here = removable and not isinstance(statement, ast.Pass | ast.Return)
            if removable_here and self._opportunity(statement, "remove statement"):
                out.append(ast.copy_location(ast.Pass(), statement))
                continue
            self._statements.append((statement.lineno, statement.end_lineno or statement.lineno))
            out.append(self.visit(statement))
            self._statements.pop()
        return out

    def _visit_blocks(self, node: ast.AST) -> ast.AST:
        for name in ("body", "orelse", "finalbody"):
            block = getattr(node, name, None)
            if isinstance(block, list) and block:
                setattr(node, name, self._visit_body(block, removable=self._in_function > 0))
        for name, value in ast.iter_fields(node):
            if name in ("body", "orelse", "finalbody"):
                continue
            if isinstance(value, ast.AST):
                setattr(node, name, self.visit(value))
            elif isinstance(value, list):
                setattr(node, name, [self.visit(v) if isinstance(v, ast.AST) else v for v in value])
        return node

    def visit_If(self, node: ast.If) -> ast.AST:
        node.test = self.visit(node.test)
        node.body = self._visit_body(node.body, removable=self._in_function > 0)
        if node.orelse:
            node.orelse = self._visit_body(node.orelse, removable=self._in_function > 0)
        return node

    def visit_For(self, node: ast.For) -> ast.AST:
        return self._visit_blocks(node)

    def visit_While(self, node: ast.While) -> ast.AST:
        return self._visit_blocks(node)

    def visit_With(self, node: ast.With) -> ast.AST:
        return self._visit_blocks(node)

    def visit_Try(self, node: ast.Try) -> ast.AST:
        return self._visit_blocks(node)

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> ast.AST:
        node.body = self._visit_body(node.body, removable=self._in_function > 0)
        return node

    def visit_Compare(self, node: ast.Compare) -> ast.AST:
        node.left = self.visit(node.left)
        for i, op in enumerate(node.ops):
            swapped = _COMPARISON_SWAPS.get(type(op))
            # placed at the operand right of the operator, so that ``a <= b <= c`` has two distinct places
            if swapped is not None and self._opportunity(
                node.comparators[i], f"{type(op).__name__}->{swapped.__name__}"
            ):
                node.ops[i] = swapped()
        node.comparators = [self.visit(c) for c in node.comparators]
        return node

    def visit_BoolOp(self, node: ast.BoolOp) -> ast.AST:
        if isinstance(node.op, ast.And):
            if self._opportunity(node, "And->Or"):
                node.op = ast.Or()
        elif self._opportunity(node, "Or->And"):
            node.op = ast.And()
        node.values = [self.visit(v) for v in node.values]
        return node

    def visit_Return(self, node: ast.Return) -> ast.AST:
        if node.value is None or (isinstance(node.value, ast.Constant) and node.value.value is None):
            return node
        if self._opportunity(node, "return->None"):
            return ast.copy_location(ast.Return(value=ast.Constant(value=None)), node)
        node.value = self.visit(node.value)
        return node

    def visit_JoinedStr(self, node: ast.JoinedStr) -> ast.AST:
        """An f-string is one string constant: ``XX`` is added at both ends."""
        if self._opportunity(node, "str->XXstrXX"):
            node.values = [ast.Constant(value="XX"), *node.values, ast.Constant(value="XX")]
            return node
        for part in node.values:
            if isinstance(part, ast.FormattedValue):
                part.value = self.visit(part.value)
        return node

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        value = node.value
        if isinstance(value, bool):
            if self._opportunity(node, f"{value}->{not value}"):
                return ast.copy_location(ast.Constant(value=not value), node)
        elif isinstance(value, int | float):
            if self._opportunity(node, f"number {value}->{value + 1}"):
                return ast.copy_location(ast.Constant(value=value + 1), node)
            if self._opportunity(node, f"number {value}->{value - 1}"):
                return ast.copy_location(ast.Constant(value=value - 1), node)
        elif isinstance(value, str) and self._opportunity(node, "str->XXstrXX"):
            return ast.copy_location(ast.Constant(value=f"XX{value}XX"), node)
        return node


def _is_docstring(statement: ast.stmt) -> bool:
    return (
        isinstance(statement, ast.Expr)
        and isinstance(statement.value, ast.Constant)
        and isinstance(statement.value.value, str)
    )


def mutants_of(path: str) -> list[Mutant]:
    source = (ROOT / path).read_text()
    lines = source.splitlines()
    mutator = _Mutator()
    mutator.visit(ast.parse(source, path))
    return [
        Mutant(path, index, line, col, operator, lines[line - 1].strip() if line else "", in_function, span)
        for index, (line, col, operator, in_function, span) in enumerate(mutator.found)
    ]


def mutated_code(mutant: Mutant) -> tuple[CodeType, ast.Module]:
    source = (ROOT / mutant.path).read_text()
    tree = ast.parse(source, mutant.path)
    mutator = _Mutator(target=mutant.index)
    tree = mutator.visit(copy.deepcopy(tree))
    ast.fix_missing_locations(tree)
    return compile(tree, str(ROOT / mutant.path), "exec"), tree


def module_name(path: str) -> str:
    return ".".join(Path(path).relative_to("src").with_suffix("").parts)


# --- equivalents -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Equivalent:
    path: str
    line: int
    col: int
    operator: str
    source_line: str
    why: str

    def matches(self, mutant: Mutant) -> bool:
        """Same file, column, operator and source line; the line number may have moved with edits above."""
        return (mutant.path, mutant.col, mutant.operator, mutant.source_line) == (
            self.path,
            self.col,
            self.operator,
            self.source_line,
        )


def read_equivalents() -> list[Equivalent]:
    """``path:line:col operator | source line | why``, one a line; ``#`` starts a comment line."""
    found: list[Equivalent] = []
    for number, raw in enumerate(EQUIVALENTS_FILE.read_text().splitlines(), start=1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        try:
            head, source_line, why = (part.strip() for part in raw.split(" | ", 2))
            where, operator = head.split(" ", 1)
            path, line, col = where.rsplit(":", 2)
            found.append(Equivalent(path, int(line), int(col), operator.strip(), source_line, why))
        except ValueError:
            raise SystemExit(
                f"{EQUIVALENTS_FILE.name}:{number}: expected 'path:line:col operator | line | why'"
            ) from None
    return found


def equivalent_for(mutant: Mutant, equivalents: Sequence[Equivalent]) -> Equivalent | None:
    candidates = [e for e in equivalents if e.matches(mutant)]
    return min(candidates, key=lambda e: abs(e.line - mutant.line)) if candidates else None


# --- which tests -------------------------------------------------------------------------------------------


def _module_file(name: str) -> Path | None:
    for base in (SRC, ROOT):
        candidate = base.joinpath(*name.split("."))
        if (candidate / "__init__.py").exists():
            return candidate / "__init__.py"
        if candidate.with_suffix(".py").exists():
            return candidate.with_suffix(".py")
    return None


def _imports(path: Path, name: str) -> set[str]:
    """Project modules a file imports (packages included: their ``__init__`` runs too)."""
    tree = ast.parse(path.read_text(), str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                origin = ".".join([*base, node.module] if node.module else base)
            else:
                origin = node.module or ""
            names = [origin, *(f"{origin}.{alias.name}" for alias in node.names)]
        for full in names:
            parts = full.split(".")
            if parts[0] not in ("micropay", "tests"):
                continue
            for i in range(1, len(parts) + 1):
                prefix = ".".join(parts[:i])
                if _module_file(prefix) is not None:
                    found.add(prefix)
    return found


class ImportGraph:
    def __init__(self) -> None:
        self._direct: dict[str, set[str]] = {}

    def direct(self, name: str) -> set[str]:
        if name not in self._direct:
            path = _module_file(name)
            self._direct[name] = _imports(path, name) if path is not None else set()
        return self._direct[name]

    def closure(self, name: str) -> set[str]:
        seen: set[str] = set()
        todo = [name]
        while todo:
            current = todo.pop()
            for imported in self.direct(current):
                if imported not in seen:
                    seen.add(imported)
                    todo.append(imported)
        return seen


def test_tiers(target: str, graph: ImportGraph) -> tuple[list[str], list[str]]:
    """(files importing ``target`` directly, the other files importing it transitively), as paths."""
    first: list[str] = []
    rest: list[str] = []
    for path in sorted(TESTS.rglob("test_*.py")):
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        relative = str(path.relative_to(ROOT))
        if target in graph.direct(name):
            first.append(relative)
        elif target in graph.closure(name):
            rest.append(relative)
    stem = target.rpartition(".")[2]
    first.sort(key=lambda p: (Path(p).stem != f"test_{stem}", not Path(p).stem.startswith(f"test_{stem}"), p))
    return first, rest


# --- running -----------------------------------------------------------------------------------------------


class _MutantFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def __init__(self, name: str, path: Path, code: CodeType) -> None:
        self.name, self.path, self.code = name, path, code

    def find_spec(self, fullname: str, path: object, target: object = None) -> importlib.machinery.ModuleSpec | None:
        if fullname != self.name:
            return None
        return importlib.util.spec_from_file_location(fullname, self.path, loader=self)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return None

    def exec_module(self, module: ModuleType) -> None:
        exec(self.code, module.__dict__)  # noqa: S102 (the mutant under test)


class _LineTracer:
    """A pytest plugin for the baseline run: which lines of the target files each test executes, and how long."""

    def __init__(self, files: set[str]) -> None:
        self.files = files
        self.order: list[str] = []
        self.hits: dict[str, set[tuple[str, int]]] = {}
        self.seconds: dict[str, float] = {}
        self._current: set[tuple[str, int]] | None = None

    def _global(self, frame: FrameType, event: str, arg: object) -> Callable[..., object] | None:
        return self._local if frame.f_code.co_filename in self.files else None

    def _local(self, frame: FrameType, event: str, arg: object) -> Callable[..., object]:
        if event == "line" and self._current is not None:
            self._current.add((frame.f_code.co_filename, frame.f_lineno))
        return self._local

    def pytest_runtest_protocol(self, item: Any, nextitem: object) -> Generator[None, object, object]:
        self.order.append(item.nodeid)
        self._current = self.hits.setdefault(item.nodeid, set())
        started = time.monotonic()
        sys.settrace(self._global)
        threading.settrace(self._global)
        try:
            return (yield)
        finally:
            sys.settrace(None)
            threading.settrace(None)  # type: ignore[arg-type]
            self.seconds[item.nodeid] = time.monotonic() - started
            self._current = None

    def dump(self, path: str) -> None:
        data = {
            "order": self.order,
            "seconds": self.seconds,
            "hits": {n: sorted(lines) for n, lines in self.hits.items()},
        }
        Path(path).write_text(json.dumps(data))


def _child(
    mutant: Mutant | None, tests: Sequence[str], timeout: float, verbose: bool, trace: tuple[set[str], str] | None
) -> None:
    """Runs in the forked child and never returns."""
    try:
        signal.alarm(max(1, int(timeout)))
        if not verbose:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            os.dup2(devnull, 2)
        if mutant is not None:
            code, _ = mutated_code(mutant)
            sys.meta_path.insert(0, _MutantFinder(module_name(mutant.path), ROOT / mutant.path, code))
        import hypothesis
        import pytest

        hypothesis.settings.register_profile(
            "mutation", database=None, deadline=None, derandomize=True, print_blob=False
        )
        hypothesis.settings.load_profile("mutation")
        plugins: list[object] = []
        tracer = None
        if trace is not None:
            tracer = _LineTracer(trace[0])
            pytest.hookimpl(wrapper=True)(_LineTracer.pytest_runtest_protocol)
            plugins.append(tracer)
        rc = int(pytest.main([*PYTEST_ARGS, *tests], plugins=plugins))
        if tracer is not None and trace is not None:
            tracer.dump(trace[1])
    except BaseException:
        rc = 99
    os._exit(rc)


@dataclass
class Outcome:
    status: str  # killed | survived | timeout | error
    seconds: float
    detail: str = ""


class _Running:
    def __init__(
        self,
        mutant: Mutant | None,
        files: Sequence[str],
        timeout: float,
        verbose: bool,
        trace: tuple[set[str], str] | None = None,
    ) -> None:
        self.started = time.monotonic()
        self.deadline = self.started + timeout + 5
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            _child(mutant, files, timeout, verbose, trace)
        self.pid = pid

    def poll(self) -> Outcome | None:
        done, status = os.waitpid(self.pid, os.WNOHANG)
        if not done:
            if time.monotonic() <= self.deadline:
                return None
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
            return Outcome("timeout", time.monotonic() - self.started)
        seconds = time.monotonic() - self.started
        if os.WIFSIGNALED(status):
            return Outcome("timeout", seconds, f"signal {os.WTERMSIG(status)}")
        rc = os.WEXITSTATUS(status)
        if rc == 0:
            return Outcome("survived", seconds)
        if rc in (1, 2):  # a test failed, or the mutant broke collection (an import-time error)
            return Outcome("killed", seconds)
        return Outcome("error", seconds, f"pytest exit code {rc}")


def run_tests(mutant: Mutant | None, files: Sequence[str], timeout: float, verbose: bool = False) -> Outcome:
    running = _Running(mutant, files, timeout, verbose)
    while (outcome := running.poll()) is None:
        time.sleep(0.02)
    return outcome


Job = tuple[Mutant, Sequence[str], float]  # the mutant, the tests (files or node ids), the timeout


def run_many(jobs: Sequence[Job], at_once: int) -> Iterator[tuple[Mutant, Outcome]]:
    """Outcomes in the order the jobs were given, with up to ``at_once`` children at a time."""
    pending = list(jobs)
    running: list[tuple[Mutant, _Running]] = []
    finished: dict[int, Outcome] = {}
    next_to_yield = 0
    while pending or running:
        while pending and len(running) < at_once:
            mutant, tests, timeout = pending.pop(0)
            if not tests:  # no test executes the mutated line
                finished[id(mutant)] = Outcome("survived", 0.0, "no test executes this line")
                continue
            running.append((mutant, _Running(mutant, tests, timeout, verbose=False)))
        still: list[tuple[Mutant, _Running]] = []
        for mutant, child in running:
            outcome = child.poll()
            if outcome is None:
                still.append((mutant, child))
            else:
                finished[id(mutant)] = outcome
        running = still
        while next_to_yield < len(jobs) and id(jobs[next_to_yield][0]) in finished:
            mutant = jobs[next_to_yield][0]
            yield mutant, finished.pop(id(mutant))
            next_to_yield += 1
        if running:
            time.sleep(0.02)


@dataclass
class Coverage:
    """What the baseline run saw: the tests in run order, their lines of the target files, their durations."""

    order: list[str]
    hits: dict[str, set[tuple[str, int]]]
    seconds: dict[str, float]

    def tests_for(self, mutant: Mutant, files: Sequence[str]) -> list[str]:
        """The node ids, among ``files`` and in their order, that execute a line of the mutant's statement."""
        target = str(ROOT / mutant.path)
        lines = {(target, line) for line in range(mutant.span[0], mutant.span[1] + 1)}
        rank = {f: i for i, f in enumerate(files)}
        chosen = [n for n in self.order if n.split("::")[0] in rank and self.hits.get(n, set()) & lines]
        return sorted(chosen, key=lambda n: rank[n.split("::")[0]])


def trace_baseline(targets: Sequence[str], files: Sequence[str]) -> Coverage:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        out = handle.name
    try:
        traced = {str(ROOT / t) for t in targets}
        running = _Running(None, files, 3600, verbose=False, trace=(traced, out))
        while (outcome := running.poll()) is None:
            time.sleep(0.1)
        if outcome.status != "survived":
            raise SystemExit(f"the unmutated tests do not pass ({outcome.status} {outcome.detail}): {files}")
        data = json.loads(Path(out).read_text())
    finally:
        Path(out).unlink(missing_ok=True)
    hits = {n: {(f, int(line)) for f, line in lines} for n, lines in data["hits"].items()}
    return Coverage(order=data["order"], hits=hits, seconds=data["seconds"])


def preload(files: Sequence[str]) -> None:
    """Import, once, every third-party module the selected tests load (found by a throwaway interpreter)."""
    probe = (
        "import sys, pytest\n"
        f"pytest.main({[*PYTEST_ARGS, '--collect-only', *files]!r})\n"
        "names = [n for n in sys.modules if n.split('.')[0] not in ('micropay', 'tests', '__main__')]\n"
        "sys.__stdout__.write('\\n'.join(['@@MODULES@@', *names]))\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SRC), str(ROOT)])}
    out = subprocess.run(  # noqa: S603
        [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    ).stdout
    names = out.rpartition("@@MODULES@@")[2].split()
    for name in names:
        if name in sys.modules or (name.startswith(("_pytest.", "py.")) and name in sys.modules):
            continue
        try:
            importlib.import_module(name)
        except Exception:  # noqa: S112 (a module that does not import on its own: the child imports it)
            continue
    for name in [n for n in sys.modules if n.split(".")[0] in ("micropay", "tests")]:
        del sys.modules[name]


@dataclass
class Tally:
    killed: int = 0
    survived: list[tuple[Mutant, str]] = field(default_factory=list)
    equivalent: list[tuple[Mutant, Equivalent]] = field(default_factory=list)
    timeout: int = 0
    errors: list[tuple[Mutant, str]] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.killed + len(self.survived) + len(self.equivalent) + self.timeout + len(self.errors)


def run_module(
    path: str, equivalents: Sequence[Equivalent], graph: ImportGraph, coverage: Coverage, args: argparse.Namespace
) -> Tally:
    """Mutants inside functions run the tests that execute their statement (from the baseline's trace); the
    others (constants, defaults: import time) run the files that import the module, direct ones first."""
    name = module_name(path)
    first, rest = test_tiers(name, graph)
    files = [*first, *rest]
    tally = Tally()
    print(f"\n{path}: tests from {len(first)} direct + {len(rest)} transitive files", flush=True)

    def seconds_of(tests: Sequence[str]) -> float:
        if all("::" in t for t in tests):
            return sum(coverage.seconds.get(t, 1.0) for t in tests)
        return sum(coverage.seconds.get(n, 1.0) for n in coverage.order if n.split("::")[0] in tests)

    jobs: list[Job] = []
    for mutant in mutants_of(path):
        if args.line is not None and mutant.line != args.line:
            continue
        known = equivalent_for(mutant, equivalents)
        if known is not None and not args.check_equivalents:
            tally.equivalent.append((mutant, known))
            continue
        tests: Sequence[str] = coverage.tests_for(mutant, files) if mutant.in_function else files
        jobs.append((mutant, tests, max(20.0, 5 * seconds_of(tests) + 10)))
    outcomes: dict[int, Outcome] = {}
    for mutant, outcome in run_many(jobs, args.jobs):
        outcomes[id(mutant)] = outcome
        _progress(mutant, outcome, args)
    for mutant, _, _ in jobs:
        outcome = outcomes[id(mutant)]
        known = equivalent_for(mutant, equivalents)
        if known is not None:
            if outcome.status == "survived":
                tally.equivalent.append((mutant, known))
            else:
                tally.errors.append((mutant, f"listed as equivalent but {outcome.status}: {known.why}"))
        elif outcome.status == "killed":
            tally.killed += 1
        elif outcome.status == "timeout":
            tally.timeout += 1
        elif outcome.status == "survived":
            tally.survived.append((mutant, outcome.detail))
        else:
            tally.errors.append((mutant, outcome.detail))
    print(flush=True)
    return tally


def _progress(mutant: Mutant, outcome: Outcome, args: argparse.Namespace) -> None:
    mark = {"killed": ".", "survived": "S", "timeout": "T", "error": "E"}[outcome.status]
    if args.verbose_progress:
        print(f"  {mark} {mutant.label} ({outcome.seconds:.1f}s)", flush=True)
    else:
        print(mark, end="", flush=True)


def _select(names: Sequence[str]) -> list[str]:
    if not names:
        return list(TARGETS)
    chosen = [t for t in TARGETS if Path(t).stem in names or t in names]
    if len(chosen) != len(set(names)):
        raise SystemExit(f"unknown module among {list(names)}; targets: {[Path(t).stem for t in TARGETS]}")
    return chosen


def _show(spec: str) -> None:
    file_part, _, rest = spec.partition(":")
    path = next((t for t in TARGETS if t.endswith(file_part)), None)
    if path is None:
        raise SystemExit(f"no target {file_part}")
    line, _, col = rest.partition(":")
    for mutant in mutants_of(path):
        if mutant.line == int(line) and (not col or mutant.col == int(col)):
            _, tree = mutated_code(mutant)
            print(f"--- {mutant.label}\n  was: {mutant.source_line}")
            node = next(
                (n for n in ast.walk(tree) if isinstance(n, ast.stmt) and getattr(n, "lineno", 0) == mutant.line),
                None,
            )
            print(f"  now: {ast.unparse(node).splitlines()[0] if node is not None else '?'}")


def main(argv: Sequence[str] | None = None) -> int:
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("modules", nargs="*", help="file stems of the targets (default: all)")
    parser.add_argument("--list", action="store_true", help="list the mutants, run nothing")
    parser.add_argument("--show", metavar="FILE:LINE[:COL]", help="print the mutants at that place")
    parser.add_argument("--line", type=int, help="only the mutants on this line")
    parser.add_argument("--check-equivalents", action="store_true", help="run the listed equivalents too")
    parser.add_argument("-j", "--jobs", type=int, default=1, help="mutants run at the same time (default 1)")
    parser.add_argument("-v", dest="verbose_progress", action="store_true", help="one line per mutant")
    args = parser.parse_args(argv)
    os.chdir(ROOT)
    for extra in (str(ROOT), str(SRC)):
        if extra not in sys.path:
            sys.path.insert(0, extra)
    if args.show:
        _show(args.show)
        return 0
    targets = _select(args.modules)
    equivalents = read_equivalents()
    if args.list:
        for path in targets:
            for mutant in mutants_of(path):
                known = equivalent_for(mutant, equivalents)
                print(f"{mutant.label} | {mutant.source_line}{' | EQUIVALENT' if known else ''}")
        return 0
    graph = ImportGraph()
    every_file = sorted({f for t in targets for tier in test_tiers(module_name(t), graph) for f in tier})
    started = time.monotonic()
    preload(every_file)
    print(f"tracing the unmutated run of {len(every_file)} test files ...", flush=True)
    coverage = trace_baseline(targets, every_file)
    print(f"{len(coverage.order)} tests in {time.monotonic() - started:.0f} s", flush=True)
    tallies = {path: run_module(path, equivalents, graph, coverage, args) for path in targets}
    return report(tallies, equivalents, targets if args.line is None else [], time.monotonic() - started)


def _iter_unmatched(
    equivalents: Sequence[Equivalent], tallies: dict[str, Tally], targets: Sequence[str]
) -> Iterator[Equivalent]:
    used = {id(e) for t in tallies.values() for _, e in t.equivalent}
    for e in equivalents:
        if e.path in targets and id(e) not in used:
            yield e


def report(tallies: dict[str, Tally], equivalents: Sequence[Equivalent], targets: Sequence[str], seconds: float) -> int:
    print("\nmodule                         mutants  killed  timeout  survived  equivalent  error  score")
    total = Tally()
    for path, t in tallies.items():
        scored = t.total - len(t.equivalent)
        score = 100.0 * (t.killed + t.timeout) / scored if scored else 100.0
        print(
            f"{Path(path).name:30} {t.total:7} {t.killed:7} {t.timeout:8} {len(t.survived):9} "
            f"{len(t.equivalent):11} {len(t.errors):6}  {score:5.1f}%"
        )
        total.killed += t.killed
        total.timeout += t.timeout
        total.survived += t.survived
        total.equivalent += t.equivalent
        total.errors += t.errors
    scored = total.total - len(total.equivalent)
    score = 100.0 * (total.killed + total.timeout) / scored if scored else 100.0
    raw = 100.0 * (total.killed + total.timeout) / total.total if total.total else 100.0
    print(
        f"{'total':30} {total.total:7} {total.killed:7} {total.timeout:8} {len(total.survived):9} "
        f"{len(total.equivalent):11} {len(total.errors):6}  {score:5.1f}%"
    )
    print(
        f"\nscore {score:.1f}% excluding {len(total.equivalent)} equivalent mutants ({raw:.1f}% raw), {seconds:.0f} s"
    )
    for mutant, detail in total.survived:
        print(f"SURVIVED {mutant.label} | {mutant.source_line}{f' | {detail}' if detail else ''}")
    for mutant, detail in total.errors:
        print(f"ERROR    {mutant.label} | {mutant.source_line} | {detail}")
    stale = list(_iter_unmatched(equivalents, tallies, targets))
    for e in stale:
        print(f"STALE    {EQUIVALENTS_FILE.name}: {e.path}:{e.line}:{e.col} {e.operator} matches no mutant")
    return 1 if total.survived or total.errors or stale else 0


if __name__ == "__main__":
    sys.exit(main())
