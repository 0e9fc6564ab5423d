"""Change request pages: the student applies with evidence; reviewers see, download, approve and reject."""
from __future__ import annotations

import io
from typing import Any

import pytest
from flask import g
from sqlalchemy import func, select

from app.extensions import db
from app.models.audit import AuditLog
from app.models.change import ChangeRequest
from app.services import change_requests as service
from app.services.change_requests import Incoming
from app.workflows.change_request import CHANGE_REQUEST
from tests.conftest import Browser
from tests.services.change_world import (  # noqa: F401  (world_fixture is the `world` fixture)
    FORM_ORIGIN,
    REGISTRY_ORIGIN,
    World,
    build_world,
    destroy_world,
    png_bytes,
    world_fixture,
)

EXPLANATION = "入学后户籍迁移，附派出所户籍证明。"


@pytest.fixture()
def w(app: Any, world: World) -> World:
    with app.app_context():
        world.reset()
    return world


def make_request(app: Any, world: World, who: str = "a1", name: str = "户籍证明.png") -> tuple[int, int]:
    """A submitted origin request of `who` with one picture; returns (request id, evidence id)."""
    with app.test_request_context():
        g.user = world.user(who)
        request = service.submit(world.graduate(who), "origin", None, EXPLANATION, [Incoming(name, png_bytes())],
                                 g.user)
        return request.id, request.evidence[0].id


def stored(app: Any, request_id: int) -> tuple[str, str | None]:
    with app.app_context():
        item = db.session.get(ChangeRequest, request_id)
        return item.status, item.decision_remark


def origin_of(app: Any, world: World, who: str) -> str:
    with app.app_context():
        return world.graduate(who).origin


def post_action(b: Browser, action: str, ids: list[int], **extra: str) -> Any:
    data = {"csrf_token": b.token("/resetmypassword/form"), "action": action, "rowid": [str(i) for i in ids], **extra}
    return b.client.post("/changerequests/action_post", data=data)


def test_student_applies_with_evidence_and_sees_it_listed(app: Any, w: World, as_role: Any) -> None:
    """The form shows both values; a valid post stores the request and the list shows it awaiting review."""
    b = as_role(w.users["a1"])
    page = b.get("/student/changes/new?field=origin").get_data(as_text=True)
    assert REGISTRY_ORIGIN in page and FORM_ORIGIN in page and 'capture="environment"' in page
    response = b.client.post("/student/changes/new?field=origin", content_type="multipart/form-data", data={
        "csrf_token": b.token("/student/changes/new?field=origin"), "claimed_value": FORM_ORIGIN,
        "explanation": EXPLANATION, "files": [(io.BytesIO(png_bytes()), "户籍证明.jpg")]})
    assert response.status_code == 302 and response.headers["Location"].endswith("/student/changes/")
    listing = b.get("/student/changes/").get_data(as_text=True)
    with app.app_context():
        item = db.session.execute(select(ChangeRequest).where(
            ChangeRequest.graduate_id == w.graduates["a1"])).scalar_one()
        evidence_id = item.evidence[0].id
    assert f'id="change-{item.id}"' in listing and "待审核" in listing and f"/evidence/{evidence_id}" in listing
    assert "户籍证明.png" in listing


def test_student_sees_errors_next_to_each_field(app: Any, w: World, as_role: Any) -> None:
    """An invalid origin (with its suggestion), no explanation and no file: three messages, nothing stored."""
    b = as_role(w.users["a1"])
    page = b.client.post("/student/changes/new?field=origin", content_type="multipart/form-data", data={
        "csrf_token": b.token("/student/changes/new?field=origin"), "claimed_value": "北京市密云县",
        "explanation": ""}).get_data(as_text=True)
    assert "北京市密云区" in page and 'id="msg-explanation"' in page and 'id="msg-files"' in page
    assert "佐证材料" in page
    with app.app_context():
        assert db.session.execute(select(ChangeRequest).where(
            ChangeRequest.graduate_id == w.graduates["a1"])).first() is None


def test_refused_files_are_named_with_the_other_errors(app: Any, w: World, as_role: Any,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """An oversize file and a disguised web page are reported by name, alongside the other fields' errors."""
    monkeypatch.setitem(app.config, "GEMS_EVIDENCE_MAX_MB", 1)
    b = as_role(w.users["a1"])
    url = "/student/changes/new?field=origin"
    for upload in ((io.BytesIO(b"\x89PNG" + b"0" * (1024 * 1024)), "大图.png"),
                   (io.BytesIO(b"<html><script>alert(1)</script></html>"), "证明.jpg")):
        page = b.client.post(url, content_type="multipart/form-data", data={
            "csrf_token": b.token(url), "claimed_value": FORM_ORIGIN, "explanation": "", "files": [upload]}
        ).get_data(as_text=True)
        assert 'id="msg-explanation"' in page and upload[1] in page
    with app.app_context():
        assert db.session.execute(select(ChangeRequest).where(
            ChangeRequest.graduate_id == w.graduates["a1"])).first() is None


def test_nothing_to_change_for_a_matching_field(w: World, as_role: Any) -> None:
    """A matching field shows why no request is possible and offers no form; unknown fields are 404."""
    b = as_role(w.users["a1"])
    page = b.get("/student/changes/new?field=name").get_data(as_text=True)
    assert "gems-change-refused" in page and "gems-change-form" not in page
    assert b.get("/student/changes/new?field=id_number").status_code == 404


def test_too_large_request_is_explained(app: Any, w: World, as_role: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """A body over MAX_CONTENT_LENGTH returns to the form with a message instead of a bare 413."""
    b = as_role(w.users["a1"])
    token = b.token("/student/changes/new?field=origin")
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 2048)
    response = b.client.post("/student/changes/new?field=origin", content_type="multipart/form-data", data={
        "csrf_token": token, "explanation": EXPLANATION, "files": [(io.BytesIO(b"x" * 5000), "big.png")]})
    assert response.status_code == 302
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 32 * 1024 * 1024)
    assert "MB" in b.get(response.headers["Location"]).get_data(as_text=True)


def test_reviewer_list_and_show_page(app: Any, w: World, as_role: Any) -> None:
    """The list shows student, field and both values in words; the show page links the evidence and decides."""
    request_id, evidence_id = make_request(app, w)
    b = as_role("school")
    listing = b.get("/changerequests/list/").get_data(as_text=True)
    assert w.users["a1"] in listing and "生源地" in listing and REGISTRY_ORIGIN in listing and "待审核" in listing
    pending = b.get("/changerequests/list/?_flt_0_status=submitted").get_data(as_text=True)
    decided = b.get("/changerequests/list/?_flt_0_status=approved").get_data(as_text=True)
    assert w.users["a1"] in pending and w.users["a1"] not in decided
    show = b.get(f"/changerequests/show/{request_id}").get_data(as_text=True)
    assert f"/evidence/{evidence_id}" in show and 'value="approve"' in show and 'value="reject"' in show
    assert EXPLANATION in show


def test_approve_from_the_list_updates_the_record(app: Any, w: World, as_role: Any) -> None:
    """Approve goes through the engine, reports per record, and the graduate takes the claimed value."""
    with app.app_context():
        graduate = w.graduate("a1")
        graduate.origin, graduate.origin_code = "湖南省汨罗市", "430681"
        db.session.commit()
    request_id, _evidence = make_request(app, w)
    with app.app_context():
        graduate = w.graduate("a1")
        graduate.origin, graduate.origin_code = FORM_ORIGIN, "110108"
        db.session.commit()
    page = post_action(as_role("school"), "approve", [request_id]).get_data(as_text=True)
    assert f'class="success" data-id="{request_id}"' in page
    assert stored(app, request_id)[0] == "approved"
    assert origin_of(app, w, "a1") == "湖南省汨罗市"


def test_approve_twice_is_skipped_with_the_engines_reason(app: Any, w: World, as_role: Any) -> None:
    """A second approval of the same request is reported as skipped with the reason."""
    request_id, _evidence = make_request(app, w)
    b = as_role("college_a")
    post_action(b, "approve", [request_id])
    page = post_action(b, "approve", [request_id]).get_data(as_text=True)
    with app.test_request_context():
        reason = str(CHANGE_REQUEST.refusals[("approve", "approved")])
    assert f'class="warning" data-id="{request_id}"' in page and reason in page


def test_reject_asks_for_a_reason_and_the_student_sees_it(app: Any, w: World, as_role: Any) -> None:
    """Reject shows a reason form (CSRF-protected POST); an empty reason is refused; the remark reaches the student."""
    request_id, _evidence = make_request(app, w)
    b = as_role("college_a")
    form = post_action(b, "reject", [request_id]).get_data(as_text=True)
    assert "gems-reject-form" in form and stored(app, request_id)[0] == "submitted"
    refused = post_action(b, "reject", [request_id], confirm="1", reason=" ").get_data(as_text=True)
    assert "gems-reject-error" in refused and stored(app, request_id)[0] == "submitted"
    done = post_action(b, "reject", [request_id], confirm="1", reason="户籍证明不清晰，请重新拍照").get_data(as_text=True)
    assert f'class="success" data-id="{request_id}"' in done
    assert stored(app, request_id) == ("rejected", "户籍证明不清晰，请重新拍照")
    student_page = as_role(w.users["a1"]).get("/student/changes/").get_data(as_text=True)
    assert "户籍证明不清晰，请重新拍照" in student_page and "未通过" in student_page


def test_download_headers_and_audit(app: Any, w: World, as_role: Any) -> None:
    """Downloads carry the stored type, an RFC 5987 file name, nosniff and no-store, and are audited."""
    _request, evidence_id = make_request(app, w, name="户籍证明.pdf")
    b = as_role("school")
    with app.app_context():
        before = db.session.execute(select(func.max(AuditLog.seq))).scalar_one()
    response = b.get(f"/evidence/{evidence_id}")
    assert response.status_code == 200 and response.mimetype == "image/png"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment") and "filename*=UTF-8''%E6%88%B7%E7%B1%8D" in disposition
    assert disposition.endswith(".png")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response.headers["Cache-Control"]  # personal data is never stored by a cache
    assert response.data.startswith(b"\x89PNG")
    inline = b.get(f"/evidence/{evidence_id}/inline")
    assert inline.status_code == 200 and inline.headers["Content-Disposition"].startswith("inline")
    with app.app_context():
        rows = db.session.execute(select(AuditLog).where(AuditLog.action == "evidence.downloaded",
                                                         AuditLog.target_id == str(evidence_id),
                                                         AuditLog.seq > before)).scalars().all()
        assert len(rows) == 2 and {r.actor_name for r in rows} == {"school"}


def test_pdf_is_never_shown_inline(app: Any, w: World, as_role: Any) -> None:
    """PDFs are downloaded as attachments only; the inline variant is for pictures."""
    pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    with app.test_request_context():
        g.user = w.user("a1")
        request = service.submit(w.graduate("a1"), "origin", None, EXPLANATION, [Incoming("证明.pdf", pdf)], g.user)
        evidence_id = request.evidence[0].id
    b = as_role("school")
    assert b.get(f"/evidence/{evidence_id}/inline").status_code == 404
    download = b.get(f"/evidence/{evidence_id}")
    assert download.status_code == 200 and download.mimetype == "application/pdf" and download.data == pdf
