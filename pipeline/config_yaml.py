"""YAML config files (params, problem families) read strictly: a key given twice, a tab, bad
indentation or text that is not UTF-8 stops with one line naming the file and line, and numbers
with a leading zero (kommun codes, brottskoder) stay text."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from pipeline.errors import DataError


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader that rejects a key given twice (PyYAML keeps the last silently) and
    reads numbers with a leading zero as text: YAML 1.1 reads 0114 as the octal number 76, which
    would turn a kommun code or brottskod into another one."""


def _mapping(loader: _Loader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: dict = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(None, None, f"the key '{key}' is given twice (also on line "
                                                    f"{seen[key] + 1}); keep one", key_node.start_mark)
        seen[key] = key_node.start_mark.line
    return loader.construct_mapping(node, deep=deep)


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
_Loader.add_implicit_resolver("tag:yaml.org,2002:str", re.compile(r"^0\d+$"), list("0"))
_Loader.yaml_implicit_resolvers = {  # the leading-zero rule must win over int's
    k: sorted(v, key=lambda r: r[0] != "tag:yaml.org,2002:str") for k, v in _Loader.yaml_implicit_resolvers.items()}


def _yaml_problem(path: Path, exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    where = f"{path}: line {mark.line + 1}, column {mark.column + 1}" if mark else str(path)
    problem = getattr(exc, "problem", None) or str(exc)
    lines = (mark.buffer or "").split("\n") if mark is not None and mark.buffer else []
    line = lines[mark.line] if mark is not None and mark.line < len(lines) else ""
    if "\\t" in problem or "\t" in problem or "\t" in line[: mark.column + 1 if mark else 0]:
        return f"{where}: a tab character; YAML indents with spaces only: replace the tab with spaces"
    if isinstance(exc, yaml.constructor.ConstructorError):
        return f"{where}: {problem}"
    return f"{where}: {problem}; check the indentation and quoting on that line"


def read_yaml(path: str | Path, what: str = "params file") -> object:
    """A YAML config file (params, problem families) as Python objects.

    Raises DataError, one line naming the file and line, when it is missing, not UTF-8, not
    valid YAML (tabs, indentation), or gives a key twice. Numbers with a leading zero stay text.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        fix = "write one with `lagesbild init` or pass --params" if what == "params file" else "fix the path in params"
        raise DataError(f"{path}: {what} not found; {fix}") from None
    except OSError as exc:
        raise DataError(f"{path}: cannot read the {what} ({exc.strerror})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DataError(f"{path}: line {line} is not UTF-8 text; save the {what} as UTF-8") from None
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader
    except yaml.YAMLError as exc:
        raise DataError(_yaml_problem(path, exc)) from None
