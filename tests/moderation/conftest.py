from tests.forum.conftest import member, youth_worker

__all__ = ["member", "youth_worker"]
