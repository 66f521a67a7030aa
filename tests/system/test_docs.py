"""The project carries its own documentation, and it stays true to the code it describes."""

from __future__ import annotations

import re
from pathlib import Path

import msgspec

from server.settings import PREFIX, Settings

ROOT = Path(__file__).resolve().parents[2]


def test_the_readme_links_every_document_and_nothing_outside_the_repository():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    linked = set(re.findall(r"\]\((docs/[\w.-]+\.md)\)", readme))
    assert linked == {path.relative_to(ROOT).as_posix() for path in (ROOT / "docs").glob("*.md")}
    for path in [ROOT / "README.md", *(ROOT / "docs").glob("*.md")]:
        assert "../" not in "".join(re.findall(r"\]\(([^)]*)\)", path.read_text(encoding="utf-8"))), path


def test_every_setting_is_documented_for_operators():
    operations = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    names = {PREFIX + field.name.upper() for field in msgspec.structs.fields(Settings)}
    assert sorted(name for name in names if f"`{name}`" not in operations) == []
