"""Turn an image a chapter uses into a list of reasons it cannot go into the book.

Checked before anything is rendered, so that a bad image is an error at the
chapter's line rather than a crash or a stall in the renderer:

* raster images (PNG, JPEG, GIF, WebP) must be readable and at most
  ``MAX_PIXELS`` pixels — a small file can decompress to gigabytes;
* SVG files must be well-formed XML without entity declarations (the
  "billion laughs") anywhere in the file, and may refer only to their own
  elements or to embedded ``data:`` images, never to other files or to the web;
* an SVG may hold at most ``MAX_SVG_ELEMENTS`` elements, counted as they are
  drawn: a ``<use>`` draws its target again, so a few ``<use>`` elements that
  refer to groups of ``<use>`` elements cannot multiply into billions, and a
  ``<use>`` that ends up referring to itself is refused;
* every image file is at most ``MAX_FILE_BYTES``.

The same checks apply wherever a project's image enters a book: in a
chapter, as the cover, and in a stylesheet (``url()``, ``data:`` images).
"""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path

MAX_FILE_BYTES = 30 * 1024 * 1024
MAX_PIXELS = 60_000_000  # 60 megapixels: a full A4 page at 600 dpi is 35
MAX_SVG_ELEMENTS = 100_000  # as drawn, <use> expanded
RASTER_TYPES = ("png", "jpeg", "gif", "webp")
IMAGE_FILE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg")
_URL_IN_STYLE = re.compile(r"url\(\s*['\"]?([^'\")]*)", re.IGNORECASE)
_SIZE_RE = re.compile(r"^(\d{1,4}(?:\.\d+)?)(px|mm|cm|in|pt|em|%)?$")


def image_problems(path: Path) -> list[str]:
    """What is wrong with the image file at *path* (an empty list if nothing)."""
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        return [f"is {size // (1024 * 1024)} MB; images are limited to {MAX_FILE_BYTES // (1024 * 1024)} MB"]
    data = path.read_bytes()
    if path.suffix.lower() == ".svg":
        return svg_problems(data)
    return raster_problems(data)


def data_url_problems(url: str) -> list[str]:
    """What is wrong with a ``data:`` image written into a chapter."""
    header, _, payload = url.partition(",")
    kind = header[len("data:image/"):].split(";")[0].lower()
    if kind not in RASTER_TYPES:
        return [f"is a data: URL of type image/{kind}; only PNG, JPEG, GIF and WebP may be embedded this way"]
    if len(payload) > MAX_FILE_BYTES:
        return ["is too large to embed in the text; save it as a file"]
    try:
        data = base64.b64decode(payload, validate=True) if header.endswith(";base64") else payload.encode()
    except ValueError:
        return ["is a data: URL whose base64 content is broken"]
    return raster_problems(data)


def raster_problems(data: bytes) -> list[str]:
    from PIL import Image, UnidentifiedImageError

    # Only the header is read; Pillow's own bomb check is lifted while doing so,
    # so that the exact size can be reported (the limit below is stricter).
    guard, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, None
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
    except (UnidentifiedImageError, OSError, ValueError):
        return ["cannot be read as a PNG, JPEG, GIF or WebP image"]
    finally:
        Image.MAX_IMAGE_PIXELS = guard
    if width * height > MAX_PIXELS:
        return [f"is {width} × {height} pixels; images are limited to {MAX_PIXELS // 1_000_000} megapixels "
                "(scale it down: 300 dpi across an A4 page is about 2,500 pixels)"]
    return []


def svg_problems(data: bytes) -> list[str]:
    from lxml import etree

    if re.search(rb"<!ENTITY", data, re.IGNORECASE):
        return ["declares XML entities, which are not allowed in SVG images"]
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        return [f"is not well-formed SVG ({error.msg})"]
    except ValueError as error:  # such as an encoding lxml does not know
        return [f"is not well-formed SVG ({error})"]
    subset = root.getroottree().docinfo.internalDTD
    if subset is not None and (list(subset.iterentities()) or list(subset.iterelements())):
        return ["declares XML entities, which are not allowed in SVG images"]  # in an encoding the scan missed
    drawn = drawn_elements(root)
    if drawn is None:
        return ["has a <use> element that refers, through others, to itself"]
    if drawn > MAX_SVG_ELEMENTS:
        return [f"draws more than {MAX_SVG_ELEMENTS:,} elements once its <use> elements are expanded; "
                "simplify it or save it as a PNG"]
    problems = []
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        for name, value in element.attrib.items():
            local = name.rsplit("}", 1)[-1]
            references = [value] if local in ("href", "src") else []
            if local == "style" or local in ("fill", "stroke", "filter", "clip-path", "mask"):
                references += _URL_IN_STYLE.findall(value)
            for reference in references:
                if not _internal_reference(reference):
                    problems.append(f"refers to '{reference[:80]}'; an SVG image may refer only to its own "
                                    "elements (#id) or embedded data: images")
        if element.tag.rsplit("}", 1)[-1] == "style" and element.text:
            for reference in _URL_IN_STYLE.findall(element.text):
                if not _internal_reference(reference):
                    problems.append(f"refers to '{reference[:80]}' in a stylesheet; an SVG image may refer only "
                                    "to its own elements (#id) or embedded data: images")
    return sorted(set(problems))


def drawn_elements(root) -> int | None:
    """How many elements drawing *root* takes, each ``<use>`` counted with what it draws; None for a cycle.

    Counted without recursion (a chain of ``<use>`` may be long) and stopping
    as soon as the count passes ``MAX_SVG_ELEMENTS``.
    """
    elements = [element for element in root.iter() if isinstance(element.tag, str)]  # keeps lxml's proxies alive
    if len(elements) > MAX_SVG_ELEMENTS:
        return len(elements)
    by_id = {element.get("id"): element for element in elements if element.get("id")}

    def parts(element) -> list:
        found = [child for child in element if isinstance(child.tag, str)]
        if element.tag.rsplit("}", 1)[-1] == "use":
            for name, value in element.attrib.items():
                if name.rsplit("}", 1)[-1] == "href" and value.strip().startswith("#"):
                    target = by_id.get(value.strip()[1:])
                    if target is not None:
                        found.append(target)
        return found

    counts: dict = {}
    open_elements: set = set()
    stack: list = [(root, False)]
    while stack:
        element, closing = stack.pop()
        if closing:
            counts[element] = 1 + sum(counts[part] for part in parts(element))
            open_elements.discard(element)
            if counts[element] > MAX_SVG_ELEMENTS:
                return counts[element]
            continue
        if element in counts:
            continue
        if element in open_elements:
            return None  # reached again from inside itself
        open_elements.add(element)
        stack.append((element, True))
        stack.extend((part, False) for part in parts(element) if part not in counts)
    return counts[root]


def svg_data_url_problems(url: str) -> list[str]:
    """What is wrong with an SVG written into a stylesheet as a ``data:`` URL."""
    import urllib.parse

    header, _, payload = url.partition(",")
    if len(payload) > MAX_FILE_BYTES:
        return ["is too large to embed in a stylesheet; save it as a file"]
    try:
        data = (base64.b64decode(payload, validate=True) if header.lower().endswith(";base64")
                else urllib.parse.unquote_to_bytes(payload))
    except ValueError:
        return ["is a data: URL whose base64 content is broken"]
    return svg_problems(data)


def _internal_reference(reference: str) -> bool:
    reference = reference.strip()
    return reference.startswith("#") or reference.startswith("data:image/") or not reference


def size_problem(value: str) -> str | None:
    """Why a width or height written on an image is not usable (None if it is)."""
    match = _SIZE_RE.match(value.strip())
    if not match:
        return f"'{value}' is not a size such as 60%, 80mm or 300px"
    number, unit = float(match[1]), match[2] or "px"
    limits = {"px": 3000, "mm": 500, "cm": 50, "in": 20, "pt": 1500, "em": 100, "%": 100}
    if number > limits[unit]:
        return f"'{value}' is larger than a page ({limits[unit]}{unit} at most)"
    return None


def css_size(value: str) -> str:
    """A width or height attribute as a CSS length (bare numbers are pixels)."""
    value = value.strip()
    return value if _SIZE_RE.match(value) and not value[-1].isdigit() else f"{value}px"
