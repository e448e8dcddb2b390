"""uvicorn's httptools protocol with the limits it lacks: slow and oversized requests.

uvicorn (0.54) times out only an idle keep-alive connection after a response. A client that opens a
connection and sends nothing, sends its headers one byte at a time, or announces a body and stalls
would hold its connection (and the request's memory) forever, and it stores request headers of any
size. This protocol adds, per connection:

- a new connection must send its first byte within `timeout_keep_alive` seconds, as between requests;
- a request (line, headers and body) must arrive within `read_timeout` seconds of its first byte,
  else the server answers 408 (when no response has started) and closes the connection; an
  application still waiting for the body sees `http.disconnect`;
- the request line and headers together may hold at most `max_head_bytes`, else 431 and close.

Both answers take the shape of the front end the request was for (web/early.py).

And it writes each response whole: uvicorn writes a response's head when the application starts it and its
body when the application sends it, two send() calls. A process killed between the two (a crash, SIGKILL,
the OOM killer) left the client a complete head, "200 OK" and a Content-Length, and no body — and botocore
does not check Content-Length (it reads with urllib3's enforce_content_length off): boto3 answered the call
with an empty success, a CreateHITWithHITType without its HIT. Writes made in one turn of the event loop
now go out together at its end (`WholeWrites`): the client gets the whole answer or a broken connection,
and a response costs one send() instead of two.

Only timers and counters are added: nothing runs per request on the hot path beyond arming and
cancelling one timer handle.
"""

from __future__ import annotations

import asyncio

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from . import early

DEFAULT_READ_TIMEOUT = 30.0
DEFAULT_MAX_HEAD_BYTES = 1_048_576


class WholeWrites:
    """An asyncio transport whose writes made in one turn of the event loop are sent as one, at the end of the
    turn (`loop.call_soon`); closing sends what is pending first. Everything else is the transport's own."""

    __slots__ = ("_transport", "_loop", "_pending")

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop):
        self._transport = transport
        self._loop = loop
        self._pending: list[bytes] = []

    def write(self, data: bytes) -> None:
        if not data:
            return
        if not self._pending:
            self._loop.call_soon(self.flush)
        self._pending.append(data)

    def flush(self) -> None:
        if self._pending:
            data = b"".join(self._pending) if len(self._pending) > 1 else self._pending[0]
            self._pending.clear()
            if not self._transport.is_closing():
                self._transport.write(data)

    def writelines(self, chunks) -> None:
        for chunk in chunks:
            self.write(chunk)

    def get_write_buffer_size(self) -> int:
        return self._transport.get_write_buffer_size() + sum(map(len, self._pending))

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def write_eof(self) -> None:
        self.flush()
        self._transport.write_eof()

    def abort(self) -> None:
        self._pending.clear()
        self._transport.abort()

    def __getattr__(self, name):         # is_closing, get_extra_info, pause_reading, resume_reading, ...
        return getattr(self._transport, name)


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    read_timeout: float = DEFAULT_READ_TIMEOUT
    max_head_bytes: int = DEFAULT_MAX_HEAD_BYTES

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._read_deadline: asyncio.TimerHandle | None = None
        self._head_bytes = 0
        self._reading_head = False

    @classmethod
    def configured(cls, read_timeout: float, max_head_bytes: int) -> type["BoundedHttpToolsProtocol"]:
        """A subclass with these limits (uvicorn takes a protocol class, not an instance)."""
        return type(cls.__name__, (cls,), {"read_timeout": read_timeout, "max_head_bytes": max_head_bytes})

    def connection_made(self, transport) -> None:
        super().connection_made(WholeWrites(transport, self.loop))
        # uvicorn's keep-alive timer, armed before the first request too: data_received cancels it.
        self.timeout_keep_alive_task = self.loop.call_later(self.timeout_keep_alive, self.timeout_keep_alive_handler)

    def connection_lost(self, exc) -> None:
        self._cancel_read_deadline()
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._head_bytes = 0
        self._reading_head = True
        self._cancel_read_deadline()
        self._read_deadline = self.loop.call_later(self.read_timeout, self._read_timed_out)

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        # httptools buffers an incomplete header itself, so the head is measured here, in raw bytes:
        # data that leaves the head incomplete was all head (give or take the previous request's end).
        if self._reading_head and not self.transport.is_closing():
            self._head_bytes += len(data)
            if self._head_bytes > self.max_head_bytes:
                self.logger.warning("Request head larger than %d bytes: closing the connection.", self.max_head_bytes)
                self._give_up(431)

    def on_headers_complete(self) -> None:
        self._reading_head = False
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._cancel_read_deadline()
        super().on_message_complete()

    def _read_timed_out(self) -> None:
        self._read_deadline = None
        if self.transport.is_closing():
            return
        self.logger.warning("Request not received within %s seconds: closing the connection.", self.read_timeout)
        self._give_up(408)

    def _give_up(self, status: int) -> None:
        """Answer `status` unless a response is already on its way, wake an application waiting for
        the body with a disconnect, and close."""
        cycle = self.cycle
        if self._reading_head:      # no application runs for this request yet; `cycle` is the previous one
            if cycle is None or cycle.response_complete:
                self.transport.write(early.answer(status, self._method(), self.url, self.headers))
        else:
            if not cycle.response_started:
                self.transport.write(early.answer(status, self.scope["method"].encode(), self.url,
                                                  self.scope["headers"]))
            if not cycle.response_complete:
                cycle.disconnected = True
                cycle.message_event.set()
        self._cancel_read_deadline()
        self.transport.close()

    def _method(self) -> bytes | None:
        try:                        # known once the request line's method has been parsed
            return self.parser.get_method()
        except Exception:
            return None

    def _cancel_read_deadline(self) -> None:
        if self._read_deadline is not None:
            self._read_deadline.cancel()
            self._read_deadline = None
