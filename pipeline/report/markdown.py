"""Analyst-written Markdown (a small subset) to Typst markup, and escaping of plain text.

Supported Markdown: ATX headings (``#`` .. ``####``), paragraphs (consecutive lines are
joined), bullet lists (``-``, ``*``, ``+``), numbered lists (``1.``), ``**bold**``/``__bold__``,
``*italic*``/``_italic_`` and ``***both***``. Anything else is shown as literal text: every Typst
special character is escaped, so an analyst cannot break the build or inject Typst code.

Hand-written because no maintained library converts Markdown to Typst markup with escaping
(pandoc does, but it is a system binary the project does not want to depend on).
"""

from __future__ import annotations

import re

# Characters with a meaning in Typst markup; each is escaped with a backslash.
_SPECIAL = set("\\#*_$<>@[]`~/=-+")
_INLINE = re.compile(
    r"(\*\*\*(?P<bi>[^*]+?)\*\*\*)"
    r"|(\*\*(?P<b1>[^*]+?)\*\*)|(__(?P<b2>[^_]+?)__)"
    r"|(\*(?P<i1>[^*\s][^*]*?)\*)|((?<![\w])_(?P<i2>[^_\s][^_]*?)_(?![\w]))"
)
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_BULLET = re.compile(r"^\s*[-*+]\s+(.*)$")
_NUMBERED = re.compile(r"^\s*\d+[.)]\s+(.*)$")


def escape(text: object) -> str:
    """Plain text as Typst markup that renders literally.

    Every character of ``\\ # * _ $ < > @ [ ] ` ~ / = - +`` gets a backslash, a number followed by
    a dot at the start is escaped (it would start a numbered list), and line breaks (``\\n``,
    ``\\r``, U+2028 and the others) become spaces.
    """
    s = "" if text is None else str(text)
    s = re.sub(r"\s*[\n\r\x0b\x0c\x85\u2028\u2029]\s*", " ", s)  # every character Typst breaks a line at
    out = "".join("\\" + ch if ch in _SPECIAL else ch for ch in s)
    return re.sub(r"^(\d+)\.", r"\1\\.", out)


def inline(text: str) -> str:
    """One line of Markdown with bold/italic to Typst (``#strong[...]``/``#emph[...]``)."""
    parts: list[str] = []
    pos = 0
    for m in _INLINE.finditer(text):
        parts.append(escape(text[pos:m.start()]))
        if m.group("bi") is not None:
            parts.append(f"#strong[#emph[{escape(m.group('bi'))}]]")
        elif (b := m.group("b1") or m.group("b2")) is not None:
            parts.append(f"#strong[{escape(b)}]")
        else:
            parts.append(f"#emph[{escape(m.group('i1') or m.group('i2'))}]")
        pos = m.end()
    parts.append(escape(text[pos:]))
    return "".join(parts)


def markdown_to_typst(md: str, base_level: int = 2) -> str:
    """Convert the Markdown subset to Typst markup.

    Parameters
    ----------
    md : str
        Markdown text.
    base_level : int
        Typst heading level that a Markdown ``#`` becomes (``##`` becomes ``base_level + 1``);
        analyst texts sit inside a chapter, so the default is 2. Capped at level 4.

    Returns
    -------
    str
        Typst markup: blocks separated by blank lines.
    """
    blocks: list[str] = []
    para: list[str] = []
    items: list[str] = []
    kind = ""

    def flush() -> None:
        nonlocal para, items
        if para:
            blocks.append(inline(" ".join(p.strip() for p in para)))
            para = []
        if items:
            marker = "-" if kind == "bullet" else "+"
            blocks.append("\n".join(f"{marker} {inline(it)}" for it in items))
            items = []

    for line in md.replace("\r\n", "\n").split("\n"):
        if not line.strip():
            flush()
            continue
        if m := _HEADING.match(line):
            flush()
            level = min(base_level + len(m.group(1)) - 1, 4)
            blocks.append(f"{'=' * level} {inline(m.group(2))}")
            continue
        bullet, numbered = _BULLET.match(line), _NUMBERED.match(line)
        if bullet or numbered:
            new_kind = "bullet" if bullet else "numbered"
            if para or (items and kind != new_kind):
                flush()
            kind = new_kind
            items.append((bullet or numbered).group(1).strip())
            continue
        if items and line.startswith((" ", "\t")):  # continuation of a list item
            items[-1] += " " + line.strip()
            continue
        if items:
            flush()
        para.append(line)
    flush()
    return "\n\n".join(blocks)
