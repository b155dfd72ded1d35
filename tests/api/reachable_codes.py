"""Which domain error codes a function can raise, read from the code itself.

Starting from a function, follow every name it mentions that resolves (in its module) to a
function or class of the exchange, and collect every member of an `...ErrorCode` enum it
mentions. This over-approximates what can be raised at run time (a mentioned code counts even
on a path that cannot be taken), which is the safe side for an error enum: a code a mutation
can answer is never missing from it.
"""

from __future__ import annotations

import ast
import inspect
import sys
import textwrap
from enum import Enum
from types import FunctionType, ModuleType
from typing import Any

_PACKAGE = "exchange."


def _is_ours(value: Any) -> bool:
    return getattr(value, "__module__", "").startswith(_PACKAGE)


def _resolve(node: ast.expr, names: dict[str, Any]) -> Any:
    if isinstance(node, ast.Name):
        return names.get(node.id)
    if isinstance(node, ast.Attribute):
        base = _resolve(node.value, names)
        if isinstance(base, ModuleType) or (isinstance(base, type) and _is_ours(base)):
            return getattr(base, node.attr, None)
    return None


def _parsed(value: Any) -> tuple[ast.AST, dict[str, Any]] | None:
    value = inspect.unwrap(value)
    try:
        source = inspect.getsource(value)
    except (OSError, TypeError):
        return None
    names = vars(sys.modules[value.__module__])
    return ast.parse(textwrap.dedent(source)), names


def error_codes(*roots: Any) -> set[str]:
    """The names of every error code reachable from the given functions."""
    return {code.name for code in error_members(*roots)}


def error_members(*roots: Any) -> set[Enum]:
    """Every error code (a member of a domain's `...ErrorCode` enum) reachable from the given
    functions."""
    codes: set[Enum] = set()
    seen: set[int] = set()
    stack = list(roots)
    while stack:
        value = stack.pop()
        if id(value) in seen:
            continue
        seen.add(id(value))
        parsed = _parsed(value)
        if parsed is None:
            continue
        tree, names = parsed
        for node in ast.walk(tree):
            if not isinstance(node, ast.Name | ast.Attribute):
                continue
            found = _resolve(node, names)
            if isinstance(found, Enum) and type(found).__name__.endswith("ErrorCode"):
                if _is_ours(type(found)):
                    codes.add(found)
            elif isinstance(found, FunctionType | type) and _is_ours(found):
                stack.append(found)
    return codes
