"""Notification tests reuse the push world: a push service the app may post to."""

from tests.push.conftest import app, push_service

__all__ = ["app", "push_service"]
