"""What travels between stations and the hub, defined once for both ends.

Here: the canonical JSON encodings (signed documents and events), an event's fields, hash and
line form, and how a station signs its requests to the hub. Nothing here touches a database,
a device, a window or the network: the station's store and sync client and the collective's
hub (hub/) all import from here, and this package imports neither of them.
"""
