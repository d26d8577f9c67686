"""``Content-Length`` framing (the base protocol of LSP and VS Code's JSON-RPC), for input
that may be hostile: headers are capped at 8 KiB and payloads at 16 MiB. After a header
block that names no usable length, or a length over the cap, the reader reports the error at
once, then (when asked for the next frame) drops bytes as they come (keeping none) up to the
next ``Content-Length`` header, and carries on from there: a client that lies about a length
cannot make it wait for bytes that never come, nor delay the error it is owed."""

import threading
from typing import Callable, Optional, Union

import attrs

MAX_HEADER_BYTES = 8 * 1024
MAX_PAYLOAD_BYTES = 16 * 1024 * 1024
_CHUNK = 64 * 1024
_NAME = b"content-length"


@attrs.frozen
class FrameError:
    """A frame that could not be read; ``oversize`` when it was well framed but too large."""

    message: str
    oversize: bool = False


Frame = Union[bytes, FrameError]


class FrameReader:
    """Reads frames from ``read`` (``os.read`` on a descriptor, or a test's function); it
    never holds more than one payload (at most :data:`MAX_PAYLOAD_BYTES`) and one chunk."""

    def __init__(self, read: Callable[[int], bytes]) -> None:
        self._read = read
        self._buffer = bytearray()
        self._eof = False
        self._skip: Optional[int] = None  # a resynchronization owed before the next frame

    def _fill(self) -> bool:
        """Read one more chunk; False at EOF."""
        if self._eof:
            return False
        chunk = self._read(_CHUNK)
        if not chunk:
            self._eof = True
            return False
        self._buffer += chunk
        return True

    def read(self) -> Optional[Frame]:
        """The next payload, a :class:`FrameError` (the stream stays usable), or None at EOF
        (a frame cut short by EOF counts as EOF: the client is gone). An error is returned as
        soon as it is known; the bytes it spoils are skipped at the next call."""
        if self._skip is not None:
            skip, self._skip = self._skip, None
            self._resync(skip)
        end = self._header_end()
        if end is None:
            if len(self._buffer) > MAX_HEADER_BYTES:
                self._skip = 1
                return FrameError(f"headers longer than {MAX_HEADER_BYTES} bytes")
            return None
        block = bytes(self._buffer[: end[0]])
        del self._buffer[: end[1]]
        length = _content_length(block)
        if isinstance(length, FrameError):
            self._skip = 0
            return length
        if length > MAX_PAYLOAD_BYTES:  # skipped by resynchronizing: a liar cannot stall us
            self._skip = 0
            return FrameError(
                f"message of {length} bytes exceeds the {MAX_PAYLOAD_BYTES} byte limit",
                oversize=True,
            )
        while len(self._buffer) < length:
            if not self._fill():
                return None
        with memoryview(self._buffer) as view:  # one copy, not two
            payload = bytes(view[:length])
        del self._buffer[:length]
        return payload

    def _header_end(self) -> Optional[tuple[int, int]]:
        """(end of the header block, start of the payload), reading as needed; None at EOF
        or when the headers outgrow the cap."""
        while True:
            blank = len(self._buffer) - len(self._buffer.lstrip(b"\r\n"))
            del self._buffer[:blank]  # blank lines between frames
            ends = []
            for separator in (b"\r\n\r\n", b"\n\n"):
                found = self._buffer.find(separator)
                if 0 <= found <= MAX_HEADER_BYTES:
                    ends.append((found, found + len(separator)))
            if ends:
                return min(ends)
            if len(self._buffer) > MAX_HEADER_BYTES or not self._fill():
                return None

    def _resync(self, skip: int) -> None:
        """Drop bytes up to the next ``Content-Length`` header (past ``skip`` bytes)."""
        del self._buffer[:skip]
        while True:
            found = self._buffer.lower().find(_NAME)
            if found >= 0:
                del self._buffer[:found]
                return
            keep = len(_NAME) - 1
            if len(self._buffer) > keep:
                del self._buffer[: len(self._buffer) - keep]
            if not self._fill():
                return


def _content_length(block: bytes) -> Union[int, FrameError]:
    """The Content-Length of a header block, or what is wrong with it."""
    length: Optional[int] = None
    for raw in block.split(b"\n"):
        line = raw.rstrip(b"\r")
        if not line.strip():
            continue
        name, colon, value = line.partition(b":")
        if not colon or not name.strip():
            return FrameError(f"malformed header line {_shown(line)}")
        if name.strip().lower() != _NAME:
            continue  # Content-Type and the like
        if length is not None:
            return FrameError("duplicate Content-Length header")
        digits = value.strip()
        if not digits.isdigit() or len(digits) > 20:
            return FrameError(f"Content-Length is not a byte count: {_shown(digits)}")
        length = int(digits)
    if length is None:
        return FrameError("missing Content-Length header")
    return length


def _shown(data: bytes) -> str:
    text = data[:60].decode("ascii", "backslashreplace")
    return repr(text + ("..." if len(data) > 60 else ""))


class FrameWriter:
    """Writes whole frames through ``write`` (``os.write`` on a descriptor), one at a time.
    After the first failed write (the client closed its end) it writes nothing more and
    calls ``on_close`` once."""

    def __init__(self, write: Callable[[memoryview], int], on_close: Callable[[], None]) -> None:
        self._write = write
        self._on_close = on_close
        self._lock = threading.Lock()
        self.closed = False

    def send(self, payload: bytes) -> bool:
        """Frame and write ``payload``; False when the channel is (now) closed."""
        header = f"Content-Length: {len(payload)}\r\n".encode("ascii")
        data = memoryview(header + b"Content-Type: application/vscode-jsonrpc; "
                          b"charset=utf-8\r\n\r\n" + payload)  # fmt: skip
        with self._lock:
            if self.closed:
                return False
            try:
                while data:
                    written = self._write(data)
                    data = data[written:]
            except OSError:  # EPIPE, EBADF: the client is gone
                self.closed = True
        if self.closed:
            self._on_close()
            return False
        return True

    def close(self) -> None:
        """Write nothing more (waits for a frame being written to finish)."""
        with self._lock:
            self.closed = True
