"""A TCP proxy between a workstation and the server that can lose responses on the way back.

With `drop_push_responses` set, a push reaches the server (which commits and answers) but the
answer never reaches the workstation: the connection is cut instead, as a flaky network does.
"""

from __future__ import annotations

import asyncio
import threading

from tests.e2e.harness import free_port


class LossyProxy:
    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.port = free_port()
        self.drop_push_responses = False
        self.dropped = 0
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        self._ready.wait(5)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(
            asyncio.start_server(self._handle, "127.0.0.1", self.port)
        )
        self._ready.set()
        self._loop.run_forever()
        server.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        last_request = {"line": b""}

        async def client_to_server() -> None:
            while data := await reader.read(65536):
                for line in data.split(b"\r\n"):
                    if line.startswith((b"GET ", b"POST ")):
                        last_request["line"] = line
                up_writer.write(data)
                await up_writer.drain()
            up_writer.close()

        async def server_to_client() -> None:
            while data := await up_reader.read(65536):
                if self.drop_push_responses and b"/sync/push" in last_request["line"]:
                    self.dropped += 1
                    writer.transport.abort()
                    up_writer.close()
                    return
                writer.write(data)
                await writer.drain()
            writer.close()

        await asyncio.gather(client_to_server(), server_to_client(), return_exceptions=True)

    def close(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
