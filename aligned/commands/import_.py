"""``songngu import``: build a corpus store from a TMX, XLIFF, TSV or JSONL file."""

from __future__ import annotations

import argparse
import sys

from aligned.commands._common import add_wait_option, writer_options
from aligned.formats import format_names
from corpus.errors import EXIT_OK, ConfigError

HELP = "build a corpus store from a " + ", ".join(format_names(readable=True)) + " file"

DESCRIPTION = """\
Read aligned pairs (our own exports, or another tool's TMX, XLIFF or tab-separated file; .gz
files too) into a store that `songngu export` and the quality and review tools work on.

Languages are data: --source-lang and --target-lang (default vi and en) choose the two sides
of each unit, matching ignores case and '_'/'-', and a bare tag such as 'en' matches every
region (the first such text of a unit wins). The tags are stored as the file wrote them and
every export writes them back. Units without both texts are skipped and counted; texts in
other languages, props, notes, dates and unknown columns are kept as extra data; a unit whose
srclang is the target language records its original direction. A file with none of the
chosen languages is refused (exit 65) with the languages it holds.

Pairs without doc/para/sent get doc = --doc or the file's stem, para 1 and sent = their
running number. Their targets become translations under the pair's signature, or
'import:<file name>' when the file does not say; pairs marked reviewed get an 'accept' review.
Export -> import -> export gives the same file for everything the format holds.
"""


EPILOG = """\
other tools' files: an OmegaT memory with `import project_save.tmx --doc NAME --append -o
tm.sqlite`, a headerless list with `--format tsv --columns en,vi,attribution`.

examples:
  songngu run examples/news/ -o out/
  songngu import out/corpus.tmx -o imported.sqlite
  songngu import out/corpus.tmx --source-lang vi --target-lang en -o again.sqlite
  songngu export imported.sqlite --format xliff -o review.xlf
  songngu import review.xlf -o reviewed.sqlite
"""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "import",
        help=HELP,
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("input", metavar="FILE", help="the file to import ('-' for stdin)")
    p.add_argument(
        "--format",
        choices=format_names(readable=True),
        help="input format (default: from the file's suffix)",
    )
    p.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="STORE",
        help="the store to build, e.g. corpus.sqlite",
    )
    g = p.add_mutually_exclusive_group()
    g.add_argument("--force", action="store_true", help="replace an existing store")
    g.add_argument(
        "--append", action="store_true", help="add to an existing store (new documents only)"
    )
    p.add_argument(
        "--source-lang",
        default="vi",
        metavar="TAG",
        help="the language of the source side (default: vi); e.g. en, en-US, de",
    )
    p.add_argument(
        "--target-lang",
        default="en",
        metavar="TAG",
        help="the language of the target side (default: en)",
    )
    p.add_argument(
        "--columns",
        metavar="NAME,...",
        help="TSV without a header row: one name per column, the source and target language "
        "tags for the two texts, '-' to skip a column, any other name for a column kept as "
        "extra data (e.g. --columns en,vi,attribution)",
    )
    p.add_argument(
        "--doc",
        metavar="NAME",
        help="document id for pairs the file gives none (default: the file's stem), so files "
        "with one name (project_save.tmx) can be appended one after another",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no messages on stderr")
    add_wait_option(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from aligned.importing import import_file, import_format

    options: dict[str, object] = {
        "source_lang": getattr(args, "source_lang", None) or "vi",
        "target_lang": getattr(args, "target_lang", None) or "en",
    }
    columns = getattr(args, "columns", None)
    if columns:
        fmt_name = args.format or ("tsv" if args.input != "-" else None)
        if fmt_name != "tsv" and not str(args.input).lower().endswith(_TSV_SUFFIXES):
            raise ConfigError(
                f"--columns is for tab-separated files; add --format tsv to read {args.input!r} "
                "as one"
            )
        options["read_columns"] = [c.strip() for c in columns.split(",")]
        fmt = import_format(args.input, "tsv", **options)
    else:
        fmt = import_format(args.input, args.format, **options)
    lock = writer_options(args, args.output)
    result = import_file(
        args.input,
        args.output,
        fmt=fmt,
        force=args.force,
        append=args.append,
        wait=lock["wait"],
        on_wait=lock["on_wait"],
        doc=getattr(args, "doc", None),
    )
    if not args.quiet:
        print(result.summary(), file=sys.stderr)
    return EXIT_OK


_TSV_SUFFIXES = (".tsv", ".tab", ".tsv.gz", ".tab.gz")
