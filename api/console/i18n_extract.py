"""Babel extractor for the console's labels.yml: every label is a message to translate."""

from collections.abc import Collection, Iterator, Mapping
from typing import IO, Any

import yaml

ExtractionResult = tuple[int, str, str, list[str]]


def extract_labels(
    fileobj: IO[bytes],
    keywords: Collection[str],
    comment_tags: Collection[str],
    options: Mapping[str, Any],
) -> Iterator[ExtractionResult]:
    """Yield (line, "gettext", label, []) for every label of every table."""
    root = yaml.compose(fileobj.read().decode("utf-8"), Loader=yaml.SafeLoader)
    if not isinstance(root, yaml.MappingNode):
        return
    for _table, entries in root.value:
        if not isinstance(entries, yaml.MappingNode):
            continue
        for _code, text in entries.value:
            if isinstance(text, yaml.ScalarNode) and text.value:
                yield text.start_mark.line + 1, "gettext", str(text.value), []
