"""Turn RichText titles into HTML: title case, sentence case, short titles, quotation marks.

Case changes follow the rules citation processors use for English:

* title case (Chicago, MLA): lowercase words are capitalised, except the stop
  words ("a", "of", "the"…) unless they come first, last or after a colon;
  each part of a hyphenated compound is a word of its own ("Pd-N-Heterocyclic",
  "Digital-to-RF"); words already in capitals or mixed case ("NATO", "iPhone")
  are kept, and so is a title that is one word in capitals ("CTAN");
* sentence case (APA): capitalised words are lowercased except the first word
  and the first after a colon; words in capitals or mixed case are kept, and
  so is what stands in quotation marks inside the title (the title of another
  work: "Aristotle's “De Motu Animalium”").

A dash (– or —) does not start a new part of the title: the word after it is
cased like any other ("Skald – and Music").

Words braced in the .bib file (``{Hungarian}``) are never changed.
"""

from __future__ import annotations

import re
from functools import lru_cache

from markupsafe import Markup

from ..bibliography import RichText, Span

STOP_WORDS = frozenset(
    "a an and as at but by down for from in into nor of on onto or over so the till to up via with yet".split()
)
_CHUNK = re.compile(r"\s+|[^\s]+")
_LEADING_PUNCT = "([{“‘\"'¿¡"
_SENTENCE_END = (":", "?", "!")
_OPEN_QUOTES = "“‘"
_CLOSE_QUOTES = "”’"


def to_rich(value) -> RichText:
    if isinstance(value, RichText):
        return value
    if value is None:
        return RichText()
    return RichText.plain(str(value))


def _words(text: RichText):
    """[span index, text, starts a word, protected] for each word and space, for case changes to rewrite."""
    chunks: list[list] = []
    previous_space = True
    for index, span in enumerate(text.spans):
        if span.protected:
            chunks.append([index, span.text, previous_space, True])
            previous_space = span.text[-1:].isspace()
            continue
        for match in _CHUNK.finditer(span.text):
            chunk = match.group()
            if chunk.isspace():
                chunks.append([index, chunk, False, False])
                previous_space = True
            elif not previous_space and chunk[:1] == "-" and chunk[1:2].isalpha():
                # The rest of a compound whose first part is braced ("{Pd-N}-heterocyclic"): a word of its own.
                chunks.append([index, "-", False, False])
                chunks.append([index, chunk[1:], True, False])
                previous_space = False
            else:
                chunks.append([index, chunk, previous_space, False])
                previous_space = False
    return chunks


def _rebuild(text: RichText, chunks) -> RichText:
    texts = ["" for _ in text.spans]
    for index, chunk, *_ in chunks:
        texts[index] += chunk
    return RichText(tuple(Span(new, span.protected, span.italic, span.bold, span.smallcaps)
                          for span, new in zip(text.spans, texts)))


def _case_words(text: RichText, change, keep_quoted: bool = False) -> RichText:
    """*text* with change(word, first=, after_break=, last=) applied to each word that is not protected (nor,
    with *keep_quoted*, inside quotation marks)."""
    chunks = _words(text)
    starts = [position for position, chunk in enumerate(chunks) if chunk[2]]
    first_word, last_word = (starts[0], starts[-1]) if starts else (-1, -1)
    after_break = True
    quoted = 0
    for position, chunk in enumerate(chunks):
        _, chunk_text, is_start, protected = chunk
        if chunk_text.isspace():
            continue
        if keep_quoted and not protected:
            quoted += sum(chunk_text.count(mark) for mark in _OPEN_QUOTES)
        if is_start and not protected and not quoted:
            chunk[1] = change(chunk_text, first=position == first_word, after_break=after_break,
                              last=position == last_word)
        if keep_quoted and not protected:
            quoted = max(0, quoted - sum(chunk_text.count(mark) for mark in _CLOSE_QUOTES if mark != "’"
                                         or chunk_text.endswith(mark)))
        after_break = chunk_text.rstrip("”’\"')]").endswith(_SENTENCE_END)
    return _rebuild(text, chunks)


def _split_word(word: str) -> tuple[str, str, str]:
    """("(", "word", "),") — leading punctuation, the word, trailing punctuation."""
    start = 0
    while start < len(word) and word[start] in _LEADING_PUNCT:
        start += 1
    end = len(word)
    while end > start and not word[end - 1].isalnum():
        end -= 1
    return word[:start], word[start:end], word[end:]


def _capitalize(word: str) -> str:
    lead, core, trail = _split_word(word)
    if core[:1].isalpha():
        core = core[:1].upper() + core[1:]
    return lead + core + trail


def _title_word(word: str, first: bool, after_break: bool, last: bool) -> str:
    lead, core, trail = _split_word(word)
    if not core:
        return word
    if core.lower() in STOP_WORDS and not (first or after_break or last):
        return lead + core.lower() + trail
    parts = core.split("-")
    # In a compound, a stop word after the first part stays lowercase ("Digital-to-RF", "State-of-the-Art").
    parts = [part[:1].upper() + part[1:] if part.islower() and part[:1].isalpha()
             and (number == 0 or part not in STOP_WORDS) else part for number, part in enumerate(parts)]
    if first or after_break or last:
        parts[0] = parts[0][:1].upper() + parts[0][1:] if parts[0][:1].isalpha() else parts[0]
    return lead + "-".join(parts) + trail


def _sentence_word(word: str, first: bool, after_break: bool, last: bool) -> str:
    lead, core, trail = _split_word(word)
    if not core:
        return word
    parts = []
    for part in core.split("-"):
        letters = [char for char in part if char.isalpha()]
        capitalised = bool(letters) and letters[0].isupper() and all(char.islower() for char in letters[1:])
        if capitalised and part != "I" and not (len(letters) == 1 and "." in part):
            part = part.lower()
        parts.append(part)
    if first or after_break:
        parts[0] = parts[0][:1].upper() + parts[0][1:] if parts[0][:1].isalpha() else parts[0]
    return lead + "-".join(parts) + trail


def title_case(value) -> RichText:
    """Capitalise a title for Chicago or MLA ("International Decision Making During the Hungarian Crisis")."""
    return _title_case(to_rich(value))


@lru_cache(maxsize=4096)
def _title_case(text: RichText) -> RichText:
    unprotected = "".join(span.text for span in text.spans if not span.protected)
    if unprotected.isupper() and len(unprotected.split()) > 1:
        # A title in capitals: lowercase it first so that the rules can apply (a title of one word in capitals
        # is an acronym or a name, "CTAN", and is kept).
        text = RichText(tuple(span if span.protected else Span(span.text.lower(), False, span.italic, span.bold,
                                                               span.smallcaps) for span in text.spans))
    return _case_words(text, _title_word)


def sentence_case(value) -> RichText:
    """Lowercase a title for APA ("The first domino: International decision making…")."""
    return _sentence_case(to_rich(value))


@lru_cache(maxsize=4096)
def _sentence_case(text: RichText) -> RichText:
    return _case_words(text, _sentence_word, keep_quoted=True)


def capitalize_first(value) -> RichText:
    """The text with its first letter in capitals (other words untouched)."""
    return _case_words(to_rich(value), lambda word, first, **_: _capitalize(word) if first else word)


def main_title(value) -> RichText:
    """The title without its subtitle: the part before the first ": " (or after "?"/"!" that ends it)."""
    return _main_title(to_rich(value))


@lru_cache(maxsize=4096)
def _main_title(text: RichText) -> RichText:
    spans: list[Span] = []
    for span in text.spans:
        if not span.protected:
            match = re.search(r"(:|(?<=[?!]))\s", span.text)
            if match:
                head = span.text[: match.start()]
                if head:
                    spans.append(Span(head, span.protected, span.italic, span.bold, span.smallcaps))
                return RichText(tuple(spans))
        spans.append(span)
    return text


def quote_marks(html: Markup, open_quote: str, close_quote: str, open_inner: str, close_inner: str) -> Markup:
    """*html* in quotation marks; pairs of the same marks inside it become inner ones ("“The ‘Thaw’”")."""
    pair = re.compile(re.escape(open_quote) + "(.*?)" + re.escape(close_quote), re.S)
    inner = pair.sub(lambda match: open_inner + match.group(1) + close_inner, str(html))
    return Markup(open_quote + inner + close_quote)
