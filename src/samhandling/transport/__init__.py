"""Transports: one small interface (:class:`Transport`), one adapter per module or package.

- ``mock.py``: a transport driven by a plain handler function, for tests of every caller.
- ``directory.py``: a shared folder as the network, for a region on one machine and for crash tests.
- ``edi2/``: NHN's EDI 2.0 message API (MSH API v2): its spec models, client and the transport on top of them;
  the local message server (:mod:`samhandling.msh`) serves the same API.
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
