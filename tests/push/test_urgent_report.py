"""Done when: a safety report reaches the youth worker's phone as a Web Push message that a push
service on 127.0.0.1 checks (VAPID) and decrypts (aes128gcm), in the youth worker's language."""

from __future__ import annotations

from server.i18n import translate
from tests.forum.conftest import category_id, decide, start_topic
from tests.push.conftest import subscribe

URGENT_TITLE = "Urgent: a forum post was reported and needs you now."


async def test_a_safety_report_reaches_the_youth_workers_phone_urgently_and_without_the_post(
    people,
    push_service,
    delivery,
):
    youth_worker = await people("jonas", "youth_worker", ["DE"], language="fr")
    elsewhere = await people("marco", "youth_worker", ["IT"])
    phone, other_phone = push_service.new_device(), push_service.new_device()
    await subscribe(youth_worker, phone)
    await subscribe(elsewhere, other_phone)
    author = await people("amina", "youth", ["DE"])
    friend = await people("leila", "youth", ["DE"])
    topic = await start_topic(
        author, await category_id(author, "DE"), body="I cannot go on like this, nobody helps"
    )
    await decide(youth_worker, topic["first_post_id"], "approve")

    report = await friend.post(
        f"/api/v1/forum/posts/{topic['first_post_id']}/flags", json={"reason": "safety"}
    )
    assert report.status_code == 201

    assert await delivery.deliver_due() == 1
    assert push_service.errors == []
    [received] = push_service.received
    assert received.urgency == "high"
    [alert] = (await youth_worker.get("/api/v1/notifications")).json()["items"]
    assert received.payload == {"id": alert["id"], "title": alert["title"], "url": "/#/moderation"}
    assert alert["title"] == translate("fr", URGENT_TITLE) != URGENT_TITLE
    assert "nobody helps" not in str(received.payload)
    assert push_service.shown(other_phone) == {}
