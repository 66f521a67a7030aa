"""A Web Push service on 127.0.0.1, as strict as the browsers' ones about what it accepts, and
devices that subscribe to it: the tests and bench/push_fanout.py deliver to these.

Every message is checked as a real push service and browser would: the VAPID JWT (RFC 8292:
ES256 signed with the key in ``k``, ``aud`` this service's origin, ``exp`` in the future and
within 24 hours), the headers (TTL, Topic, Urgency, Content-Encoding: aes128gcm), and the
body decrypted with the device's private key and auth secret (RFC 8291).
"""

from __future__ import annotations

import base64
import dataclasses
import json
import os
import re
import secrets
import threading
import time
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import http_ece
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

TOPIC = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclasses.dataclass
class Device:
    """A browser's subscription: its endpoint at the push service, and its secret keys."""

    endpoint: str
    private_key: ec.EllipticCurvePrivateKey
    auth_secret: bytes

    @property
    def p256dh(self) -> str:
        return b64url(
            self.private_key.public_key().public_bytes(
                serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
            )
        )

    @property
    def path(self) -> str:
        return "/" + self.endpoint.split("/", 3)[3]

    def subscription(self) -> dict[str, Any]:
        """As PushSubscription.toJSON() gives it."""
        return {
            "endpoint": self.endpoint,
            "expirationTime": None,
            "keys": {"p256dh": self.p256dh, "auth": b64url(self.auth_secret)},
        }

    def decrypt(self, body: bytes) -> dict[str, Any]:
        plain = http_ece.decrypt(
            body, private_key=self.private_key, auth_secret=self.auth_secret, version="aes128gcm"
        )
        return dict(json.loads(plain))


class Server(ThreadingHTTPServer):
    # Room for every connection a fan-out opens at once (the default backlog is 5).
    request_queue_size = 256
    daemon_threads = True


@dataclasses.dataclass
class Received:
    path: str
    topic: str
    urgency: str
    ttl: int
    payload: dict[str, Any] | None
    vapid_key: str


class PushService:
    """Accepts messages like a push service: answers 201, or what a test scripted for a device."""

    def __init__(self, *, decrypt: bool = True, delay: float = 0.0) -> None:
        self.decrypt = decrypt
        self.delay = delay
        self.devices: dict[str, Device] = {}
        # Per device path: answers to give before accepting, such as (429, {"Retry-After": "1"}).
        self.scripted: dict[str, list[tuple[int, dict[str, str]]]] = defaultdict(list)
        self.gone: set[str] = set()
        self.received: list[Received] = []
        self.errors: list[str] = []
        self.posts = 0
        self._lock = threading.Lock()
        service = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                if len(body) < length:
                    # The sender went away mid-request (a worker killed): no message arrived.
                    self.close_connection = True
                    return
                status, headers = service.handle(self.path, dict(self.headers.items()), body)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self._server = Server(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> PushService:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def new_device(self) -> Device:
        device = Device(
            f"{self.origin}/push/{secrets.token_urlsafe(16)}",
            ec.generate_private_key(ec.SECP256R1()),
            os.urandom(16),
        )
        self.devices[device.path] = device
        return device

    # What a test looks at

    def shown(self, device: Device) -> dict[str, dict[str, Any] | None]:
        """What the device ends up showing: one message per Topic, a later one replacing it."""
        return {item.topic: item.payload for item in self.received if item.path == device.path}

    def topics(self) -> list[str]:
        return [item.topic for item in self.received]

    # The service

    def handle(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str]]:
        headers = {name.lower(): value for name, value in headers.items()}
        if self.delay:
            time.sleep(self.delay)
        with self._lock:
            self.posts += 1
            device = self.devices.get(path)
            if device is None or path in self.gone:
                return 410, {}
            if self.scripted[path]:
                return self.scripted[path].pop(0)
        try:
            vapid_key = self.check_vapid(headers.get("authorization", ""))
            topic = headers.get("topic", "")
            if not TOPIC.match(topic):
                raise ValueError(f"bad Topic {topic!r}")
            if headers.get("content-encoding") != "aes128gcm":
                raise ValueError("not aes128gcm")
            ttl = int(headers["ttl"])
            urgency = headers.get("urgency", "normal")
            if urgency not in ("very-low", "low", "normal", "high"):
                raise ValueError(f"bad Urgency {urgency!r}")
            payload = device.decrypt(body) if self.decrypt else None
        except Exception as error:  # a malformed message is refused, and the test told why
            with self._lock:
                self.errors.append(f"{type(error).__name__}: {error}")
            return 400, {}
        with self._lock:
            self.received.append(Received(path, topic, urgency, ttl, payload, vapid_key))
        return 201, {"Location": f"{self.origin}/message/{secrets.token_urlsafe(8)}"}

    def check_vapid(self, authorization: str) -> str:
        """RFC 8292: ``vapid t=<JWT>,k=<public key>``; the JWT signed with that key. Returns k."""
        scheme, _, rest = authorization.partition(" ")
        if scheme != "vapid":
            raise ValueError(f"not a vapid Authorization: {authorization[:20]!r}")
        parts = dict(part.strip().split("=", 1) for part in rest.split(","))
        token, key = parts["t"], parts["k"]
        header_b64, claims_b64, signature_b64 = token.split(".")
        if json.loads(b64url_decode(header_b64)) != {"typ": "JWT", "alg": "ES256"}:
            raise ValueError("not an ES256 JWT")
        signature = b64url_decode(signature_b64)
        if len(signature) != 64:
            raise ValueError("an ES256 signature is 64 bytes")
        public_key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64url_decode(key))
        try:
            public_key.verify(
                encode_dss_signature(
                    int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
                ),
                f"{header_b64}.{claims_b64}".encode(),
                ec.ECDSA(hashes.SHA256()),
            )
        except InvalidSignature:
            raise ValueError("the VAPID signature does not verify") from None
        claims = json.loads(b64url_decode(claims_b64))
        if claims["aud"] != self.origin:
            raise ValueError(f"aud {claims['aud']!r} is not {self.origin!r}")
        if not time.time() < claims["exp"] <= time.time() + 24 * 3600:
            raise ValueError("exp is not within the next 24 hours")
        if not str(claims.get("sub", "")).startswith(("mailto:", "https://")):
            raise ValueError("sub is neither mailto: nor https:")
        return key
