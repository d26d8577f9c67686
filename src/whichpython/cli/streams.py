"""The CLI's stdout and stderr made safe to write to, whatever they are.

- A path the output encoding cannot represent (``PYTHONIOENCODING=ascii``, the C locale
  without Python's UTF-8 mode, a name with undecodable bytes) is written with backslash
  escapes (``\\xe9``, ``\\u2028``; an undecodable byte as ``\\xNN``), as ``ls`` escapes
  names, never a UnicodeEncodeError. Where Python writes undecodable bytes as they are
  (``surrogateescape``: the C locale, UTF-8 mode), they still are: the path stays exact.
- stdout closed (``>&-``) or failing (``>/dev/full``, EIO): a write raises
  :class:`OutputFailed`, which the CLI reports in one line on stderr (exit status 1). A
  closed pipe (EPIPE) stays a :class:`BrokenPipeError` (``| head -1`` is not an error).
- stderr closed or failing: what cannot be said is dropped (there is nowhere to say it).

Imported on the CLI's fast path: nothing but ``codecs`` (loaded at start-up anyway).
"""

import codecs
import errno
import os
import sys

TYPE_CHECKING = False  # typing is not imported on the fast path
if TYPE_CHECKING:
    from typing import Any, Callable, TextIO

ESCAPE = "whichpython-escape"  # a character the encoding lacks: a backslash escape
RAW = "whichpython-raw"  # the same, but an undecodable byte is written as it is


class OutputFailed(Exception):
    """Writing to stdout failed (closed, full, an I/O error)."""

    def __init__(self, error: "OSError") -> None:
        self.error = error
        cause = "it is closed" if error.errno == errno.EBADF else error.strerror or str(error)
        super().__init__(f"cannot write to stdout ({cause})")


def _escaped(text: str) -> str:
    out = []
    for char in text:
        code = ord(char)
        if 0xDC80 <= code <= 0xDCFF:  # an undecodable byte, as os.fsdecode keeps it
            out.append(f"\\x{code - 0xDC00:02x}")
        elif code <= 0xFF:
            out.append(f"\\x{code:02x}")
        elif code <= 0xFFFF:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    return "".join(out)


def _escape(error: "UnicodeError") -> "tuple[str, int]":
    if not isinstance(error, UnicodeEncodeError):
        raise error
    return _escaped(error.object[error.start : error.end]), error.end


def _raw(error: "UnicodeError") -> "tuple[bytes, int]":
    if not isinstance(error, UnicodeEncodeError):
        raise error
    out = bytearray()
    for char in error.object[error.start : error.end]:
        code = ord(char)
        raw = 0xDC80 <= code <= 0xDCFF
        out += bytes([code - 0xDC00]) if raw else _escaped(char).encode("ascii")
    return bytes(out), error.end


codecs.register_error(ESCAPE, _escape)
codecs.register_error(RAW, _raw)


def _reconfigured(stream: "Any") -> "Any":
    """``stream`` with a character it cannot encode escaped instead of an error."""
    handler = {"strict": ESCAPE, "backslashreplace": ESCAPE, "surrogateescape": RAW}
    errors = handler.get(getattr(stream, "errors", None) or "")
    if errors is not None:
        try:  # noqa: SIM105 (contextlib is not imported on the fast path)
            stream.reconfigure(errors=errors)
        except (AttributeError, ValueError, OSError):  # not a TextIOWrapper; or closed
            pass
    return stream


class _Closed:
    """What stdout is when descriptor 1 was closed: every write fails with EBADF."""

    closed = False

    def write(self, text: str) -> int:
        raise OSError(errno.EBADF, os.strerror(errno.EBADF))

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


class _Checked:
    """stdout, whose write errors (bar EPIPE) become :class:`OutputFailed`."""

    def __init__(self, stream: "Any") -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        try:
            return int(self.stream.write(text))
        except BrokenPipeError:
            raise
        except OSError as error:
            raise OutputFailed(error) from None

    def flush(self) -> None:
        try:
            self.stream.flush()
        except BrokenPipeError:
            raise
        except OSError as error:
            raise OutputFailed(error) from None

    def __getattr__(self, name: str) -> "Any":
        return getattr(self.stream, name)


class _Quiet:
    """stderr, whose write errors are dropped."""

    def __init__(self, stream: "Any") -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        try:
            return int(self.stream.write(text))
        except (OSError, ValueError):
            return len(text)

    def flush(self) -> None:
        try:  # noqa: SIM105
            self.stream.flush()
        except (OSError, ValueError):
            pass

    def __getattr__(self, name: str) -> "Any":
        return getattr(self.stream, name)


def guard() -> None:
    """Make this process's stdout and stderr safe as the module says (once, for the CLI)."""
    if isinstance(sys.stdout, _Checked):
        return
    out: TextIO | None = sys.stdout
    sys.stdout = _Checked(_Closed() if out is None else _reconfigured(out))
    err = sys.stderr
    if err is not None:
        sys.stderr = _Quiet(_reconfigured(err))
    else:
        sys.stderr = _Quiet(_Closed())


def settle() -> None:
    """After stdout failed: point descriptor 1 at the null device, so that the flush at exit
    has somewhere to go (no "Exception ignored" line, no status 120)."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
    except OSError:
        return
    try:
        if null != 1:
            os.dup2(null, 1)
    except OSError:
        pass
    finally:
        if null != 1:
            os.close(null)


def safely(command: "Callable[[], int]") -> int:
    """``command()``'s exit status; a closed pipe or a failed stdout as below."""
    try:
        return command()
    except BrokenPipeError:
        return closed_pipe()
    except OutputFailed as failed:
        return output_failed(failed)


def closed_pipe() -> int:
    """The reader went away (``whichpython list | head -1``): that is not an error. Exits 0
    without a traceback or Python's "Exception ignored" at shutdown (stdout is pointed at
    /dev/null, so the final flush has somewhere to go)."""
    try:  # noqa: SIM105 (contextlib is not imported on the fast path)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    return 0  # the CLI's EXIT_OK


def output_failed(failed: "Exception") -> int:
    """stdout is closed or cannot be written (``>&-``, ``>/dev/full``): one line on stderr,
    exit status 1, and no second failure when Python flushes stdout at exit."""
    settle()
    print(f"whichpython: error: {failed}", file=sys.stderr)
    return 1  # the CLI's EXIT_FAILED
