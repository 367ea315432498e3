"""An export file as a stream of UTF-8 bytes: zip'd, gzip'd or plain, UTF-8 or UTF-16, never all in memory.

Decompression is streamed and capped twice: what comes out may not exceed ``max_ratio`` times what was read
in so far (a bomb is refused after its first megabytes, not after its gigabytes), nor ``max_unpacked``
bytes. A zip's declared sizes are checked before anything is unpacked. Damaged archives (a bad CRC, a
truncated or garbled gzip stream) and unreadable encodings become ``FileFormatError``s whose message says
what to do; nothing here raises a raw ``zlib.error`` or ``EOFError``.
"""

from __future__ import annotations

import codecs
import gzip
import io
import os
import re
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, BinaryIO

from lib.errors import ExplorerError

ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")  # a member, an empty archive, a spanned one
GZIP_MAGIC = b"\x1f\x8b"
RATIO_FLOOR = 4 * 1024  # the ratio is measured against at least this many bytes read (tiny files vary)
_STEP = 4 * 1024  # compressed bytes fed to the decompressor at a time

Source = bytes | bytearray | memoryview | str | os.PathLike | BinaryIO
Stream = IO[bytes] | io.RawIOBase  # what the layers read from: a file, a zip member, another layer


class FileFormatError(ExplorerError):
    """A file could not be read as an export."""


@dataclass(frozen=True)
class Caps:
    """How far a compressed file may unpack: a ratio to the bytes read, and an absolute size."""

    max_ratio: int = 200  # text compresses ~5-20x; 200x is a bomb, not an export
    max_unpacked: int = 64 * 1024**3


@dataclass
class Opened:
    stream: io.BufferedReader  # UTF-8 bytes, BOM removed
    name: str  # the file's name, or the name of the member of a zip
    layers: list[str] = field(default_factory=list)  # "zip", "gzip", "utf-16-le"…, outermost first
    notes: list[str] = field(default_factory=list)  # what the reader guessed, for the import report


class _Counting(io.RawIOBase):
    """A binary file that counts the bytes read from it (the denominator of the compression ratio)."""

    def __init__(self, inner: Stream):
        self.inner, self.count = inner, 0

    def counted(self) -> int:
        return self.count

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return self.inner.seekable()

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return self.inner.seek(offset, whence)

    def tell(self) -> int:
        return self.inner.tell()

    def readinto(self, buffer) -> int:
        data = self.inner.read(len(buffer))
        buffer[: len(data)] = data
        self.count += len(data)
        return len(data)


class _Capped(io.RawIOBase):
    """The decompressed stream, refused as soon as it outgrows the caps; decompression errors as messages."""

    def __init__(self, inner: Stream, consumed: Callable[[], int], caps: Caps, name: str, kind: str):
        self.inner, self.consumed, self.caps, self.name, self.kind = inner, consumed, caps, name, kind
        self.out = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        try:
            data = self.inner.read(len(buffer))
        except EOFError:
            raise FileFormatError(
                f"{self.name} ends before its compressed data does: the file is cut short. Download or copy it again."
            ) from None
        except zipfile.BadZipFile as exc:
            raise FileFormatError(
                f"{self.name} is damaged ({_first_line(exc)}): download it again, or unzip it and import the CSV."
            ) from None
        except (gzip.BadGzipFile, zlib.error, OSError) as exc:
            raise FileFormatError(
                f"{self.name} is not a readable {self.kind} file past its first bytes ({_first_line(exc)}). "
                "Download it again, or import the uncompressed file."
            ) from None
        self.out += len(data)
        if self.out > self.caps.max_unpacked:
            raise FileFormatError(
                f"{self.name} unpacks to more than {self.caps.max_unpacked / 1e9:,.0f} GB; refusing it. Split the "
                "export, or pull it from the API."
            )
        consumed = self.consumed()
        if self.out > self.caps.max_ratio * max(consumed, RATIO_FLOOR):
            raise FileFormatError(
                f"{self.name} unpacks to more than {self.caps.max_ratio} times its size ({_size(self.out)} from "
                f"{_size(consumed)} so far): that is a compression bomb, not an export. Refusing it."
            )
        buffer[: len(data)] = data
        return len(data)


class _Gunzip(io.RawIOBase):
    """Gzip decompression that counts the compressed bytes it has read (``count``, in steps of 4 KB), so that
    the ratio is checked against what was really used, not against a read-ahead buffer. Several members in a
    row (``cat a.gz b.gz``) are read in turn; a truncated stream, a bad CRC or trailing garbage is an error."""

    def __init__(self, inner: Stream):
        self.inner, self.count = inner, 0
        self.decompressor = zlib.decompressobj(31)

    def counted(self) -> int:
        return self.count

    def readable(self) -> bool:
        return True

    def _read(self) -> bytes:
        data = self.inner.read(_STEP)
        self.count += len(data)
        return data

    def readinto(self, buffer) -> int:
        while True:
            if self.decompressor.eof:
                rest = self.decompressor.unused_data or self._read()
                while rest and not rest.strip(b"\0"):  # zero padding after the last member is allowed
                    rest = self._read()
                if not rest:
                    return 0
                if rest[:2] != GZIP_MAGIC:
                    raise gzip.BadGzipFile("unexpected data after the end of the compressed data")
                self.decompressor = zlib.decompressobj(31)
                feed = rest
            else:
                feed = self.decompressor.unconsumed_tail or self._read()
                if not feed:
                    raise EOFError("the compressed data ends early")
            out = self.decompressor.decompress(feed, len(buffer))
            if out:
                buffer[: len(out)] = out
                return len(out)


class _Transcoded(io.RawIOBase):
    """UTF-16 text as UTF-8 bytes, decoded incrementally."""

    def __init__(self, inner: BinaryIO, encoding: str, name: str):
        self.inner, self.name, self.encoding = inner, name, encoding
        self.decoder = codecs.getincrementaldecoder(encoding)("strict")
        self.pending, self.done = b"", False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self.pending and not self.done:
            chunk = self.inner.read(64 * 1024)
            self.done = not chunk
            try:
                text = self.decoder.decode(chunk, final=self.done)
            except UnicodeDecodeError:
                raise FileFormatError(
                    f"{self.name} looks like {self.encoding.upper()} text but cannot be read as such. Export it again "
                    "as CSV (UTF-8)."
                ) from None
            self.pending = text.encode("utf-8", "surrogatepass")
        size = min(len(buffer), len(self.pending))
        buffer[:size] = self.pending[:size]
        self.pending = self.pending[size:]
        return size


def _size(n: int) -> str:
    return f"{n / 1e6:,.1f} MB" if n >= 1e6 else f"{n / 1e3:,.0f} KB"


def _first_line(exc: BaseException) -> str:
    return (str(exc).splitlines() or [type(exc).__name__])[0][:160]


def _raw(source: Source, stack: ExitStack) -> BinaryIO:
    if isinstance(source, bytes | bytearray | memoryview):
        return io.BytesIO(bytes(source))
    if isinstance(source, str | os.PathLike):
        try:
            return stack.enter_context(open(Path(source), "rb"))
        except OSError as exc:
            raise FileFormatError(f"Cannot read {source}: {exc.strerror or exc}.") from None
    return source


def _zip_member(stream: Stream, name: str, caps: Caps, stack: ExitStack) -> tuple[IO[bytes], str]:
    if not stream.seekable():
        raise FileFormatError(
            f"{name} is a zip that cannot be read from here (it is inside another compressed file, or a "
            "pipe); unzip it and import the CSV."
        )
    try:
        archive = stack.enter_context(zipfile.ZipFile(stream))
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise FileFormatError(
            f"{name} looks like a zip file but cannot be opened ({_first_line(exc)}); download it again."
        ) from None
    members = [m for m in archive.infolist() if not m.is_dir()]
    if not members:
        raise FileFormatError(f"{name} is an empty zip file: it holds no export. Download the export again.")
    if any(m.filename == "[Content_Types].xml" for m in members):
        raise FileFormatError(
            f"{name} is an Excel workbook, not an export file: save it as CSV (UTF-8) and import that."
        )
    if len(members) != 1:
        raise FileFormatError(
            f"{name} holds {len(members)} files; an export zip holds exactly one. Unzip it and import the CSV."
        )
    member = members[0]
    if member.filename.startswith(("/", "\\")) or ".." in re.split(r"[/\\]", member.filename):
        raise FileFormatError(f"{name} contains a file with an unsafe path ({member.filename!r}); refusing it.")
    if member.file_size > caps.max_unpacked or member.file_size > caps.max_ratio * max(member.compress_size, 1):
        raise FileFormatError(
            f"{name} would unpack to {member.file_size / 1e6:,.0f} MB from {member.compress_size / 1e6:,.1f} MB: "
            "that is a zip bomb, not an export. Refusing it."
        )
    try:
        return stack.enter_context(archive.open(member)), member.filename
    except RuntimeError as exc:  # encrypted
        raise FileFormatError(
            f"{name} is password-protected ({_first_line(exc)}); unzip it and import the CSV."
        ) from None
    except (NotImplementedError, zipfile.BadZipFile, OSError) as exc:
        raise FileFormatError(
            f"{name} cannot be unpacked here ({_first_line(exc)}); unzip it and import the CSV."
        ) from None


def _utf16(head: bytes) -> str | None:
    """The UTF-16 flavour of text that starts with ``head``, by its byte order mark or, without one, by the
    zero bytes that ASCII characters leave in every other position."""
    if head[:2] == b"\xff\xfe":
        return "utf-16"
    if head[:2] == b"\xfe\xff":
        return "utf-16"
    sample = head[: len(head) - len(head) % 2]
    if len(sample) < 8:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) >= 0.9 * len(odd) and even.count(0) == 0:
        return "utf-16-le"
    if even.count(0) >= 0.9 * len(even) and odd.count(0) == 0:
        return "utf-16-be"
    return None


@contextmanager
def open_text_bytes(source: Source, name: str, caps: Caps = Caps()) -> Iterator[Opened]:
    """``source`` (bytes, a path or a binary file) as UTF-8 bytes, unzipped and gunzipped on the way."""
    with ExitStack() as stack:
        counter = _Counting(_raw(source, stack))
        stream: BinaryIO = io.BufferedReader(counter, 1 << 16)
        opened = Opened(stream, name)  # type: ignore[arg-type]
        for _ in range(3):  # a gzip inside a zip is fine; deeper nesting is not an export
            head = stream.peek(4)[:4]  # type: ignore[attr-defined]
            if head in ZIP_MAGIC:
                member, opened.name = _zip_member(counter if not opened.layers else stream, opened.name, caps, stack)
                stream = io.BufferedReader(_Capped(member, counter.counted, caps, opened.name, "zip"), 1 << 16)
                opened.layers.append("zip")
            elif head[:2] == GZIP_MAGIC:
                inner = _Gunzip(stream)
                stream = io.BufferedReader(_Capped(inner, inner.counted, caps, opened.name, "gzip"), 1 << 16)
                opened.layers.append("gzip")
            else:
                break
        else:
            raise FileFormatError(f"{name} is compressed more than twice over; unpack it and import the CSV.")
        head = stream.peek(256)[:256]  # type: ignore[attr-defined]
        if head[:3] == b"\xef\xbb\xbf":
            stream.read(3)
        elif encoding := _utf16(head):
            if encoding != "utf-16":
                opened.notes.append(f"{opened.name} has no byte order mark; it was read as {encoding.upper()} text.")
            stream = io.BufferedReader(_Transcoded(stream, encoding, opened.name), 1 << 16)
            opened.layers.append(encoding)
            if stream.peek(3)[:3] == b"\xef\xbb\xbf":
                stream.read(3)
        opened.stream = stream  # type: ignore[assignment]
        yield opened
