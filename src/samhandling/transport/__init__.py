"""Transports: one small interface (:class:`Transport`), one adapter per file.

- ``mock.py``: a transport driven by a plain handler function, for tests of every caller.
- ``directory.py``: a shared folder as the network, for a region on one machine and for crash tests.
- the EDI 2.0 client and the local message server follow (NHN's MSH API v2).
"""

from samhandling.transport.base import (
    Delivery,
    DeliveryState,
    Envelope,
    Inbound,
    ReceiverStatus,
    Transport,
    TransportError,
)

__all__ = ["Delivery", "DeliveryState", "Envelope", "Inbound", "ReceiverStatus", "Transport", "TransportError"]
