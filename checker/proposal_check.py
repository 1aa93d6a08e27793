"""What of the unchanged model breaks under a proposed ontology (`memdesc propose check`).

The proposed ontology's generated types go into a temporary copy of the `ontology` package,
which comes first on mypy's search path; the model itself is checked where it lies, so every
message names a file:line of the original tree. Only messages new relative to a baseline run
on the current ontology count as breaks. The working tree is never written.
"""

from __future__ import annotations

import ast
import hashlib
import os
from collections import Counter
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from checker.run import Message, check, check_with_types, default_paths, package_dir
from ontology.errors import InputError
from ontology.indexed import Ontology
from ontology.strict import load_ontology

_Key = tuple[str, int, str, str]
_BASELINES: dict[tuple[tuple[str, ...], str], list[Message]] = {}
"""Baseline messages per (paths, current types.py digest): one baseline run per process."""


def _bundled() -> Ontology:
    return load_ontology()


def _key(message: Message) -> _Key:
    return (message.path, message.line, message.code or "", message.message)


def _errors(messages: list[Message]) -> list[Message]:
    return [m for m in messages if m.severity == "error"]


def module_of(path: str) -> str:
    """`model/gup.py` -> `model.gup`: the dotted name, walking up through packages."""
    file = Path(path).resolve()
    parts = [] if file.name == "__init__.py" else [file.stem]
    directory = file.parent
    while (directory / "__init__.py").exists():
        parts.insert(0, directory.name)
        directory = directory.parent
    return ".".join(parts) or path


def baseline(paths: list[str], generated: str | None = None) -> list[Message]:
    """The errors `paths` have under the current ontology (cached for this process).

    The current ontology is the installed `ontology.types`, or `generated` (the types of an
    ontology given with --data) checked from a temporary package like a proposal.
    """
    text = generated if generated is not None else (package_dir("ontology") / "types.py").read_text(encoding="utf-8")
    key = (tuple(str(Path(p).resolve()) for p in paths), hashlib.sha256(text.encode()).hexdigest())
    if key not in _BASELINES:
        messages, _, status = check(paths) if generated is None else check_with_types(generated, paths)
        if status == 2:
            first = messages[0] if messages else "mypy could not run"
            raise InputError(f"the model does not check under the current ontology: {first}")
        _BASELINES[key] = _errors(messages)
    return _BASELINES[key]


def _python_files(paths: list[str]) -> list[Path]:
    files: list[Path] = []
    for path in map(Path, paths):
        files.extend(sorted(path.rglob("*.py")) if path.is_dir() else [path] if path.suffix == ".py" else [])
    return files


def _shown(path: Path) -> str:
    """A path as mypy prints it: relative to the working directory when under it."""
    relative = os.path.relpath(path.resolve(), Path.cwd())
    return str(path) if relative.startswith("..") else relative


def _implemented_name(function: str, decorator: ast.expr) -> str | None:
    """The kernel function `@implement` / `@implement("name")` registers `function` as, if any."""
    call = decorator if isinstance(decorator, ast.Call) else None
    target = call.func if call is not None else decorator
    if (target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", None)) != "implement":
        return None
    if call is None:
        return function
    first = call.args[0] if call.args else None
    return first.value if isinstance(first, ast.Constant) and isinstance(first.value, str) else None


def orphaned(paths: list[str], removed: set[str]) -> list[Message]:
    """Model functions `@implement`ed under a name the proposed ontology no longer declares.

    mypy cannot see these: the decorator registers by name at run time, and a name the ontology
    lacks is an ordinary model function to the checker. They break at run time instead."""
    found: list[Message] = []
    for file in _python_files(paths):
        try:
            tree = ast.parse(file.read_text(encoding="utf-8"), str(file))
        except (OSError, SyntaxError, UnicodeDecodeError):
            continue  # mypy reports unreadable files itself
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for decorator in node.decorator_list:
                name = _implemented_name(node.name, decorator)
                if name in removed:
                    message = f"{name}() is @implement'ed, but the proposed ontology no longer declares it"
                    found.append(Message(_shown(file), decorator.lineno, None, "error", message, "memdesc-return"))
    return found


def check_proposal(new: Ontology, paths: list[str], old: Ontology | None = None) -> dict[str, object]:
    """The errors `paths` (default: the bundled model) gain under `new`, JSON-able.

    {"breaks": [{"path", "line", "code", "message"}...], "counts": {module: n},
    "baseline": errors before, "files": files checked}. Errors the paths already had under the
    current ontology (`old`, default: the installed one) are not breaks (counted per occurrence).
    """
    from ontology.typegen import generate

    paths = list(paths) or default_paths()
    generated = None if old is None else generate(old)
    errors_before = baseline(paths, generated)
    before = Counter(_key(m) for m in errors_before)
    messages, files, _ = check_with_types(generate(new), paths)
    if old_functions := set((old or _bundled()).functions) - set(new.functions):
        messages = sorted([*messages, *orphaned(paths, old_functions)], key=lambda m: (m.path, m.line))
    breaks: list[Message] = []
    for message in _errors(messages):
        key = _key(message)
        if before[key] > 0:
            before[key] -= 1
        else:
            breaks.append(message)
    counts = Counter(module_of(m.path) for m in breaks)
    return {
        "breaks": [{"path": m.path, "line": m.line, "code": m.code or "", "message": m.message} for m in breaks],
        "counts": dict(sorted(counts.items())),
        "baseline": len(errors_before),
        "files": files,
    }


def portable(impact: dict[str, object]) -> dict[str, object]:
    """The result with paths under the source tree made relative to its root (`model/gup.py`),
    so a document generated from any working directory reads the same."""
    root = package_dir("ontology").parent.resolve()
    breaks = impact["breaks"]
    assert isinstance(breaks, list)

    def shown(path: str) -> str:
        resolved = Path(path).resolve()
        return resolved.relative_to(root).as_posix() if resolved.is_relative_to(root) else path

    return {**impact, "breaks": [{**entry, "path": shown(str(entry["path"]))} for entry in breaks]}


class _Break(BaseModel):
    """One break as `propose check --json` writes it."""

    model_config = ConfigDict(extra="forbid", strict=True)
    path: str
    line: int | None
    code: str = ""
    message: str


class _Impact(BaseModel):
    """The whole `propose check --json` result: every key the Impact section reads, typed."""

    model_config = ConfigDict(extra="forbid", strict=True)
    breaks: list[_Break]
    counts: dict[str, int]
    baseline: int
    files: int


def read_impact(path: Path) -> dict[str, object]:
    """A saved `memdesc propose check --json` result (for `propose doc --impact`), its shape checked
    here so that a wrong file is one line naming it, never a KeyError deep in the renderer."""
    import json

    from ontology.inputs import TOML_CAP, read_input

    raw = read_input(path, TOML_CAP, "an impact JSON file")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise InputError(f"cannot read the impact JSON: {error}", path) from None
    if isinstance(data, dict) and data.get("command") == "propose check":
        from ontology.answerformat import ENVELOPE_KEYS

        data = {key: value for key, value in data.items() if key not in ENVELOPE_KEYS}
    try:
        impact = _Impact.model_validate(data)
    except ValidationError as error:
        problem = error.errors()[0]
        where = ".".join(str(part) for part in problem["loc"]) or "top level"
        raise InputError(f"not the output of `memdesc propose check --json`: {where}: {problem['msg']}", path) from None
    return impact.model_dump()
