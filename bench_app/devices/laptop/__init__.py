"""A donated laptop booted from the Établi stick, seen from the network: the paired,
encrypted channel between its agent and the station (channel.py), the station's side of it
(client.py) and the DNS-SD announcement that lets the station find it (discovery.py)."""
