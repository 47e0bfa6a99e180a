"""The operations of the local message server: every path of MSH API v2, as NHN's server does them.

Source: the spec (``msh-api-v2.json`` of the conformance material, under ``nhn/``); each function is named for
its ``operationId``.

- ``POST /Messages`` (PostMessage) takes a base64 business document (a MsgHead, UTF-8 as the spec requires),
  reads its sender and receivers (:mod:`samhandling.msh.documents`) and delivers it to each receiver; it
  answers 201 with the new message id. The same MsgId from the same sender is the same message: the id of the
  stored one comes back and nothing is made, so a client that sends again after a crash does no harm.
- ``GET /Messages`` (GetMessages) lists unread messages for the receivers asked for; ``GET /Messages/{id}``,
  ``…/business-document``, ``…/status`` and ``…/apprec`` work for the sender and for the receivers of the
  message; ``PUT /Messages/{id}/read/{herId}`` (MarkMessageAsRead) marks it read for that receiver.
- ``POST /Messages/{id}/apprec/{appRecSenderHerId}`` (PostAppRec): a receiver's application receipt. The
  server records the status and errors for that receiver and writes a real AppRec (HIS 80415, in the version
  the original's standard is answered with, HITS 1168 §8.2) that it delivers to the original sender as a new
  message.
- A receiver's transport delivery state becomes ``Acknowledged`` when it downloads the business document,
  marks the message read or answers it with an AppRec.

Every operation requires the headers ``api-version`` and ``nhn-source-system`` and a bearer token
(:mod:`samhandling.msh.auth`). Nothing is logged of the messages' content or of patients.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response

from samhandling.domain.clock import utc_now
from samhandling.msh.api_models import (
    BodyDep,
    PostAppRecRequest,
    PostMessageRequest,
    Query,
    apprec_info_json,
    business_document_json,
    created,
    her_id_param,
    list_options,
    message_json,
    nhn_headers,
    parse_body,
    status_json,
)
from samhandling.msh.auth import Client, ClientDep, ServerDep, access, not_authorized_for
from samhandling.msh.documents import XML_CONTENT_TYPES, build_receipt, read_posted_document, receipt_errors
from samhandling.msh.errors import ApiError, bad_request
from samhandling.msh.storage import (
    AppRecStatus,
    MessageServerRepository,
    NewMessage,
    ReceiptError,
    transaction,
)
from samhandling.standards.apprec.answer import AppRecError
from samhandling.standards.apprec.model import write_apprec
from samhandling.standards.message import to_bytes

log = logging.getLogger("samhandling.msh")

router = APIRouter(dependencies=[Depends(nhn_headers)])


@router.get("/Messages")
def get_messages(request: Request, client: ClientDep, server: ServerDep) -> JSONResponse:
    """GetMessages: unread messages for the given receivers."""
    options = list_options(Query(request))
    refused = [r for r in options.receivers if not client.may_act_for(r)]
    if refused:
        raise not_authorized_for(refused)
    with transaction(server.engine) as repo:
        found = repo.unread(
            options.receivers,
            sender_her_id=options.sender_her_id,
            business_document_id=options.business_document_id,
            limit=options.limit,
            newest_first=options.newest_first,
        )
    return JSONResponse([message_json(m, receiver, metadata=options.include_metadata) for m, receiver in found])


@router.post("/Messages")
def post_message(client: ClientDep, body: BodyDep, server: ServerDep) -> JSONResponse:
    """PostMessage: deliver a business document to its receivers (or find it, if it came before)."""
    posted = parse_body(PostMessageRequest, body)
    document = read_posted_document(posted, max_bytes=server.max_message_bytes)
    if not client.may_act_for(document.sender_her_id):
        raise not_authorized_for([document.sender_her_id])
    with transaction(server.engine) as repo:
        stored, is_new = repo.add(
            NewMessage(
                sender_her_id=document.sender_her_id,
                business_document_id=document.business_document_id,
                gen_date=document.gen_date,
                is_apprec=document.is_apprec,
                content_type=XML_CONTENT_TYPES[0],
                document=document.data,
                receivers=document.receivers,
            ),
            at=utc_now(),
        )
    log.info("msh.message.posted", extra={"message_id": stored.id, "receivers": len(document.receivers),
                                          "duplicate": not is_new})
    return created(stored.id)


@router.get("/Messages/{id}")
def get_message(id: str, client: ClientDep, server: ServerDep) -> JSONResponse:
    """GetMessage: the message's metadata, with the client's own receiver (the primary one for the sender)."""
    with transaction(server.engine) as repo:
        found = access(repo, id, client)
    receiver = (found.own or found.deliveries)[0].receiver_her_id
    return JSONResponse(message_json(found.message, receiver))


@router.get("/Messages/{id}/business-document")
def get_business_document(id: str, client: ClientDep, server: ServerDep) -> JSONResponse:
    """GetBusinessDocument: the document as posted, base64; a receiver that downloads it acknowledges it."""
    with transaction(server.engine) as repo:
        found = access(repo, id, client)
        data = repo.document(found.message)
        repo.acknowledge(found.message, [d.receiver_her_id for d in found.own], at=utc_now())
    return JSONResponse(business_document_json(found.message, data))


@router.get("/Messages/{id}/status")
def get_status(id: str, client: ClientDep, server: ServerDep) -> JSONResponse:
    """GetStatus: transport delivery state and AppRec status per receiver (the sender sees all of them)."""
    with transaction(server.engine) as repo:
        found = access(repo, id, client)
    return JSONResponse([status_json(d) for d in found.visible])


@router.get("/Messages/{id}/apprec")
def get_apprec_info(id: str, client: ClientDep, server: ServerDep) -> JSONResponse:
    """GetApprecInfo: the application receipt of each receiver, if it has come."""
    with transaction(server.engine) as repo:
        found = access(repo, id, client)
    return JSONResponse([apprec_info_json(d) for d in found.visible])


@router.put("/Messages/{id}/read/{herId}")
def mark_message_as_read(id: str, herId: str, client: ClientDep, server: ServerDep) -> Response:  # noqa: N803
    """MarkMessageAsRead: the receiver ``herId`` has read the message; it leaves that receiver's list."""
    receiver = her_id_param("herId", herId)
    if not client.may_act_for(receiver):
        raise not_authorized_for([receiver])
    with transaction(server.engine) as repo:
        found = access(repo, id, client)
        if found.delivery(receiver) is None:
            raise ApiError(404, f"HER-id {receiver} er ikke mottaker av meldingen")
        repo.mark_read(found.message, receiver, at=utc_now())
    return Response(status_code=204)


class _AlreadyAnsweredError(Exception):
    """Another request recorded this receiver's AppRec in the meantime."""


@router.post("/Messages/{id}/apprec/{appRecSenderHerId}")
def post_apprec(
    id: str,
    appRecSenderHerId: str,  # noqa: N803 (the spec's name)
    client: ClientDep,
    body: BodyDep,
    server: ServerDep,
) -> JSONResponse:
    """PostAppRec: the receiver ``appRecSenderHerId`` answers the message; the server writes the AppRec and
    delivers it to the original sender. Sending the same receipt again returns the same AppRec message."""
    request = parse_body(PostAppRecRequest, body)
    receiver = her_id_param("appRecSenderHerId", appRecSenderHerId)
    if not client.may_act_for(receiver):
        raise not_authorized_for([receiver])
    status = AppRecStatus(request.app_rec_status)
    given = [
        ReceiptError(error_code=e.error_code, details=e.details, description=e.description, oid=e.oid)
        for e in request.app_rec_error_list or ()
    ]
    errors = receipt_errors(request.app_rec_error_list or ())
    try:
        with transaction(server.engine) as repo:
            return _answer(repo, id, client, receiver, status, given, errors)
    except _AlreadyAnsweredError:
        pass  # a concurrent request recorded a receipt first (rolled back here): answer as to a repeat
    with transaction(server.engine) as repo:
        return _answer(repo, id, client, receiver, status, given, errors)


def _answer(
    repo: MessageServerRepository,
    message_id: str,
    client: Client,
    receiver: str,
    status: AppRecStatus,
    given: list[ReceiptError],
    errors: list[AppRecError],
) -> JSONResponse:
    """PostAppRec in one transaction: the AppRec message made (or the one made before for the same receipt)."""
    found = access(repo, message_id, client)
    delivery = found.delivery(receiver)
    if delivery is None:
        raise bad_request(f"HER-id {receiver} er ikke mottaker av meldingen")
    if found.message.is_apprec:
        raise bad_request("En applikasjonskvittering besvares ikke med en applikasjonskvittering (HITS 1168)")
    if delivery.apprec_status is not None:
        if (delivery.apprec_status, delivery.apprec_errors) == (status, tuple(given)) and delivery.apprec_message_id:
            return created(delivery.apprec_message_id)
        raise bad_request(f"Mottakeren {receiver} har allerede sendt applikasjonskvittering for meldingen")
    now = utc_now()
    receipt = build_receipt(repo.document(found.message), status=status, errors=errors, receiver_her_id=receiver,
                            at=now)
    made, _ = repo.add(
        NewMessage(
            sender_her_id=receiver,
            business_document_id=receipt.id,
            gen_date=receipt.gen_date,
            is_apprec=True,
            content_type=XML_CONTENT_TYPES[0],
            document=to_bytes(write_apprec(receipt)),
            receivers=((found.message.sender_her_id, 0),),
        ),
        at=now,
    )
    if not repo.record_apprec(found.message, receiver, status=status, errors=given, apprec=made, at=now):
        raise _AlreadyAnsweredError
    log.info("msh.apprec.posted", extra={"message_id": found.message.id, "apprec_message_id": made.id,
                                         "status": status.value, "version": receipt.version})
    return created(made.id)
