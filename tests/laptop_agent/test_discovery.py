"""What an announcement on the network becomes at the station: an agent with its id, its
address and its brand and model, or nothing when it lacks what pairing needs (an id made
of letters and digits, an IPv4 address, a port). Anyone may announce: nothing more is
taken from it."""

from __future__ import annotations

import socket
from collections.abc import Mapping

import pytest
from zeroconf import ServiceInfo

from bench_app.devices.laptop.discovery import SERVICE_TYPE, SeenAgent, seen_agent


def _info(
    properties: Mapping[str, str | None] | Mapping[bytes, bytes],
    *,
    addresses: list[str] | None = None,
    port: int = 7410,
) -> ServiceInfo:
    return ServiceInfo(
        SERVICE_TYPE,
        f"x.{SERVICE_TYPE}",
        addresses=[
            socket.inet_aton(a) for a in (addresses if addresses is not None else ["192.0.2.7"])
        ],
        port=port,
        properties=dict(properties),
        server="x.local.",
    )


def test_an_agent_announcement_gives_its_address_and_model() -> None:
    info = _info({"id": "ab12cd34", "brand": "Dell", "model": "Latitude E5530", "v": "1", "x": "y"})
    assert seen_agent(info) == SeenAgent("ab12cd34", "192.0.2.7:7410", "Dell", "Latitude E5530")


@pytest.mark.parametrize(
    ("properties", "addresses", "port"),
    [
        ({"brand": "Dell"}, None, 7410),  # no id
        ({"id": ""}, None, 7410),
        ({"id": "ab 12"}, None, 7410),  # not letters and digits
        ({"id": "ab12;rm"}, None, 7410),
        ({"id": "ab12cd34"}, [], 7410),  # no address
        ({"id": "ab12cd34"}, None, 0),  # no port
    ],
)
def test_an_announcement_missing_what_pairing_needs_is_left_out(
    properties: dict[str, str | None], addresses: list[str] | None, port: int
) -> None:
    assert seen_agent(_info(properties, addresses=addresses, port=port)) is None


def test_text_that_is_not_utf8_is_shown_replaced() -> None:
    info = _info({b"id": b"ab12cd34", b"model": b"Lat\xffitude"})
    seen = seen_agent(info)
    assert seen is not None and seen.model == "Lat\ufffditude"
