"""Turn ``manuscript/book.toml`` (or a bare folder of chapters) into a BookConfig.

- :mod:`.schema`: how an option is declared (:func:`~.schema.option`) and read from a TOML table;
- :mod:`.book`: every option of book.toml, declared once with its documentation;
- :mod:`.loading`: book.toml and the manuscript folder read into a BookConfig, every problem at once;
- :mod:`.explain`: the TOML and YAML readers' complaints in plain words;
- :mod:`.reference`: the README's book.toml tables, written from :mod:`.book`.
"""

from .book import (
    ACCESSIBILITY_FEATURES,
    ACCESSIBILITY_HAZARDS,
    ALWAYS_AUDIENCES,
    CONFORMANCE_CLAIMS,
    DEFAULT_CITATION_STYLE,
    OUTPUT_TARGETS,
    PAPER_SIZES,
    AccessibilityOptions,
    BookConfig,
    EditionOptions,
    HandoutOptions,
    OutputOptions,
    PrintOptions,
    slugify,
)
from .explain import explain_toml_error, explain_yaml_error, repeated_yaml_keys
from .loading import (
    FRONT_MATTER_NAMES,
    MAX_CONFIG_BYTES,
    discover_chapters,
    front_matter_name,
    load_config,
    read_config,
    unlisted_chapters,
)
from .schema import LENGTH_UNITS, parse_length

__all__ = [
    "ALWAYS_AUDIENCES",
    "ACCESSIBILITY_FEATURES", "ACCESSIBILITY_HAZARDS", "CONFORMANCE_CLAIMS", "DEFAULT_CITATION_STYLE",
    "FRONT_MATTER_NAMES", "LENGTH_UNITS", "MAX_CONFIG_BYTES", "OUTPUT_TARGETS", "PAPER_SIZES",
    "AccessibilityOptions", "BookConfig", "EditionOptions", "HandoutOptions", "OutputOptions", "PrintOptions",
    "discover_chapters", "explain_toml_error", "explain_yaml_error", "front_matter_name", "load_config",
    "parse_length", "read_config", "repeated_yaml_keys", "slugify", "unlisted_chapters",
]
