"""JSON-RPC 2.0 over framed messages: replies, notifications, and an error response for
every malformed message, so that nothing a client sends can stop the server."""

import json
import math
import os
import re
import threading
from collections.abc import Mapping
from typing import Any, Callable, Optional

import attrs

from whichpython.server.framing import Frame, FrameError, FrameWriter

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603
#: What PET answers a request that failed (resolve of something that is not a Python, ...).
REQUEST_FAILED = -4
MAX_BACKGROUND = 64  # requests running in worker threads at once; more are refused
#: JSON values and keys in one message, counted before it is parsed (a parsed value costs up
#: to ~70 bytes: 16 MiB of ``[{},{},...]`` would be 450 MB). A ``configure`` naming 10 000
#: directories holds about 10 010.
MAX_VALUES = 100_000
#: What the requests running in worker threads may hold at once, parsed: their payloads'
#: bytes plus :data:`VALUE_BYTES` a value. One more that would go over is refused (busy).
MAX_HELD = 64 * 1024 * 1024
VALUE_BYTES = 64
_NO_ID = object()
_BATCH = re.compile(rb"[ \t\r\n]*\[")
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_STRUCTURAL = (b"[", b"{", b",", b":")


class RpcError(Exception):
    """An error response: raised by a method, sent to the client."""

    def __init__(self, code: int, message: str, data: Any = None) -> None:
        super().__init__(message)
        self.code, self.message, self.data = code, message, data


def invalid_params(message: str) -> RpcError:
    return RpcError(INVALID_PARAMS, f"Invalid params: {message}")


def count_values(payload: bytes) -> int:
    """At least the number of JSON values and keys in ``payload`` (each but the first follows
    a ``[``, ``{``, ``,`` or ``:``); when that rough count is over :data:`MAX_VALUES`, the
    characters inside strings are left out of it, or the strings themselves are counted when
    there are more of them than that. C-speed byte counts: no per-byte Python loop."""
    count = 1 + sum(payload.count(char) for char in _STRUCTURAL)
    if count <= MAX_VALUES:
        return count
    stripped, strings = _STRING.subn(b"", payload, count=MAX_VALUES + 1)
    if strings > MAX_VALUES:  # each string is a value or a key
        return strings
    return 1 + sum(stripped.count(char) for char in _STRUCTURAL)


def parse_message(payload: bytes) -> tuple[Any, int]:
    """The JSON of one frame and its count of values; raises :class:`RpcError` for a batch
    or a message of more than :data:`MAX_VALUES` values (both refused before parsing), and
    for what is not JSON (``NaN``, ``Infinity`` and numbers out of a double's range
    included: they cannot be written back)."""
    if _BATCH.match(payload):
        raise RpcError(INVALID_REQUEST, "Invalid Request: batches are not supported")
    values = count_values(payload)
    if values > MAX_VALUES:
        text = f"Invalid Request: more than {MAX_VALUES} JSON values in one message"
        raise RpcError(INVALID_REQUEST, text)
    try:  # UnicodeDecodeError is a ValueError
        message = json.loads(payload.decode("utf-8"), parse_constant=_constant, parse_float=_float)
    except (ValueError, RecursionError) as error:
        raise RpcError(PARSE_ERROR, f"Parse error: {_short(error)}") from None
    return message, values


def _constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"number out of range: {text[:40]}")
    return value


def check_path(value: str, key: str) -> str:
    """``value``, a path the client sent, if the system can take it: no NUL, nothing that
    cannot be encoded for the file system (a lone surrogate). Else invalid params."""
    try:
        if "\0" not in value:
            os.fsencode(value)
            return value
    except (UnicodeError, ValueError):
        pass
    raise invalid_params(f"{key} is not a usable path (a NUL or an unencodable character)")


class Connection:
    """The writing side: whole messages, one at a time, from any thread."""

    def __init__(self, writer: FrameWriter) -> None:
        self.writer = writer

    def _send(self, message: dict[str, Any]) -> bool:
        body = json.dumps({"jsonrpc": "2.0", **message}, separators=(",", ":"))
        return self.writer.send(body.encode("ascii"))  # ensure_ascii: \u escapes, any path

    def reply(self, id: Any, result: Any) -> bool:
        return self._send({"id": id, "result": result})

    def error(self, id: Any, code: int, message: str, data: Any = None) -> bool:
        error: dict[str, Any] = {"code": code, "message": message}
        if data is not None:
            error["data"] = data
        return self._send({"id": id, "error": error})

    def notify(self, method: str, params: Any) -> bool:
        return self._send({"method": method, "params": params})

    def log(self, level: str, message: str) -> bool:
        """A ``log`` notification (PET's levels: info, warning, error, debug, trace)."""
        return self.notify("log", {"level": level, "message": message})


@attrs.frozen
class Method:
    """A request handler: ``params -> result``; ``background`` ones run in a worker thread so
    that the server keeps reading (refresh, resolve, find). One that ``replies`` itself is
    called as ``handler(params, respond)`` and answers through ``respond(result, error)``
    (refresh: a run's answers go out before the next run's notifications). ``capture``, if
    set, is called with the params on the reading thread as the request arrives, and what it
    returns is the handler's last argument: the state the request saw, whatever arrives
    after it (an :class:`RpcError` it raises is the answer)."""

    handler: Callable[..., Any]
    background: bool = False
    replies: bool = False
    capture: Optional[Callable[[Any], Any]] = None


class Dispatcher:
    """Turns frames into calls of :class:`Method` and their results into responses."""

    def __init__(self, connection: Connection, methods: Mapping[str, Method]) -> None:
        self.connection = connection
        self.methods = methods
        self._lock = threading.Lock()
        self.busy = 0  # background requests running
        self.held = 0  # what they hold, in the bytes of MAX_HELD

    def handle(self, frame: Frame) -> None:
        """One frame from the reader: a payload or a framing error. Never raises."""
        try:
            self._handle(frame)
        except Exception as error:  # a bug: say so, keep serving
            text = f"Internal error: {type(error).__name__}: {_short(error)}"
            self.connection.error(None, INTERNAL_ERROR, text)

    def _handle(self, frame: Frame) -> None:
        if isinstance(frame, FrameError):
            code = INVALID_REQUEST if frame.oversize else PARSE_ERROR
            label = "Invalid Request" if frame.oversize else "Parse error"
            self.connection.error(None, code, f"{label}: {frame.message}")
            return
        try:
            message, values = parse_message(frame)
        except RpcError as error:
            self.connection.error(None, error.code, error.message)
            return
        self.dispatch(message, weight=len(frame) + VALUE_BYTES * values)

    def dispatch(self, message: Any, *, weight: int = 0) -> None:
        """Answer or start one parsed message; ``weight`` is what it holds (:data:`MAX_HELD`)."""
        if isinstance(message, list):
            self.connection.error(
                None, INVALID_REQUEST, "Invalid Request: batches are not supported"
            )
            return
        if not isinstance(message, dict):
            kind = type(message).__name__
            text = f"Invalid Request: a message is a JSON object, not {kind}"
            self.connection.error(None, INVALID_REQUEST, text)
            return
        id = message.get("id", _NO_ID)
        valid_id = id is _NO_ID or id is None or (
            isinstance(id, (str, int, float)) and not isinstance(id, bool)
            and not (isinstance(id, float) and not math.isfinite(id))
        )  # fmt: skip
        reply_id = id if valid_id and id is not _NO_ID else None
        method = message.get("method")
        if "method" not in message and ("result" in message or "error" in message):
            return  # a response to a request of ours: the server sends none
        if message.get("jsonrpc") != "2.0" or not isinstance(method, str) or not valid_id:
            problem = (
                "invalid id" if not valid_id
                else "jsonrpc must be \"2.0\"" if message.get("jsonrpc") != "2.0"
                else "method must be a string"
            )  # fmt: skip
            self.connection.error(reply_id, INVALID_REQUEST, f"Invalid Request: {problem}")
            return
        notification = id is _NO_ID
        found = self.methods.get(method)
        if found is None:
            if not notification:
                text = f"Method not found: {method[:100]}"
                self.connection.error(reply_id, METHOD_NOT_FOUND, text)
            return
        params = message.get("params")
        if not found.background:
            self._call(found, params, reply_id, notification)
            return
        with self._lock:
            busy = self.busy >= MAX_BACKGROUND or (self.busy and self.held + weight > MAX_HELD)
            if not busy:
                self.busy += 1
                self.held += weight
        if busy:
            if not notification:
                text = f"Server busy: {self.busy} requests are running"
                self.connection.error(reply_id, INTERNAL_ERROR, text)
            return
        try:
            state = _NO_ID if found.capture is None else found.capture(params)
        except RpcError as error:
            with self._lock:
                self.busy -= 1
                self.held -= weight
            if not notification:
                self.connection.error(reply_id, error.code, error.message, error.data)
            return
        worker = threading.Thread(
            target=self._background,
            args=(found, params, reply_id, notification, state, weight),
            name=f"whichpython-{method[:20]}",
            daemon=True,
        )
        worker.start()

    def _background(
        self, method: Method, params: Any, id: Any, notification: bool, state: Any, weight: int
    ) -> None:
        try:
            self._call(method, params, id, notification, state)
        finally:
            del params
            with self._lock:
                self.busy -= 1
                self.held -= weight

    def _call(
        self, method: Method, params: Any, id: Any, notification: bool, state: Any = _NO_ID
    ) -> None:
        def respond(result: Any, error: Optional[RpcError] = None) -> None:
            if notification:
                return
            if error is not None:
                self.connection.error(id, error.code, error.message, error.data)
            else:
                self.connection.reply(id, result)

        extra = () if state is _NO_ID else (state,)
        try:
            if method.replies:
                method.handler(params, respond, *extra)
                return
            result = method.handler(params, *extra)
        except RpcError as error:
            if not notification:
                self.connection.error(id, error.code, error.message, error.data)
            return
        except Exception as error:  # a bug: the client hears of it, the server carries on
            text = f"Internal error: {type(error).__name__}: {_short(error)}"
            self.connection.log("error", text)
            if not notification:
                self.connection.error(id, INTERNAL_ERROR, text)
            return
        if not notification:
            self.connection.reply(id, result)


def _short(error: BaseException, limit: int = 300) -> str:
    text = str(error) or type(error).__name__
    return text if len(text) <= limit else text[:limit] + "..."


def optional(params: Mapping[str, Any], key: str, kind: type) -> Optional[Any]:
    """``params[key]`` if present and not null, checked to be a ``kind``."""
    value = params.get(key)
    if value is not None and (not isinstance(value, kind) or isinstance(value, bool)):
        raise invalid_params(f"{key} must be {_KIND_NAMES.get(kind, kind.__name__)}")
    return value


def optional_strings(params: Mapping[str, Any], key: str) -> Optional[list[str]]:
    """``params[key]``: absent, null, or a list of strings."""
    value = optional(params, key, list)
    if value is not None and not all(isinstance(item, str) for item in value):
        raise invalid_params(f"{key} must be an array of strings")
    return value


def optional_path(params: Mapping[str, Any], key: str) -> Optional[str]:
    """``params[key]``: absent, null, or a string the system can take as a path."""
    value = optional(params, key, str)
    return None if value is None else check_path(value, key)


def optional_paths(params: Mapping[str, Any], key: str) -> Optional[list[str]]:
    """``params[key]``: absent, null, or a list of strings the system can take as paths."""
    values = optional_strings(params, key)
    return None if values is None else [check_path(value, key) for value in values]


def object_params(params: Any, *, allow_null: bool = True) -> dict[str, Any]:
    """The params as an object (null and [] read as {} where ``allow_null``)."""
    if params is None or params == []:
        if allow_null:
            return {}
        raise invalid_params("params must be an object")
    if not isinstance(params, dict):
        raise invalid_params("params must be an object")
    return params


_KIND_NAMES: dict[type, str] = {str: "a string", list: "an array", dict: "an object"}
