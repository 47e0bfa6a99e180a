"""The local message server (``samhandling msh serve``): NHN's EDI 2.0 API (MSH API v2) through FastAPI's
TestClient, on SQLite and PostgreSQL.

Every operation, the 401/403/404 cases (an error never names a party of someone else's message), the
duplicate rule, read marking, transport delivery state and AppRec status per receiver, and the AppRec round
trip: the AppRec the server writes validates against the official XSD and reaches the original sender.
Successful responses are checked against NHN's official spec as well.
"""

from __future__ import annotations

import base64
import json
import os
import select
import signal
import socket
import stat
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
import schemathesis
from fastapi.testclient import TestClient
from schemathesis.specs.openapi.schemas import OpenApiSchema
from sqlalchemy import Engine

from samhandling.domain.messaging.parties import Parties, Party, PartyKind
from samhandling.msh.app import create_app
from samhandling.msh.tokens import (
    TokenError,
    issue_token,
    load_or_create_secret,
    read_token,
    secret_path,
)
from samhandling.standards.apprec.answer import build_apprec
from samhandling.standards.apprec.codes import OID_ERROR
from samhandling.standards.apprec.model import STANDARDS, AppRec, read_apprec, write_apprec
from samhandling.standards.dialogmelding.builders import notat
from samhandling.standards.dialogmelding.model import Version
from samhandling.standards.kith import CS
from samhandling.standards.message import compose, message_bytes
from samhandling.standards.msghead import Organisation, OtherReceiver, Patient, party, person_ident
from samhandling.standards.parsing import parse_xml
from samhandling.standards.plo.examples import story
from samhandling.standards.plo.examples.logistics import melding_om_innlagt_pasient
from samhandling.standards.schemas import SchemaSet
from samhandling.transport.base import DeliveryState
from tests.support.cli import run_cli

HOSPITAL, WARD, DOCTOR = "8100", "8101", "8102"
MUNICIPALITY, HOME_CARE, ALLOCATION = "8200", "8201", "8202"
STRANGER = "8300"
PATIENT_FNR = story.PATIENT_FNR
SECRET = b"0123456789abcdef" * 4
APPREC_XSD = {standard.version: standard.schema_file for standard in STANDARDS}

PARTIES = Parties([
    Party(her_id=HOSPITAL, name="Testsykehuset HF", kind=PartyKind.ORGANISATION),
    Party(her_id=WARD, name="Medisinsk avdeling", kind=PartyKind.SERVICE, parent_her_id=HOSPITAL),
    Party(her_id=DOCTOR, name="Kirsten Lege", kind=PartyKind.PERSON, parent_her_id=WARD),
    Party(her_id=MUNICIPALITY, name="Gjøvik kommune", kind=PartyKind.ORGANISATION),
    Party(her_id=HOME_CARE, name="Hjemmesykepleien", kind=PartyKind.SERVICE, parent_her_id=MUNICIPALITY),
    Party(her_id=ALLOCATION, name="Tildelingskontoret", kind=PartyKind.SERVICE, parent_her_id=MUNICIPALITY),
])


def hospital_ward() -> Organisation:
    return party("Testsykehuset HF", HOSPITAL, service=party("Medisinsk avdeling", WARD))


def municipal(service: str = HOME_CARE) -> Organisation:
    names = {HOME_CARE: "Hjemmesykepleien", ALLOCATION: "Tildelingskontoret"}
    return party("Gjøvik kommune", MUNICIPALITY, service=party(names[service], service))


def patient() -> Patient:
    return Patient(family_name="Ørnhøi", given_name="Åse", ident=[person_ident(PATIENT_FNR)])


def dialog_message(
    msg_id: str | None = None, *, version: Version = "1.1", copies: Sequence[str] = (),
    sender: Organisation | None = None, receiver: Organisation | None = None, gen_date: datetime | None = None,
) -> bytes:
    """A Notat from the hospital ward to home care (copies to other municipal services)."""
    others = [OtherReceiver(role_receiver=CS(v="COP", dn="Kopimottaker"), organisation=municipal(her_id))
              for her_id in copies]
    head = compose(notat(tekst="Pasienten har fått ny medisin.", version=version),
                   sender=sender or hospital_ward(), receiver=receiver or municipal(), patient=patient(),
                   copies=others, msg_id=msg_id, gen_date=gen_date)
    return message_bytes(head)


def plo_message(msg_id: str | None = None) -> bytes:
    head = compose(melding_om_innlagt_pasient(), sender=hospital_ward(), receiver=municipal(),
                   patient=patient(), msg_id=msg_id)
    return message_bytes(head)


def post_body(document: bytes, **extra: Any) -> dict[str, Any]:
    return {"businessDocument": base64.b64encode(document).decode("ascii"), "contentType": "application/xml",
            "contentTransferEncoding": "base64", **extra}


@dataclass
class Api:
    """The server under test, with a client that sends NHN's required headers and a token."""

    http: TestClient
    spec: OpenApiSchema | None = None

    def headers(self, *her_ids: str, token: str | None = None) -> dict[str, str]:
        found = {"api-version": "2", "nhn-source-system": "samhandling-test, v1"}
        if token is not None or her_ids:
            found["Authorization"] = f"Bearer {token or issue_token(SECRET, her_ids)}"
        return found

    def call(
        self, method: str, path: str, *her_ids: str, operation: str | None = None, **kwargs: Any
    ) -> httpx.Response:
        headers = {**self.headers(*her_ids), **kwargs.pop("headers", {})}
        response: httpx.Response = self.http.request(method, path, headers=headers, **kwargs)
        if operation is not None and self.spec is not None:
            # The status code is one the spec lists (or 401, see test_msh_schemathesis), the body its schema.
            documented = self.spec[operation][method.upper()]
            assert response.status_code == 401 or str(response.status_code) in documented.definition.raw["responses"]
            documented.validate_response(response)
        return response

    def post_message(self, document: bytes, *her_ids: str, **extra: Any) -> httpx.Response:
        return self.call("POST", "/Messages", *(her_ids or (WARD,)), operation="/Messages",
                         json=post_body(document, **extra))

    def send(self, document: bytes, *her_ids: str, **extra: Any) -> str:
        response = self.post_message(document, *her_ids, **extra)
        assert response.status_code == 201, response.text
        message_id: str = response.json()
        assert response.headers["location"] == f"/Messages/{message_id}"
        return message_id

    def unread(self, *receivers: str, as_: Sequence[str] | None = None, **params: Any) -> list[dict[str, Any]]:
        response = self.call("GET", "/Messages", *(as_ or receivers), operation="/Messages",
                             params={"ReceiverHerIds": list(receivers), **params})
        assert response.status_code == 200, response.text
        found: list[dict[str, Any]] = response.json()
        return found

    def get(self, path: str, *her_ids: str, operation: str) -> httpx.Response:
        return self.call("GET", path, *her_ids, operation=operation)

    def read(self, message_id: str, her_id: str, *as_: str) -> httpx.Response:
        return self.call("PUT", f"/Messages/{message_id}/read/{her_id}", *(as_ or (her_id,)),
                         operation="/Messages/{id}/read/{herId}")

    def apprec(self, message_id: str, her_id: str, body: dict[str, Any], *as_: str) -> httpx.Response:
        return self.call("POST", f"/Messages/{message_id}/apprec/{her_id}", *(as_ or (her_id,)),
                         operation="/Messages/{id}/apprec/{appRecSenderHerId}", json=body)

    def document(self, message_id: str, *her_ids: str) -> bytes:
        response = self.get(f"/Messages/{message_id}/business-document", *her_ids,
                            operation="/Messages/{id}/business-document")
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["contentType"] == "application/xml" and body["contentTransferEncoding"] == "base64"
        return base64.b64decode(body["businessDocument"])

    def status(self, message_id: str, *her_ids: str) -> list[dict[str, Any]]:
        response = self.get(f"/Messages/{message_id}/status", *her_ids, operation="/Messages/{id}/status")
        assert response.status_code == 200, response.text
        found: list[dict[str, Any]] = response.json()
        return found

    def apprec_info(self, message_id: str, *her_ids: str) -> list[dict[str, Any]]:
        response = self.get(f"/Messages/{message_id}/apprec", *her_ids, operation="/Messages/{id}/apprec")
        assert response.status_code == 200, response.text
        found: list[dict[str, Any]] = response.json()
        return found


@pytest.fixture(scope="session")
def spec(conformance_dir: Path) -> OpenApiSchema:
    """NHN's official spec of the API, to check responses against."""
    return schemathesis.openapi.from_path(conformance_dir / "nhn" / "msh-api-v2.json")


@pytest.fixture
def api(engine: Engine, spec: OpenApiSchema) -> Iterator[Api]:
    with TestClient(create_app(engine, SECRET, PARTIES)) as http:
        yield Api(http, spec)


def assert_error(response: httpx.Response, status: int, *absent: str) -> dict[str, Any]:
    """An ``ErrorMessage`` with ``status`` whose text names none of ``absent``."""
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert set(body) == {"error", "errorCode", "validationErrors", "stackTrace", "requestId"}
    assert body["stackTrace"] is None and uuid.UUID(body["requestId"])
    said = json.dumps([body["error"], body["validationErrors"]], ensure_ascii=False)  # not the random requestId
    for text in absent:
        assert text not in said
    return body


# --- sending and listing -----------------------------------------------------------------------------


def test_a_message_is_delivered_to_its_receiver_and_listed_as_unread(api: Api) -> None:
    msg_id = str(uuid.uuid4())
    document = dialog_message(msg_id)
    message_id = api.send(document)
    assert uuid.UUID(message_id)

    assert api.unread(HOME_CARE) == [{"id": message_id, "receiverHerId": int(HOME_CARE)}]
    (listed,) = api.unread(HOME_CARE, IncludeMetadata="true")
    assert listed["senderHerId"] == int(WARD) and listed["businessDocumentId"] == msg_id
    assert listed["isAppRec"] is False and listed["contentType"] == "application/xml"
    assert datetime.fromisoformat(listed["businessDocumentGenDate"]).tzinfo is not None

    response = api.get(f"/Messages/{message_id}", HOME_CARE, operation="/Messages/{id}")
    assert response.status_code == 200 and response.json() == listed
    assert api.document(message_id, HOME_CARE) == document  # byte for byte
    assert api.unread(WARD) == []  # the sender's own list has nothing


def test_the_same_msgid_from_the_same_sender_is_the_same_message(api: Api) -> None:
    msg_id = str(uuid.uuid4())
    first = api.send(dialog_message(msg_id))
    assert api.send(dialog_message(msg_id)) == first  # sent again after a crash: nothing new
    assert len(api.unread(HOME_CARE)) == 1
    other_sender = dialog_message(msg_id, sender=party("Gjøvik kommune", MUNICIPALITY,
                                                       service=party("Tildelingskontoret", ALLOCATION)),
                                  receiver=municipal(HOME_CARE))
    assert api.send(other_sender, ALLOCATION) != first  # the same MsgId from another sender is another message


def test_the_same_message_posted_at_once_by_many_is_stored_once(api: Api) -> None:
    document = dialog_message(copies=[ALLOCATION])
    bodies = [post_body(document, receiverHerIdsSubset=[int(her_id)]) for her_id in (HOME_CARE, ALLOCATION) * 4]
    with ThreadPoolExecutor(max_workers=8) as pool:
        responses = list(pool.map(lambda body: api.call("POST", "/Messages", WARD, json=body), bodies))
    assert {r.status_code for r in responses} == {201}
    (message_id,) = {r.json() for r in responses}
    assert [s["receiverHerId"] for s in api.status(message_id, WARD)] == [int(HOME_CARE), int(ALLOCATION)]
    receipts = [{"appRecStatus": "Ok"}] * 6
    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(lambda body: api.apprec(message_id, HOME_CARE, body), receipts))
    assert {r.status_code for r in answers} == {201} and len({r.json() for r in answers}) == 1
    assert len(api.unread(WARD)) == 1  # one AppRec


def test_copy_receivers_get_a_delivery_each_and_a_subset_can_be_chosen(api: Api) -> None:
    message_id = api.send(dialog_message(copies=[ALLOCATION]))
    assert [s["receiverHerId"] for s in api.status(message_id, WARD)] == [int(HOME_CARE), int(ALLOCATION)]
    assert api.unread(ALLOCATION) == [{"id": message_id, "receiverHerId": int(ALLOCATION)}]
    only_copy = api.send(dialog_message(copies=[ALLOCATION]), receiverHerIdsSubset=[int(ALLOCATION)])
    assert [s["receiverHerId"] for s in api.status(only_copy, WARD)] == [int(ALLOCATION)]
    response = api.post_message(dialog_message(), receiverHerIdsSubset=[int(STRANGER)])
    assert_error(response, 400)


def test_a_document_posted_once_per_receiver_reaches_each_of_them_once(api: Api) -> None:
    """As the node's EDI 2.0 transport sends: the same document per recipient, with a subset of one."""
    document = dialog_message(copies=[ALLOCATION])
    copy_first = api.send(document, receiverHerIdsSubset=[int(ALLOCATION)])
    assert api.send(document, receiverHerIdsSubset=[int(HOME_CARE)]) == copy_first
    assert api.send(document, receiverHerIdsSubset=[int(HOME_CARE)]) == copy_first  # again: nothing new
    assert api.send(document) == copy_first
    # The document's order, whatever the order of the posts: the primary receiver first.
    assert [s["receiverHerId"] for s in api.status(copy_first, WARD)] == [int(HOME_CARE), int(ALLOCATION)]
    assert len(api.unread(HOME_CARE)) == len(api.unread(ALLOCATION)) == 1


def test_listing_filters_orders_and_limits(api: Api) -> None:
    start = datetime(2025, 3, 1, 8, 0)
    ids = [api.send(dialog_message(gen_date=start + timedelta(hours=n))) for n in range(3)]
    from_allocation = api.send(
        dialog_message(sender=party("Gjøvik kommune", MUNICIPALITY, service=party("Tildelingskontoret", ALLOCATION)),
                       gen_date=start - timedelta(days=1)),
        ALLOCATION,
    )
    assert [m["id"] for m in api.unread(HOME_CARE)] == [from_allocation, *ids]
    assert [m["id"] for m in api.unread(HOME_CARE, OrderBy="Descending")] == [*reversed(ids), from_allocation]
    assert [m["id"] for m in api.unread(HOME_CARE, OrderBy="2", MessagesToFetch=2)] == [ids[2], ids[1]]
    assert [m["id"] for m in api.unread(HOME_CARE, SenderHerId=ALLOCATION)] == [from_allocation]
    (found,) = api.unread(HOME_CARE, IncludeMetadata="true", SenderHerId=WARD, MessagesToFetch=1)
    assert [m["id"] for m in api.unread(HOME_CARE, BusinessDocumentId=found["businessDocumentId"])] == [ids[0]]
    for bad in ({"MessagesToFetch": 0}, {"MessagesToFetch": 101}, {"OrderBy": "Sideways"},
                {"IncludeMetadata": "kanskje"}, {"SenderHerId": "x"}, {"BusinessDocumentId": "x" * 101}):
        response = api.call("GET", "/Messages", HOME_CARE, params={"ReceiverHerIds": HOME_CARE, **bad})
        assert_error(response, 400)
    assert_error(api.call("GET", "/Messages", HOME_CARE), 400)
    assert_error(api.call("GET", "/Messages", HOME_CARE, params={"ReceiverHerIds": [HOME_CARE, HOME_CARE]}), 400)


def test_a_parent_acts_for_its_services_and_persons_and_a_service_not_for_its_parent(api: Api) -> None:
    message_id = api.send(dialog_message(), HOSPITAL)  # the organisation's token sends as its ward
    assert api.unread(HOME_CARE, as_=[MUNICIPALITY]) == [{"id": message_id, "receiverHerId": int(HOME_CARE)}]
    assert_error(api.call("GET", "/Messages", HOME_CARE, params={"ReceiverHerIds": MUNICIPALITY}), 403)
    assert api.unread(MUNICIPALITY, HOME_CARE, as_=[MUNICIPALITY])  # both for the municipality's token


def test_without_a_parties_register_only_the_exact_her_ids_count(engine: Engine) -> None:
    with TestClient(create_app(engine, SECRET)) as http:
        api = Api(http)
        assert_error(api.post_message(dialog_message(), HOSPITAL), 403)
        assert api.send(dialog_message(), WARD)


# --- authentication and authorisation ----------------------------------------------------------------


def test_no_token_or_a_bad_one_is_401(api: Api) -> None:
    for headers in ({}, {"Authorization": "Basic dXNlcjpwdw=="}, {"Authorization": "Bearer"},
                    {"Authorization": "Bearer not-a-token"},
                    {"Authorization": f"Bearer {issue_token(b'another secret, just as long as ours' * 2, [WARD])}"},
                    {"Authorization": "Bearer " + issue_token(SECRET, [WARD], lifetime=timedelta(seconds=1),
                                                              now=datetime.now(UTC) - timedelta(hours=1))},
                    {"Authorization": "Bearer " + jwt.encode({"iss": "samhandling-msh", "iat": 0, "her_ids": "8101"},
                                                             SECRET, algorithm="HS256")},
                    {"Authorization": "Bearer " + jwt.encode({"iss": "samhandling-msh", "iat": 0, "her_ids": [WARD]},
                                                             SECRET, algorithm="HS384")}):
        response = api.http.get("/Messages", params={"ReceiverHerIds": WARD},
                                headers={"api-version": "2", "nhn-source-system": "test", **headers})
        body = assert_error(response, 401)
        assert response.headers["www-authenticate"].startswith("Bearer")
        assert body["error"]
    response = api.http.post("/Messages", json=post_body(dialog_message()),
                             headers={"api-version": "2", "nhn-source-system": "test"})
    assert_error(response, 401)


def test_a_client_sends_only_as_its_own_her_ids(api: Api) -> None:
    body = assert_error(api.post_message(dialog_message(), HOME_CARE), 403)
    assert WARD in body["error"]  # the sender of the client's own document, nothing else
    assert api.unread(HOME_CARE) == []


def test_reading_someone_elses_message_is_403_and_names_none_of_its_parties(api: Api) -> None:
    message_id = api.send(dialog_message(copies=[ALLOCATION]))
    parties = (WARD, HOSPITAL, HOME_CARE, ALLOCATION, MUNICIPALITY)
    for path, operation in (
        (f"/Messages/{message_id}", "/Messages/{id}"),
        (f"/Messages/{message_id}/business-document", "/Messages/{id}/business-document"),
        (f"/Messages/{message_id}/status", "/Messages/{id}/status"),
        (f"/Messages/{message_id}/apprec", "/Messages/{id}/apprec"),
    ):
        assert_error(api.get(path, STRANGER, operation=operation), 403, *parties, PATIENT_FNR)
    assert_error(api.read(message_id, STRANGER), 403, *parties)
    assert_error(api.read(message_id, HOME_CARE, STRANGER), 403, WARD, ALLOCATION)
    assert_error(api.apprec(message_id, STRANGER, {"appRecStatus": "Ok"}), 403, *parties)
    assert_error(api.apprec(message_id, HOME_CARE, {"appRecStatus": "Ok"}, STRANGER), 403, WARD, ALLOCATION)
    assert_error(api.call("GET", "/Messages", STRANGER, params={"ReceiverHerIds": HOME_CARE}), 403, WARD)
    # A receiver sees its own status only, not the other receivers'.
    assert [s["receiverHerId"] for s in api.status(message_id, ALLOCATION)] == [int(ALLOCATION)]
    assert [s["receiverHerId"] for s in api.apprec_info(message_id, ALLOCATION)] == [int(ALLOCATION)]
    assert api.unread(HOME_CARE)  # nothing of the above marked anything


def test_an_unknown_message_is_404_and_a_malformed_id_400(api: Api) -> None:
    unknown = str(uuid.uuid4())
    for suffix, operation in (("", "/Messages/{id}"), ("/business-document", "/Messages/{id}/business-document"),
                              ("/status", "/Messages/{id}/status"), ("/apprec", "/Messages/{id}/apprec")):
        assert_error(api.get(f"/Messages/{unknown}{suffix}", WARD, operation=operation), 404)
        assert_error(api.get(f"/Messages/not-a-guid{suffix}", WARD, operation=operation), 400)
    assert_error(api.read(unknown, HOME_CARE), 404)
    assert_error(api.apprec(unknown, HOME_CARE, {"appRecStatus": "Ok"}), 404)
    assert_error(api.read(unknown, "0", HOME_CARE), 400)


def test_nhns_headers_are_required(api: Api) -> None:
    token = issue_token(SECRET, [HOME_CARE])
    for headers in ({"nhn-source-system": "test"}, {"api-version": "2"}):
        response = api.http.get("/Messages", params={"ReceiverHerIds": HOME_CARE},
                                headers={"Authorization": f"Bearer {token}", **headers})
        body = assert_error(response, 400)
        assert body["validationErrors"]


# --- what a posted document must be ------------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        {"contentTransferEncoding": "quoted-printable"},
        {"contentType": "application/pdf"},
        {"businessDocument": "ikke base64!"},
        {"businessDocument": base64.b64encode(b"<ikke xml").decode()},
        {"businessDocument": base64.b64encode(b"<?xml version='1.0' encoding='UTF-8'?><Annet/>").decode()},
        {"businessDocument": base64.b64encode(
            dialog_message().replace(b"encoding='UTF-8'", b"encoding='ISO-8859-1'")).decode()},
        {"businessDocument": base64.b64encode(dialog_message().split(b"\n", 1)[1]).decode()},  # no declaration
        {"unknownProperty": 1},
        {"receiverHerIdsSubset": ["8201"]},
        {"ebXmlOverrides": {"useSenderLevel1HerId": "yes"}},
    ],
    ids=["encoding", "content-type", "base64", "xml", "root", "latin-1", "declaration", "extra", "subset-type",
         "override-type"],
)
def test_a_document_the_server_cannot_deliver_is_400(api: Api, change: dict[str, Any]) -> None:
    body = {**post_body(dialog_message()), **change}
    response = api.call("POST", "/Messages", WARD, operation="/Messages", json=body)
    assert_error(response, 400, PATIENT_FNR)


def test_a_body_that_is_not_json_is_400(api: Api) -> None:
    assert_error(api.call("POST", "/Messages", WARD, content=b"{", headers={"content-type": "application/json"}), 400)
    assert_error(api.call("POST", "/Messages", WARD, content=b"x", headers={"content-type": "text/plain"}), 400)
    text_json = json.dumps(post_body(dialog_message())).encode()
    response = api.call("POST", "/Messages", WARD, content=text_json, headers={"content-type": "text/json"})
    assert response.status_code == 201


def test_the_sender_may_be_the_organisation_level_when_the_client_asks(api: Api) -> None:
    message_id = api.send(dialog_message(), HOSPITAL, ebXmlOverrides={"useSenderLevel1HerId": True})
    (listed,) = api.unread(HOME_CARE, IncludeMetadata="true")
    assert listed["id"] == message_id and listed["senderHerId"] == int(HOSPITAL)


# --- read marking and delivery state ------------------------------------------------------------------


def test_marking_read_removes_the_message_from_that_receivers_list_only(api: Api) -> None:
    message_id = api.send(dialog_message(copies=[ALLOCATION]))
    assert {s["transportDeliveryState"] for s in api.status(message_id, WARD)} == {DeliveryState.UNCONFIRMED}
    response = api.read(message_id, HOME_CARE)
    assert response.status_code == 204 and response.content == b""
    assert api.read(message_id, HOME_CARE).status_code == 204  # again: no change
    assert api.unread(HOME_CARE) == []
    assert [m["id"] for m in api.unread(ALLOCATION)] == [message_id]
    assert api.status(message_id, WARD) == [
        {"receiverHerId": int(HOME_CARE), "transportDeliveryState": "Acknowledged", "appRecStatus": None},
        {"receiverHerId": int(ALLOCATION), "transportDeliveryState": "Unconfirmed", "appRecStatus": None},
    ]
    assert_error(api.read(message_id, DOCTOR, HOSPITAL), 404, ALLOCATION)  # the hospital's, but no receiver


def test_a_receiver_that_downloads_the_document_acknowledges_it(api: Api) -> None:
    message_id = api.send(dialog_message(copies=[ALLOCATION]))
    api.document(message_id, WARD)  # the sender's download acknowledges nothing
    assert {s["transportDeliveryState"] for s in api.status(message_id, WARD)} == {"Unconfirmed"}
    api.document(message_id, ALLOCATION)
    assert [s["transportDeliveryState"] for s in api.status(message_id, WARD)] == ["Unconfirmed", "Acknowledged"]
    assert [m["id"] for m in api.unread(ALLOCATION)] == [message_id]  # downloaded is not read


# --- application receipts ----------------------------------------------------------------------------


def the_apprec(api: Api, original_sender: str) -> tuple[dict[str, Any], AppRec, bytes]:
    (listed,) = api.unread(original_sender, IncludeMetadata="true")
    assert listed["isAppRec"] is True
    raw = api.document(listed["id"], original_sender)
    return listed, read_apprec(parse_xml(raw)), raw


def test_an_apprec_is_recorded_per_receiver_and_delivered_to_the_sender_as_a_real_apprec(
    api: Api, schemas: SchemaSet
) -> None:
    msg_id = str(uuid.uuid4())
    message_id = api.send(dialog_message(msg_id, copies=[ALLOCATION]))
    assert api.apprec_info(message_id, WARD) == [
        {"receiverHerId": int(HOME_CARE), "appRecStatus": None, "appRecErrorList": None},
        {"receiverHerId": int(ALLOCATION), "appRecStatus": None, "appRecErrorList": None},
    ]
    response = api.apprec(message_id, HOME_CARE, {"appRecStatus": "Ok"})
    assert response.status_code == 201
    apprec_id = response.json()
    assert response.headers["location"] == f"/Messages/{apprec_id}"

    listed, receipt, raw = the_apprec(api, WARD)
    assert listed["id"] == apprec_id and listed["senderHerId"] == int(HOME_CARE)
    assert listed["receiverHerId"] == int(WARD) and listed["businessDocumentId"] == receipt.id
    assert schemas.validate(parse_xml(raw), APPREC_XSD["1.1"]) == []
    assert receipt.version == "1.1" and receipt.status_code == "1" and receipt.error == []
    assert receipt.original_id == msg_id and receipt.original_msg_id.msg_type.v == "DIALOG_NOTAT"
    assert receipt.sender_her_id == HOME_CARE and receipt.receiver_her_id == WARD
    assert receipt.sender.role is not None and receipt.sender.role.v == "PRIM"

    rejected = {"appRecStatus": "Rejected", "appRecErrorList": [
        {"errorCode": "E35", "details": "Pasienten er ukjent hos Tildelingskontoret"}]}
    assert api.apprec(message_id, ALLOCATION, rejected).status_code == 201
    assert api.apprec_info(message_id, WARD) == [
        {"receiverHerId": int(HOME_CARE), "appRecStatus": "Ok", "appRecErrorList": []},
        {"receiverHerId": int(ALLOCATION), "appRecStatus": "Rejected", "appRecErrorList": [
            {"errorCode": "E35", "details": "Pasienten er ukjent hos Tildelingskontoret"}]},
    ]
    assert api.status(message_id, WARD) == [
        {"receiverHerId": int(HOME_CARE), "transportDeliveryState": "Acknowledged", "appRecStatus": "Ok"},
        {"receiverHerId": int(ALLOCATION), "transportDeliveryState": "Acknowledged", "appRecStatus": "Rejected"},
    ]
    second = next(m for m in api.unread(WARD, IncludeMetadata="true") if m["senderHerId"] == int(ALLOCATION))
    copy_receipt = read_apprec(parse_xml(api.document(second["id"], WARD)))
    assert copy_receipt.rejected and copy_receipt.error_codes == ["E35"]
    assert copy_receipt.sender.role is not None and copy_receipt.sender.role.v == "COP"
    assert copy_receipt.error[0].ot == "Pasienten er ukjent hos Tildelingskontoret"

    # The AppRec message itself: its status is its transport state to the original sender.
    assert api.status(apprec_id, WARD) == [
        {"receiverHerId": int(WARD), "transportDeliveryState": "Acknowledged", "appRecStatus": None}]
    assert_error(api.apprec(apprec_id, WARD, {"appRecStatus": "Ok"}), 400)  # no AppRec on an AppRec


def test_the_same_apprec_again_returns_the_same_apprec_message_and_a_different_one_is_400(api: Api) -> None:
    message_id = api.send(dialog_message())
    first = api.apprec(message_id, HOME_CARE, {"appRecStatus": "Ok", "appRecErrorList": None})
    again = api.apprec(message_id, HOME_CARE, {"appRecStatus": "Ok"})
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    assert len(api.unread(WARD)) == 1
    changed = {"appRecStatus": "Rejected", "appRecErrorList": [{"errorCode": "E10", "details": None}]}
    assert_error(api.apprec(message_id, HOME_CARE, changed), 400)


def test_the_apprec_version_follows_the_originals_standard(api: Api, schemas: SchemaSet) -> None:
    for document, version in ((dialog_message(version="1.0"), "1.0"), (plo_message(), "1.1")):
        message_id = api.send(document)
        status = {"appRecStatus": "OkErrorInMessagePart",
                  "appRecErrorList": [{"errorCode": "E36", "details": "Mangler adresse", "description": None,
                                       "oid": OID_ERROR}]}
        assert api.apprec(message_id, HOME_CARE, status).status_code == 201
        listed, receipt, raw = the_apprec(api, WARD)
        assert receipt.version == version and receipt.status_code == "3" and receipt.error_codes == ["E36"]
        assert schemas.validate(parse_xml(raw), APPREC_XSD[version]) == []
        assert api.read(listed["id"], WARD).status_code == 204


def test_apprec_status_as_code_and_errors_of_another_code_system(api: Api, schemas: SchemaSet) -> None:
    message_id = api.send(dialog_message())
    body = {"appRecStatus": "2", "appRecErrorList": [
        {"errorCode": "42", "details": "Ukjent tjeneste", "description": "Tjenesten finnes ikke",
         "oid": "2.16.578.1.12.4.1.1.9999"}]}
    assert api.apprec(message_id, HOME_CARE, body).status_code == 201
    (info,) = api.apprec_info(message_id, WARD)
    assert info["appRecStatus"] == "Rejected" and info["appRecErrorList"] == body["appRecErrorList"]
    _, receipt, raw = the_apprec(api, WARD)
    assert receipt.error[0].s == "2.16.578.1.12.4.1.1.9999" and receipt.error[0].dn == "Tjenesten finnes ikke"
    assert schemas.validate(parse_xml(raw), APPREC_XSD["1.1"]) == []


@pytest.mark.parametrize(
    "body",
    [
        {"appRecStatus": "Rejected"},  # Avvist needs errors
        {"appRecStatus": "Ok", "appRecErrorList": [{"errorCode": "E10", "details": ""}]},  # OK has none
        {"appRecStatus": "Rejected", "appRecErrorList": [{"errorCode": "Z99", "details": ""}]},  # not in 8221
        {"appRecStatus": "Rejected", "appRecErrorList": [{"errorCode": None, "details": ""}]},
        {"appRecStatus": "Rejected", "appRecErrorList": [{"errorCode": "E10"}]},  # details is required
        {"appRecStatus": "Rejected", "appRecErrorList": [{"errorCode": "E10", "details": "null\u0000tegn"}]},
        {"appRecStatus": "Rejected", "appRecErrorList": [{"errorCode": "E10", "details": "", "oid": "\u000b"}]},
        {"appRecStatus": "Godkjent"},
        {"appRecStatus": 1},
        {},
    ],
)
def test_an_apprec_the_server_cannot_write_is_400(api: Api, body: dict[str, Any]) -> None:
    message_id = api.send(dialog_message())
    assert_error(api.apprec(message_id, HOME_CARE, body), 400)
    assert api.unread(WARD) == []
    assert api.apprec_info(message_id, WARD)[0]["appRecStatus"] is None


def test_an_apprec_for_a_her_id_that_is_no_receiver_is_400(api: Api) -> None:
    message_id = api.send(dialog_message())
    assert_error(api.apprec(message_id, ALLOCATION, {"appRecStatus": "Ok"}, MUNICIPALITY), 400)


def test_a_bare_apprec_is_delivered_as_it_is_addressed(api: Api) -> None:
    from samhandling.standards.message import to_bytes
    from samhandling.standards.msghead import read_msghead

    original = read_msghead(parse_xml(dialog_message()))
    receipt = build_apprec(original, version="1.1", status="1", recipient_her_id=HOME_CARE)
    message_id = api.send(to_bytes(write_apprec(receipt)), HOME_CARE)
    (listed,) = api.unread(WARD, IncludeMetadata="true")
    assert listed["id"] == message_id and listed["isAppRec"] is True and listed["businessDocumentId"] == receipt.id


# --- tokens --------------------------------------------------------------------------------------------


def test_the_secret_is_made_once_readable_by_its_owner_only(tmp_path: Path) -> None:
    secret = load_or_create_secret(tmp_path)
    assert load_or_create_secret(tmp_path) == secret and len(secret) == 64
    assert stat.S_IMODE(os.stat(secret_path(tmp_path)).st_mode) == 0o600
    token = issue_token(secret, [WARD, HOSPITAL, WARD])
    assert read_token(secret, token) == {WARD, HOSPITAL}
    with pytest.raises(TokenError):
        read_token(load_or_create_secret(tmp_path / "other"), token)
    for bad in ([], ["0123"], ["12a"], [str(2**31)]):
        with pytest.raises(ValueError):
            issue_token(secret, bad)


# --- the command line: ``msh serve`` as a real process, the rest in process --------------------------------


def cli_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAMHANDLING_")}
    env["SAMHANDLING_HOME"] = str(home)
    return env


def first_line(process: subprocess.Popen[str], timeout: float = 60) -> str:
    """The first line the process prints, or an AssertionError (with its errors) if none comes in time."""
    assert process.stdout is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([process.stdout], [], [], 0.1)
        if ready:
            return process.stdout.readline()
        if process.poll() is not None:
            break
    process.kill()
    raise AssertionError(f"the server printed nothing: {process.communicate()[1]}")


@pytest.mark.process
def test_msh_serve_runs_as_a_process_on_a_free_port_and_answers(tmp_path: Path) -> None:
    env = cli_env(tmp_path / "home")
    register = tmp_path / "parter.json"
    register.write_text(json.dumps({"parties": [
        {"her_id": p.her_id, "name": p.name, "kind": p.kind.value, "parent_her_id": p.parent_her_id}
        for p in PARTIES]}), encoding="utf-8")
    made = run_cli("msh", "token", "--her-id", HOSPITAL, home=tmp_path / "home")
    assert made.returncode == 0, made.stderr
    hospital_token = made.stdout.strip()
    municipality_token = run_cli("msh", "token", "--her-id", MUNICIPALITY, home=tmp_path / "home").stdout.strip()

    server = subprocess.Popen([sys.executable, "-m", "samhandling", "msh", "serve", "--port", "0",
                               "--parties", str(register)], env=env, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        line = first_line(server)
        assert line.startswith("Meldingstjeneren lytter på http://127.0.0.1:"), line
        base = line.split()[-1]
        headers = {"api-version": "2", "nhn-source-system": "samhandling-test"}
        with httpx.Client(base_url=base, headers=headers, timeout=30) as http:
            sent = http.post("/Messages", json=post_body(dialog_message()),
                             headers={"Authorization": f"Bearer {hospital_token}"})  # as the ward, under HOSPITAL
            assert sent.status_code == 201, sent.text
            listed = http.get("/Messages", params={"ReceiverHerIds": HOME_CARE},
                              headers={"Authorization": f"Bearer {municipality_token}"})
            assert listed.json() == [{"id": sent.json(), "receiverHerId": int(HOME_CARE)}]
            assert http.get("/Messages", params={"ReceiverHerIds": HOME_CARE}).status_code == 401
    finally:
        server.send_signal(signal.SIGTERM)
        out, err = server.communicate(timeout=60)
    assert server.returncode == 0, err
    assert PATIENT_FNR not in out + err
    assert (tmp_path / "home" / "samhandling.db").exists()  # the node's store, SQLite by default


def test_msh_serve_says_in_one_line_why_it_cannot_start(tmp_path: Path) -> None:
    home = tmp_path / "home"
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        busy = run_cli("msh", "serve", "--port", port, home=home)
    assert busy.returncode == 2 and busy.stderr.startswith("Feil: kan ikke lytte på 127.0.0.1:" + port)
    assert len(busy.stderr.strip().splitlines()) == 1
    (tmp_path / "feil.json").write_text('{"parties": [{"her_id": "x1", "name": "X", "kind": "service"}]}')
    wrong = run_cli("msh", "serve", "--parties", str(tmp_path / "feil.json"), home=home)
    assert wrong.returncode == 2 and "feil.json: parties[0].her_id" in wrong.stderr
    no_her_id = run_cli("msh", "token", "--her-id", "abc", home=home)
    assert no_her_id.returncode == 2 and no_her_id.stderr.startswith("Feil: HER-id «abc»")
