"""How much SLRS reads from any file, link or scenario before it refuses: one documented, validated config.

Every limit is checked in time proportional to the input and before SLRS allocates for what a file *declares*
(a workbook's dimension, a YAML alias, a number's digits), so no input can stall the server or run it out of
memory. A refusal names the limit and the value found, and quotes at most ``QUOTE_CHARS`` of any text.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from slrs.exceptions import ConfigError

QUOTE_CHARS = 60


@dataclass(frozen=True)
class ReadLimits:
    """Upper bounds on what SLRS reads (all whole numbers of 1 or more).

    Attributes
    ----------
    max_file_bytes : int
        Bytes of one portfolio file (the app's uploads are also capped by Streamlit's ``server.maxUploadSize``).
    max_rows : int
        Data rows of one portfolio (an .xlsx sheet holds at most 1,048,575).
    max_columns : int
        Columns of one portfolio (the format has 21; extra columns are kept and passed through).
    max_cell_chars : int
        Characters in one cell, header cells included.
    max_workbook_bytes : int
        Uncompressed bytes of all the parts of an .xlsx workbook (a zip file can expand a thousandfold).
    max_scenario_bytes : int
        Bytes of one scenario file (JSON or YAML).
    max_nesting : int
        Depth of lists and mappings in a scenario file.
    max_number_digits : int
        Characters of one number in a scenario file or a link (a cost of 1e12 needs 13).
    """

    max_file_bytes: int = 4 * 2**30
    max_rows: int = 20_000_000
    max_columns: int = 500
    max_cell_chars: int = 10_000
    max_workbook_bytes: int = 1 * 2**30
    max_scenario_bytes: int = 1_000_000
    max_nesting: int = 20
    max_number_digits: int = 40

    def __post_init__(self) -> None:
        for item in fields(self):
            value = getattr(self, item.name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ConfigError(f"limit {item.name}={value!r} should be a whole number of 1 or more")


DEFAULT_LIMITS = ReadLimits()
# Rows held at once when a file is streamed (the CLI's chunks, a Dask worker's within its partition): about 300 MB
# of text, read, scored and written while the next chunk is read.
STREAM_CHUNK_ROWS = 200_000


def quote(value: object, limit: int = QUOTE_CHARS) -> str:
    """A value for a message: numbers as they are, anything else as its ``repr``, shortened to about ``limit``
    characters so that a message never repeats a huge input."""
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    try:
        text = str(value) if number else repr(value)
    except ValueError:  # an int too long for Python to turn into text
        return "a number too long to show"
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text):,} characters)"
