"""The classroom handouts: build/handouts/, a student worksheet and a teacher sheet per lesson, made once.

Each handout is made from the edition of its audience (student, teacher),
rendered for print and laid out in worker processes, several at once.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from . import Output

if TYPE_CHECKING:
    from ..editions import Edition
    from ..errors import Diagnostics, Report
    from .context import OutputContext, Sources


def handout_documents(sources: Sources, report: Report) -> list[tuple[str, str]]:
    """(name, HTML) of every handout: each chapter's worksheets and the files declared as handouts."""
    return [(name, html) for name, html, _ in edition_handouts(sources, report)]


def edition_handouts(sources: Sources, report: Report) -> list[tuple[str, str, Edition]]:
    """(name, HTML, the edition it is made from) of every handout."""
    from ..citations import resolve_citations
    from ..crossrefs import label_tokens, number_targets, resolve_crossrefs, split_crossrefs, with_crossrefs
    from ..editions import find_edition, select_edition
    from ..handouts import HANDOUT_AUDIENCES, extract_handouts
    from ..render.handout import handout_document, render_handout

    editions = []
    for name in HANDOUT_AUDIENCES:
        edition = find_edition(sources.config, name)
        editions.append((edition, select_edition(sources.manuscript, edition, report)))
    documents = []
    targets = number_targets(sources.manuscript)
    for handout in extract_handouts(editions, sources.manuscript.files):
        label_tokens([*handout.chapter.tokens,
                      *(token for section in handout.sections for token in section.tokens),
                      *(token for section in handout.sections for question in section.questions
                        for token in (*question.tokens, *question.answer))], targets)
        assert sources.style is not None, "handouts are rendered only when the book is citable"
        references, works = split_crossrefs(handout.citations, sources.bibliography)
        citations = with_crossrefs(resolve_citations(works, sources.bibliography, sources.style),
                                   resolve_crossrefs(sources.manuscript, references, sources.bibliography,
                                                     sources.labels))
        rendered = render_handout(handout, citations, sources.config, sources.build, sources.labels)
        documents.append((handout.name, handout_document(rendered, sources.project), handout.edition))
    return documents


def build(context: OutputContext) -> list[Path]:
    """Write the handouts to build/handouts/, laid out in parallel."""
    from ..leaks import check_output
    from ..writers.handouts import handout_job, handout_settings, write_handouts
    from .context import hidden_of

    sources, report, progress = context.sources, context.report, context.settings.progress
    settings = handout_settings(sources.config)
    progress.stage("rendering the handouts")
    documents = edition_handouts(sources, report)
    report.raise_if_strict()
    jobs = [handout_job(name, html, sources.config, sources.project, settings) for name, html, _ in documents]
    editions = {name: edition for name, _, edition in documents}

    def check(name: str, path: Path, data: bytes) -> None:
        check_output(hidden_of(sources, editions[name]), sources.project.location(path).path, data, "pdf")

    def done(count: int) -> None:
        if jobs:
            progress.count("laying out handouts", count, len(jobs))

    return write_handouts(jobs, sources.project, check, done)


def check(sources: Sources, report: Report, problems: Diagnostics, building: bool) -> None:
    """Building: the links and citations of the handouts' editions (the handouts are rendered once, when
    built); `bookbuild check`: the settings and every handout, rendered."""
    from ..editions import find_edition
    from ..handouts import HANDOUT_AUDIENCES
    from ..writers.handouts import handout_settings
    from .context import check_editions, collect

    if building:
        if not problems:
            check_editions(sources, [find_edition(sources.config, name) for name in HANDOUT_AUDIENCES], [], report,
                           problems)
        return
    collect(problems, handout_settings, sources.config)
    if sources.citable:
        collect(problems, handout_documents, sources, report)


OUTPUT = Output("handouts", "student and teacher handouts of every lesson, in build/handouts/", build,
                noun="handouts", per_edition=False, check=check, order=50)
