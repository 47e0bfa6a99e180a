"""The node's :class:`~samhandling.transport.base.Transport` over the EDI 2.0 API: :class:`Edi2Transport`, on top
of :class:`~samhandling.transport.edi2.client.MshApiClient`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from samhandling.transport.base import (
    Delivery,
    DeliveryState,
    Envelope,
    Inbound,
    ReceiverStatus,
    Transport,
    TransportError,
)
from samhandling.transport.edi2.client import MAX_MESSAGES_TO_FETCH, MshApiClient
from samhandling.transport.edi2.errors import MshApiError
from samhandling.transport.edi2.identifiers import api_her_id
from samhandling.transport.edi2.payload import apprec_request, as_utf8_document
from samhandling.transport.edi2.spec import ApprecInfo, AppRecStatus, EbXmlInfo, PostMessageRequest

log = logging.getLogger("samhandling.transport.edi2")  # one logger for the package, named in the event log


class Edi2Transport(Transport):
    """The node's transport over the EDI 2.0 API (see :class:`Transport` for the contract).

    - ``send`` posts a business message (POST /Messages) to the envelope's recipient only
      (``receiverHerIdsSubset``: the node stores and sends a message once per recipient). An AppRec answers
      the received message by NHN's id of it (``answers_reference``, POST /Messages/{id}/apprec/{herId} with the
      envelope's sender as the answering HER-id); the server writes the AppRec document itself from the stored
      AppRec's status and errors, so the document the original sender gets has NHN's MsgId and GenDate, not
      ours. An AppRec without ``answers_reference`` cannot be sent through this API.
    - ``receive`` lists unread messages per HER-id (GET /Messages, at most ``messages_per_receive`` each) and
      downloads each business document; ``confirm`` marks the message read for its receiver
      (PUT /Messages/{id}/read/{herId}). Until then the server keeps listing it.
    - ``status`` combines GET /Messages/{id}/status and GET /Messages/{id}/apprec per receiver.

    Idempotence of ``send``: the API has no idempotency key and does not deduplicate, so the adapter can only
    narrow the window. It never repeats a POST by itself once the server may have taken it in (see
    :class:`RetryPolicy`), sends the same bytes (same MsgId) every time and restricts the receivers to the
    envelope's. The local message server deduplicates by (sender, MsgId, receiver), so there the contract holds
    fully. Against NHN a repeat after a lost answer (a timeout after the server accepted the message, or a crash
    between the send and the commit) is sent twice; a resent POST is a new ebXML message, so ebXML duplicate
    elimination (HITS 1171 §5.2.1.11) does not catch it, and the recipient's system must ignore it by its MsgId
    (HITS 1168 §5.4). A repeated AppRec likewise goes twice (HITS 1168 §5.5 says not to resend one).
    """

    def __init__(self, client: MshApiClient, *, messages_per_receive: int = 10,
                 ebxml_overrides: EbXmlInfo | None = None) -> None:
        if not 1 <= messages_per_receive <= MAX_MESSAGES_TO_FETCH:
            raise ValueError(f"messages_per_receive må være fra 1 til {MAX_MESSAGES_TO_FETCH}")
        self.client = client
        self.messages_per_receive = messages_per_receive
        self.ebxml_overrides = ebxml_overrides

    def send(self, envelope: Envelope) -> Delivery:
        if envelope.is_apprec:
            return self._send_apprec(envelope)
        request = PostMessageRequest.of(as_utf8_document(envelope.payload),
                                        receiver_her_ids_subset=[api_her_id(envelope.recipient_her_id)],
                                        ebxml_overrides=self.ebxml_overrides)
        return Delivery(reference=self.client.post_message(request))

    def _send_apprec(self, envelope: Envelope) -> Delivery:
        if envelope.answers_reference is None:
            raise MshApiError("en applikasjonskvittering kan ikke sendes over EDI 2.0-APIet uten meldingstjenerens "
                              "id for meldingen den besvarer (APIet sender kvitteringer bare som svar på en mottatt "
                              "melding)", retryable=False)
        request = apprec_request(envelope.payload, ebxml_overrides=self.ebxml_overrides)
        reference = self.client.post_apprec(envelope.answers_reference, api_her_id(envelope.sender_her_id), request)
        return Delivery(reference=reference)

    def receive(self, her_ids: Sequence[str]) -> list[Inbound]:
        """What waits for the parties, per HER-id oldest first. A message whose document cannot be read (not base64, an
        unknown encoding, refused) is left unread and logged by NHN's id; it does not stop the others."""
        found: dict[tuple[str, str], Inbound] = {}
        for her_id in dict.fromkeys(her_ids):
            messages = self.client.get_messages([api_her_id(her_id)], messages_to_fetch=self.messages_per_receive,
                                                include_metadata=True)
            for message in messages:
                if message.id is None:
                    log.warning("MSH API listed a message without id", extra={"her_id": her_id})
                    continue
                recipient = str(message.receiver_her_id) if message.receiver_her_id is not None else her_id
                if (message.id, recipient) in found:
                    continue
                try:
                    payload = self.client.get_business_document(message.id).content()
                except TransportError as exc:
                    if exc.retryable:
                        raise
                    log.warning("business document not readable, left unread",
                                extra={"nhn_message_id": message.id, "her_id": recipient, "error": str(exc)})
                    continue
                found[(message.id, recipient)] = Inbound(
                    reference=message.id, recipient_her_id=recipient, payload=payload,
                    sender_her_id=str(message.sender_her_id) if message.sender_her_id is not None else None,
                    msg_id=message.business_document_id, issued_at=message.business_document_gen_date)
        return list(found.values())

    def confirm(self, inbound: Inbound) -> None:
        self.client.mark_as_read(inbound.reference, api_her_id(inbound.recipient_her_id))

    def status(self, reference: str) -> list[ReceiverStatus]:
        """Per receiver: the transport's delivery state and, once it has come, the AppRec's status and error
        codes. A receiver the server lists only with an AppRec counts as delivered (it answered)."""
        statuses = self.client.get_status(reference)
        receipts = {info.receiver_her_id: info for info in self.client.get_apprec_info(reference)}
        result: list[ReceiverStatus] = []
        for status in statuses:
            info = receipts.pop(status.receiver_her_id, None)
            result.append(_receiver_status(status.receiver_her_id, status.transport_delivery_state,
                                           status.app_rec_status, info))
        for her_id, info in receipts.items():
            result.append(_receiver_status(her_id, DeliveryState.ACKNOWLEDGED, None, info))
        return result

    def close(self) -> None:
        self.client.close()


def _receiver_status(her_id: int, delivery: DeliveryState, status: AppRecStatus | None,
                     info: ApprecInfo | None) -> ReceiverStatus:
    if info is not None and info.app_rec_status is not None:
        status = info.app_rec_status
    errors = tuple(e.error_code.strip() for e in info.app_rec_error_list if e.error_code) if info else ()
    return ReceiverStatus(recipient_her_id=str(her_id), delivery=delivery,
                          apprec_status=status.code if status is not None else None, apprec_errors=errors)
