"""A corpus of bad export files, generated here (nothing large is shipped), and what importing each must do.

Each case is either refused as a whole (a one-line message that says what to do; nothing stored; the attempt
logged) or imported with every row accounted for: stored + rejected (each with its line) = the rows of the
file. tests/test_bad_inputs.py runs the corpus through the CLI and through the Data page.
"""

from __future__ import annotations

import functools
import gzip
import io
import json
import random
import struct
import zipfile
import zlib
from dataclasses import dataclass, field

HEADER = "uniqueId,messageContent,messageSentiment,datePublished"
CAP_MB = 768  # SCE_IMPORT_MEMORY_MB for the runs: a record (a line) may be 12 MB


@dataclass(frozen=True)
class Case:
    name: str  # also the file name
    data: bytes
    stored: int | None = None  # None: the file is refused as a whole
    rejected: int = 0
    message: str = ""  # a regular expression the refusal (or a warning) must match
    lines: tuple[int, ...] = ()  # the lines (or record numbers) reported rejected, when given
    notes: list[str] = field(default_factory=list)

    @property
    def refused(self) -> bool:
        return self.stored is None

    @property
    def rows(self) -> int:
        return (self.stored or 0) + self.rejected


def rows_csv(n: int, start: int = 0, prefix: str = "b") -> str:
    return "".join(
        f"{prefix}{i},Flight {i} was late #delay,negative,{1_700_000_000 + i}\n" for i in range(start, start + n)
    )


def csv_file(n: int) -> bytes:
    return (HEADER + "\n" + rows_csv(n)).encode()


def zipped(files: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@functools.cache
def gzip_bomb(unpacked_mb: int = 400) -> bytes:
    """A gzip'd CSV that looks like an export and unpacks ~400x: a header, then one short row over and over.

    Each megabyte is compressed once, ended by a full flush (which resets the compressor's history, so the
    compressed megabyte decodes on its own), and repeated: deflating all 400 MB took 3.3 s per test process."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)  # raw deflate; the gzip framing is written here
    row = b"x,y,neutral,1700000000\n"
    chunk = row * (1024**2 // len(row))
    first = HEADER.encode() + b"\n"
    head = packer.compress(first) + packer.flush(zlib.Z_FULL_FLUSH)
    megabyte = packer.compress(chunk) + packer.flush(zlib.Z_FULL_FLUSH)
    crc = zlib.crc32(first)
    for _ in range(unpacked_mb):
        crc = zlib.crc32(chunk, crc)
    size = len(first) + unpacked_mb * len(chunk)
    framing = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"  # gzip, deflate, no name, no time, best, unknown OS
    trailer = struct.pack("<II", crc, size & 0xFFFFFFFF)
    return framing + head + megabyte * unpacked_mb + packer.flush() + trailer


def bad_crc_zip() -> bytes:
    data = bytearray(zipped({"export.csv": csv_file(50)}, zipfile.ZIP_STORED))
    where = data.index(b"Flight 7")
    data[where] = ord("G")  # same length, different bytes: the CRC no longer matches
    return bytes(data)


def stray_quotes(n: int = 1000) -> bytes:
    """The issue's file: odd rows open a quote they never close."""
    lines = [HEADER]
    for i in range(1, n + 1):
        lines.append(f'r{i},"unterminated,neutral,1700000000' if i % 2 else f"r{i},fine {i},positive,1700000000")
    return ("\n".join(lines) + "\n").encode()


def json_array(items: list) -> bytes:
    return json.dumps(items, ensure_ascii=True).encode()


def corpus() -> list[Case]:
    rng = random.Random(16)
    good = csv_file(2000)
    mention = {"uniqueId": "j1", "message": {"content": "fine", "sentiment": "positive"}}
    cases = [
        Case("stray-quotes.csv", stray_quotes(), 500, 500, "quote opened on this line", lines=tuple(range(2, 1001, 2))),
        Case(
            "quote-to-the-end.csv",
            (HEADER + "\n" + rows_csv(9) + 'b9x,"never closed,neutral,1\n' + "more text\n" * 3).encode(),
            9,
            4,  # the line that opens the quote, and the three after it, which are not rows of 4 fields
            "quote opened on this line",
            lines=(11, 12, 13, 14),
        ),
        Case(
            "field-counts.csv",
            (HEADER + "\n" + rows_csv(5) + "c1,too,many,fields,here\nc2,too few\n").encode(),
            5,
            2,
            "expected 4 fields",
            lines=(7, 8),
        ),
        Case(
            "row-inside-a-field.csv",
            (
                HEADER + "\n" + rows_csv(3) + 'd1,"a text with\nd2,what looks like a row,neutral,1\n",neutral,1\n'
            ).encode(),
            4,
            0,
            "looks like a whole row",
        ),
        Case("blank-lines-and-crlf.csv", (HEADER + "\r\n\r\n" + rows_csv(4).replace("\n", "\r\n\r\n")).encode(), 4),
        Case("no-key.csv", (HEADER + "\n" + rows_csv(3) + ",no key,neutral,1\n").encode(), 3, 1, lines=(5,)),
        Case("repeated-ids.csv", (HEADER + "\n" + rows_csv(3) + rows_csv(3)).encode(), 6),
        Case("nul-byte.csv", (HEADER + "\n" + rows_csv(3) + "n1,a\x00b,neutral,1\n").encode(), 4),
        Case("huge-number.csv", (HEADER + "\n" + rows_csv(2) + f"h1,big,{'9' * 5000},{'9' * 5000}\n").encode(), 3, 0),
        Case(
            "overlong-line.csv",
            (
                HEADER
                + "\n"
                + rows_csv(3)
                + "o1,"
                + "x" * (CAP_MB * 1024**2 // 64 + 1)
                + ",neutral,1\n"
                + rows_csv(2, 9)
            ).encode(),
            5,
            1,
            "longer than 12 MB",
            lines=(5,),
        ),
        Case("header-only.csv", (HEADER + "\n").encode(), 0),
        Case("empty.csv", b"", message="is empty"),
        Case(
            "old-mac-line-ends.csv",
            (HEADER + "\r" + rows_csv(3).replace("\n", "\r")).encode(),
            message="carriage return",
        ),
        Case(
            "thousands-of-columns.csv",
            ("uniqueId," + ",".join(f"c{i}" for i in range(5000)) + "\nw1" + "," * 5000 + "\n").encode(),
            message="5,001 columns",
        ),
        Case("spaces-only.csv", b"   \n\n", message="empty"),
        Case("no-mention-fields.csv", b"name,score\nann,3\n", message="none of the Social Connect mention fields"),
        Case("latin-1.csv", (HEADER + "\nl1,Gr\xfc\xdfe,neutral,1\n").encode("latin-1"), message="not UTF-8"),
        Case("random-bytes.bin", rng.randbytes(4096), message=r"\S"),
        Case("utf-16-no-bom.csv", (HEADER + "\n" + rows_csv(5)).encode("utf-16-le"), 5, 0, "byte order mark"),
        Case("utf-16-bom.csv", (HEADER + "\n" + rows_csv(5)).encode("utf-16"), 5),
        Case("gzip-bomb.csv.gz", gzip_bomb(), message="compression bomb"),
        Case("gzip-bomb-in-zip.zip", zipped({"x.csv.gz": gzip_bomb()}, zipfile.ZIP_STORED), message="compression bomb"),
        Case("zip-bomb.zip", zipped({"bomb.csv": b"0" * (200 * 20_000)}), message="zip bomb"),
        Case("truncated.csv.gz", gzip.compress(good)[: len(gzip.compress(good)) * 3 // 5], message="cut short"),
        Case("garbage.csv.gz", b"\x1f\x8b\x08\x00" + rng.randbytes(5000), message="not a readable gzip"),
        Case("bad-crc.zip", bad_crc_zip(), message="damaged"),
        Case("empty.zip", zipped({}), message="empty zip"),
        Case("two-files.zip", zipped({"a.csv": good, "b.csv": good}), message="holds 2 files"),
        Case("workbook.xlsx", zipped({"[Content_Types].xml": b"<x/>", "xl/workbook.xml": b"<x/>"}), message="Excel"),
        Case("ok.csv.zip", zipped({"export.csv": good}), 2000),
        Case("deep.json", b"[" * 100_000 + b"]" * 100_000, message="nested too deeply"),
        Case(
            "deep-line.ndjson",
            b"\n".join([json.dumps(mention | {"uniqueId": f"n{i}"}).encode() for i in range(3)] + [b"[" * 5000]),
            3,
            1,
            lines=(4,),
        ),
        Case(
            "lone-surrogates.json",
            json_array([{"uniqueId": "s1", "messageContent": "half \udc80 pair"}, {"uniqueId": "s2", "k\ud800": "v"}]),
            2,
            0,
            "surrogate",
        ),
        Case(
            "huge-numbers.json",
            b'[{"uniqueId": ' + b"7" * 5000 + b', "datePublished": ' + b"9" * 5000 + b', "authorId": 1e999}]',
            1,
            0,
            "datePublished",
        ),
        Case("truncated.json", json_array([mention | {"uniqueId": f"t{n}"} for n in range(50)])[:-40], message="cut"),
        Case("not-objects.json", json_array([mention, 3, mention | {"uniqueId": "j2"}]), 2, 1, lines=(2,)),
    ]
    return cases
