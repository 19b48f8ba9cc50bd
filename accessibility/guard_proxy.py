"""A local forward proxy that every browser request of an audit goes through.

Playwright's ``route`` sees only the first request of a redirect chain, so a public page that
redirects to 169.254.169.254 (or an image that does) went straight past the route guard; and
Chromium resolved each host name itself, after our guard had, so DNS rebinding got past too.
The browser context is therefore given this proxy (Chromium then resolves nothing itself):
each request — every redirect hop and every sub-resource, plain HTTP or an HTTPS ``CONNECT``
tunnel — is checked by the run's :class:`~accessibility.safety.AddressPolicy` and connected to
the address it pinned, or answered 403 and recorded in ``policy.blocked``.

A proxy, not ``--host-resolver-rules``, because the browser is shared between runs and pages
bring hosts (fonts, CDNs) nobody can list at launch. It listens on 127.0.0.1 only.
"""

from __future__ import annotations

import asyncio
import contextlib
from urllib.parse import urlsplit

from accessibility.safety import AddressPolicy, UnsafeURL

__all__ = ["PROXY_ONLY_CHROMIUM_ARGS", "GuardProxy"]

#: Launch flags that leave Chromium no network path around this proxy. The proxy sees every
#: HTTP(S) request, but WebRTC can send UDP (STUN, host and server-reflexive candidates)
#: straight from the machine, and DNS prefetch / preconnect would resolve names itself:
#: ``disable_non_proxied_udp`` makes WebRTC use only the proxy (TCP, which ours refuses unless
#: the policy allows the address; Chromium's proxy has no UDP), and prefetching is switched off.
#: Both spellings of the WebRTC switch are given (Chromium ignores a switch it does not know).
PROXY_ONLY_CHROMIUM_ARGS: tuple[str, ...] = (
    "--force-webrtc-ip-handling-policy=disable_non_proxied_udp",
    "--webrtc-ip-handling-policy=disable_non_proxied_udp",
    "--dns-prefetch-disable",
)

_HEAD_LIMIT = 64 * 1024
_HOP_HEADERS = (b"proxy-connection", b"connection", b"keep-alive", b"proxy-authorization")


class GuardProxy:
    """``async with GuardProxy(policy) as proxy:`` then ``proxy.url`` for Playwright."""

    def __init__(self, policy: AddressPolicy, *, connect_timeout_s: float = 15.0) -> None:
        self.policy = policy
        self.connect_timeout_s = connect_timeout_s
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def url(self) -> str:
        assert self._server is not None, "the proxy is not started"
        port = self._server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    async def __aenter__(self) -> GuardProxy:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *_: object) -> None:
        if self._server is not None:
            self._server.close()
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            with contextlib.suppress(Exception):
                await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            await self._handle(reader, writer)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
            pass
        finally:
            self._tasks.discard(task)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        if len(head) > _HEAD_LIMIT:
            raise ValueError("request head too large")
        request_line, _, rest = head.partition(b"\r\n")
        method, target, version = request_line.decode("latin-1").split(" ", 2)
        if method == "CONNECT":
            host, _, port_text = target.rpartition(":")
            url = f"https://{host}:{port_text}/"
            port = int(port_text)
        else:
            parts = urlsplit(target)
            if parts.scheme != "http" or not parts.hostname:
                await self._refuse(writer, target, "the proxy only forwards absolute http URLs")
                return
            url, host, port = target, parts.hostname, parts.port or 80
        try:
            address = await self.policy.check_async(url)
        except UnsafeURL as error:
            await self._refuse(writer, url, str(error), recorded=True)
            return
        try:
            async with asyncio.timeout(self.connect_timeout_s):
                upstream_reader, upstream_writer = await asyncio.open_connection(address, port)
        except (OSError, TimeoutError):
            writer.write(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
            await writer.drain()
            return
        try:
            if method == "CONNECT":
                writer.write(b"HTTP/1.1 200 Connection Established\r\n\r\n")
                await writer.drain()
            else:
                parts = urlsplit(target)
                path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
                headers = [
                    line
                    for line in rest.split(b"\r\n")
                    if line and line.split(b":", 1)[0].strip().lower() not in _HOP_HEADERS
                ]
                # One request per connection: the next request (a redirect hop, say) comes
                # back through the proxy and is checked again.
                upstream_writer.write(
                    f"{method} {path} {version}\r\n".encode("latin-1")
                    + b"\r\n".join([*headers, b"Connection: close"])
                    + b"\r\n\r\n"
                )
                await upstream_writer.drain()
            await asyncio.gather(_pipe(reader, upstream_writer), _pipe(upstream_reader, writer))
        finally:
            upstream_writer.close()

    async def _refuse(
        self, writer: asyncio.StreamWriter, url: str, why: str, *, recorded: bool = False
    ) -> None:
        if not recorded:
            self.policy.blocked.append((url, why))
        body = b"refused by the audit's address guard"
        writer.write(
            b"HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nConnection: close\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        await writer.drain()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while chunk := await reader.read(65536):
            writer.write(chunk)
            await writer.drain()
    except (OSError, asyncio.IncompleteReadError):
        pass
    finally:
        with contextlib.suppress(Exception):
            if writer.can_write_eof():
                writer.write_eof()
