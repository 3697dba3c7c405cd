"""songngu's bilingual side: the aligned corpus, its store, formats, quality checks and the CLI.

The only package that knows both ``corpus`` (source side) and ``translate`` (the model).
Importing it never imports torch: the model stack is loaded lazily, on first translation.
"""

__version__ = "0.1.0"
