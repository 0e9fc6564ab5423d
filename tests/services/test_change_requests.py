"""Change request rules (CHG-1) and their review (CHG-2): what may be requested, validation, approval effects."""
from __future__ import annotations

import json
from typing import Any

import pytest
from flask import g
from sqlalchemy import func, select

from app.extensions import db
from app.models.audit import AuditLog
from app.models.change import ChangeRequest, Evidence
from app.models.org import Major
from app.models.user import User
from app.services import change_requests as service
from app.services.change_requests import ChangeRequestInvalid, Incoming
from app.workflows.change_request import CHANGE_REQUEST
from app.workflows.engine import WorkflowError, fire, fire_many
from tests.services.change_world import (  # noqa: F401  (world_fixture is the `world` fixture)
    FORM_ORIGIN,
    REGISTRY_ORIGIN,
    World,
    build_world,
    destroy_world,
    png_bytes,
    world_fixture,
)

EXPLANATION = "入学后因父母工作调动，户籍迁至北京市海淀区，附派出所户籍证明。"


@pytest.fixture()
def w(world: World, ctx: Any) -> World:
    """The world reset to its starting state, inside a request context acting as student a1."""
    world.reset()
    g.user = world.user("a1")
    return world


def staff(name: str) -> User:
    return db.session.execute(select(User).where(User.username == name)).scalar_one()


def submit(w: World, key: str = "origin", claimed: Any = None, files: list[Incoming] | None = None,
           who: str = "a1", explanation: str = EXPLANATION) -> ChangeRequest:
    files = [Incoming("户籍证明.jpg", png_bytes())] if files is None else files
    return service.submit(w.graduate(who), key, claimed, explanation, files, w.user(who))


def test_origin_mismatch_request_is_stored_with_registry_value_and_audited(w: World) -> None:
    """A request for a mismatched field records the registry value, the form value by default, evidence and audit."""
    request = submit(w)
    assert (request.status, request.field) == ("submitted", "origin")
    assert (request.registry_value, request.claimed_value) == (REGISTRY_ORIGIN, FORM_ORIGIN)
    evidence = db.session.execute(select(Evidence).where(Evidence.change_request_id == request.id)).scalars().all()
    assert [(e.content_type, e.original_name) for e in evidence] == [("image/png", "户籍证明.png")]
    entry = db.session.execute(select(AuditLog).where(AuditLog.action == "change_request.submitted",
                                                      AuditLog.target_id == str(request.id))
                               .order_by(AuditLog.seq.desc())).scalars().first()
    detail = json.loads(entry.detail)
    assert (detail["claimed_value"], detail["graduate"]) == (FORM_ORIGIN, w.graduates["a1"])
    assert detail["evidence"] == [evidence[0].sha256]


@pytest.mark.parametrize(("key", "words"), [("name", "一致"), ("exam_no", "学籍库中没有")])
def test_only_mismatched_fields_can_be_requested(w: World, key: str, words: str) -> None:
    """A matching field or one the registry lacks (未比对) has nothing to change."""
    with pytest.raises(ChangeRequestInvalid) as invalid:
        submit(w, key, "张三" if key == "name" else "43" * 7)
    assert words in invalid.value.errors["field"]


def test_claimed_origin_is_validated_with_suggestion(w: World) -> None:
    """The claimed 生源地 passes the same rule as the form, with the suggested correction."""
    with pytest.raises(ChangeRequestInvalid) as invalid:
        submit(w, claimed="北京市密云县")
    assert "2015" in invalid.value.errors["claimed_value"]
    assert invalid.value.suggestion == "北京市密云区"


def test_claimed_value_equal_to_registry_is_refused(w: World) -> None:
    """Claiming what the registry already says changes nothing."""
    with pytest.raises(ChangeRequestInvalid) as invalid:
        submit(w, claimed=REGISTRY_ORIGIN)
    assert "claimed_value" in invalid.value.errors


def test_coded_claim_is_stored_as_code(w: World) -> None:
    """Coded fields accept the code or the label and store the national code; an invalid code is refused."""
    graduate = w.graduate("a1")
    graduate.gender = "2"  # the form says female, the registry male: a mismatch
    db.session.commit()
    with pytest.raises(ChangeRequestInvalid):
        submit(w, "gender", "3")
    assert submit(w, "gender", "女").claimed_value == "2"


def test_explanation_and_evidence_are_required(w: World) -> None:
    """No explanation, an overlong one, no files or too many files: each reported on its own field."""
    with pytest.raises(ChangeRequestInvalid) as invalid:
        submit(w, files=[], explanation=" ")
    assert set(invalid.value.errors) == {"explanation", "files"}
    with pytest.raises(ChangeRequestInvalid) as invalid:
        submit(w, files=[Incoming(f"{n}.png", png_bytes()) for n in range(6)], explanation="x" * 501)
    assert set(invalid.value.errors) == {"explanation", "files"}


def test_one_bad_file_stores_nothing(w: World) -> None:
    """A refused file refuses the whole request: no request, no evidence row, no stored file."""
    files = [Incoming("ok.png", png_bytes()), Incoming("page.jpg", b"<html><script>x</script></html>")]
    root = service.uploads.storage_root()
    before = sorted(root.rglob("*")) if root.exists() else []
    with pytest.raises(ChangeRequestInvalid) as invalid:
        submit(w, files=files)
    assert "page.jpg" in invalid.value.errors["files"]
    graduate_id = w.graduates["a1"]
    assert not db.session.execute(select(ChangeRequest).where(ChangeRequest.graduate_id == graduate_id)).first()
    assert (sorted(root.rglob("*")) if root.exists() else []) == before


def test_one_open_request_per_field_then_resubmit_after_rejection(w: World) -> None:
    """A second request for the same field waits for the decision; after a rejection a new one is accepted."""
    first = submit(w)
    with pytest.raises(ChangeRequestInvalid) as invalid:
        submit(w)
    assert "field" in invalid.value.errors
    result = fire(CHANGE_REQUEST, "reject", first.id, staff("college_a"), remark="证明材料不清晰")
    assert result.ok
    second = submit(w)
    assert second.id != first.id and second.status == "submitted"


def test_only_the_owner_can_submit(w: World) -> None:
    """Another student cannot file a request against someone else's record."""
    with pytest.raises(ChangeRequestInvalid):
        service.submit(w.graduate("a1"), "origin", None, EXPLANATION, [Incoming("a.png", png_bytes())],
                       w.user("a2"))


def test_submitted_request_and_evidence_cannot_be_edited_or_deleted(w: World) -> None:
    """After submission the claim, explanation and evidence are frozen; deleting is refused too."""
    request_id = submit(w).id
    for change in (lambda r: setattr(r, "claimed_value", "湖南省汨罗市"), lambda r: setattr(r, "explanation", "x"),
                   lambda r: db.session.delete(r)):
        change(db.session.get(ChangeRequest, request_id))
        with pytest.raises(PermissionError):
            db.session.commit()
        db.session.rollback()
    evidence = db.session.execute(select(Evidence).where(Evidence.change_request_id == request_id)).scalar_one()
    evidence.original_name = "other.png"
    with pytest.raises(PermissionError):
        db.session.commit()
    db.session.rollback()
    db.session.delete(db.session.get(Evidence, evidence.id))
    with pytest.raises(PermissionError):
        db.session.commit()
    db.session.rollback()
    assert db.session.get(ChangeRequest, request_id).claimed_value == FORM_ORIGIN


def test_approval_applies_the_claimed_value_and_audits(w: World) -> None:
    """Approving writes the claimed value (canonical text and code) into the record, audited old → new."""
    graduate = w.graduate("a1")
    graduate.origin, graduate.origin_code = "湖南省汨罗市", "430681"
    db.session.commit()
    request = submit(w)  # claims the form's value
    graduate.origin, graduate.origin_code = "北京市海淀区", "110108"  # the student edits the draft afterwards
    db.session.commit()
    result = fire(CHANGE_REQUEST, "approve", request.id, staff("school"))
    assert result.ok, result.reason
    db.session.expire_all()
    graduate = w.graduate("a1")
    assert (graduate.origin, graduate.origin_code) == ("湖南省汨罗市", "430681")
    request = db.session.get(ChangeRequest, request.id)
    assert request.status == "approved" and request.decided_by
    entry = db.session.execute(select(AuditLog).where(AuditLog.action == "graduate.change_applied",
                                                      AuditLog.target_id == str(graduate.id))
                               .order_by(AuditLog.seq.desc())).scalars().first()
    detail = json.loads(entry.detail)
    assert detail["change_request"] == request.id
    assert detail["changes"]["origin"] == ["北京市海淀区", "湖南省汨罗市"]


def test_major_code_approval_moves_the_graduate_to_that_major(w: World) -> None:
    """A major-code claim must name a major of the student's college; approval changes the major."""
    graduate = w.graduate("a1")
    others = db.session.execute(select(Major).where(Major.department_id == graduate.department_id,
                                                    Major.id != graduate.major_id).order_by(Major.code)).scalars()
    target = next(iter(others))
    foreign = db.session.execute(select(Major.code).where(Major.department_id == w.graduate("b1").department_id)
                                 ).scalars().first()
    graduate.major_id = target.id  # the form shows another major than the registry
    db.session.commit()
    with pytest.raises(ChangeRequestInvalid):
        submit(w, "major_code", foreign)
    request = submit(w, "major_code", target.code)
    graduate.major_id = w.majors["a1"]
    db.session.commit()
    assert fire(CHANGE_REQUEST, "approve", request.id, staff("college_a")).ok
    db.session.expire_all()
    assert w.graduate("a1").major_id == target.id


def test_approval_refused_on_a_complete_record(w: World) -> None:
    """A complete record cannot be changed: the approval is skipped with a reason and nothing changes."""
    request = submit(w)
    graduate = w.graduate("a1")
    graduate.status = "complete"  # test setup: the school has finished the review
    db.session.commit()
    result = fire(CHANGE_REQUEST, "approve", request.id, staff("school"))
    assert not result.ok and "重新打开" in result.reason
    db.session.expire_all()
    assert db.session.get(ChangeRequest, request.id).status == "submitted"
    with pytest.raises(ChangeRequestInvalid):
        submit(w, "gender", "2")


def test_reject_requires_a_reason(w: World) -> None:
    """Rejecting without a reason is refused outright; with one, the student sees it as the decision remark."""
    request = submit(w)
    with pytest.raises(WorkflowError):
        fire(CHANGE_REQUEST, "reject", request.id, staff("school"), remark="  ")
    assert fire(CHANGE_REQUEST, "reject", request.id, staff("school"), remark="请提供派出所户籍证明").ok
    db.session.expire_all()
    stored = db.session.get(ChangeRequest, request.id)
    assert (stored.status, stored.decision_remark) == ("rejected", "请提供派出所户籍证明")
    assert w.graduate("a1").origin == FORM_ORIGIN


def test_college_cannot_decide_another_colleges_request(w: World) -> None:
    """The engine loads requests through the scope: college_a cannot approve college_b's request."""
    g.user = w.user("b1")
    request = submit(w, who="b1")
    result = fire_many(CHANGE_REQUEST, "approve", [request.id], staff("college_a"))
    assert not result.results[0].ok
    db.session.expire_all()
    assert db.session.get(ChangeRequest, request.id).status == "submitted"
    count = db.session.execute(select(func.count()).select_from(ChangeRequest)
                               .where(ChangeRequest.graduate_id == w.graduates["b1"])).scalar_one()
    assert count == 1
