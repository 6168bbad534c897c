"""YAML that remembers where each value came from, so a mistake is reported by line.

Mappings load as `LineDict` and sequences as `LineList`: plain dict/list subclasses that also
carry the 1-based line of the node and of each key or item. Only `true`/`false` are booleans
(YAML 1.2 style): a workshop writing `value: yes` for a fastboot variable gets the string
"yes", not True. A key written twice is an error, not a silent overwrite. A document nested
more than MAX_DEPTH levels, or larger than MAX_NODES values once its aliases are expanded (a
"billion laughs" file), is refused as bad YAML before anything walks it."""

from __future__ import annotations

import re
from collections.abc import Hashable, Sequence
from typing import Any

import yaml
from yaml.composer import ComposerError
from yaml.nodes import MappingNode, Node, SequenceNode

MAX_DEPTH = 64  # a real profile is about 6 levels deep
MAX_NODES = 100_000  # a real profile has a few hundred values


class LineDict(dict[str, Any]):
    """A mapping with `line` (where it starts) and `key_lines[key]` (where each key is)."""

    line: int
    key_lines: dict[str, int]


class LineList(list[Any]):
    """A sequence with `line` (where it starts) and `item_lines[i]`."""

    line: int
    item_lines: list[int]


class DuplicateKeyError(yaml.MarkedYAMLError):
    """The same key twice in one mapping."""


def _expanded_size(node: Node, sizes: dict[int, int]) -> int:
    """How many values `node` stands for once every alias in it is written out."""
    known = sizes.get(id(node))
    if known is not None:
        return known
    size = 1
    if isinstance(node, SequenceNode):
        size += sum(_expanded_size(child, sizes) for child in node.value)
    elif isinstance(node, MappingNode):
        for key, value in node.value:
            size += _expanded_size(key, sizes) + _expanded_size(value, sizes)
    sizes[id(node)] = size
    return size


class LineLoader(yaml.SafeLoader):
    """SafeLoader that keeps node lines and reads only true/false as booleans."""

    _depth = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node:
        # The composer recurses once per level: stop long before Python's own limit.
        if self._depth >= MAX_DEPTH:
            raise ComposerError(
                None,
                None,
                f"nested more than {MAX_DEPTH} levels deep",
                self.peek_event().start_mark,
            )
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def get_single_node(self) -> Node | None:
        node: Node | None = super().get_single_node()
        if node is not None and _expanded_size(node, {}) > MAX_NODES:
            raise ComposerError(
                None,
                None,
                f"more than {MAX_NODES} values once its aliases are expanded",
                node.start_mark,
            )
        return node

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> LineDict:
        result = LineDict()
        result.line = node.start_mark.line + 1
        result.key_lines = {}
        self.flatten_mapping(node)
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, Hashable):
                raise yaml.constructor.ConstructorError(
                    "while reading a mapping",
                    node.start_mark,
                    "a key cannot be a list or a mapping",
                    key_node.start_mark,
                )
            text_key = str(key)
            if text_key in result:
                raise DuplicateKeyError(
                    "while reading a mapping",
                    node.start_mark,
                    f"the key {text_key!r} is written twice",
                    key_node.start_mark,
                )
            result[text_key] = self.construct_object(value_node, deep=True)
            result.key_lines[text_key] = key_node.start_mark.line + 1
        return result

    def construct_sequence(self, node: SequenceNode, deep: bool = False) -> LineList:
        result = LineList(self.construct_object(child, deep=True) for child in node.value)
        result.line = node.start_mark.line + 1
        result.item_lines = [child.start_mark.line + 1 for child in node.value]
        return result


def _yaml12_booleans() -> None:
    # Drop YAML 1.1's yes/no/on/off booleans, keep true/false.
    resolvers = {
        first: [(tag, regexp) for tag, regexp in items if tag != "tag:yaml.org,2002:bool"]
        for first, items in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    LineLoader.yaml_implicit_resolvers = resolvers
    LineLoader.add_implicit_resolver(
        "tag:yaml.org,2002:bool",
        re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
        list("tTfF"),
    )


_yaml12_booleans()
LineLoader.add_constructor("tag:yaml.org,2002:map", LineLoader.construct_mapping)
LineLoader.add_constructor("tag:yaml.org,2002:seq", LineLoader.construct_sequence)


def load(text: str) -> Any:
    """Parses one YAML document; raises yaml.YAMLError (with a mark) on bad YAML."""
    return yaml.load(text, Loader=LineLoader)


def line_of(root: Any, path: Sequence[str | int]) -> int:
    """The line of the value at `path` (keys and indexes), or of its nearest existing parent."""
    node = root
    line = getattr(root, "line", 1)
    for part in path:
        if isinstance(node, LineDict) and isinstance(part, str) and part in node:
            line = node.key_lines.get(part, line)
            node = node[part]
        elif isinstance(node, LineList) and isinstance(part, int) and 0 <= part < len(node):
            line = node.item_lines[part]
            node = node[part]
        else:
            break
    return line


def field_name(path: Sequence[str | int]) -> str:
    """`operating_systems[0].steps[2].partition` for a path of keys and indexes."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + part
    return out or "(document)"
