"""Turn a laid-out book into warnings about what would print badly (preflight).

Three checks run over WeasyPrint's page boxes, before the PDF is written:

* an image with fewer than 300 pixels per inch at the size it is printed
  (it prints soft or jagged);
* text set smaller than 7 pt (hard to read, and it fills in on a copier);
  superscripts and subscripts, such as note calls, are set small on purpose
  and are not counted;
* ink in the bleed or closer than 3 mm to the trim edge, where the cut may
  fall.  A background or image that runs off the page on purpose is fine
  when it reaches the edge of the bleed (or, in a PDF without bleed, the
  edge of the page); one that stops just short of the edge would leave a
  sliver of white or of colour when the cut wanders.

Each finding names the page (the page number printed on it, when it has
one, and its place in the PDF) and the element (tag, class, the start of
its text or the image file).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from ..errors import Report, SourceLocation
from .weasy import page_box

MIN_DPI = 300
MIN_TEXT_PT = 7.0
SAFE_MM = 3.0
PX_PER_MM = 96 / 25.4  # WeasyPrint lays out in CSS pixels, 96 to the inch
PX_PER_PT = 96 / 72
SNIPPET_LENGTH = 40
EPSILON_PX = 0.01


@dataclass(frozen=True)
class Finding:
    """One thing on one page that would print badly."""

    page: int  # place in the PDF, from 1
    label: str | None  # the page number printed on the page, if any
    element: str  # '<img src="manuscript/images/map.png">', '<p class="lead"> "The first words…"'
    message: str

    def format(self) -> str:
        where = f"page {self.label} (PDF page {self.page})" if self.label else f"PDF page {self.page}"
        return f"{where}: {self.element}: {self.message}"


def preflight(document, root: Path | None = None) -> tuple[Finding, ...]:
    """Check every page of a laid-out WeasyPrint document; file names are shown relative to *root*."""
    findings: list[Finding] = []
    for number, page in enumerate(document.pages, start=1):
        root_box = page_box(page)
        label = printed_page_label(root_box)
        seen: set[tuple[int, str]] = set()
        for check in (image_resolution, small_text, edge_clearance):
            for box, message in check(root_box):
                key = (id(getattr(box, "element", None) if check is not image_resolution else box), check.__name__)
                if key in seen:
                    continue
                seen.add(key)
                findings.append(Finding(number, label, describe(box, root), message))
    return tuple(findings)


def report_findings(findings: tuple[Finding, ...], location: SourceLocation, report: Report) -> None:
    """Give each finding as a warning about the PDF at *location* (an error with --strict)."""
    for finding in findings:
        report.warn(location, finding.format())


# -- the checks: each yields (box, message) for one page ----------------------------------------------

def image_resolution(page_box) -> Iterator[tuple[object, str]]:
    """Raster images with fewer than MIN_DPI pixels per inch at their printed size."""
    for box, _ in _boxes(page_box):
        image = getattr(box, "replacement", None)
        if image is None or type(image).__name__ != "RasterImage" or not box.width or not box.height:
            continue
        drawn_width, drawn_height = drawn_size(box, image)
        dpi = min(image.width / (drawn_width / 96), image.height / (drawn_height / 96))
        if dpi < MIN_DPI - 0.5:
            yield box, (f"{dpi:.0f} dpi at its printed size of {drawn_width / PX_PER_MM:.0f} × "
                        f"{drawn_height / PX_PER_MM:.0f} mm ({image.width} × {image.height} pixels); "
                        f"print needs at least {MIN_DPI} dpi")


def drawn_size(box, image) -> tuple[float, float]:
    """The size (CSS pixels) at which an image is painted in its box, after object-fit."""
    width, height = box.width, box.height
    fit = box.style["object_fit"]
    if fit == "fill" or not image.width or not image.height:
        return width, height
    intrinsic_width, intrinsic_height = image.width, image.height  # 1 image pixel = 1 CSS pixel
    contain = min(width / intrinsic_width, height / intrinsic_height)
    scale = {"contain": contain, "cover": max(width / intrinsic_width, height / intrinsic_height),
             "none": 1.0, "scale-down": min(1.0, contain)}.get(fit, 1.0)
    return intrinsic_width * scale, intrinsic_height * scale


def small_text(page_box) -> Iterator[tuple[object, str]]:
    """Text set smaller than MIN_TEXT_PT, superscripts and subscripts apart."""
    for box, raised in _boxes(page_box):
        if type(box).__name__ != "TextBox" or raised or not box.text.strip():
            continue
        size = box.style["font_size"] / PX_PER_PT
        if size < MIN_TEXT_PT - 0.05:
            yield box, f"text set at {size:.1f} pt, smaller than {MIN_TEXT_PT:g} pt"


def edge_clearance(page_box) -> Iterator[tuple[object, str]]:
    """Ink in the bleed or within SAFE_MM of the trim, except backgrounds that run off the page on purpose."""
    width, height = page_box.margin_width(), page_box.margin_height()
    bleed = page_box.bleed
    for box, _ in _boxes(page_box):
        ink = _ink(box)
        if ink is None:
            continue
        kind, (left, top, right, bottom) = ink
        distances = {"left": left, "top": top, "right": width - right, "bottom": height - bottom}
        problems = []
        for side, distance in distances.items():
            if distance >= SAFE_MM * PX_PER_MM - EPSILON_PX:
                continue
            if kind == "text":
                problems.append((distance, side))
            elif distance > -bleed[side] + EPSILON_PX:  # a background or image that stops short of the bleed edge
                problems.append((distance, side))
        if not problems:
            continue
        distance, side = min(problems)
        millimetres = abs(distance) / PX_PER_MM
        if kind == "text":
            if distance < -EPSILON_PX:
                yield box, (f"text runs {millimetres:.1f} mm past the {side} trim edge, into the bleed: "
                            "it would be cut off")
            else:
                yield box, (f"text is {millimetres:.1f} mm from the {side} trim edge; "
                            f"keep it at least {SAFE_MM:g} mm inside")
        else:
            reach = (f"{bleed[side] / PX_PER_MM:g} mm past the trim, into the bleed," if bleed[side]
                     else "to the edge of the page")
            where = (f"reaches only {millimetres:.1f} mm past the {side} trim edge" if distance < -EPSILON_PX
                     else f"ends {millimetres:.1f} mm short of the {side} trim edge")
            yield box, (f"{kind} {where}; run it {reach} "
                        f"or keep it at least {SAFE_MM:g} mm inside the trim")


def _ink(box) -> tuple[str, tuple[float, float, float, float]] | None:
    """What a box paints, if anything, and where: ("text" | "image" | "background", left, top, right, bottom)."""
    kind = type(box).__name__
    if kind in ("PageBox", "MarginBox") or box.style["visibility"] != "visible":
        return None
    if kind == "TextBox":
        if not box.text.strip():
            return None
        x, y = box.position_x, box.position_y
        return "text", (x, y, x + box.width, y + box.height)
    if getattr(box, "replacement", None) is not None:
        x, y = box.content_box_x(), box.content_box_y()
        return "image", (x, y, x + box.width, y + box.height)
    if getattr(box, "element_tag", None) in ("html", "body"):
        return None  # the root's background is the page's: it always covers the bleed
    if _paints_background(box) or _has_border(box):
        x, y = box.border_box_x(), box.border_box_y()
        return "background", (x, y, x + box.border_width(), y + box.border_height())
    return None


def _paints_background(box) -> bool:
    background = getattr(box, "background", None)
    if background is None:
        return False
    return background.color.alpha > 0 or any(layer.image is not None for layer in background.layers)


def _has_border(box) -> bool:
    return any(getattr(box, f"border_{side}_width", 0) > 0
               and box.style[f"border_{side}_style"] not in ("none", "hidden")
               for side in ("top", "right", "bottom", "left"))


def _boxes(box, raised: bool = False) -> Iterator[tuple[Any, bool]]:
    """Every box under *box*, and whether it is inside a superscript or subscript."""
    raised = raised or _is_raised(box)
    yield box, raised
    for child in getattr(box, "children", ()):
        yield from _boxes(child, raised)


def _is_raised(box) -> bool:
    """Whether a box is set above or below the baseline: superscripts, subscripts, note calls."""
    if getattr(box, "element_tag", None) in ("sup", "sub"):
        return True
    align = box.style["vertical_align"]  # WeasyPrint computes 'super' and 'sub' into a shift
    if isinstance(align, str):
        return align in ("super", "sub")
    return bool(getattr(align, "value", align))


# -- naming pages and elements -----------------------------------------------------------------------

def printed_page_label(page_box) -> str | None:
    """The page number printed on a page: the text of a margin box that shows the page counter."""
    for child in page_box.children:
        if type(child).__name__ != "MarginBox":
            continue
        shows_page = any(kind in ("counter()", "counters()") and value and value[0] == "page"
                         for kind, value in _content_items(child.style["content"]))
        if shows_page:
            text = "".join(box.text for box, _ in _boxes(child) if type(box).__name__ == "TextBox").strip()
            if text:
                return text
    return None


def _content_items(content) -> list[tuple[str, tuple]]:
    if not isinstance(content, (list, tuple)):
        return []
    return [item for item in content if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], tuple)]


def describe(box, root: Path | None = None) -> str:
    """An element as a reader finds it: '<p class="x"> "Its first words…"' or '<img src="images/map.png">'."""
    element = getattr(box, "element", None)
    tag = getattr(box, "element_tag", None) or "page"
    classes = element.get("class") if element is not None else None
    attributes = f' class="{classes}"' if classes else ""
    if getattr(box, "replacement", None) is not None and element is not None and element.get("src"):
        return f'<{tag}{attributes} src="{_shown_source(element.get("src"), root)}">'
    if "::" in tag or element is None:  # a pseudo-element (a note call, generated text): its own text
        text = " ".join("".join(child.text for child, _ in _boxes(box) if hasattr(child, "text")).split())
    else:
        text = " ".join("".join(element.itertext()).split())
    if len(text) > SNIPPET_LENGTH:
        text = text[:SNIPPET_LENGTH].rstrip() + "…"
    return f'<{tag}{attributes}> "{text}"' if text else f"<{tag}{attributes}>"


def _shown_source(url: str, root: Path | None) -> str:
    """A file URL as a path relative to the project, other URLs as they are."""
    parts = urlsplit(url)
    if parts.scheme != "file":
        return url
    path = Path(unquote(parts.path))
    if root is not None:
        try:
            return path.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            pass
    return str(path)
