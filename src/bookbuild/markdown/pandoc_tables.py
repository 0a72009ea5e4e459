"""Turn Pandoc's grid, simple and multiline tables into markdown-it table tokens.

markdown-it already reads pipe tables; these block rules add the three other
table syntaxes of Pandoc's Markdown, with Pandoc's meaning:

* grid tables (``+---+---+`` rules, ``+===+`` under the header), whose cells
  hold blocks (paragraphs, lists);
* simple tables (a header line over dashed column rules, or a headerless one
  between two dashed lines), aligned by where the header text sits over its dashes;
* multiline tables (a full dashed line above the header, rows separated by blank lines).

Each becomes the same ``table_open … table_close`` tokens a pipe table gives,
so every output renders them alike.  Column alignment is set as markdown-it sets
it (``style="text-align:…"``).  To stay clear of CommonMark's headings and
rules, a simple or multiline table needs at least two columns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

_GRID_RULE_RE = re.compile(r"^\+(?:[-=:]+\+)+\s*$")
_DASH_GROUPS_RE = re.compile(r"^ *-+(?: +-+)* *$")
_FULL_DASHES_RE = re.compile(r"^ *-{3,} *$")


@dataclass(frozen=True)
class Cell:
    text: str
    blocks: bool = False  # grid table cells hold blocks; the others hold one line of inline text


@dataclass(frozen=True)
class TableShape:
    aligns: tuple[str, ...]  # "left", "right", "center" or "" per column
    head: tuple[Cell, ...] | None
    body: tuple[tuple[Cell, ...], ...]
    widths: tuple[float, ...] = ()  # relative column widths (grid and multiline tables), summing to 1


def _line(state: StateBlock, number: int) -> str:
    return state.src[state.bMarks[number] + state.tShift[number]:state.eMarks[number]]


def _indent_ok(state: StateBlock, number: int) -> bool:
    return state.sCount[number] - state.blkIndent < 4


def _blank(state: StateBlock, number: int) -> bool:
    return number >= state.lineMax or state.isEmpty(number)


# -- emitting tokens ----------------------------------------------------------


def push_table(state: StateBlock, shape: TableShape, start: int, end: int, kind: str) -> None:
    """Push the table tokens of *shape*, which stands on lines start..end-1."""
    table = state.push("table_open", "table", 1)
    table.map = [start, end]
    table.meta = {"pandoc_table": kind}
    if shape.widths:
        table.meta["widths"] = shape.widths
    if shape.head is not None and any(cell.text.strip() for cell in shape.head):
        state.push("thead_open", "thead", 1).map = [start, start + 1]
        _push_row(state, shape.head, shape.aligns, "th", start)
        state.push("thead_close", "thead", -1)
    if shape.body:
        state.push("tbody_open", "tbody", 1)
        for row in shape.body:
            _push_row(state, row, shape.aligns, "td", start)
        state.push("tbody_close", "tbody", -1)
    state.push("table_close", "table", -1)
    state.line = end


def _push_row(state: StateBlock, cells: tuple[Cell, ...], aligns: tuple[str, ...], tag: str, line: int) -> None:
    row = state.push("tr_open", "tr", 1)
    row.map = [line, line + 1]
    for index, cell in enumerate(cells):
        opening = state.push(f"{tag}_open", tag, 1)
        align = aligns[index] if index < len(aligns) else ""
        if align:
            opening.attrs = {"style": f"text-align:{align}"}
        if cell.blocks:
            _push_blocks(state, cell.text, line)
        else:
            inline = state.push("inline", "", 0)
            inline.content = cell.text.strip()
            inline.map = [line, line + 1]
            inline.children = []
        state.push(f"{tag}_close", tag, -1)
    state.push("tr_close", "tr", -1)


def _push_blocks(state: StateBlock, text: str, line: int) -> None:
    """Parse a grid cell's text as blocks; a lone paragraph is printed without <p>, as Pandoc does."""
    first = len(state.tokens)
    state.md.block.parse(text, state.md, state.env, state.tokens)
    added = state.tokens[first:]
    for token in added:
        token.map = [line, line + 1] if token.map else None
        token.level += state.level
    if [token.type for token in added] == ["paragraph_open", "inline", "paragraph_close"]:
        added[0].hidden = True
        added[2].hidden = True


# -- grid tables --------------------------------------------------------------


def _rule_columns(rule: str) -> list[int]:
    return [index for index, char in enumerate(rule) if char == "+"]


def _align_of(segment: str) -> str:
    segment = segment.strip()
    left, right = segment.startswith(":"), segment.endswith(":")
    if left and right:
        return "center"
    if right:
        return "right"
    if left:
        return "left"
    return ""


def _dedent(lines: list[str]) -> str:
    lines = [line.rstrip() for line in lines]
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    indent = min((len(line) - len(line.lstrip(" ")) for line in lines if line.strip()), default=0)
    return "\n".join(line[indent:] for line in lines)


def grid_table(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    if not _indent_ok(state, start):
        return False
    top = _line(state, start).rstrip()
    if not _GRID_RULE_RE.match(top) or "=" in top:
        return False
    columns = _rule_columns(top)
    lines: list[str] = [top]
    number = start + 1
    while number < end and not _blank(state, number):
        text = _line(state, number).rstrip()
        if not text.startswith(("+", "|")):
            break
        lines.append(text)
        number += 1
    if len(lines) < 3 or not _GRID_RULE_RE.match(lines[-1]):
        return False
    rows: list[list[str]] = []  # the content lines of each row
    header_rows = 0
    aligns = [_align_of(top[a + 1:b]) for a, b in pairwise(columns)]
    current: list[str] = []
    for text in lines[1:]:
        if _GRID_RULE_RE.match(text):
            if _rule_columns(text) != columns or not current:
                return _unsupported(state, start, "a grid table whose cells span columns or rows")
            rows.append(current)
            current = []
            if "=" in text:
                if header_rows:
                    return False
                header_rows = len(rows)
                aligns = [_align_of(text[a + 1:b]) for a, b in pairwise(columns)]
            continue
        if text.startswith("+"):
            return _unsupported(state, start, "a grid table whose cells span columns or rows")
        if len(text) <= columns[-1] or any(text[c] not in "|+" for c in columns):
            return _unsupported(state, start, "a grid table whose lines do not keep to its columns")
        current.append(text)
    if current:
        return False
    if silent:
        return True

    def cells(row_lines: list[str]) -> tuple[Cell, ...]:
        return tuple(Cell(_dedent([text[a + 1:b] for text in row_lines]), blocks=True)
                     for a, b in pairwise(columns))

    head = None
    body_rows = rows
    if header_rows:
        head = cells([text for row in rows[:header_rows] for text in row])
        body_rows = rows[header_rows:]
    widths = _relative([b - a for a, b in pairwise(columns)])
    push_table(state, TableShape(tuple(aligns), head, tuple(cells(row) for row in body_rows), widths), start, number,
               "grid")
    return True


def _unsupported(state: StateBlock, start: int, what: str) -> bool:
    """Leave a table bookbuild cannot read as text, with a warning at its first line."""
    marker = Token("grid_table", "", 0)
    marker.map = [start, start + 1]
    state.env.setdefault("bookbuild_warnings", []).append(
        (marker, 0, f"{what} is not supported; it is printed as text"))
    return False


# -- simple and multiline tables -------------------------------------------------


def _dash_groups(rule: str) -> list[tuple[int, int]]:
    return [(match.start(), match.end()) for match in re.finditer(r"-+", rule)]


def _split_columns(text: str, groups: list[tuple[int, int]]) -> list[str]:
    """Cut a line at the columns' starts, as Pandoc does (the last column runs to the line's end)."""
    starts = [0] + [start for start, _ in groups[1:]]
    ends = starts[1:] + [max(len(text), groups[-1][1])]
    return [text[a:b] for a, b in zip(starts, ends)]


def _aligns_from(sample: list[str], groups: list[tuple[int, int]]) -> tuple[str, ...]:
    """Pandoc's rule: in the shortest text of a column, a space before it means aligned right,
    text shorter than the dashes aligned left, both centred, neither the default."""
    aligns = []
    for index, (start, end) in enumerate(groups):
        texts = [_split_columns(text, groups)[index].rstrip() for text in sample]
        if index == 0:
            texts = [text[start:] for text in texts]
        texts = [text for text in texts if text]
        if not texts:
            aligns.append("")
            continue
        shortest = min(texts, key=len)
        space_left, space_right = shortest[0] == " ", len(shortest) < end - start
        aligns.append({(True, False): "right", (False, True): "left", (True, True): "center"}.get(
            (space_left, space_right), ""))
    return tuple(aligns)


def _content(state: StateBlock, number: int) -> str:
    """A line of the table with its indentation kept, relative to the block's indentation."""
    return state.src[state.bMarks[number] + min(state.blkIndent, state.tShift[number]):state.eMarks[number]].rstrip()


def simple_or_multiline_table(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    if not _indent_ok(state, start) or start + 2 > end:
        return False
    first = _content(state, start)
    if _FULL_DASHES_RE.match(first):
        found = _multiline_with_header(state, start, end)
    elif _DASH_GROUPS_RE.match(first) and len(_dash_groups(first)) >= 2:
        found = _headerless(state, start, end)
    elif not _blank(state, start + 1) and _DASH_GROUPS_RE.match(_content(state, start + 1)) \
            and len(_dash_groups(_content(state, start + 1))) >= 2:
        found = _simple_with_header(state, start, end)
    else:
        return False
    if found is None:
        return False
    if not silent:
        shape, after, kind = found
        push_table(state, shape, start, after, kind)
    return True


def _simple_with_header(state: StateBlock, start: int, end: int):
    rule = _content(state, start + 1)
    groups = _dash_groups(rule)
    header = _content(state, start)
    number = start + 2
    rows: list[str] = []
    while number < end and not _blank(state, number):
        text = _content(state, number)
        if _DASH_GROUPS_RE.match(text):  # an optional closing rule
            number += 1
            break
        rows.append(text)
        number += 1
    if not rows:
        return None
    aligns = _aligns_from([header], groups)
    head = tuple(Cell(text.strip()) for text in _split_columns(header, groups))
    body = tuple(tuple(Cell(text.strip()) for text in _split_columns(row, groups)) for row in rows)
    return TableShape(aligns, head, body), number, "simple"


def _relative(sizes: list[int]) -> tuple[float, ...]:
    total = sum(sizes)
    return tuple(size / total for size in sizes) if total else ()


def _widths(groups: list[tuple[int, int]]) -> tuple[float, ...]:
    """A multiline table's column widths, as Pandoc reads them: each column's dashes and the gap after them."""
    starts = [start for start, _ in groups]
    return _relative([b - a for a, b in pairwise(starts)] + [groups[-1][1] - groups[-1][0]])


def _chunks(lines: list[str]) -> list[list[str]]:
    chunks: list[list[str]] = [[]]
    for text in lines:
        if text.strip():
            chunks[-1].append(text)
        elif chunks[-1]:
            chunks.append([])
    return [chunk for chunk in chunks if chunk]


def _multiline_cells(chunk: list[str], groups: list[tuple[int, int]]) -> tuple[Cell, ...]:
    columns = [_split_columns(text, groups) for text in chunk]
    return tuple(Cell("\n".join(part[i].strip() for part in columns if part[i].strip()))
                 for i in range(len(groups)))


def _until_closing_rule(state: StateBlock, number: int, end: int) -> tuple[list[str], int] | None:
    lines: list[str] = []
    while number < end:
        text = _content(state, number)
        if _DASH_GROUPS_RE.match(text):
            return lines, number + 1
        if _blank(state, number) and (number + 1 >= end or _blank(state, number + 1)):
            return None  # two blank lines: the table never closed
        lines.append(text)
        number += 1
    return None


def _multiline_with_header(state: StateBlock, start: int, end: int):
    number = start + 1
    header: list[str] = []
    while number < end and not _blank(state, number):
        text = _content(state, number)
        if _DASH_GROUPS_RE.match(text):
            break
        header.append(text)
        number += 1
    if not header or number >= end or _blank(state, number):
        return None
    groups = _dash_groups(_content(state, number))
    if len(groups) < 2:
        return None
    found = _until_closing_rule(state, number + 1, end)
    if found is None:
        return None
    lines, after = found
    rows = _chunks(lines)
    if not rows:
        return None
    aligns = _aligns_from(header, groups)
    head = _multiline_cells(header, groups)
    return (TableShape(aligns, head, tuple(_multiline_cells(row, groups) for row in rows), _widths(groups)), after,
            "multiline")


def _headerless(state: StateBlock, start: int, end: int):
    groups = _dash_groups(_content(state, start))
    found = _until_closing_rule(state, start + 1, end)
    if found is None:
        return None
    lines, after = found
    if not lines or not lines[0].strip():
        return None
    if any(not text.strip() for text in lines):
        rows = _chunks(lines)
        aligns = _aligns_from(rows[0], groups)
        return (TableShape(aligns, None, tuple(_multiline_cells(row, groups) for row in rows), _widths(groups)),
                after, "multiline")
    aligns = _aligns_from(lines[:1], groups)
    body = tuple(tuple(Cell(text.strip()) for text in _split_columns(row, groups)) for row in lines)
    return TableShape(aligns, None, body), after, "simple"


def drop_empty_headers(state: StateCore) -> None:
    """A pipe table whose header cells are all empty has no header, as in Pandoc."""
    tokens = state.tokens
    drop: set[int] = set()
    for index, token in enumerate(tokens):
        if token.type != "thead_open":
            continue
        close = next(i for i in range(index, len(tokens)) if tokens[i].type == "thead_close")
        if all(not t.content.strip() for t in tokens[index:close] if t.type == "inline"):
            drop.update(range(index, close + 1))
    if drop:
        state.tokens = [token for index, token in enumerate(tokens) if index not in drop]


def pandoc_tables_plugin(md: MarkdownIt) -> None:
    md.block.ruler.before("table", "grid_table", grid_table)
    md.block.ruler.before("table", "simple_table", simple_or_multiline_table)
    md.core.ruler.after("block", "drop_empty_headers", drop_empty_headers)
