"""Turn the HTML a citation template produced into clean text: one space, no doubled periods.

Templates join pieces with fixed punctuation ("Title. Publisher, 2006."),
so when a piece already ends with a period ("Jr.", "eds.") or a question mark,
a period is doubled; a straight apostrophe is a typewriter's stand-in for
the typographic one (’); and American usage puts a period or comma inside a
closing quotation mark ("“The Road to Budapest, 1956,” in …"), though not
into one that ends an italic title (*Aristotle's “De Motu Animalium”*.), whose
quotation marks are the title's own.  These rules
are applied to the text only: tags are set aside first, so attribute values
(link targets) are never changed.
"""

from __future__ import annotations

import re
from functools import lru_cache

from markupsafe import Markup

_TAG = re.compile(r"<[^>]*>")
_MARK_BASE = 0xF0000  # a private-use plane stands in for each tag while the text is cleaned
_T = "[\U000f0000-\U000fffff]*"  # any run of stand-ins
_STAND_IN = re.compile("[\U000f0000-\U000fffff]")
_SPACES = re.compile(r"[ \t\r\n]+")
_SPACE_BEFORE_PUNCTUATION = re.compile(rf"( +)({_T})(?=[,.;])")
_SPACE_AROUND_TAGS = re.compile(rf" ({_T}) ")
_DOUBLE_PERIOD = re.compile(rf"([.?!…])({_T})\.")  # "Jr.." -> "Jr."
# "Who?," -> "Who?"; the mark of an uncertain year ("1850?, pp. 1–9") is no end of a sentence and keeps its comma.
_COMMA_AFTER_QUESTION = re.compile(rf"(?<!\d)([?!])({_T}),")
_DOUBLE_COMMA = re.compile(rf",({_T}),")
_CLOSES_FORMAT = re.compile(r"</(?:i|em|b|strong)\s*>")


@lru_cache(maxsize=8)
def _quote_rules(close_quote: str) -> tuple[re.Pattern, re.Pattern]:
    quote = re.escape(close_quote)
    return (re.compile(rf"({quote})({_T})([.,])"),  # “Title”, -> “Title,”
            re.compile(rf"([?!])({_T})({quote})({_T})[.,]"))  # “Who?”. -> “Who?”


def tidy(html: str, close_quote: str = "”", punctuation_in_quote: bool = True) -> Markup:
    """*html* with whitespace collapsed and punctuation put right."""
    tags: list[str] = []

    def stand_in(match: re.Match) -> str:
        tags.append(match.group())
        return chr(_MARK_BASE + len(tags) - 1)

    text = _TAG.sub(stand_in, str(html)) if "<" in html else str(html)
    if "'" in text or "&#39;" in text:
        text = text.replace("&#39;", "'").replace("'", "’")  # the typographic apostrophe ("Hemingway’s")
    text = _SPACES.sub(" ", text)
    text = _SPACE_BEFORE_PUNCTUATION.sub(r"\2", text)
    if tags:
        text = _SPACE_AROUND_TAGS.sub(r" \1", text)
    move_inside, drop_after_question = _quote_rules(close_quote)
    if punctuation_in_quote and close_quote in text:
        def move(match: re.Match) -> str:
            between = [tags[ord(mark) - _MARK_BASE] for mark in match.group(2)]
            if any(_CLOSES_FORMAT.match(tag) for tag in between):
                return match.group()
            return match.group(3) + match.group(1) + match.group(2)

        text = move_inside.sub(move, text)
    text = _DOUBLE_PERIOD.sub(r"\1\2", text)
    if "?" in text or "!" in text:
        text = _COMMA_AFTER_QUESTION.sub(r"\1\2", text)
        text = drop_after_question.sub(r"\1\2\3\4", text)
    text = _DOUBLE_COMMA.sub(r",\1", text)
    text = text.strip(" ")
    if tags:
        text = _STAND_IN.sub(lambda match: tags[ord(match.group()) - _MARK_BASE], text)
    return Markup(text)


def capitalize_first_letter(html: str) -> Markup:
    """*html* with the first letter of its text in capitals ("see Gati" -> "See Gati")."""
    position = 0
    for match in re.finditer(r"<[^>]*>|&[#\w]+;|.", str(html), re.DOTALL):
        token = match.group()
        if len(token) == 1 and token.isalpha():
            position = match.start()
            return Markup(str(html)[:position] + token.upper() + str(html)[position + 1:])
        if len(token) == 1 and not token.isspace() and token not in "“‘\"'([":
            break
    return Markup(html)
