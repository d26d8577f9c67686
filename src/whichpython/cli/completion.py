"""Shell completion scripts for bash, zsh and fish, made from the CLI's own parser, so they
offer exactly its commands, options and choices: ``whichpython completion bash``."""

from __future__ import annotations

import argparse
import shlex
from collections.abc import Iterable

import attrs

SHELLS = ("bash", "zsh", "fish")


#: Metavars whose value is a path (a request may be one: ``find ./venv``), or a directory.
PATHS = frozenset({"PATH", "DEST", "REQUEST"})
DIRS = frozenset({"DIR"})


@attrs.frozen
class Option:
    """One option of a command: its flags, its help, whether it takes a value, its choices,
    and whether its value is a path (``"files"``) or a directory (``"dirs"``)."""

    flags: tuple[str, ...]
    help: str
    takes_value: bool
    choices: tuple[str, ...] = ()
    paths: str = ""


@attrs.frozen
class Command:
    """A subcommand: its name, its help, its options, whether it takes a file path, and the
    choices of its argument (``completion bash``)."""

    name: str
    help: str
    options: tuple[Option, ...]
    paths: bool
    words: tuple[str, ...] = ()


def commands(parser: argparse.ArgumentParser) -> list[Command]:
    """The subcommands of ``parser``, as the scripts need them."""
    found = []
    for action in parser._actions:
        if not isinstance(action, argparse._SubParsersAction):
            continue
        helps = {choice.dest: choice.help or "" for choice in action._choices_actions}
        for name, sub in action.choices.items():
            options = tuple(
                Option(
                    tuple(a.option_strings),
                    a.help or "",
                    a.nargs != 0,
                    tuple(str(choice) for choice in a.choices or ()),
                    _paths(a.metavar),
                )
                for a in sub._actions
                if a.option_strings
            )
            arguments = [a for a in sub._actions if not a.option_strings]
            paths = any(_paths(a.metavar) for a in arguments)
            words = tuple(str(choice) for a in arguments for choice in a.choices or ())
            found.append(Command(name, helps.get(name, ""), options, paths, words))
    return found


def _paths(metavar: object) -> str:
    """``"files"`` or ``"dirs"`` for a value that names a path or a directory, else ``""``."""
    return "files" if metavar in PATHS else "dirs" if metavar in DIRS else ""


def script(shell: str, parser: argparse.ArgumentParser) -> str:
    """The completion script for ``shell`` (one of :data:`SHELLS`)."""
    found = commands(parser)
    if shell == "fish":
        return _fish(found)
    return _bash(found, zsh=shell == "zsh")


def _bash(found: list[Command], *, zsh: bool) -> str:
    """A bash completion function (zsh runs it through its ``bashcompinit``)."""
    shell = "zsh" if zsh else "bash"
    per_command = [
        f"        {c.name}) opts={_words(f for o in c.options for f in o.flags)}; "
        f"paths={int(c.paths)}; words={_words(c.words)} ;;"
        for c in found
    ]
    first = _words([c.name for c in found] + ["--version", "--help"])
    valued = {o.flags: o for c in found for o in c.options if o.takes_value}.values()
    per_value = [f"        {'|'.join(o.flags)}) {_value(o, zsh)} ; return ;;" for o in valued]
    lines = [
        f'# whichpython completion for {shell}: eval "$(whichpython completion {shell})"',
        *(["autoload -U +X bashcompinit && bashcompinit"] if zsh else []),
        "_whichpython() {",
        *(
            ["    setopt localoptions ksharrays  # COMP_WORDS counts from 0, as in bash"]
            if zsh
            else []
        ),
        '    local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}"',
        '    local command="" opts="" paths=0 words="" i',
        "    for ((i = 1; i < COMP_CWORD; i++)); do",
        '        case "${COMP_WORDS[i]}" in -*) ;; *) command="${COMP_WORDS[i]}"; break ;; esac',
        "    done",
        '    if [[ -z "$command" ]]; then',
        f'        COMPREPLY=($(compgen -W {first} -- "$cur"))',
        "        return",
        "    fi",
        '    case "$prev" in',
        *per_value,
        "    esac",
        '    case "$command" in',
        *per_command,
        "    esac",
        '    if [[ "$cur" == -* ]]; then',
        '        COMPREPLY=($(compgen -W "$opts" -- "$cur"))',
        '    elif [[ "$paths" == 1 ]]; then',
        # zsh's compgen -f ignores the word typed so far: glob for it instead
        "        COMPREPLY=(${cur}*(N))" if zsh else '        COMPREPLY=($(compgen -f -- "$cur"))',
        '    elif [[ -n "$words" ]]; then',
        '        COMPREPLY=($(compgen -W "$words" -- "$cur"))',
        "    fi",
        "}",
        "complete -o filenames -F _whichpython whichpython",
    ]
    return "\n".join(lines) + "\n"


def _value(option: Option, zsh: bool) -> str:
    """The bash (or zsh) line completing ``option``'s value: its choices, or a path."""
    if option.paths == "dirs":  # zsh's compgen ignores the word typed so far: glob for it
        return "COMPREPLY=(${cur}*(N/))" if zsh else 'COMPREPLY=($(compgen -d -- "$cur"))'
    if option.paths:
        return "COMPREPLY=(${cur}*(N))" if zsh else 'COMPREPLY=($(compgen -f -- "$cur"))'
    return f'COMPREPLY=($(compgen -W {_words(option.choices)} -- "$cur"))'


def _fish(found: list[Command]) -> str:
    """``complete`` lines for fish."""
    lines = [
        "# whichpython completion for fish: whichpython completion fish | source",
        "complete -c whichpython -f",
        "complete -c whichpython -n __fish_use_subcommand -l version -d 'print the version'",
    ]
    for c in found:
        lines.append(
            f"complete -c whichpython -n __fish_use_subcommand -a {c.name} -d {_words([c.help])}"
        )
        when = f"-n '__fish_seen_subcommand_from {c.name}'"
        if c.paths:
            lines.append(f"complete -c whichpython {when} -F")
        if c.words:
            lines.append(f"complete -c whichpython {when} -a {_words(c.words)}")
        for o in c.options:
            flags = " ".join(
                f"-l {f[2:]}" if f.startswith("--") else f"-s {f[1:]}" for f in o.flags
            )
            value = ""
            if o.paths == "dirs":
                value = " -x -a '(__fish_complete_directories)'"
            elif o.paths:
                value = " -r -F"
            elif o.takes_value:
                value = f" -x -a {_words(o.choices)}" if o.choices else " -x"
            lines.append(f"complete -c whichpython {when} {flags}{value} -d {_words([o.help])}")
    return "\n".join(lines) + "\n"


def _words(words: Iterable[str]) -> str:
    """Words joined by spaces, quoted for a shell."""
    return shlex.quote(" ".join(words))
