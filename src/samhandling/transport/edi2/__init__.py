"""Transport over Norsk Helsenett's EDI 2.0 message API (MSH API v2, "Meldingstjener Rest API").

Source: the OpenAPI description of MSH API v2 (``msh-api-v2.json``, info.version ``v2``; in the conformance
material under ``nhn/``). :mod:`~samhandling.transport.edi2.spec` holds the spec's schemas and reads its JSON,
:mod:`~samhandling.transport.edi2.identifiers` checks its message ids and HER-ids,
:mod:`~samhandling.transport.edi2.client` has one method per operation (:class:`MshApiClient`, with its
:class:`RetryPolicy`), :mod:`~samhandling.transport.edi2.payload` prepares what is sent and
:mod:`~samhandling.transport.edi2.transport` is the node's :class:`Transport` on top of it (:class:`Edi2Transport`);
its errors are :mod:`~samhandling.transport.edi2.errors`.

Nothing here logs message content or patient data: log lines carry the method, the path (NHN's message id and
HER-ids) and the HTTP status only.
"""
