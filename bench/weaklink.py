"""A weak link between Chromium and the server, for bench/weaknet.py (issue 21 §2).

Chromium's DevTools network emulation throttles the page's own requests but not the ones a
service worker makes for it, so a page the worker fetches network-first looked faster than
it is. This relay sits on the path of every request instead: Chromium is started with
`--proxy-server` pointing here (and `<-loopback>` so that localhost goes through it), and
each connection it opens is relayed to the server through two shared one-way pipes:

- bandwidth: `rate` bytes/s each way, shared by every connection (one link, one queue:
  a chunk leaves when the ones before it have, like a radio link's buffer);
- latency: each chunk arrives `rtt / 2` after it left, each way;
- a new connection pays `handshake_rtts` round trips before its first byte leaves (TCP, and
  TLS 1.3 through the production nginx: 2 by default).

Plain asyncio in a thread of its own, so the synchronous Playwright driver keeps its loop.
Nothing here touches the machine's network (no `tc netem`): only the benchmark's browser
goes through it."""

import asyncio
import contextlib
import threading


class Pipe:
    """One direction of the link: bytes leave one after another at `rate` bytes/s and
    arrive `delay` seconds after they left."""

    def __init__(self, rate, delay):
        self.rate = rate
        self.delay = delay
        self.free_at = 0.0

    def arrival(self, size, now):
        start = max(now, self.free_at)
        self.free_at = start + size / self.rate
        return self.free_at + self.delay


class WeakLink:
    CHUNK = 4096

    def __init__(self, upstream_port, *, rate_bits=400_000, rtt=0.4, handshake_rtts=2,
                 upstream_host="127.0.0.1", proxy=True):
        self.upstream = (upstream_host, upstream_port)
        # proxy: Chromium's proxy (request lines name the host, and only the app's is
        # relayed). Otherwise the browser opens this port as the app's own address, for a
        # server that takes only origin-form request lines (Django's test server).
        self.proxy = proxy
        self.rtt = rtt
        self.handshake = handshake_rtts * rtt
        self.rate = rate_bits / 8
        self.port = None
        self.connections = 0
        self.bytes_down = self.bytes_up = 0
        self._writers = set()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    # --- control, from the benchmark's thread ----------------------------------------------
    def start(self):
        self._thread.start()
        self.port = self._call(self._serve())
        return self

    def stop(self):
        self._call(self._close_all())
        self._call(self._cancel_rest())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    def drop_connections(self):
        """Close every open connection, as the server's keep-alive timeout does when the
        phone has been idle a while: the next request pays the handshake again."""
        self._call(self._close_all())

    def reset_counts(self):
        self.bytes_down = self.bytes_up = self.connections = 0

    def _call(self, coro):
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(30)

    # --- the relay ------------------------------------------------------------------------
    async def _serve(self):
        self.up = Pipe(self.rate, self.rtt / 2)
        self.down = Pipe(self.rate, self.rtt / 2)
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        return self._server.sockets[0].getsockname()[1]

    async def _close_all(self):
        for writer in list(self._writers):
            writer.close()
        self._writers.clear()

    async def _cancel_rest(self):
        rest = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in rest:
            task.cancel()
        await asyncio.gather(*rest, return_exceptions=True)

    async def _handle(self, client_reader, client_writer):
        loop = asyncio.get_running_loop()
        ready = loop.time() + self.handshake
        # Only the app goes over the link: Chromium's own traffic to Google (autofill, CONNECT
        # to :443) is refused here rather than counted.
        first = await client_reader.read(self.CHUNK)
        line = first.split(b"\r\n", 1)[0].split(b" ")
        if self.proxy and (len(line) < 2 or
                           not line[1].startswith(b"http://localhost:%d/" % self.upstream[1])):
            client_writer.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n"
                                b"Connection: close\r\n\r\n")
            client_writer.close()
            return
        self.connections += 1
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            client_writer.close()
            return
        self._writers.update((client_writer, up_writer))
        try:
            await asyncio.gather(self._pipe(client_reader, up_writer, self.up, ready, first),
                                 self._pipe(up_reader, client_writer, self.down, 0.0))
        finally:
            for writer in (client_writer, up_writer):
                self._writers.discard(writer)
                writer.close()

    async def _pipe(self, reader, writer, pipe, not_before, first=b""):
        loop = asyncio.get_running_loop()
        queue = asyncio.Queue()

        async def deliver():
            while True:
                at, chunk = await queue.get()
                wait = at - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                if chunk is None:
                    break
                writer.write(chunk)
                with contextlib.suppress(ConnectionError):
                    await writer.drain()
            with contextlib.suppress(OSError, RuntimeError):
                if writer.can_write_eof():
                    writer.write_eof()

        delivering = asyncio.create_task(deliver())
        try:
            while True:
                try:
                    chunk, first = (first or await reader.read(self.CHUNK)), b""
                except (ConnectionError, OSError):
                    chunk = b""
                now = max(loop.time(), not_before)
                if not chunk:
                    queue.put_nowait((now + pipe.delay, None))
                    break
                if pipe is self.down:
                    self.bytes_down += len(chunk)
                else:
                    self.bytes_up += len(chunk)
                queue.put_nowait((pipe.arrival(len(chunk), now), chunk))
            await delivering
        finally:
            delivering.cancel()
