"""The EDI 2.0 client (MSH API v2) against the official spec and its sample responses.

Every answer the fake server gives is an official sample from ``nhn/responses/`` (or an example of the spec),
read at test time; every request the client makes is checked against ``msh-api-v2.json``: its operation,
required headers, path and query parameters, and the JSON body against the request schema.
"""

from __future__ import annotations

import base64
import json
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from samhandling.transport.auth import CLIENT_ASSERTION_TYPE, BearerToken, HelseIdClientCredentials
from samhandling.transport.base import DeliveryState, Envelope, Inbound, ReceiverStatus, TransportError
from samhandling.transport.edi2.client import MshApiClient, RetryPolicy
from samhandling.transport.edi2.errors import MshApiError
from samhandling.transport.edi2.payload import as_utf8_document
from samhandling.transport.edi2.spec import (
    AppRecError,
    AppRecStatus,
    BusinessDocument,
    EbXmlInfo,
    Message,
    OrderBy,
    PostAppRecRequest,
    PostMessageRequest,
)
from samhandling.transport.edi2.transport import Edi2Transport

BASE = "https://msh.test"
TOKEN_ENDPOINT = "https://helseid.test/connect/token"
MESSAGE_ID = "80383714-f0de-4cf8-900f-c79ba3af028c"  # the id in the samples get-message-response*.json


# --- the spec and its samples ----------------------------------------------------------------------


@pytest.fixture(scope="session")
def nhn(conformance_dir: Path) -> Path:
    path = conformance_dir / "nhn"
    if not (path / "msh-api-v2.json").exists():
        pytest.skip(f"NHN's MSH API spec missing at {path}")
    return path


@pytest.fixture(scope="session")
def spec(nhn: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((nhn / "msh-api-v2.json").read_text(encoding="utf-8"))
    return loaded


@pytest.fixture(scope="session")
def sample(nhn: Path) -> Callable[[str], bytes]:
    def read(name: str) -> bytes:
        return (nhn / "responses" / name).read_bytes()

    return read


def _resolve(spec: dict[str, Any], ref: str) -> dict[str, Any]:
    node: Any = spec
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return dict(node)


def check_schema(spec: dict[str, Any], schema: dict[str, Any], value: Any, where: str = "$") -> None:
    """A small validator for the OpenAPI 3.0 subset the spec's request schemas use."""
    if "$ref" in schema:
        check_schema(spec, _resolve(spec, schema["$ref"]), value, where)
        return
    if value is None:
        assert schema.get("nullable"), f"{where} is null but not nullable"
        return
    for part in schema.get("allOf", []):
        check_schema(spec, part, value, where)
    kind = schema.get("type")
    if "enum" in schema:
        assert value in schema["enum"], f"{where}: {value!r} not in {schema['enum']}"
    if kind == "string":
        assert isinstance(value, str), where
        assert len(value) >= schema.get("minLength", 0), where
        assert len(value) <= schema.get("maxLength", len(value)), where
        if schema.get("format") == "uuid":
            uuid.UUID(value)
    elif kind == "integer":
        assert isinstance(value, int) and not isinstance(value, bool), where
        assert schema.get("minimum", value) <= value <= schema.get("maximum", value), where
        if schema.get("format") == "int32":
            assert -(2**31) <= value < 2**31, where
    elif kind == "boolean":
        assert isinstance(value, bool), where
    elif kind == "array":
        assert isinstance(value, list), where
        for i, item in enumerate(value):
            check_schema(spec, schema["items"], item, f"{where}[{i}]")
    elif kind == "object":
        assert isinstance(value, dict), where
        properties = schema.get("properties", {})
        for name in schema.get("required", []):
            assert name in value, f"{where}: required {name} missing"
        if schema.get("additionalProperties") is False:
            assert set(value) <= set(properties), f"{where}: unknown {set(value) - set(properties)}"
        for name, item in value.items():
            if name in properties:
                check_schema(spec, properties[name], item, f"{where}.{name}")


def check_request(spec: dict[str, Any], request: httpx.Request) -> str:
    """The request fits an operation of the spec; returns its operationId."""
    method = request.method.lower()
    for template, operations in spec["paths"].items():
        pattern = "^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template) + "$"
        found = re.match(pattern, request.url.path)
        if found is None or method not in operations:
            continue
        operation = operations[method]
        query = parse_qs(request.url.query.decode(), keep_blank_values=True)
        declared_query = set()
        for parameter in operation.get("parameters", []):
            name, where, schema = parameter["name"], parameter["in"], parameter["schema"]
            if where == "header":
                assert not parameter.get("required") or request.headers.get(name), f"header {name} missing"
            elif where == "path":
                value = found.group(name)
                check_schema(spec, schema, int(value) if schema.get("type") == "integer" else value, name)
            elif where == "query":
                declared_query.add(name)
                assert not parameter.get("required") or name in query, f"query {name} missing"
                for value in query.get(name, []):
                    item = schema.get("items", schema)
                    if item.get("type") == "integer":
                        check_schema(spec, item, int(value), name)
                    elif item.get("type") == "boolean":
                        assert value in ("true", "false"), name
                    else:
                        check_schema(spec, item, value, name)
        assert set(query) <= declared_query, f"undeclared query {set(query) - declared_query}"
        if "requestBody" in operation:
            assert request.headers["content-type"] == "application/json"
            schema = operation["requestBody"]["content"]["application/json"]["schema"]
            check_schema(spec, schema, json.loads(request.content))
        else:
            assert not request.content
        assert request.headers["authorization"] == "Bearer local-token"
        return str(operation["operationId"])
    raise AssertionError(f"no operation {request.method} {request.url.path} in the spec")


# --- a fake server ---------------------------------------------------------------------------------

Handler = Callable[[httpx.Request], httpx.Response]


@dataclass
class Server:
    """Routes (method, path regex) to handlers and records every request after checking it against the spec."""

    spec: dict[str, Any]
    routes: list[tuple[str, str, Handler]] = field(default_factory=list)
    requests: list[tuple[str, httpx.Request]] = field(default_factory=list)

    def on(self, method: str, path: str, handler: Handler) -> None:
        self.routes.insert(0, (method, path, handler))

    def answer(self, method: str, path: str, status: int, body: bytes = b"") -> None:
        headers = {"content-type": "application/json"} if body else {}
        self.on(method, path, lambda _: httpx.Response(status, content=body, headers=headers))

    def __call__(self, request: httpx.Request) -> httpx.Response:
        operation = check_request(self.spec, request)
        self.requests.append((operation, request))
        for method, path, handler in self.routes:
            if method == request.method and re.fullmatch(path, request.url.path):
                return handler(request)
        raise AssertionError(f"unexpected {request.method} {request.url.path}")

    def operations(self) -> list[str]:
        return [operation for operation, _ in self.requests]


@pytest.fixture
def server(spec: dict[str, Any]) -> Server:
    return Server(spec)


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def client(server: Server, sleeps: list[float]) -> Iterator[MshApiClient]:
    with MshApiClient(BASE, auth=BearerToken("local-token"), transport=httpx.MockTransport(server),
                      sleep=sleeps.append) as made:
        yield made


@pytest.fixture
def edi2(client: MshApiClient) -> Edi2Transport:
    return Edi2Transport(client)


# --- every operation, with the official samples ----------------------------------------------------


def test_get_messages_lists_unread_messages(client: MshApiClient, server: Server,
                                            sample: Callable[[str], bytes]) -> None:
    server.answer("GET", "/Messages", 200, sample("get-messages-response.json"))

    messages = client.get_messages([8143060, 8143061], messages_to_fetch=20, include_metadata=False,
                                   order_by=OrderBy.ASCENDING, sender_her_id=8094866, business_document_id="x")

    assert messages == [Message(id="0c8f3d36-f9e7-4e3f-9d5c-c820fa9b5773", receiver_her_id=8143060),
                        Message(id="99607d81-18bd-45ee-a96f-85e3687a5e05", receiver_her_id=8143060)]
    [(operation, request)] = server.requests
    assert operation == "GetMessages"
    assert request.url.path == "/Messages"
    assert parse_qs(request.url.query.decode()) == {
        "ReceiverHerIds": ["8143060", "8143061"], "SenderHerId": ["8094866"], "BusinessDocumentId": ["x"],
        "IncludeMetadata": ["false"], "MessagesToFetch": ["20"], "OrderBy": ["Ascending"]}
    assert request.headers["api-version"] == "2"
    assert request.headers["nhn-source-system"] == "samhandling"


@pytest.mark.parametrize("name", ["get-message-response.json", "get-message-response-with-unknown-property.json"])
def test_get_message_reads_metadata_and_ignores_unknown_properties(
        client: MshApiClient, server: Server, sample: Callable[[str], bytes], name: str) -> None:
    server.answer("GET", f"/Messages/{MESSAGE_ID}", 200, sample(name))

    message = client.get_message(MESSAGE_ID)

    assert message == Message(id=MESSAGE_ID, receiver_her_id=8143060, content_type="application/xml",
                              sender_her_id=8094866, business_document_id="c88389b7-f8ad-40b2-81e1-090e715b7530",
                              business_document_gen_date=datetime(2025, 8, 21, 11, 39, 57), is_app_rec=False)
    assert server.operations() == ["GetMessage"]


def test_get_message_of_an_apprec(client: MshApiClient, server: Server, sample: Callable[[str], bytes]) -> None:
    server.answer("GET", "/Messages/.+", 200, sample("get-message-apprec-response.json"))

    message = client.get_message("0c8f3d36-f9e7-4e3f-9d5c-c820fa9b5773")

    assert message.is_app_rec is True
    assert message.business_document_id == "9ebaaf44-7317-41b7-892a-2a568acd5111"
    # seven decimals of seconds, as .NET writes them
    assert message.business_document_gen_date == datetime(2025, 8, 21, 11, 21, 16, 415)


@pytest.mark.parametrize(("name", "root"), [
    ("get-business-document-response.json", b"<MsgHead"),
    ("get-business-document-apprec-response.json", b"<AppRec"),
])
def test_get_business_document_decodes_base64(client: MshApiClient, server: Server, sample: Callable[[str], bytes],
                                              name: str, root: bytes) -> None:
    server.answer("GET", f"/Messages/{MESSAGE_ID}/business-document", 200, sample(name))

    document = client.get_business_document(MESSAGE_ID)

    official = json.loads(sample(name))
    assert document.content_type == "application/xml"
    assert document.content_transfer_encoding == "base64"
    assert document.content() == base64.b64decode(official["businessDocument"])
    assert document.content().startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    assert root in document.content()
    assert server.operations() == ["GetBusinessDocument"]


def test_business_document_in_another_encoding_is_refused() -> None:
    with pytest.raises(MshApiError, match="ukjent koding") as caught:
        BusinessDocument("PD94bWw+", "application/xml", "quoted-printable").content()
    assert not caught.value.retryable
    with pytest.raises(MshApiError, match="ikke er gyldig base64"):
        BusinessDocument("not base64!", "application/xml", "base64").content()


@pytest.mark.parametrize(("name", "delivery", "apprec"), [
    ("get-status.json", DeliveryState.UNCONFIRMED, None),
    ("get-status-acked.json", DeliveryState.ACKNOWLEDGED, AppRecStatus.OK),
])
def test_get_status(client: MshApiClient, server: Server, sample: Callable[[str], bytes], name: str,
                    delivery: DeliveryState, apprec: AppRecStatus | None) -> None:
    server.answer("GET", f"/Messages/{MESSAGE_ID}/status", 200, sample(name))

    [status] = client.get_status(MESSAGE_ID)

    assert status.receiver_her_id == 8094866
    assert status.transport_delivery_state is delivery
    assert status.app_rec_status is apprec
    assert server.operations() == ["GetStatus"]


def test_get_apprec_info(client: MshApiClient, server: Server, sample: Callable[[str], bytes]) -> None:
    server.answer("GET", f"/Messages/{MESSAGE_ID}/apprec", 200, sample("get-apprecinfo-okerrorinmessagepart.json"))

    [info] = client.get_apprec_info(MESSAGE_ID)

    assert info.receiver_her_id == 123456
    assert info.app_rec_status is AppRecStatus.OK_ERROR_IN_MESSAGE_PART
    assert info.app_rec_status.code == "3"
    assert info.app_rec_error_list == (AppRecError("E31", "Pasientens fødselsnummer er feil"),
                                       AppRecError("E20", "Noe gikk galt"))
    assert server.operations() == ["GetApprecInfo"]


@pytest.mark.parametrize(("name", "expected"), [
    ("get-apprecinfo-ok.json", [(8094866, AppRecStatus.OK, ())]),
    ("get-apprecinfo-rejected.json", [(42, AppRecStatus.REJECTED, ("E10",))]),
    ("get-apprecinfo-multi.json", [(1111, AppRecStatus.REJECTED, ("E10",)), (2222, AppRecStatus.OK, ())]),
])
def test_get_apprec_info_samples(client: MshApiClient, server: Server, sample: Callable[[str], bytes], name: str,
                                 expected: list[tuple[int, AppRecStatus, tuple[str, ...]]]) -> None:
    server.answer("GET", f"/Messages/{MESSAGE_ID}/apprec", 200, sample(name))

    infos = client.get_apprec_info(MESSAGE_ID)

    assert [(i.receiver_her_id, i.app_rec_status, tuple(e.error_code for e in i.app_rec_error_list))
            for i in infos] == expected


def test_post_message_sends_base64_and_returns_the_id(client: MshApiClient, server: Server,
                                                      sample: Callable[[str], bytes]) -> None:
    server.answer("POST", "/Messages", 201, sample("post-message-response.txt"))
    document = '<?xml version="1.0" encoding="UTF-8"?><MsgHead>æøå</MsgHead>'.encode()

    created = client.post_message(PostMessageRequest.of(
        document, receiver_her_ids_subset=[8143060],
        ebxml_overrides=EbXmlInfo(application_name="samhandling", compress_payload=False)))

    assert created == "0556bccf-ccf9-4597-9673-14cbd1a96d99"
    [(operation, request)] = server.requests
    assert operation == "PostMessage"
    body = json.loads(request.content)
    assert body == {"businessDocument": base64.b64encode(document).decode(), "contentType": "application/xml",
                    "contentTransferEncoding": "base64", "receiverHerIdsSubset": [8143060],
                    "ebXmlOverrides": {"applicationName": "samhandling", "compressPayload": False}}
    assert base64.b64decode(body["businessDocument"]) == document


def test_post_apprec(client: MshApiClient, server: Server, sample: Callable[[str], bytes]) -> None:
    server.answer("POST", f"/Messages/{MESSAGE_ID}/apprec/8143060", 201, sample("post-apprec-response.txt"))

    created = client.post_apprec(MESSAGE_ID, 8143060, PostAppRecRequest(
        AppRecStatus.REJECTED, (AppRecError("E21", "Legen har sluttet", "Mottaker finnes ikke", "2.16.578"),)))

    assert created == "680bb102-4541-4ca9-8210-07251b3206a3"
    [(operation, request)] = server.requests
    assert operation == "PostAppRec"
    assert json.loads(request.content) == {"appRecStatus": "Rejected", "appRecErrorList": [
        {"errorCode": "E21", "details": "Legen har sluttet", "description": "Mottaker finnes ikke",
         "oid": "2.16.578"}]}


def test_mark_as_read(client: MshApiClient, server: Server) -> None:
    server.answer("PUT", f"/Messages/{MESSAGE_ID}/read/8143060", 204)

    client.mark_as_read(MESSAGE_ID.upper(), 8143060)

    [(operation, request)] = server.requests
    assert operation == "MarkMessageAsRead"
    assert request.url.path == f"/Messages/{MESSAGE_ID}/read/8143060"


def test_every_operation_of_the_spec_is_implemented(client: MshApiClient, server: Server, spec: dict[str, Any],
                                                    sample: Callable[[str], bytes]) -> None:
    server.answer("GET", "/Messages", 200, sample("get-messages-response.json"))
    server.answer("GET", "/Messages/[^/]+", 200, sample("get-message-response.json"))
    server.answer("GET", "/Messages/.+/business-document", 200, sample("get-business-document-response.json"))
    server.answer("GET", "/Messages/.+/status", 200, sample("get-status.json"))
    server.answer("GET", "/Messages/.+/apprec", 200, sample("get-apprecinfo-ok.json"))
    server.answer("POST", "/Messages", 201, sample("post-message-response.txt"))
    server.answer("POST", "/Messages/.+/apprec/.+", 201, sample("post-apprec-response.txt"))
    server.answer("PUT", "/Messages/.+/read/.+", 204)

    client.get_messages([1])
    client.get_message(MESSAGE_ID)
    client.get_business_document(MESSAGE_ID)
    client.get_status(MESSAGE_ID)
    client.get_apprec_info(MESSAGE_ID)
    client.post_message(PostMessageRequest.of(b"<x/>"))
    client.post_apprec(MESSAGE_ID, 1, PostAppRecRequest(AppRecStatus.OK))
    client.mark_as_read(MESSAGE_ID, 1)

    every = {op["operationId"] for operations in spec["paths"].values() for op in operations.values()}
    assert sorted(server.operations()) == sorted(every)


def test_ids_are_checked_before_they_become_a_path(client: MshApiClient, server: Server) -> None:
    with pytest.raises(MshApiError, match="ikke en meldings-id") as caught:
        client.get_message("../Messages")
    assert not caught.value.retryable
    with pytest.raises(MshApiError, match="HER-id"):
        client.mark_as_read(MESSAGE_ID, 0)
    assert server.requests == []


# --- errors and retries ----------------------------------------------------------------------------


def spec_error(spec: dict[str, Any], path: str, method: str, status: int) -> bytes:
    """The spec's own example ErrorMessage for an answer."""
    example = spec["paths"][path][method]["responses"][str(status)]["content"]["application/json"]["example"]
    return json.dumps(example).encode()


def test_4xx_is_a_clear_error_that_is_not_retried(client: MshApiClient, server: Server, spec: dict[str, Any],
                                                  sleeps: list[float]) -> None:
    server.answer("GET", "/Messages", 403, spec_error(spec, "/Messages", "get", 403))

    with pytest.raises(MshApiError) as caught:
        client.get_messages([1234])

    error = caught.value
    assert not error.retryable
    assert error.status == 403
    assert error.error is not None and error.error.error == "Not authorized for HerId(s): 1234"
    text = str(error)
    assert "\n" not in text
    assert text.startswith("meldingstjeneren nektet tilgang ved GET /Messages (403 Forbidden)")
    assert "Not authorized for HerId(s): 1234" in text
    assert "StackTrace" not in text
    assert len(server.requests) == 1 and sleeps == []


def test_validation_errors_are_shown(client: MshApiClient, server: Server, spec: dict[str, Any]) -> None:
    server.answer("POST", "/Messages", 400, spec_error(spec, "/Messages", "post", 400))

    with pytest.raises(MshApiError, match=r"avviste POST /Messages .*Model validation error occurred – Example error"):
        client.post_message(PostMessageRequest.of(b"<x/>"))


def test_404_says_what_is_missing(client: MshApiClient, server: Server, spec: dict[str, Any]) -> None:
    server.answer("GET", "/Messages/.+", 404, spec_error(spec, "/Messages/{id}", "get", 404))

    with pytest.raises(MshApiError, match=f"finner ikke /Messages/{MESSAGE_ID} .*Could not find database document"):
        client.get_message(MESSAGE_ID)


def test_5xx_is_retried_with_exponential_backoff_then_retryable(client: MshApiClient, server: Server,
                                                                spec: dict[str, Any], sleeps: list[float]) -> None:
    server.answer("GET", "/Messages/.+/status", 500, spec_error(spec, "/Messages/{id}/status", "get", 500))

    with pytest.raises(MshApiError) as caught:
        client.get_status(MESSAGE_ID)

    assert caught.value.retryable
    assert caught.value.status == 500
    assert "An unknown error occurred" in str(caught.value) and "etter 4 forsøk" in str(caught.value)
    assert len(server.requests) == 4
    assert sleeps == [0.5, 1.0, 2.0]


def test_a_5xx_then_success_returns_the_answer(client: MshApiClient, server: Server,
                                               sample: Callable[[str], bytes], sleeps: list[float]) -> None:
    answers = iter([httpx.Response(502), httpx.Response(503, headers={"Retry-After": "3"}),
                    httpx.Response(200, content=sample("get-status-acked.json"))])
    server.on("GET", "/Messages/.+/status", lambda _: next(answers))

    [status] = client.get_status(MESSAGE_ID)

    assert status.transport_delivery_state is DeliveryState.ACKNOWLEDGED
    assert sleeps == [0.5, 3.0]  # Retry-After is honoured


def test_network_errors_are_retried(client: MshApiClient, server: Server, sample: Callable[[str], bytes],
                                    sleeps: list[float]) -> None:
    failures = iter([httpx.ReadTimeout("timed out"), httpx.ConnectError("connection refused")])

    def flaky(request: httpx.Request) -> httpx.Response:
        failure = next(failures, None)
        if failure is not None:
            raise failure
        return httpx.Response(200, content=sample("get-message-response.json"))

    server.on("GET", "/Messages/.+", flaky)

    assert client.get_message(MESSAGE_ID).id == MESSAGE_ID
    assert sleeps == [0.5, 1.0]


def test_a_timeout_says_so(client: MshApiClient, server: Server) -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out")

    server.on("POST", "/Messages", slow)

    with pytest.raises(MshApiError, match=r"^meldingstjeneren svarte ikke i tide ved POST /Messages") as caught:
        client.post_message(PostMessageRequest.of(b"<x/>"))

    assert caught.value.retryable
    assert len(server.requests) == 1  # the server may have taken it in: not repeated


def test_network_down_is_a_retryable_error_after_bounded_attempts(server: Server, sleeps: list[float]) -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused")

    server.on("GET", "/Messages", down)
    policy = RetryPolicy(attempts=3, initial_delay=1, multiplier=3, max_delay=2)
    with MshApiClient(BASE, auth=BearerToken("local-token"), transport=httpx.MockTransport(server), retry=policy,
                      sleep=sleeps.append) as client, pytest.raises(MshApiError) as caught:
        client.get_messages([1])

    assert caught.value.retryable
    assert str(caught.value).startswith("ingen forbindelse med meldingstjeneren ved GET /Messages")
    assert len(server.requests) == 3
    assert sleeps == [1, 2]  # 1, then 3 capped at 2


def test_a_post_the_server_may_have_taken_in_is_not_repeated(client: MshApiClient, server: Server,
                                                             sleeps: list[float]) -> None:
    server.answer("POST", "/Messages", 500)

    with pytest.raises(MshApiError) as caught:
        client.post_message(PostMessageRequest.of(b"<x/>"))

    assert caught.value.retryable  # the outbox tries again later
    assert len(server.requests) == 1 and sleeps == []


def test_a_post_that_never_reached_the_server_is_repeated(client: MshApiClient, server: Server,
                                                          sample: Callable[[str], bytes], sleeps: list[float]) -> None:
    created = httpx.Response(201, content=sample("post-message-response.txt"))
    answers: Iterator[httpx.Response | Exception] = iter([httpx.ConnectError("refused"), httpx.Response(503), created])

    def handler(request: httpx.Request) -> httpx.Response:
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer

    server.on("POST", "/Messages", handler)

    assert client.post_message(PostMessageRequest.of(b"<x/>")) == "0556bccf-ccf9-4597-9673-14cbd1a96d99"
    assert sleeps == [0.5, 1.0]


def test_posts_are_retried_when_the_server_deduplicates(server: Server, sleeps: list[float]) -> None:
    server.answer("POST", "/Messages", 500)
    policy = RetryPolicy(attempts=2, retry_unsafe_posts=True)
    with MshApiClient(BASE, auth=BearerToken("local-token"), transport=httpx.MockTransport(server), retry=policy,
                      sleep=sleeps.append) as client, pytest.raises(MshApiError):
        client.post_message(PostMessageRequest.of(b"<x/>"))
    assert len(server.requests) == 2


def test_an_answer_that_does_not_fit_the_spec(client: MshApiClient, server: Server) -> None:
    server.answer("GET", "/Messages/.+/status", 200, b'[{"receiverHerId": 1, "transportDeliveryState": "Lost"}]')
    with pytest.raises(MshApiError, match=r"uventet svar .*ukjent verdi «Lost» for «transportDeliveryState»"):
        client.get_status(MESSAGE_ID)
    server.answer("GET", "/Messages/.+/status", 200, b'[{"transportDeliveryState": "Unconfirmed"}]')
    with pytest.raises(MshApiError, match="«receiverHerId» mangler"):
        client.get_status(MESSAGE_ID)
    server.answer("POST", "/Messages", 201, b"<html>ok</html>")
    with pytest.raises(MshApiError, match="ikke JSON"):
        client.post_message(PostMessageRequest.of(b"<x/>"))


# --- the transport ---------------------------------------------------------------------------------


def test_send_posts_the_message_to_its_recipient_only(edi2: Edi2Transport, server: Server, samples_dir: Path,
                                                      sample: Callable[[str], bytes]) -> None:
    server.answer("POST", "/Messages", 201, sample("post-message-response.txt"))
    payload = (samples_dir / "dialogmelding-1.0/Dialogmelding_foresporsel_PLO_v1-0.xml").read_bytes()

    delivery = edi2.send(Envelope("msg-1", "59", "5078", payload))

    assert delivery.reference == "0556bccf-ccf9-4597-9673-14cbd1a96d99"
    [(operation, request)] = server.requests
    assert operation == "PostMessage"
    body = json.loads(request.content)
    assert base64.b64decode(body["businessDocument"]) == payload  # UTF-8 already: the bytes as stored
    assert body["receiverHerIdsSubset"] == [5078]


def test_send_declares_utf8_as_the_spec_requires(edi2: Edi2Transport, server: Server,
                                                 sample: Callable[[str], bytes]) -> None:
    server.answer("POST", "/Messages", 201, sample("post-message-response.txt"))
    latin1 = '<?xml version="1.0" encoding="ISO-8859-1"?>\n<Melding>Blåbærsyltetøy</Melding>'.encode("iso-8859-1")

    edi2.send(Envelope("msg-1", "59", "5078", latin1))

    sent = base64.b64decode(json.loads(server.requests[0][1].content)["businessDocument"])
    assert sent == '<?xml version="1.0" encoding="UTF-8"?>\n<Melding>Blåbærsyltetøy</Melding>'.encode()


@pytest.mark.parametrize(("given", "expected"), [
    (b'<?xml version="1.0" encoding="utf-8"?><a/>', b'<?xml version="1.0" encoding="utf-8"?><a/>'),
    (b"\xef\xbb\xbf<?xml version='1.0' encoding='UTF-8'?><a/>", b"<?xml version='1.0' encoding='UTF-8'?><a/>"),
    ('<a>ø</a>'.encode(), '<?xml version="1.0" encoding="UTF-8"?>\n<a>ø</a>'.encode()),
    ('<a>ø</a>'.encode("iso-8859-1"), '<?xml version="1.0" encoding="UTF-8"?>\n<a>ø</a>'.encode()),
    (b'<?xml version="1.0" standalone="yes"?><a/>', b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><a/>'),
])
def test_as_utf8_document(given: bytes, expected: bytes) -> None:
    assert as_utf8_document(given) == expected


def test_an_unknown_encoding_is_refused() -> None:
    with pytest.raises(MshApiError, match="ukjent tegnsett") as caught:
        as_utf8_document(b'<?xml version="1.0" encoding="x-klingon"?><a/>')
    assert not caught.value.retryable


@pytest.mark.parametrize(("name", "status", "errors"), [
    ("apprec-1.1/example-ok.xml", "Ok", None),
    ("apprec-1.1/example-avvist.xml", "Rejected",
     [{"errorCode": "E21", "details": None, "description": "Mottaker finnes ikke", "oid": "2.16.578.1.12.4.1.1.8221"}]),
    ("apprec-1.0/example-avvist.xml", "Rejected",
     [{"errorCode": "E21", "details": "Legen har sluttet", "description": "Mottaker finnes ikke",
       "oid": "2.16.578.1.12.4.1.1.8221"}]),
    ("apprec-1.0/example-ok-feil-i-delmelding.xml", "OkErrorInMessagePart",
     [{"errorCode": "07", "details": "93495", "description": "Feilbruk av kveldstakst",
       "oid": "2.16.578.1.12.4.1.1.8223"},
      {"errorCode": "16", "details": "93498", "description": "Gammel takst brukt", "oid": "2.16.578.1.12.4.1.1.8223"}]),
])
def test_send_an_apprec_answers_the_received_message(edi2: Edi2Transport, server: Server, samples_dir: Path,
                                                     sample: Callable[[str], bytes], name: str, status: str,
                                                     errors: list[dict[str, Any]] | None) -> None:
    server.answer("POST", f"/Messages/{MESSAGE_ID}/apprec/8143060", 201, sample("post-apprec-response.txt"))
    payload = (samples_dir / name).read_bytes()

    delivery = edi2.send(Envelope("apprec-1", "8143060", "8094866", payload, is_apprec=True,
                                  answers_reference=MESSAGE_ID))

    assert delivery.reference == "680bb102-4541-4ca9-8210-07251b3206a3"
    [(operation, request)] = server.requests
    assert operation == "PostAppRec"
    expected: dict[str, Any] = {"appRecStatus": status}
    if errors is not None:
        expected["appRecErrorList"] = errors
    assert json.loads(request.content) == expected


def test_an_apprec_without_the_answered_message_cannot_be_sent(edi2: Edi2Transport, server: Server,
                                                               samples_dir: Path) -> None:
    payload = (samples_dir / "apprec-1.1/example-ok.xml").read_bytes()

    with pytest.raises(TransportError, match=r"kan ikke sendes over EDI 2\.0-APIet") as caught:
        edi2.send(Envelope("apprec-1", "8143060", "8094866", payload, is_apprec=True))

    assert not caught.value.retryable
    assert server.requests == []


def test_an_unreadable_apprec_is_not_sent(edi2: Edi2Transport, server: Server) -> None:
    with pytest.raises(TransportError, match="kan ikke lese applikasjonskvitteringen") as caught:
        edi2.send(Envelope("apprec-1", "1", "2", b"<MsgHead/>", is_apprec=True, answers_reference=MESSAGE_ID))
    assert not caught.value.retryable
    assert server.requests == []


def test_a_her_id_the_api_cannot_take(edi2: Edi2Transport, server: Server) -> None:
    with pytest.raises(TransportError, match="HER-id «abc»") as caught:
        edi2.send(Envelope("msg-1", "59", "abc", b"<a/>"))
    assert not caught.value.retryable
    assert server.requests == []


def test_receive_downloads_each_unread_message_and_confirm_marks_it_read(
        edi2: Edi2Transport, server: Server, sample: Callable[[str], bytes]) -> None:
    server.answer("GET", "/Messages", 200, sample("get-messages-response.json"))
    server.answer("GET", "/Messages/0c8f3d36-f9e7-4e3f-9d5c-c820fa9b5773/business-document", 200,
                  sample("get-business-document-apprec-response.json"))
    server.answer("GET", "/Messages/99607d81-18bd-45ee-a96f-85e3687a5e05/business-document", 200,
                  sample("get-business-document-response.json"))
    server.answer("PUT", "/Messages/.+/read/8143060", 204)

    inbound = edi2.receive(["8143060"])

    assert [(i.reference, i.recipient_her_id) for i in inbound] == [
        ("0c8f3d36-f9e7-4e3f-9d5c-c820fa9b5773", "8143060"), ("99607d81-18bd-45ee-a96f-85e3687a5e05", "8143060")]
    assert b"<AppRec" in inbound[0].payload and b"<MsgHead" in inbound[1].payload
    assert server.operations() == ["GetMessages", "GetBusinessDocument", "GetBusinessDocument"]
    assert parse_qs(server.requests[0][1].url.query.decode()) == {"ReceiverHerIds": ["8143060"],
                                                                   "IncludeMetadata": ["true"],
                                                                   "MessagesToFetch": ["10"]}

    edi2.confirm(inbound[1])

    assert server.operations()[-1] == "MarkMessageAsRead"
    assert server.requests[-1][1].url.path == "/Messages/99607d81-18bd-45ee-a96f-85e3687a5e05/read/8143060"


def test_receive_asks_per_her_id(edi2: Edi2Transport, server: Server) -> None:
    server.answer("GET", "/Messages", 200, b"[]")

    assert edi2.receive(["59", "90998", "59"]) == []

    assert [parse_qs(r.url.query.decode())["ReceiverHerIds"] for _, r in server.requests] == [["59"], ["90998"]]


def test_a_document_that_cannot_be_read_is_left_unread(edi2: Edi2Transport, server: Server,
                                                       sample: Callable[[str], bytes]) -> None:
    server.answer("GET", "/Messages", 200, sample("get-messages-response.json"))
    server.answer("GET", "/Messages/0c8f3d36-f9e7-4e3f-9d5c-c820fa9b5773/business-document", 200,
                  b'{"businessDocument": "PD94", "contentType": "application/xml", "contentTransferEncoding": "gzip"}')
    server.answer("GET", "/Messages/99607d81-18bd-45ee-a96f-85e3687a5e05/business-document", 200,
                  sample("get-business-document-response.json"))

    inbound = edi2.receive(["8143060"])

    assert [i.reference for i in inbound] == ["99607d81-18bd-45ee-a96f-85e3687a5e05"]


def test_receive_fails_as_a_whole_while_the_server_is_down(edi2: Edi2Transport, server: Server,
                                                           sample: Callable[[str], bytes]) -> None:
    server.answer("GET", "/Messages", 200, sample("get-messages-response.json"))
    server.answer("GET", "/Messages/.+/business-document", 503)

    with pytest.raises(TransportError) as caught:
        edi2.receive(["8143060"])
    assert caught.value.retryable


def test_status_combines_transport_status_and_apprecs(edi2: Edi2Transport, server: Server) -> None:
    # the official samples are of different messages; here one answer for two receivers in their shape
    server.answer("GET", f"/Messages/{MESSAGE_ID}/status", 200, json.dumps([
        {"receiverHerId": 1111, "transportDeliveryState": "Acknowledged", "appRecStatus": "Rejected"},
        {"receiverHerId": 2222, "transportDeliveryState": "Acknowledged", "appRecStatus": None},
        {"receiverHerId": 3333, "transportDeliveryState": "Unconfirmed", "appRecStatus": None}]).encode())
    server.answer("GET", f"/Messages/{MESSAGE_ID}/apprec", 200, (
        b'[{"receiverHerId":1111,"appRecStatus":"Rejected","appRecErrorList":[{"errorCode":"E10","details":"x"}]},'
        b'{"receiverHerId":2222,"appRecStatus":"Ok","appRecErrorList":[]},'
        b'{"receiverHerId":4444,"appRecStatus":"Ok","appRecErrorList":null}]'))

    statuses = edi2.status(MESSAGE_ID)

    assert statuses == [
        ReceiverStatus("1111", DeliveryState.ACKNOWLEDGED, "2", ("E10",)),
        ReceiverStatus("2222", DeliveryState.ACKNOWLEDGED, "1"),
        ReceiverStatus("3333", DeliveryState.UNCONFIRMED),
        ReceiverStatus("4444", DeliveryState.ACKNOWLEDGED, "1"),
    ]
    assert server.operations() == ["GetStatus", "GetApprecInfo"]


def test_status_with_the_official_samples(edi2: Edi2Transport, server: Server,
                                          sample: Callable[[str], bytes]) -> None:
    server.answer("GET", "/Messages/.+/status", 200, sample("get-status-acked.json"))
    server.answer("GET", "/Messages/.+/apprec", 200, sample("get-apprecinfo-ok.json"))

    assert edi2.status(MESSAGE_ID) == [ReceiverStatus("8094866", DeliveryState.ACKNOWLEDGED, "1")]


def test_confirm_checks_the_reference(edi2: Edi2Transport) -> None:
    inbound = Inbound(reference="not-a-guid", recipient_her_id="1", payload=b"")
    with pytest.raises(TransportError, match="ikke en meldings-id"):
        edi2.confirm(inbound)
    edi2.close()


def test_custom_headers(server: Server, sample: Callable[[str], bytes]) -> None:
    server.answer("GET", "/Messages/.+", 200, sample("get-message-response.json"))
    with MshApiClient(BASE, auth=BearerToken("local-token"), api_version="2.1", source_system="samhandling, v0.1.0",
                      transport=httpx.MockTransport(server)) as client:
        client.get_message(MESSAGE_ID)
    request = server.requests[0][1]
    assert request.headers["api-version"] == "2.1"
    assert request.headers["nhn-source-system"] == "samhandling, v0.1.0"


# --- authentication --------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def pem(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


class Clock:
    """Unix time that moves only when a test says so."""

    def __init__(self) -> None:
        self.now = 1_750_000_000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class HelseId:
    """A fake token endpoint that verifies the client assertion with the client's public key."""

    key: rsa.RSAPrivateKey
    clock: Clock
    algorithm: str = "RS256"
    lifetime: int = 3600
    answers: list[httpx.Response] = field(default_factory=list)
    assertions: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, Any]] = field(default_factory=list)
    issued: int = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        assert str(request.url) == TOKEN_ENDPOINT
        assert request.method == "POST"
        assert request.headers["content-type"] == "application/x-www-form-urlencoded"
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        assert form["grant_type"] == "client_credentials"
        assert form["client_assertion_type"] == CLIENT_ASSERTION_TYPE
        assert form["client_id"] == "samhandling-client"
        assert form["scope"] == "nhn:msh/api"
        self.headers.append(jwt.get_unverified_header(form["client_assertion"]))
        # signature, audience and required claims by PyJWT; the times against the test's clock
        claims = jwt.decode(form["client_assertion"], self.key.public_key(), algorithms=[self.algorithm],
                            audience=TOKEN_ENDPOINT, options={"require": ["iss", "sub", "aud", "jti", "iat", "exp"],
                                                              "verify_exp": False, "verify_iat": False,
                                                              "verify_nbf": False})
        assert claims["iat"] <= self.clock() < claims["exp"]
        self.assertions.append(claims)
        if self.answers:
            return self.answers.pop(0)
        self.issued += 1
        return httpx.Response(200, json={"access_token": f"token-{self.issued}", "token_type": "Bearer",
                                         "expires_in": self.lifetime, "scope": "nhn:msh/api"})


def helseid_auth(helseid: HelseId, **options: Any) -> HelseIdClientCredentials:
    return HelseIdClientCredentials(TOKEN_ENDPOINT, "samhandling-client", pem(helseid.key), scope="nhn:msh/api",
                                    transport=httpx.MockTransport(helseid), clock=helseid.clock, **options)


def api(auth: httpx.Auth, seen: list[str], status: Callable[[], int] = lambda: 204) -> MshApiClient:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["authorization"])
        return httpx.Response(status())

    return MshApiClient(BASE, auth=auth, transport=httpx.MockTransport(handler), sleep=lambda _: None)


def test_bearer_token() -> None:
    seen: list[str] = []
    api(BearerToken("local-token"), seen).mark_as_read(MESSAGE_ID, 1)
    assert seen == ["Bearer local-token"]
    assert "local-token" not in repr(BearerToken("local-token"))


@pytest.mark.parametrize("algorithm", ["RS256", "PS256"])
def test_client_assertion_is_a_signed_jwt(rsa_key: rsa.RSAPrivateKey, algorithm: str) -> None:
    clock = Clock()
    helseid = HelseId(rsa_key, clock, algorithm=algorithm)
    seen: list[str] = []

    api(helseid_auth(helseid, algorithm=algorithm, key_id="key-1"), seen).mark_as_read(MESSAGE_ID, 1)

    assert seen == ["Bearer token-1"]
    [claims] = helseid.assertions
    assert claims["iss"] == claims["sub"] == "samhandling-client"
    assert claims["aud"] == TOKEN_ENDPOINT
    assert claims["iat"] == int(clock.now) and 0 < claims["exp"] - claims["iat"] <= 60
    uuid.UUID(claims["jti"])
    assert helseid.headers[0]["alg"] == algorithm and helseid.headers[0]["kid"] == "key-1"


def test_each_assertion_is_unique(rsa_key: rsa.RSAPrivateKey) -> None:
    auth = helseid_auth(HelseId(rsa_key, Clock()))
    first, second = (jwt.decode(auth.client_assertion(), options={"verify_signature": False}) for _ in range(2))
    assert first["jti"] != second["jti"]


def test_the_token_is_cached_until_shortly_before_it_expires(rsa_key: rsa.RSAPrivateKey) -> None:
    clock = Clock()
    helseid = HelseId(rsa_key, clock, lifetime=600)
    seen: list[str] = []
    client = api(helseid_auth(helseid, refresh_margin=60), seen)

    client.mark_as_read(MESSAGE_ID, 1)
    clock.now += 539
    client.mark_as_read(MESSAGE_ID, 1)
    clock.now += 1  # 60 seconds before expiry
    client.mark_as_read(MESSAGE_ID, 1)

    assert seen == ["Bearer token-1", "Bearer token-1", "Bearer token-2"]
    assert len(helseid.assertions) == 2


def test_a_401_fetches_a_new_token_once(rsa_key: rsa.RSAPrivateKey) -> None:
    helseid = HelseId(rsa_key, Clock())
    seen: list[str] = []
    answers = iter([401, 204])
    client = api(helseid_auth(helseid), seen, status=lambda: next(answers))

    client.mark_as_read(MESSAGE_ID, 1)

    assert seen == ["Bearer token-1", "Bearer token-2"]


def test_a_401_with_a_fresh_token_is_an_error(rsa_key: rsa.RSAPrivateKey) -> None:
    seen: list[str] = []
    client = api(helseid_auth(HelseId(rsa_key, Clock())), seen, status=lambda: 401)

    with pytest.raises(MshApiError, match="godtok ikke påloggingen") as caught:
        client.mark_as_read(MESSAGE_ID, 1)

    assert not caught.value.retryable
    assert seen == ["Bearer token-1", "Bearer token-2"]


def test_a_refused_token_request_is_a_clear_error(rsa_key: rsa.RSAPrivateKey) -> None:
    helseid = HelseId(rsa_key, Clock(), answers=[httpx.Response(400, json={
        "error": "invalid_client", "error_description": "Client authentication failed"})])
    seen: list[str] = []
    client = api(helseid_auth(helseid), seen)

    with pytest.raises(TransportError) as caught:
        client.mark_as_read(MESSAGE_ID, 1)

    assert not caught.value.retryable
    assert str(caught.value) == (f"HelseID ga ikke tilgangstoken ({TOKEN_ENDPOINT}, 400 Bad Request): "
                                 "invalid_client – Client authentication failed")
    assert seen == []


def test_helseid_down_is_retried_and_then_retryable(rsa_key: rsa.RSAPrivateKey) -> None:
    helseid = HelseId(rsa_key, Clock(), answers=[httpx.Response(503)] * 4)
    seen: list[str] = []
    client = api(helseid_auth(helseid), seen)

    with pytest.raises(TransportError, match="feil hos HelseID") as caught:
        client.mark_as_read(MESSAGE_ID, 1)

    assert caught.value.retryable
    assert len(helseid.assertions) == 4 and seen == []


def test_helseid_recovers_within_the_retries(rsa_key: rsa.RSAPrivateKey) -> None:
    helseid = HelseId(rsa_key, Clock(), answers=[httpx.Response(500)])
    seen: list[str] = []

    api(helseid_auth(helseid), seen).mark_as_read(MESSAGE_ID, 1)

    assert seen == ["Bearer token-1"]


def test_other_token_types_are_refused(rsa_key: rsa.RSAPrivateKey) -> None:
    helseid = HelseId(rsa_key, Clock(), answers=[httpx.Response(200, json={"access_token": "t", "token_type": "DPoP",
                                                                   "expires_in": 60})])
    with pytest.raises(TransportError, match="DPoP") as caught:
        api(helseid_auth(helseid), []).mark_as_read(MESSAGE_ID, 1)
    assert not caught.value.retryable


def test_key_and_algorithm_are_checked_at_once(rsa_key: rsa.RSAPrivateKey) -> None:
    with pytest.raises(ValueError, match="RSA-nøkkel"):
        HelseIdClientCredentials(TOKEN_ENDPOINT, "c", pem(ec.generate_private_key(ec.SECP256R1())), scope="s")
    with pytest.raises(ValueError, match="kan ikke lese den private nøkkelen"):
        HelseIdClientCredentials(TOKEN_ENDPOINT, "c", "not a key", scope="s")
    with pytest.raises(ValueError, match="HS256"):
        HelseIdClientCredentials(TOKEN_ENDPOINT, "c", pem(rsa_key), scope="s", algorithm="HS256")
    auth = HelseIdClientCredentials(TOKEN_ENDPOINT, "c", pem(rsa_key).decode(), scope="s")
    assert "PRIVATE" not in repr(auth)


def test_the_specs_own_example_with_metadata(client: MshApiClient, server: Server, spec: dict[str, Any]) -> None:
    example = spec["paths"]["/Messages"]["get"]["responses"]["200"]["content"]["application/json"]["example"]
    server.answer("GET", "/Messages", 200, json.dumps(example).encode())

    first, second = client.get_messages([42, 1337], include_metadata=True)

    assert first == Message(id="e8ea3e89-4ee4-4d28-9b4a-246495a97834", receiver_her_id=42, sender_her_id=1111,
                            business_document_id="d1594ad1-2826-462a-a1ed-43b4276387d4",
                            business_document_gen_date=datetime(2025, 9, 22, 5, 56, 36, 309515, tzinfo=UTC),
                            is_app_rec=False)
    assert second.receiver_her_id == 1337 and second.sender_her_id == 2222
