"""Turn what the TOML and YAML readers say of a file they cannot read into plain words, and find the line of
every key of a TOML file (for the errors about its values)."""

from __future__ import annotations

import re

from ..errors import SourceLocation


def _toml_error_position(message: str) -> tuple[int | None, int | None, str]:
    match = re.search(r"\s*\(at line (\d+), column (\d+)\)\s*$", message)
    if match:
        return int(match[1]), int(match[2]), message[: match.start()]
    match = re.search(r"\s*\(at end of document\)\s*$", message)
    if match:
        return None, None, message[: match.start()] + " at end of file"
    return None, None, message


_BARE_VALUE = re.compile(r"^(?P<key>\s*[A-Za-z0-9_.\"'-]+\s*=\s*)(?P<value>[^\"'\[{\s#][^#]*?)\s*(?P<comment>#.*)?$")
_LITERALS = ("true", "false", "inf", "nan", "+inf", "-inf", "+nan", "-nan")


def explain_toml_error(text: str, raw: str) -> tuple[int | None, int | None, str, str | None]:
    """(line, column, message, hint) for a TOML parser's *raw* message: the common slips in plain words,
    each with the line as it should be written."""
    line, column, message = _toml_error_position(raw)
    lines = text.split("\n")

    def at(number: int | None) -> str:
        return lines[number - 1] if number and 0 < number <= len(lines) else ""

    def corrected(new: str) -> str:
        return "write it as: " + new.strip()

    # An unclosed string: the first line with an odd number of quotation marks (outside comments).
    if message.startswith(("Illegal character '\\n'", "Unterminated string")) or \
            re.match(r"Expected ['\"]", message):
        for number in ([line] if line else []) + list(range(1, len(lines) + 1)):
            quote = _unclosed_quote(at(number))
            if quote:
                return (number, None, "a string is never closed: the quotation mark at its end is missing",
                        corrected(at(number).rstrip() + quote))
    if message.startswith("Unclosed array") and line:
        # Two items with no comma between them, on one line ...
        for number in range(line, 0, -1):
            fixed = re.sub(r"""(["'\d\]}])(\s+)(?=["'\[{\d])""", r"\1,\2", at(number))
            if fixed != at(number) and "[" in "".join(lines[:number]):
                return (number, None, "a comma is missing between two items of a list", corrected(fixed))
            if number < line:
                break
        # ... or at the end of the line before, in a list written over several lines (unless the error's line
        # is a new setting or table: then the list was never closed).
        starts_anew = re.match(r"\s*([A-Za-z0-9_\"'.-]+\s*=|\[)", at(line)) and not re.match(r"\s*\[?\s*[\"'\d]",
                                                                                             at(line))
        previous = next((n for n in range(line - 1, 0, -1) if at(n).strip() and not at(n).strip().startswith("#")),
                        None)
        if previous and not starts_anew and not at(previous).rstrip().endswith((",", "[")):
            return (previous, None, "a comma is missing after an item of a list written over several lines",
                    corrected(at(previous).rstrip() + ","))
        end = previous or line
        return (end, None, "a list is never closed: the ']' at its end is missing",
                corrected(at(end).rstrip().rstrip(",") + "]"))
    if message.startswith("Invalid value") and line:
        match = _BARE_VALUE.match(at(line))
        if match and match["value"].startswith(("=", ":")):
            return (line, None, "a setting has one '=' between its key and its value",
                    corrected(match["key"].rstrip() + " " + match["value"].lstrip("=:").strip()))
        if match:
            value = match["value"].strip()
            if value.lower() in ("true", "false") and value not in _LITERALS:
                return (line, None, f"'{value}' is not a value TOML knows: true and false are written in "
                        "lowercase", corrected(match["key"] + value.lower()))
            if not re.fullmatch(r"[+-]?[\d_.eE:TZ+-]+", value):
                return (line, None, "text must be written in quotation marks",
                        corrected(match["key"] + '"' + value.replace('"', '\\"') + '"'))
    if message.startswith("Cannot overwrite a value") and line:
        key = re.match(r"\s*([A-Za-z0-9_\"'.-]+)\s*=", at(line))
        header = re.match(r"\s*\[+\s*([^\]]+?)\s*\]", at(line))
        name = (key[1] if key else header[1] if header else "").strip()
        first = _first_setting(lines, line, name) if name else None
        if key:
            return (line, None, f"the key '{name}' is set twice" + (f" (first on line {first})" if first else ""),
                    "keep one of the two lines and delete the other" + (f" (line {first} or {line})" if first else "")
                    + f"; a list holds several values: {name} = [\"…\", \"…\"]")
        if header:
            return (line, None, f"'{name}' is set as a value" + (f" on line {first}" if first else "")
                    + " and declared again as a table here", f"keep one of them: either {name} = … or [{name}]")
    if message.startswith("Cannot declare") and line:
        header = re.match(r"\s*\[+\s*([^\]]+?)\s*\]", at(line))
        name = header[1] if header else message
        first = next((n for n in range(1, line) if re.match(rf"\s*\[\s*{re.escape(name)}\s*\]", at(n))), None)
        return (line, None, f"the table [{name}] is declared twice" + (f" (first on line {first})" if first else ""),
                f"move the keys under this [{name}] into the first one and delete this line")
    if message.startswith("Expected '=' after a key") and line:
        match = re.match(r"(\s*[A-Za-z0-9_-]+)\s*[:]?\s*(.+)$", at(line))
        if match:
            return (line, None, "a setting needs '=' between its key and its value",
                    corrected(f"{match[1]} = {match[2].strip()}"))
    if message.startswith("Expected ']' at the end of a table declaration") and line:
        return (line, None, "a table name is never closed: the ']' is missing",
                corrected(at(line).rstrip() + "]"))
    return line, column, f"invalid TOML: {message}", None


def explain_yaml_error(content: str, error: Exception) -> tuple[int, str, str | None]:
    """(0-based line within *content*, message, hint) for a YAML front matter that cannot be read: the
    common slips in plain words, each with the line as it should be written."""
    mark = getattr(error, "problem_mark", None)
    problem = str(getattr(error, "problem", None) or "cannot be read")
    context = str(getattr(error, "context", None) or "")
    lines = content.rstrip("\n").split("\n") or [""]
    line = min(mark.line, len(lines) - 1) if mark is not None else 0

    def corrected(number: int, new: str) -> tuple[int, str, str]:
        return number, message, "write it as: " + new.strip()

    if "quoted scalar" in context:
        start = min(getattr(getattr(error, "context_mark", None), "line", line), len(lines) - 1)
        message = "a quoted value is never closed: the quotation mark at its end is missing"
        text = lines[start]
        quote = '"' if text.count('"') % 2 else "'"
        return corrected(start, text.rstrip() + quote)
    if problem.startswith("found character '\\t'"):
        message = "front matter is indented with a tab; YAML needs spaces"
        return corrected(line, lines[line].replace("\t", "  ").lstrip())
    if problem == "mapping values are not allowed here":
        key = re.match(r"\s*([^:\s][^:]*):\s*(.*)$", lines[line])
        if key and ":" in key[2]:
            message = "a value holding a colon must be written in quotation marks"
            return corrected(line, f'{key[1]}: "{key[2].strip()}"')
        if lines[line][:1].isspace():
            message = "this line is indented: every front matter line starts at the left margin"
            return corrected(line, lines[line].strip())
    if "flow sequence" in context or "flow mapping" in context:
        start = getattr(getattr(error, "context_mark", None), "line", line)
        start = min(start, len(lines) - 1)
        message = "a list in brackets is never closed, or lacks a comma between its items"
        return corrected(start, lines[start].rstrip() + ("]" if "sequence" in context else "}"))
    if "block mapping" in context and "scalar" in problem:
        key = re.match(r"\s*([^:\s][^:]*):\s*(.*)$", lines[line])
        if key:
            message = "a value that starts with a quotation mark must end with it; quote the whole value"
            value = key[2].strip().strip("'\"")
            return corrected(line, f'{key[1]}: "{value}"')
    return line, f"invalid YAML front matter: {problem}", None


def repeated_yaml_keys(content: str) -> list[tuple[int, str, int]]:
    """(0-based line, key, 0-based line of its first setting) of every top-level key set twice: YAML readers
    keep the last silently."""
    seen: dict[str, int] = {}
    repeated = []
    for number, text in enumerate(content.split("\n")):
        match = re.match(r"([A-Za-z0-9_-]+)\s*:", text)
        if not match:
            continue
        if match[1] in seen:
            repeated.append((number, match[1], seen[match[1]]))
        else:
            seen[match[1]] = number
    return repeated


def _unclosed_quote(line: str) -> str | None:
    """The quotation mark a TOML line leaves open, if it does."""
    open_quote = None
    index = 0
    while index < len(line):
        character = line[index]
        if open_quote is None:
            if character == "#":
                break
            if character in "\"'":
                open_quote = character
        elif character == "\\" and open_quote == '"':
            index += 1
        elif character == open_quote:
            open_quote = None
        index += 1
    return open_quote


def _first_setting(lines: list[str], before: int, name: str) -> int | None:
    """The first line before *before* that sets *name* in the same table."""
    for number in range(before - 1, 0, -1):
        text = lines[number - 1]
        if re.match(rf"\s*{re.escape(name)}\s*=", text):
            candidate = number
            # the same table: no header between it and the line of the error
            if not any(re.match(r"\s*\[", lines[n - 1]) for n in range(candidate + 1, before)):
                return candidate
        if re.match(rf"\s*\[+\s*{re.escape(name)}\s*\]", text):
            return number
    return None


def key_locations(text: str, path: str) -> dict[str, SourceLocation]:
    """Map every dotted key in a TOML text to the line that sets it."""
    locations: dict[str, SourceLocation] = {}
    table: list[str] = []
    key_pattern = r'(?:[A-Za-z0-9_-]+|"[^"]*"|\'[^\']*\')'
    dotted = rf"{key_pattern}(?:\s*\.\s*{key_pattern})*"
    for number, line in enumerate(text.split("\n"), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        header = re.match(rf"^\[\[?\s*({dotted})\s*\]\]?", stripped)
        if header:
            table = _split_dotted(header[1])
            locations.setdefault(".".join(table), SourceLocation(path, number, 1))
            continue
        assignment = re.match(rf"^({dotted})\s*=", stripped)
        if assignment:
            column = line.index(stripped[0]) + 1
            key = ".".join(table + _split_dotted(assignment[1]))
            locations.setdefault(key, SourceLocation(path, number, column))
    return locations


def _split_dotted(key: str) -> list[str]:
    parts = re.findall(r'"[^"]*"|\'[^\']*\'|[^.\s]+', key)
    return [part.strip("\"'") for part in parts]

