"""Browser journeys in Debian Chromium (issue 12): employer_a invites a graduate → the graduate accepts → college_a
and the school approve → the employer stamps → the graduate confirms → the school archives: the graduate's
destination is 10 with employer_a and the college's rate moves by one graduate; then the graduate asks to terminate,
the employer agrees, college and school approve: the agreement ends, the destination is 70 待就业, the rate moves
back and the graduate holds a new agreement number — no console error, nothing from another origin."""
from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import delete, select

from app.extensions import db
from app.models.agreement import ASSIGNED, Agreement, AgreementNumber
from app.models.graduate import Graduate
from app.models.termination import Termination, TerminationEvidence
from tests.e2e.destination_world import World
from tests.e2e.destination_world import world as world  # noqa: F401  (the fixture)
from tests.e2e.test_destination_journey import Journey, _college_figures
from tests.views.student_support import NEW_PASSWORD, students_fixture  # noqa: F401


@pytest.fixture()
def numbered(app: Any, world: World) -> Iterator[World]:
    """The journey's cohort gets a pool of numbers and the student one of them; all removed afterwards."""
    from app.services.agreement_numbers import assign_next

    with app.app_context():
        db.session.add_all(AgreementNumber(number=f"E2E{world.cohort_id:04d}{n:04d}", cohort_id=world.cohort_id)
                           for n in range(1, 6))
        db.session.flush()
        assign_next([world.student.graduate_id])
        db.session.commit()
    yield world
    with app.app_context():
        db.session.rollback()
        graduate = world.student.graduate_id
        terminations = select(Termination.id).where(Termination.graduate_id == graduate)
        db.session.execute(delete(TerminationEvidence).where(TerminationEvidence.termination_id.in_(terminations)))
        db.session.execute(delete(Termination).where(Termination.graduate_id == graduate))
        db.session.execute(delete(Agreement).where(Agreement.graduate_id == graduate))
        db.session.execute(delete(AgreementNumber).where(AgreementNumber.cohort_id == world.cohort_id))
        db.session.commit()


def _number_of(app: Any, graduate_id: int) -> str | None:
    with app.app_context():
        return db.session.execute(select(AgreementNumber.number).where(
            AgreementNumber.graduate_id == graduate_id, AgreementNumber.state == ASSIGNED)).scalar()


def _act(page: Any, journey: Journey, trigger: str, name: str) -> None:
    """Press one workflow button (enabled) on the page and wait for the page it leads to."""
    from playwright.sync_api import expect

    button = page.locator(f"#btn-{trigger}")
    expect(button).to_be_enabled()
    with page.expect_navigation():
        button.click()
    journey.shot(page, name)


def test_online_agreement_then_termination(app: Any, server: str, chromium: Any, numbered: World) -> None:
    from playwright.sync_api import expect

    world = numbered
    journey = Journey(chromium, server)
    first_number = _number_of(app, world.student.graduate_id)
    assert first_number
    school = journey.open("school")
    before = _college_figures(school, journey, world, "statistics-before")
    assert (before["graduates"], before["placed"]) == (world.graduates, world.placed)

    # -- employer_a invites the graduate by name and ID number, with the offer's terms
    employer = journey.open("employer_a")
    employer.goto(f"{server}/employer/invite/")
    employer.fill("#f-graduate_name", world.student.name)
    employer.fill("#f-graduate_id_number", world.student.id_number)
    employer.fill("#f-position", "软件开发工程师")
    employer.locator("#f-job_category_id").select_option(index=1)
    employer.fill("#f-salary", "每月9000元")
    employer.fill("#f-work_region_code", "430104")
    journey.shot(employer, "invite")
    with employer.expect_navigation():
        employer.click("#gems-send")
    match = re.search(r"/employer/agreements/(\d+)", employer.url)
    assert match, (employer.url, employer.inner_text("body")[:400])
    agreement_id = int(match.group(1))
    journey.shot(employer, "invited")

    # -- the graduate accepts
    student = journey.open(world.student.student_no, NEW_PASSWORD)
    student.goto(f"{server}/student/agreements/")
    expect(student.locator("body")).to_contain_text("软件开发工程师")
    student.goto(f"{server}/student/agreements/{agreement_id}")
    _act(student, journey, "accept", "accepted")

    # -- college_a, then the school approve on the agreement review workspace
    college = journey.open("college_a")
    college.goto(f"{server}/review/agreement/")
    expect(college.locator("body")).to_contain_text(world.student.student_no)
    college.goto(f"{server}/review/agreement/{agreement_id}")
    expect(college.locator("#identity-check")).to_be_visible()
    _act(college, journey, "approve", "college-approved")
    school.goto(f"{server}/review/agreement/{agreement_id}")
    _act(school, journey, "approve", "school-approved")

    # -- stamping: the employer, the graduate, the school last (archive)
    employer.goto(f"{server}/employer/agreements/{agreement_id}")
    _act(employer, journey, "stamp", "stamped")
    student.goto(f"{server}/student/agreements/{agreement_id}")
    _act(student, journey, "confirm_stamp", "graduate-confirmed")
    school.goto(f"{server}/review/agreement/{agreement_id}")
    _act(school, journey, "archive", "archived")
    expect(school.locator("#in-plan")).to_be_visible()
    with app.app_context():
        graduate = db.session.get(Graduate, world.student.graduate_id)
        from app.services.plan import plan_entry

        entry = plan_entry(graduate)
        assert entry is not None and entry.code.code == "10" and entry.from_agreement
        assert entry.employer.name == "湖南星辰科技有限公司"
    archived = _college_figures(school, journey, world, "statistics-archived")
    assert archived["placed"] == before["placed"] + 1
    assert archived["bar"] == round(100 * (world.placed + 1) / world.graduates, 2)

    # -- the printed agreement is available now and verifies
    page = student.context.request.get(f"{server}/agreements/{agreement_id}/print")
    assert page.status == 200 and first_number in page.text()

    # -- termination: the graduate asks, the employer agrees, college and school approve
    student.goto(f"{server}/student/terminations/")
    with student.expect_navigation():
        student.click(f"#gems-request-{agreement_id}")
    student.locator("#f-reason_id").select_option(label="继续深造")
    student.locator("#f-liable_party").select_option("graduate")
    student.fill("#f-explanation", "考取研究生，继续深造。")
    student.fill("#f-penalty", "按协议支付违约金2000元")
    with student.expect_navigation():
        student.click("#gems-send")
    match = re.search(r"/student/terminations/(\d+)", student.url)
    assert match, (student.url, student.inner_text("body")[:400])
    termination_id = int(match.group(1))
    journey.shot(student, "termination-requested")
    employer.goto(f"{server}/employer/terminations/{termination_id}")
    _act(employer, journey, "agree", "termination-agreed")
    college.goto(f"{server}/review/termination/{termination_id}")
    _act(college, journey, "approve", "termination-college")
    school.goto(f"{server}/review/termination/{termination_id}")
    _act(school, journey, "approve", "termination-school")
    assert f"/review/termination-history/{termination_id}" in school.url  # decided: shown from the history list
    expect(school.locator("body")).to_contain_text("已解约")

    with app.app_context():
        agreement = db.session.get(Agreement, agreement_id)
        assert agreement.status == "terminated"
        entry = plan_entry(db.session.get(Graduate, world.student.graduate_id))
        assert entry is not None and entry.code.code == "70"
        voided = db.session.execute(select(AgreementNumber).where(AgreementNumber.number == first_number)).scalar_one()
        assert voided.state == "voided"
    second_number = _number_of(app, world.student.graduate_id)
    assert second_number and second_number != first_number
    student.goto(f"{server}/student/numbers/")
    expect(student.locator("body")).to_contain_text(second_number)
    journey.shot(student, "new-number")
    after = _college_figures(school, journey, world, "statistics-terminated")
    assert after["placed"] == before["placed"]
    assert journey.errors == [], journey.errors
    assert journey.foreign == [], journey.foreign
