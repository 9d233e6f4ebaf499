"""Webhook deliveries written straight to sockets, for tests that need to control exactly
when each one reaches the server (the order a provider delivered two messages in)."""

import asyncio
import urllib.parse


def request_bytes(url: str, body: bytes, headers: dict[str, str]) -> bytes:
    """A whole HTTP/1.1 POST of `body` to `url`, closing the connection after the answer."""
    parts = urllib.parse.urlsplit(url)
    lines = [f"POST {parts.path} HTTP/1.1", f"Host: {parts.netloc}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    lines += [f"Content-Length: {len(body)}", "Connection: close", "", ""]
    return "\r\n".join(lines).encode() + body


async def deliver_in_order(url: str, requests: list[bytes], gap_s: float) -> list[bytes]:
    """Write each request on its own connection, `gap_s` after the previous one was written
    whole; return every raw answer."""
    parts = urllib.parse.urlsplit(url)
    assert parts.hostname is not None and parts.port is not None
    connections = [await asyncio.open_connection(parts.hostname, parts.port) for _ in requests]
    for i, ((_, writer), request) in enumerate(zip(connections, requests, strict=True)):
        if i:
            await asyncio.sleep(gap_s)
        writer.write(request)
        await writer.drain()
    answers = [await reader.read() for reader, _ in connections]
    for _, writer in connections:
        writer.close()
    return answers
