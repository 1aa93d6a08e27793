"""`memdesc check`: mypy with the memdesc plugin, plus the post-pass, in mypy's output format.

One cold build (export_types needs it) of the given paths (default: the bundled model) with the
user's mypy configuration and `checker.plugin` added; mypy's messages and the post-pass's are
printed together, sorted by file and line, as `file:line: error: message  [code]`. Exit codes
follow mypy's: 0 clean, 1 errors, 2 on a crash or bad usage. When mypy stops before checking (a
file it cannot read or decode, two files of one module name, a syntax error), its messages are
printed as it prints them, those without a line number too, and the run fails with 2.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from mypy import build
from mypy.errors import CompileError
from mypy.main import process_options

from checker.plugin import MemdescPlugin
from checker.postpass import PostPassMessage, check_module, facts_of
from checker.suppress import enabled, ignored, unused_ignore_still_unused

PLUGIN = "checker.plugin"
_LINE = re.compile(
    r"^(?P<path>.+?):(?P<line>\d+)(?::(?P<column>\d+))?: (?P<severity>error|note|warning): "
    r"(?P<message>.*?)(?:  \[(?P<code>[a-z0-9-]+)\])?$"
)
_FILE = re.compile(r"^(?P<path>.+?): (?P<severity>error|note|warning): (?P<message>.*)$")
"""A message of mypy's about a whole file ("Duplicate module named", "Cannot read file")."""


@dataclass(frozen=True)
class Message:
    path: str
    line: int
    """0 for mypy's messages about a whole file, which it prints without a line number."""
    column: int | None
    severity: str
    message: str
    code: str | None

    def as_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "severity": self.severity,
            "message": self.message,
            "code": self.code,
        }

    def __str__(self) -> str:
        code = f"  [{self.code}]" if self.code else ""
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.severity}: {self.message}{code}"


def package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(f"memdesc: error: cannot find the {name!r} package")
    return Path(next(iter(spec.submodule_search_locations)))


def default_paths() -> list[str]:
    return [str(package_dir("model"))]


def parse(line: str) -> Message | None:
    match = _LINE.match(line)
    if match is None:
        return None
    column = match.group("column")
    return Message(
        match.group("path"),
        int(match.group("line")),
        int(column) if column else None,
        match.group("severity"),
        match.group("message"),
        match.group("code"),
    )


def stopped(line: str) -> Message:
    """One line of the messages mypy stopped with, as it printed it: with a line number, about a
    whole file, or (a message of mypy's own) as an error without a file."""
    message = parse(line)
    if message is not None:
        return message
    match = _FILE.match(line)
    if match is not None:
        return Message(match["path"], 0, None, match["severity"], match["message"], None)
    return Message("", 0, None, "error", line, None)


def check(
    paths: list[str], extra_args: list[str] | None = None, search_first: list[str] | None = None
) -> tuple[list[Message], int, int]:
    """Check `paths`; return (messages, number of source files, exit status).

    `search_first` directories come first on mypy's module search path: `memdesc propose check`
    puts a temporary `ontology` package with the proposed types there.
    """
    sources, options = process_options([*paths, *(extra_args or [])], require_targets=True)
    # mypy loads configured plugins only when there is a config file; without one (run from
    # outside a project) the plugin is handed to the build directly.
    extra_plugins = [] if PLUGIN in options.plugins and options.config_file else [MemdescPlugin(options)]
    options.incremental = False
    options.export_types = True
    options.preserve_asts = True
    source_root = str(package_dir("ontology").parent)
    if source_root not in options.mypy_path:
        options.mypy_path = [*options.mypy_path, source_root]
    options.mypy_path = [*(search_first or []), *options.mypy_path]
    # The ontology and checker packages are analysed for their facts, not checked: their own
    # errors (networkx has no stubs) must not depend on where memdesc check is run from.
    for package in ("ontology", "checker"):
        options.per_module_options.setdefault(f"{package}.*", {})["follow_imports"] = "silent"
    options.per_module_options.setdefault("networkx.*", {})["ignore_missing_imports"] = True
    try:
        result = build.build(sources, options, extra_plugins=extra_plugins)
    except CompileError as error:
        return [stopped(line) for line in error.messages], len(sources), 2
    messages = [m for m in (parse(line) for line in result.errors) if m is not None]
    facts = facts_of(result.files)
    if facts is not None:
        findings: list[PostPassMessage] = []
        used: dict[tuple[str, int], list[str]] = {}
        for source in sources:
            tree = result.files.get(source.module)
            if tree is None or not source.path:
                continue
            shown = result.manager.errors.simplify_path(source.path)
            state = result.graph.get(source.module)  # its options include `# mypy:` comments in the file
            module_options = state.options if state is not None else options.clone_for_module(source.module)
            for finding in check_module(shown, tree, result.types, result.files, facts):
                if not enabled(finding.code, module_options):
                    continue
                if ignored(finding.code, finding.line, tree.ignored_lines):
                    used.setdefault((shown, finding.line), []).append(finding.code)
                    continue
                findings.append(finding)
        messages = [
            m
            for m in messages
            if m.code != "unused-ignore"
            or (m.path, m.line) not in used
            or unused_ignore_still_unused(m.message, used[m.path, m.line])
        ]
        messages.extend(Message(f.path, f.line, None, "error", f.message, f.code) for f in findings)
    messages.sort(key=lambda m: (m.path, m.line, m.severity != "error"))
    status = 1 if any(m.severity == "error" for m in messages) else 0
    return messages, len(sources), status


def check_with_types(generated: str, paths: list[str], label: str = "<proposed>") -> tuple[list[Message], int, int]:
    """Check `paths` with a temporary `ontology` package whose types.py is `generated` (a
    proposal's types, or another release's): it comes first on mypy's search path, the model is
    checked where it lies. A message inside the temporary package names it `label`/ontology/..."""
    with tempfile.TemporaryDirectory(prefix="memdesc-types-") as temp:
        root = Path(temp)
        package = root / "ontology"
        shutil.copytree(package_dir("ontology"), package, ignore=shutil.ignore_patterns("__pycache__", "data"))
        (package / "types.py").write_text(generated, encoding="utf-8")
        messages, files, status = check(paths, search_first=[str(root)])
    shown = [
        Message(f"{label}/ontology/{Path(m.path).name}", m.line, m.column, m.severity, m.message, m.code)
        if str(Path(m.path).resolve()).startswith(str(root.resolve()))
        else m
        for m in messages
    ]
    return shown, files, status


def check_at_release(paths: list[str], kernel: str | None) -> tuple[list[Message], int, int]:
    """Check `paths` against the facts of release `kernel` (default: the newest, which the
    installed `ontology.types` describes): would this model hold on that kernel?"""
    if kernel is None:
        return check(paths)
    from ontology.strict import load_ontology
    from ontology.typegen import generate

    onto = load_ontology(kernel=kernel)
    if onto.kernel == load_ontology().kernel:
        return check(paths)
    return check_with_types(generate(onto), paths, f"<Linux {onto.kernel}>")


def summary(messages: list[Message], checked: int, stopped: bool = False) -> str:
    """mypy's last line; `stopped`: mypy stopped before checking (exit status 2), never a success."""
    errors = [m for m in messages if m.severity == "error"]
    if not errors and not stopped:
        return f"Success: no issues found in {checked} source file{'s' if checked != 1 else ''}"
    files = len({m.path for m in errors})
    found = f"Found {len(errors)} error{'s' if len(errors) != 1 else ''} in {files} file{'s' if files != 1 else ''}"
    if stopped:
        return f"{found} (errors prevented further checking)"
    return f"{found} (checked {checked} source file{'s' if checked != 1 else ''})"


def main(paths: list[str], as_json: bool, kernel: str | None = None) -> int:
    messages, checked, status = check_at_release(paths or default_paths(), kernel)
    if as_json:
        import json

        from ontology.answerformat import envelope

        answer = envelope("check", [m.as_dict() for m in messages])
        sys.stdout.write(json.dumps(answer, indent=2, sort_keys=True) + "\n")
    else:
        for message in messages:
            sys.stdout.write(f"{message}\n")
        sys.stdout.write(summary(messages, checked, stopped=status == 2) + "\n")
    return status
