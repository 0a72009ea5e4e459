"""Turn a chapter count into a synthetic book project for benchmarks.

The book is what authors write: headings, long paragraphs, citations with
locators, footnotes, lists, block quotes and a table in every chapter, and a
60-entry .bib file.  Text is drawn from a fixed vocabulary with a fixed seed,
so the same N always gives the same bytes.  About 1,700 words per chapter:
20 chapters are about 34,000 words, some 190 A5 pages.

The note-dense book (``dense``) is a Chicago-notes history book: eighteen
paragraphs a chapter, each citing a source with a page (a footnote in the
default notes style) and carrying a footnote of its own, 360 cited notes in
20 chapters, as dense as /work/shared/bench/make_corpus.py's book.

    python benchmarks/corpus.py 20 /tmp/book20 [dense]
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

VOCABULARY = (
    "the students marched toward the parliament while workers left the factories and soldiers hesitated "
    "between orders and conscience a crowd gathered at the statue and the radio building became the "
    "center of a struggle that would decide whether reform could survive under the shadow of tanks "
    "historians have argued about the choices of leaders in Moscow and Budapest about the promises of "
    "western radio and about the meaning of neutrality for a small country in the middle of Europe "
    "documents released after nineteen eighty nine show hesitation debate and finally a decision to "
    "intervene with overwhelming force refugees crossed the border at night through marshes and fields"
).split()
ENTRY_TYPES = ("book", "article", "incollection")


def sentence(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choice(VOCABULARY) for _ in range(words))
    return text[0].upper() + text[1:] + "."


def paragraph(rng: random.Random, keys: list[str], note: list[int], chapter_number: int) -> str:
    sentences = [sentence(rng, rng.randint(12, 26)) for _ in range(rng.randint(4, 7))]
    if rng.random() < 0.6:
        key = rng.choice(keys)
        sentences[rng.randrange(len(sentences))] = sentences[-1][:-1] + f" [@{key}, {rng.randint(1, 400)}]."
    if rng.random() < 0.35:
        note[0] += 1
        label = f"c{chapter_number}n{note[0]}"
        sentences[-1] = sentences[-1] + f"[^{label}]"
        sentences.append(f"\n\n[^{label}]: {sentence(rng, rng.randint(10, 20))} See @{rng.choice(keys)} "
                         f"[p. {rng.randint(1, 300)}].")
    return " ".join(sentences)


def noted_paragraph(rng: random.Random, keys: list[str], note: list[int], chapter_number: int) -> str:
    """A paragraph of the note-dense book: shorter, and closed by a cited source and a footnote of its own."""
    text = " ".join(sentence(rng, rng.randint(8, 18)) for _ in range(rng.randint(3, 6)))
    note[0] += 1
    label = f"c{chapter_number}n{note[0]}"
    return (f"{text[:-1]}, as the sources show [@{rng.choice(keys)}, {rng.randint(1, 300)}].[^{label}]\n\n"
            f"[^{label}]: {sentence(rng, rng.randint(8, 18))}")


def dense_chapter(number: int, keys: list[str]) -> str:
    """A chapter of a history book in Chicago notes: three sections of six paragraphs, every one with a cited
    source (a note in a notes style) and a footnote, then a quotation and a list; a table at the end."""
    rng = random.Random(10_000 + number)
    note = [0]
    parts = [f"# Chapter {number}: {sentence(rng, 5)[:-1]} {{#chapter-{number}}}\n"]
    for section in range(1, 4):
        parts.append(f"## Section {number}.{section}\n")
        parts.extend(noted_paragraph(rng, keys, note, number) + "\n" for _ in range(6))
        parts.append("> " + sentence(rng, 14) + " " + sentence(rng, 12) + "\n")
        parts.append("\n".join(f"- {sentence(rng, rng.randint(8, 14))}" for _ in range(3)) + "\n")
    rows = "\n".join(f"| {1956 + i}-10-{23 + i} | {sentence(rng, 6)} |" for i in range(5))
    parts.append(f"| Date | Event |\n|---|---|\n{rows}\n")
    return "\n".join(parts)


def chapter(number: int, keys: list[str]) -> str:
    rng = random.Random(number)
    note = [0]
    parts = [f"# Chapter {number}: {sentence(rng, 4)[:-1]} {{#chapter-{number}}}\n"]
    for section in range(1, 5):
        parts.append(f"## Section {number}.{section}: {sentence(rng, 3)[:-1]}\n")
        for _ in range(3 if section in (2, 3) else 4):
            parts.append(paragraph(rng, keys, note, number) + "\n")
        if section == 2:
            parts.append("\n".join(f"- {sentence(rng, rng.randint(6, 12))}" for _ in range(5)) + "\n")
        if section == 3:
            parts.append("> " + sentence(rng, 40) + f" [@{rng.choice(keys)}, {rng.randint(1, 90)}]\n")
    rows = "\n".join(f"| {1950 + i} | {sentence(rng, 5)} | {rng.randint(10, 999)} |" for i in range(8))
    parts.append(f"| Year | Event | Count |\n|------|-------|------:|\n{rows}\n\nTable: Figures for chapter {number}\n")
    return "\n".join(parts)


def bibliography(count: int = 60) -> tuple[str, list[str]]:
    rng = random.Random(1956)
    entries, keys = [], []
    for number in range(count):
        key = f"author{number:02d}"
        keys.append(key)
        kind = ENTRY_TYPES[number % 3]
        title = sentence(rng, rng.randint(4, 9))[:-1].title()
        year = 1957 + number % 60
        fields = [f"author = {{Writer{number}, Ann and Scholar{number}, Ben}}", f"title = {{{title}}}",
                  f"year = {{{year}}}"]
        if kind == "book":
            fields += ["publisher = {Example University Press}", "address = {Budapest}"]
        elif kind == "article":
            fields += ["journal = {Journal of Cold War Studies}", f"volume = {{{number % 20 + 1}}}",
                       f"pages = {{{number * 3 + 1}--{number * 3 + 25}}}"]
        else:
            fields += [f"booktitle = {{Essays on {title}}}", "editor = {Editor, Eva}",
                       "publisher = {Example Press}", "address = {London}", "pages = {11--40}"]
        entries.append(f"@{kind}{{{key},\n  " + ",\n  ".join(fields) + "\n}\n")
    return "\n".join(entries), keys


CORPORA = ("standard", "dense")


def write_corpus(chapters: int, root: Path, kind: str = "standard", outputs: str = "") -> Path:
    """Write a project of *chapters* chapters under *root*; return the manuscript folder.

    *kind* "standard": some paragraphs cite, a third have a footnote; "dense": every paragraph cites a source
    (a footnote in the default Chicago notes style) and has a footnote.  *outputs*: an ``[outputs]`` table
    for book.toml (such as ``all = ["epub"]``), none by default.
    """
    write_chapter = dense_chapter if kind == "dense" else chapter
    manuscript = root / "manuscript"
    manuscript.mkdir(parents=True, exist_ok=True)
    bib, keys = bibliography()
    (manuscript / "references.bib").write_text(bib, encoding="utf-8")
    names = []
    for number in range(1, chapters + 1):
        name = f"{number:02d}-chapter.md"
        names.append(name)
        (manuscript / name).write_text(write_chapter(number, keys), encoding="utf-8")
    chapter_list = ", ".join(f'"{name}"' for name in names)
    (manuscript / "book.toml").write_text(
        f'title = "Benchmark Book of {chapters} Chapters"\nauthors = ["bookbuild benchmarks"]\n'
        f'language = "en-US"\nchapters = [{chapter_list}]\nbibliography = "references.bib"\n'
        'paper-size = "A5"\ndate = 2026-01-01\n' + (f"\n[outputs]\n{outputs}\n" if outputs else ""),
        encoding="utf-8")
    return manuscript


if __name__ == "__main__":
    write_corpus(int(sys.argv[1]), Path(sys.argv[2]), *sys.argv[3:4])
