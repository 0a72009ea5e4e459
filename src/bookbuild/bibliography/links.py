"""Turn ``doi``, ``url`` and ``eprint`` values into valid links, as readers and EPUBCheck want them.

* a DOI is kept bare ("10.1162/…"), whatever it was written as ("doi:10.…",
  "DOI 10.…", "https://doi.org/10.…"); characters a URL may not hold are
  percent-encoded; what does not look like a DOI is left out, with a reason;
* a URL gets a scheme when it has none (``www.x.org/y`` is
  ``https://www.x.org/y``), spaces and other characters a URL may not hold are
  percent-encoded; a value that is no web address is left out, with a reason.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi\s*:\s*|doi\s+|info:doi/)", re.IGNORECASE)
_DOI = re.compile(r"^10\.\d{3,9}(?:\.\d+)*/\S.*$")
# What RFC 3986 allows unencoded in a URL, with % for what is already encoded.
_URL_SAFE = ":/?#[]@!$&'()*+,;=%~-._"
_DOMAIN = re.compile(r"^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,}(?::\d+)?(?:[/?#]|$)")


def verbatim(value: str) -> str:
    """A verbatim field's text: ``\\url{…}`` unwrapped, TeX escapes and braces dropped, spaces collapsed."""
    text = re.sub(r"\\(?:url|path|nolinkurl)\s*\{", "{", value)
    text = re.sub(r"\\([_%&#$~])", r"\1", text)
    return re.sub(r"\s+", " ", text.replace("{", "").replace("}", "")).strip()


def normalise_doi(value: str) -> tuple[str, str]:
    """(bare DOI, "") or ("", why it is left out)."""
    text = verbatim(value)
    previous = None
    while previous != text:
        previous = text
        text = _DOI_PREFIX.sub("", text).strip()
    if not _DOI.match(text):
        return "", f"'{verbatim(value)}' is not a DOI (a DOI starts with '10.' and a slash)"
    return quote(text.replace(" ", ""), safe=_URL_SAFE), ""


def normalise_url(value: str) -> tuple[str, str]:
    """(absolute URL, "") or ("", why it is left out)."""
    text = verbatim(value)
    if not text:
        return "", "the URL is empty"
    if text.lower().startswith("doi:"):
        doi, problem = normalise_doi(text)
        return (f"https://doi.org/{doi}", "") if doi else ("", problem)
    if text.startswith("//"):
        text = "https:" + text
    elif not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", text) or re.match(r"^[^:/]+\.[A-Za-z]{2,}:\d", text):
        if _DOMAIN.match(text):
            text = "https://" + text
        else:
            return "", f"'{text}' is not a web address"
    text = quote(text.replace(" ", "%20"), safe=_URL_SAFE)
    try:
        parts = urlsplit(text)
    except ValueError:
        return "", f"'{verbatim(value)}' is not a web address"
    if parts.scheme.lower() in ("http", "https", "ftp", "ftps") and parts.netloc:
        return text, ""
    if parts.scheme.lower() == "mailto" and "@" in parts.path:
        return text, ""
    return "", f"'{verbatim(value)}' is not a web address (http, https or ftp)"
