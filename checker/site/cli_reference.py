"""The CLI reference page, generated from the command line's click tree so that it cannot drift from `--help`.

The tree is passed in (`memdesc docs` hands over its own root command): the site never imports the CLI.

Built from click's parameter objects rather than by scraping `--help`, so the page does not
depend on the terminal's width. Commands come in the app's own order (the order of
`memdesc --help`), each group followed by its subcommands; each heading carries an explicit
anchor (`#memdesc-propose-check`) so links survive a reworded heading.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator

from typer._click import Command, Context  # typer vendors click; its objects are these classes
from typer.core import TyperArgument, TyperGroup, TyperOption

from ontology.docsite.markdown import cell, code, fence, link, table

EXAMPLE_PREFIX = "Example: "


def children(group: TyperGroup, context: Context) -> Iterator[tuple[Command, Context]]:
    """A group's visible subcommands in registration order (the order `--help` lists them)."""
    for name in group.list_commands(context):
        sub = group.get_command(context, name)
        if sub is not None and not sub.hidden:
            yield sub, Context(sub, info_name=name, parent=context)


def walk(command: Command, context: Context) -> Iterator[tuple[Command, Context]]:
    """The command, then (for a group) each subcommand, depth first."""
    yield command, context
    if isinstance(command, TyperGroup):
        for sub, sub_context in children(command, context):
            yield from walk(sub, sub_context)


def commands(root: Command) -> list[tuple[Command, Context]]:
    """Every command and group of `memdesc` (the click tree `root`), with a context naming its path."""
    return list(walk(root, Context(root, info_name="memdesc")))


def split_help(help_text: str | None) -> tuple[str | None, str]:
    """(the example invocation, the description) of a help text that starts with `Example: ...`."""
    text = inspect.cleandoc(help_text or "").partition("\f")[0]
    first, _, rest = text.partition("\n\n")
    if first.startswith(EXAMPLE_PREFIX) and "\n" not in first:
        return first.removeprefix(EXAMPLE_PREFIX), rest.strip()
    return None, text.strip()


def summary(command: Command) -> str:
    """The one line `--help` lists the command with."""
    return command.short_help or split_help(command.help)[1].partition("\n\n")[0]


def anchor(context: Context) -> str:
    return context.command_path.replace(" ", "-")


def _default(param: TyperArgument | TyperOption) -> str:
    if param.required:
        return "required"
    default = param.default
    if default is None or callable(default) or (isinstance(param, TyperOption) and param.is_flag):
        return ""
    if isinstance(default, list | tuple):
        return code(" ".join(str(item) for item in default)) if default else ""
    return code(default)


def _param_row(param: TyperArgument | TyperOption, context: Context) -> list[str]:
    if isinstance(param, TyperOption):
        name = ", ".join(code(opt) for opt in [*param.opts, *param.secondary_opts])
        kind = "flag" if param.is_flag else code(param.metavar or param.display_type(context))
    else:
        name = code(param.display_name_raw + ("..." if param.nargs != 1 else ""))
        kind = ("file" if param.type_descriptor.is_path else "word") + ("s" if param.nargs != 1 else "")
    return [name, kind, _default(param), cell(param.help)]


def _section(command: Command, context: Context) -> str:
    path = context.command_path
    usage = " ".join([path, *command.collect_usage_pieces(context)])
    out = [f"## {path} {{#{anchor(context)}}}\n", "\n".join(fence([f"Usage: {usage}"], "text")) + "\n"]
    example, description = split_help(command.help)
    if example is not None:
        out.append("\n".join(fence([f"$ {example}"], "console")) + "\n")
    if description:
        out.append("\n\n".join(cell(paragraph) for paragraph in description.split("\n\n")) + "\n")
    params = [p for p in command.params if isinstance(p, TyperArgument | TyperOption) and not p.hidden]
    if params:
        rows = [_param_row(param, context) for param in params]
        out.append(table(["argument or option", "type", "default", "description"], rows))
    if isinstance(command, TyperGroup):
        rows = [
            [link(code(sub_context.command_path), f"#{anchor(sub_context)}"), cell(summary(sub))]
            for sub, sub_context in children(command, context)
        ]
        out.append(table(["command", "what it does"], rows))
    return "\n".join(out)


def cli_reference_page(root: Command) -> str:
    """The whole page for the command line `root`: an intro, then one section per command and group (root first)."""
    intro = (
        "# CLI reference\n\n"
        "Every `memdesc` command and group, generated from the command line itself by `memdesc docs`: "
        "`--help` prints the same, and every command also takes `-h` or `--help`; "
        "`memdesc --version` prints the version. "
        "Unless a command says otherwise, it exits 0 when all is well, 1 when the answer is no "
        "(findings, a mismatch, no path), 2 on a usage error or unusable input; "
        "every error is one line on stderr, `memdesc: error: ...`.\n"
    )
    return "\n".join([intro, *(_section(command, context) for command, context in commands(root))])
