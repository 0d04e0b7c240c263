"""State documents: what a rollback rewrites and what it shows, without a server."""

from __future__ import annotations

import json

import pytest

from platform_storage.state.tfstate import StateError, diff, info, parse, with_serial


def state(serial: int, resources: list[dict[str, object]]) -> dict[str, object]:
    return {
        "version": 4,
        "terraform_version": "1.11.0",
        "serial": serial,
        "lineage": "L",
        "outputs": {},
        "resources": resources,
    }


def resource(
    name: str, instances: list[dict[str, object]], module: str | None = None
) -> dict[str, object]:
    found: dict[str, object] = {
        "mode": "managed",
        "type": "terraform_data",
        "name": name,
        "instances": instances,
    }
    if module:
        found["module"] = module
    return found


def test_the_rewrite_changes_the_serial_and_keeps_every_number_exactly() -> None:
    content = (
        b'{"version": 4, "serial": 3, "lineage": "L", "big": 12345678901234567890.5,'
        b' "small": 0.1, "huge": 1e400, "int": 123456789012345678901234567890, "text": "\\u00e9"}'
    )
    rewritten = with_serial(content, 9)
    assert json.loads(rewritten)["serial"] == 9
    text = rewritten.decode()
    for literal in ("12345678901234567890.5", "0.1", "1e400", "123456789012345678901234567890"):
        assert literal in text
    assert text.endswith("}\n") and '\n  "serial": 9,' in text


def test_the_diff_names_each_instance_that_comes_back_goes_or_changes() -> None:
    current = state(
        5,
        [
            resource("a", [{"attributes": {"input": "v3", "id": "1"}}]),
            resource("gone", [{"attributes": {}}]),
        ],
    )
    target = state(
        2,
        [
            resource("a", [{"attributes": {"input": "v1", "id": "1"}}]),
            resource("back", [{"index_key": "k", "attributes": {}}], module="module.m"),
        ],
    )
    assert diff(current, target) == [
        '+ module.m.terraform_data.back["k"]',
        "- terraform_data.gone",
        "~ terraform_data.a (input)",
    ]
    assert info(current).resources == 2


@pytest.mark.parametrize(
    "content", [b"not json", b"[]", b'{"serial": "3", "lineage": "L"}', b'{"serial": 1}']
)
def test_a_document_that_is_no_state_is_refused(content: bytes) -> None:
    with pytest.raises(StateError):
        parse(content)
