"""Turn command-line arguments into pipeline runs, and problems into messages and exit codes.

Exit codes: 0 success; 1 a user mistake (printed as ``path:line:col: error:
message``, no traceback); 2 a bug in bookbuild (traceback); 130 interrupted.
"""

from __future__ import annotations

import argparse
import shutil
import signal
import sys
import tomllib
import traceback
from pathlib import Path

from . import __version__
from .errors import BookbuildError, Report, print_problems
from .logs import capture_library_logs
from .outputs import target_names, targets_help

SCAFFOLD_DIR = Path(__file__).resolve().parent / "scaffold"
# The starting points of `bookbuild new --template NAME`, each a folder of SCAFFOLD_DIR, and the
# commands its README gives.
SCAFFOLDS = {
    "booklet": "a study booklet: one chapter with boxes, questions and teacher answers",
    "book": "a longer book: a preface, two chapters and a glossary, with notes and a bibliography",
    "handouts-only": "classroom worksheets: each chapter a student worksheet and a teacher sheet",
}
SCAFFOLD_COMMANDS = {
    "booklet": ("bookbuild build pdf        # build/<title>.pdf, the printed booklet",
                "bookbuild build all        # also the EPUB and the classroom handouts",
                "bookbuild build booklet    # the pages imposed for a school copier"),
    "book": ("bookbuild build pdf        # build/<title>.pdf", "bookbuild build epub       # build/<title>.epub"),
    "handouts-only": ("bookbuild build handouts   # build/handouts/: a student and a teacher sheet per lesson",),
}


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage mistake is exit 1 like every other user mistake."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        raise SystemExit(1)


def make_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="bookbuild", description="Build a print-ready PDF, an EPUB 3 and classroom handouts "
                     "from one manuscript of Markdown chapters and a BibTeX file.")
    parser.add_argument("--version", action="version", version=f"bookbuild {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    build = commands.add_parser("build", help="build outputs into the output folder",
                                description="Build outputs of the project into its build/ folder.")
    build.add_argument("target", choices=target_names(), help=targets_help())
    _project_options(build)
    build.add_argument("--out", metavar="DIR", help="output folder (default: PROJECT/build)")
    build.add_argument("--edition", metavar="NAME", action="append",
                       help="edition to build: student (the default), teacher, large-print, one declared in "
                       "book.toml, or all (repeatable)")
    build.add_argument("--print-shop", action="store_true",
                       help="with the PDF, also write <slug>-print.pdf for a print shop (bleed, crop marks, "
                       "PDF/A-2b), checked as --preflight does")
    build.add_argument("--preflight", action="store_true",
                       help="warn about what would print badly: images under 300 dpi, text under 7 pt, "
                       "anything within 3 mm of the trim")
    build.add_argument("--jobs", metavar="N", type=_job_count,
                       help="lay out the printed book in N worker processes (default: BOOKBUILD_JOBS, else one per "
                       "free core, fewer for a short book); every number, 1 included, gives the same bytes")
    build.set_defaults(run=_run_build)

    check = commands.add_parser("check", help="read and check everything without writing outputs",
                                description="Parse and validate the config, chapters, bibliography, "
                                "citations and templates; write nothing.")
    _project_options(check)
    check.add_argument("--layout", action="store_true",
                       help="after a build: read the built PDF's pages and report layout faults (hyphens in a row or "
                       "at a page turn, holes, loose lines, runt pages, headings at a page foot, facing pages of "
                       "unequal length), each with its page, as warnings")
    check.add_argument("--edition", metavar="NAME", action="append",
                       help="with --layout: the edition whose PDF to check (default: student; all for every one)")
    check.add_argument("--out", metavar="DIR", help="with --layout: the output folder the PDFs are in")
    check.set_defaults(run=_run_check)

    new = commands.add_parser("new", help="create a new project, ready for version control",
                              description="Create DIR with a working project: book.toml, sample chapters, "
                              "a .bib file, a .gitignore that keeps build/ out of version control and a README "
                              "saying how to build it.")
    new.add_argument("directory", metavar="DIR", help="folder to create (must not exist or be empty)")
    _output_options(new)
    new.add_argument("--template", choices=tuple(SCAFFOLDS), default="booklet",
                     help="; ".join(f"{name}: {what}" for name, what in SCAFFOLDS.items()) + " (default: booklet)")
    new.set_defaults(run=_run_new)

    serve = commands.add_parser("serve", help="preview the book in the browser, updated on every save",
                                description="Watch the manuscript and styles and serve a preview on 127.0.0.1: the "
                                "chapter being edited as printed, and the PDF laid out again after each save.")
    _output_options(serve)
    serve.add_argument("--project", metavar="DIR", default=".", help="a folder of the project (default: the current "
                       "folder)")
    serve.add_argument("--edition", metavar="NAME", help="the edition to preview (default: student)")
    serve.add_argument("--port", metavar="N", type=_port, default=8000,
                       help="the port on 127.0.0.1 to serve on (default: 8000; 0: any free port)")
    serve.add_argument("--open", action="store_true", help="open the preview in the web browser")
    serve.add_argument("--jobs", metavar="N", type=_job_count,
                       help="lay out the PDF in N worker processes (default: BOOKBUILD_JOBS, else one per core)")
    serve.set_defaults(run=_run_serve)

    refs = commands.add_parser("refs", help="show how every entry of a .bib file renders in a style",
                               description="Render every entry of a BibTeX file as a first note or in-text "
                               "citation (locator 12), a later citation (locator 15) and a bibliography entry.")
    refs.add_argument("bib", metavar="FILE.bib", help="the BibTeX or biblatex file")
    refs.add_argument("--style", default="chicago-notes-bibliography",
                      help="citation style (default: chicago-notes-bibliography)")
    refs.add_argument("--json", action="store_true", help="print one JSON object keyed by entry key")
    _output_options(refs)
    refs.set_defaults(run=_run_refs)
    return parser


def _output_options(command: argparse.ArgumentParser) -> None:
    command.add_argument("-q", "--quiet", action="store_true",
                         help="print only problems: no progress, no list of the files written")
    command.add_argument("-v", "--verbose", action="store_true",
                         help="also print what the libraries bookbuild uses say (fonts, layout, EPUB)")


def _project_options(command: argparse.ArgumentParser) -> None:
    _output_options(command)
    command.add_argument("--project", metavar="DIR", default=".",
                         help="a folder of the project (default: the current folder); its root is the nearest "
                         "folder at or above it holding manuscript/ or book.toml")
    command.add_argument("--strict", action="store_true", help="treat warnings as errors")


def _job_count(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"'{value}' is not a number of processes (1 or more)")
    return int(value)


def _port(value: str) -> int:
    if not value.isdigit() or int(value) > 65535:
        raise argparse.ArgumentTypeError(f"'{value}' is not a port number (0 to 65535)")
    return int(value)


def _run_serve(args: argparse.Namespace, report: Report) -> int:
    from .pipeline import jobs_from_environment
    from .serve.app import serve

    root = _announced_root(args.project, "previewing", args.quiet)
    return serve(root, args.edition, args.port, open_browser=args.open, jobs=args.jobs or jobs_from_environment(),
                 quiet=args.quiet)


def _run_build(args: argparse.Namespace, report: Report) -> int:
    targets = (args.target,)
    args.project = _announced_root(args.project, "building", args.quiet)
    # -- freshness hook (in): nothing changed since the last run of this command: write nothing (freshness.py)
    fresh = _unchanged_build(args)
    if fresh is None:
        return 0
    from .pipeline import LayoutSettings, build, jobs_from_environment
    from .progress import Progress

    progress = Progress.for_command(args.quiet)
    report.before_printing = progress.clear
    settings = LayoutSettings(jobs=args.jobs or jobs_from_environment(), progress=progress)
    try:
        written = build(args.project, targets, args.edition, args.out, report, print_shop=args.print_shop,
                        check_print=args.preflight, settings=settings)
    finally:
        progress.clear()
    # -- freshness hook (out): record this build's inputs and outputs for the next run
    if fresh is not False:
        from .freshness import record_build

        record_build(fresh, written, [warning.format() for warning in report.warnings])
    if not args.quiet:
        for path in written:
            print(f"wrote {_shown(path)}")
    return 0


def _unchanged_build(args: argparse.Namespace):
    """None when the last run of this build command had the same inputs and its outputs are intact (it is then
    reported as up to date, with its warnings); else the fingerprint to record after building (False: none)."""
    from .freshness import fingerprint, up_to_date

    command = {"target": args.target, "editions": args.edition, "print_shop": args.print_shop,
               "preflight": args.preflight, "strict": args.strict, "jobs": args.jobs}
    print_ = fingerprint(args.project, args.out, command)
    if print_ is None:
        return False
    done = up_to_date(print_)
    if done is None:
        return print_
    for warning in done.warnings:
        print(warning, file=sys.stderr)
    if not args.quiet:
        print(f"nothing changed since the last build: {len(done.outputs)} "
              f"output{'s' if len(done.outputs) != 1 else ''} up to date", file=sys.stderr)
        for path in done.outputs:
            print(f"up to date {_shown(path)}")
    return None


def _run_check(args: argparse.Namespace, report: Report) -> int:
    from .pipeline import check, check_built_layouts

    if args.layout:
        checked = check_built_layouts(args.project, args.edition, args.out, report)
        if not args.quiet:
            faults = len(report.warnings)
            print(f"layout: {len(checked)} PDF{'s' if len(checked) != 1 else ''} checked, "
                  f"{faults} fault{'s' if faults != 1 else ''}")
        return 0

    sources = check(_announced_root(args.project, "checking", args.quiet), report)
    chapters = len(sources.manuscript.chapters)
    citations = len(sources.manuscript.citations)
    if not args.quiet:
        print(f"ok: {chapters} chapters, {citations} citations, {len(sources.bibliography)} sources")
    return 0


def _run_new(args: argparse.Namespace, report: Report) -> int:
    target = Path(args.directory)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise BookbuildError.at(None, f"'{args.directory}' already exists and is not empty",
                                hint="choose a new folder name")
    shutil.copytree(SCAFFOLD_DIR / args.template, target, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("__pycache__"))
    # Kept without their dot in the package, so that packaging tools do not take them for their own.
    shutil.copyfile(SCAFFOLD_DIR / "gitignore", target / ".gitignore")
    title = tomllib.loads((target / "manuscript" / "book.toml").read_text(encoding="utf-8"))["title"]
    commands = "\n".join(SCAFFOLD_COMMANDS[args.template])
    readme = (SCAFFOLD_DIR / "README.md").read_text(encoding="utf-8")
    (target / "README.md").write_text(readme.replace("{title}", title).replace("{commands}", commands),
                                      encoding="utf-8")
    first = SCAFFOLD_COMMANDS[args.template][0].split("#")[0].strip()
    if not args.quiet:
        print(f"created {args.directory} ({args.template}): build it with 'cd {args.directory} && {first}'")
    return 0


def _run_refs(args: argparse.Namespace, report: Report) -> int:
    from .citations.preview import run_refs

    print(run_refs(Path(args.bib), args.style, args.json, Path.cwd(), report=report))
    return 0


def _announced_root(directory: str, doing: str, quiet: bool = False) -> Path:
    """The root of the project *directory* lies in, named on stderr (unless *quiet*): run from a subfolder, it
    is not where one stands."""
    from .project import find_project_root

    root = find_project_root(directory)
    if not quiet:
        print(f"bookbuild: {doing} {root}", file=sys.stderr)
    return root


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _terminate(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    parser = make_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help()
        return 1
    report = Report(sys.stderr, strict=getattr(args, "strict", False))
    capture_library_logs(getattr(args, "verbose", False))
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        return args.run(args, report)
    except BookbuildError as error:
        print_problems(error)
        return 1
    except KeyboardInterrupt:
        print("bookbuild: interrupted", file=sys.stderr)
        return 130
    except Exception:  # noqa: BLE001 - anything else is a bug: show it
        traceback.print_exc()
        print("bookbuild: internal error (a bug in bookbuild, not in your manuscript)", file=sys.stderr)
        return 2
    finally:
        signal.signal(signal.SIGTERM, previous)
