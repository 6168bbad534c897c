"""Laptop agents on the workshop's network, by DNS-SD over multicast DNS (python-zeroconf):
the agent announces `<id>._etabli-agent._tcp.local.` with its address, port and a few TXT
facts (brand, model); the station browses for them. Nothing announced is trusted: it only
says where to connect, and the pairing code decides whether the station talks to it."""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass
from typing import Any

from zeroconf import IPVersion, ServiceBrowser, ServiceInfo, ServiceListener, Zeroconf

SERVICE_TYPE = "_etabli-agent._tcp.local."
_TXT_FIELDS = ("id", "brand", "model", "v")


@dataclass(frozen=True, slots=True)
class SeenAgent:
    agent_id: str
    address: str  # "host:port", as `etabli pair` takes it
    brand: str = ""
    model: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "agent_id": self.agent_id,
            "address": self.address,
            "brand": self.brand,
            "model": self.model,
        }


def _zeroconf(interface: str | None) -> Zeroconf:
    """One interface when given (an IPv4 address: loopback in tests), else every one."""
    if interface:
        return Zeroconf(interfaces=[interface], ip_version=IPVersion.V4Only)
    return Zeroconf(ip_version=IPVersion.V4Only)


class Announcement:
    """The agent's announcement, withdrawn by `close()`."""

    def __init__(
        self, agent_id: str, host: str, port: int, *, brand: str = "", model: str = ""
    ) -> None:
        self._zc = _zeroconf(None if host in ("", "0.0.0.0") else host)
        addresses = [socket.inet_aton(a) for a in _addresses(host)]
        self._info = ServiceInfo(
            SERVICE_TYPE,
            f"{agent_id}.{SERVICE_TYPE}",
            addresses=addresses,
            port=port,
            properties={"id": agent_id, "brand": brand[:60], "model": model[:60], "v": "1"},
            server=f"etabli-{agent_id}.local.",
        )
        self._zc.register_service(self._info)

    def close(self) -> None:
        try:
            self._zc.unregister_service(self._info)
        finally:
            self._zc.close()


def _addresses(host: str) -> list[str]:
    """The IPv4 addresses to announce: the one listened on, or every one this machine has."""
    if host not in ("", "0.0.0.0"):
        return [host]
    import ifaddr  # zeroconf's own dependency, to list this machine's addresses

    found = [
        str(ip.ip)
        for adapter in ifaddr.get_adapters()
        for ip in adapter.ips
        if isinstance(ip.ip, str) and not ip.ip.startswith("127.")
    ]
    return found or ["127.0.0.1"]


class _Collector(ServiceListener):
    def __init__(self) -> None:
        self.names: set[str] = set()
        self.lock = threading.Lock()

    def add_service(self, zc: Zeroconf, type_: str, name: str) -> None:
        with self.lock:
            self.names.add(name)

    def update_service(self, zc: Zeroconf, type_: str, name: str) -> None:
        self.add_service(zc, type_, name)

    def remove_service(self, zc: Zeroconf, type_: str, name: str) -> None:
        with self.lock:
            self.names.discard(name)


def browse(wait: float, interface: str | None = None) -> list[SeenAgent]:
    """The agents that answered within `wait` seconds, sorted by id."""
    zc = _zeroconf(interface)
    collector = _Collector()
    browser = ServiceBrowser(zc, SERVICE_TYPE, collector)
    try:
        time.sleep(wait)  # DNS-SD has no "that was everyone": a browse is a listening window
        with collector.lock:
            names = sorted(collector.names)
        seen = []
        for name in names:
            info = zc.get_service_info(SERVICE_TYPE, name, timeout=2000)
            if info is not None:
                agent = seen_agent(info)
                if agent is not None:
                    seen.append(agent)
        return sorted(seen, key=lambda a: a.agent_id)
    finally:
        browser.cancel()
        zc.close()


def seen_agent(info: ServiceInfo) -> SeenAgent | None:
    """The agent an announcement describes; None when it lacks an id or an IPv4 address."""
    txt = {
        k.decode("utf-8", "replace"): (v or b"").decode("utf-8", "replace")
        for k, v in info.properties.items()
        if k.decode("utf-8", "replace") in _TXT_FIELDS
    }
    addresses = info.parsed_addresses(IPVersion.V4Only)
    agent_id = txt.get("id", "")
    if not agent_id or not agent_id.isalnum() or not addresses or not info.port:
        return None
    return SeenAgent(
        agent_id,
        f"{addresses[0]}:{info.port}",
        brand=txt.get("brand", ""),
        model=txt.get("model", ""),
    )
