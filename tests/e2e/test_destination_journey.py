"""Browser journey in Debian Chromium (issue 10): a student registers 签就业协议 with the employer picked by its credit
code and a proof file, college_a then the school approve it, the college's rate on the statistics page and its bar
move by exactly one graduate, the student confirms the plan entry, the school locks the plan, the student's change is
refused with the lock's message, and the admin unlocks it with a reason — no console error, nothing from elsewhere."""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select

from app.extensions import db
from app.models.destination import Destination
from app.models.org import Cohort
from tests.e2e.conftest import ARTIFACTS, shot, sign_in
from tests.e2e.destination_world import PROOF, World
from tests.e2e.destination_world import world as world  # noqa: F401  (the fixture)
from tests.views.student_support import NEW_PASSWORD, students_fixture  # noqa: F401

PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
       b"trailer<</Root 1 0 R>>\n%%EOF\n")
PDF_NAME = "就业协议书.pdf"
CHART = """() => {
  const option = echarts.getInstanceByDom(document.getElementById("chart-colleges")).getOption();
  const series = option.series[0];
  return {names: option.xAxis[0].data, rates: series.data,
          school: series.markLine && series.markLine.data.length ? series.markLine.data[0].yAxis : null};
}"""


class Journey:
    """One browser context per user, each watched for console errors and requests to another origin."""

    def __init__(self, chromium: Any, server: str) -> None:
        self.chromium, self.server = chromium, server
        self.origin = urlsplit(server).netloc
        self.errors: list[str] = []
        self.foreign: list[str] = []
        self.step = 0
        (ARTIFACTS / "destination-journey").mkdir(parents=True, exist_ok=True)

    def open(self, username: str, password: str | None = None) -> Any:
        context = self.chromium.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
        context.on("request", self._request)
        page = context.new_page()
        page.on("console", lambda m: self.errors.append(f"{username} {page.url}: {m.text}")
                if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(f"{username} {page.url}: {e}"))
        if password is None:
            sign_in(page, self.server, username)
        else:
            sign_in(page, self.server, username, password)
        return page

    def _request(self, request: Any) -> None:
        parts = urlsplit(request.url)
        if parts.scheme not in ("data", "blob") and parts.netloc != self.origin:
            self.foreign.append(request.url)

    def shot(self, page: Any, name: str) -> None:
        self.step += 1
        shot(page, f"destination-journey/{self.step:02d}-{name}")


def _college_figures(page: Any, journey: Journey, world: World, name: str) -> dict[str, Any]:
    """The school's statistics page for the journey's cohort: the college's row and its bar."""
    page.goto(f"{journey.server}/statistics/")
    page.select_option("#gems-cohort", str(world.cohort_id))
    with page.expect_navigation():
        page.click("#gems-stats-form button[type=submit]")
    row = page.locator(f"#gems-stats-table tbody tr[data-key='{world.college_id}']")
    assert row.count() == 1, page.inner_text("#gems-stats-table")
    page.wait_for_function("() => window.echarts && echarts.getInstanceByDom(document.getElementById('chart-colleges'))")
    page.locator("#gems-stats-charts").scroll_into_view_if_needed()
    journey.shot(page, name)
    chart = page.evaluate(CHART)
    return {"graduates": int(row.locator(".gems-n-graduates").inner_text()),
            "placed": int(row.locator(".gems-n-placed").inner_text()),
            "rate": row.locator(".gems-rate").inner_text().strip(),
            "bar": dict(zip(chart["names"], chart["rates"]))[world.college_name], "school": chart["school"]}


def _review(page: Any, journey: Journey, world: World, pending: str, done: str, name: str) -> None:
    """A reviewer finds the student by number on the destination review list, opens the record, checks the
    employer and the proof, and approves."""
    from playwright.sync_api import expect

    page.goto(f"{journey.server}/review/destination/")
    page.fill("#rf-q", world.student.student_no)
    with page.expect_navigation():
        page.click("#review-filters button[type=submit]")
    rows = page.locator("#review-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(pending)
    journey.shot(page, f"{name}-list")
    with page.expect_navigation():
        rows.first.get_by_role("link", name="详情").click()
    expect(page.locator("#destination-code")).to_have_text("10 签就业协议形式就业")
    expect(page.locator("#destination-fields")).to_contain_text(f"{world.employer_name}（{world.credit_code}）")
    proof = page.locator("#evidence a", has_text=PDF_NAME)
    expect(proof).to_have_count(1)
    served = page.context.request.get(journey.server + proof.get_attribute("href"))
    assert served.status == 200 and served.body().startswith(b"%PDF"), served.status
    journey.shot(page, f"{name}-record")
    with page.expect_navigation():
        page.click("#btn-approve")
    expect(page.locator("#status-label")).to_have_text(done)
    journey.shot(page, f"{name}-approved")


def test_destination_journey(app: Any, server: str, chromium: Any, world: World) -> None:
    """The whole destination season of one graduate in a real browser, ending with the plan unlocked again."""
    from playwright.sync_api import expect

    journey = Journey(chromium, server)
    school = journey.open("school")
    before = _college_figures(school, journey, world, "statistics-before")
    rate = f"{100 * world.placed / world.graduates:.2f}%"
    assert (before["graduates"], before["placed"], before["rate"]) == (world.graduates, world.placed, rate)
    assert before["bar"] == round(100 * world.placed / world.graduates, 2) == before["school"]

    # -- the student registers 签就业协议: employer by credit code, signing date, job category, proof file
    student = journey.open(world.student.student_no, NEW_PASSWORD)
    student.goto(f"{server}/student/destination/")
    expect(student.locator("#gems-status-label")).to_have_text("未提交")
    student.select_option("#f-code_id", label="10 签就业协议形式就业")
    expect(student.locator("#kind-employer")).to_be_visible()
    expect(student.locator(f"#row-evidence_{PROOF}")).to_be_visible()
    student.locator("#gems-employer-search").press_sequentially(world.credit_code)
    choice = student.locator("#gems-employer-results .gems-employer-choice")
    expect(choice).to_have_count(1)
    expect(choice).to_contain_text(f"{world.employer_name}（{world.credit_code}）")
    journey.shot(student, "student-employer-lookup")
    choice.click()
    expect(student.locator("#gems-employer-picked")).to_contain_text(world.credit_code)
    part = student.locator("#kind-employer")  # its ids depend on the saved code: pick by name
    assert part.locator("input[name=employer_id]").input_value() != ""
    part.locator("[name=signed_on]").fill("2094-05-20")
    part.locator("[name=job_category_id]").select_option(label=world.job_category)
    student.set_input_files(f"#f-evidence_{PROOF}", files=[
        {"name": PDF_NAME, "mimeType": "application/pdf", "buffer": PDF}])
    journey.shot(student, "student-filled")
    student.click("#gems-submit")
    # a confirmation step before the form locks, when the page has one (as the source form does)
    student.wait_for_selector("#gems-submit-confirmed:visible, .alert-success")
    if student.locator("#gems-submit-confirmed:visible").count():
        journey.shot(student, "student-confirm-submit")
        with student.expect_navigation():
            student.click("#gems-submit-confirmed")
    expect(student.locator("#gems-status-label")).to_have_text("二级待审")
    expect(student.locator(f"#row-evidence_{PROOF} a")).to_have_text(PDF_NAME)
    assert student.locator("#gems-submit").count() == 0  # read-only while under review
    journey.shot(student, "student-submitted")

    # -- college_a, then the school approve it in the review workspace
    college = journey.open("college_a")
    _review(college, journey, world, "二级待审", "中心待审（院 已通过）", "college")
    _review(school, journey, world, "中心待审（院 已通过）", "完成（校 已通过）", "school")

    after = _college_figures(school, journey, world, "statistics-after")
    rate = f"{100 * (world.placed + 1) / world.graduates:.2f}%"
    assert (after["graduates"], after["placed"], after["rate"]) == (world.graduates, world.placed + 1, rate)
    assert after["bar"] == round(100 * (world.placed + 1) / world.graduates, 2) == after["school"]

    # -- the student sees it registered and confirms the plan entry
    student.goto(f"{server}/student/destination/")
    expect(student.locator("#gems-status-label")).to_have_text("完成（校 已通过）")
    with student.expect_navigation():
        student.click("#gems-plan-link")
    expect(student.locator("#gems-plan-unit")).to_have_text(world.employer_name)
    with student.expect_navigation():
        student.click("#gems-plan-confirm")
    expect(student.locator("#gems-plan-state")).to_contain_text("已确认")
    journey.shot(student, "student-plan-confirmed")
    student.goto(f"{server}/student/destination/")
    expect(student.locator("#gems-start-change")).to_be_visible()  # the page stays open while the school locks

    # -- the school locks the plan
    school.goto(f"{server}/plan/lock/?cohort={world.cohort_id}")
    expect(school.locator("#gems-count-confirmed")).to_have_text("1")
    expect(school.locator("#gems-count-total")).to_have_text(str(world.graduates))
    school.check("#gems-lock-form input[name=acknowledge]")
    journey.shot(school, "plan-before-lock")
    with school.expect_navigation():
        school.click("#gems-lock")
    expect(school.locator("#gems-plan-locked")).to_be_visible()
    journey.shot(school, "plan-locked")

    # -- the student's change (from the page opened before the lock) is refused, naming the lock
    lock_words = f"{world.cohort_name}就业方案已锁定"
    with student.expect_navigation():
        student.click("#gems-start-change")
    expect(student.locator(".alert-warning", has_text=lock_words).first).to_be_visible()
    expect(student.locator("#gems-closed")).to_contain_text(lock_words)
    assert student.locator("#gems-start-change").count() == 0
    journey.shot(student, "student-change-refused")
    with app.app_context():
        versions = db.session.execute(select(Destination.version_no).where(
            Destination.graduate_id == world.student.graduate_id)).scalars().all()
        assert versions == [1], versions

    # -- the admin unlocks it, with a reason
    admin = journey.open("admin")
    admin.goto(f"{server}/plan/lock/?cohort={world.cohort_id}")
    admin.fill("#gems-unlock-reason", "浏览器旅程测试结束，解除锁定")
    with admin.expect_navigation():
        admin.click("#gems-unlock")
    expect(admin.locator("#gems-plan-open")).to_be_visible()
    expect(admin.locator("#gems-lock-history")).to_contain_text("浏览器旅程测试结束，解除锁定")
    journey.shot(admin, "plan-unlocked")
    with app.app_context():
        assert db.session.get(Cohort, world.cohort_id).plan_locked is False

    assert journey.errors == [], journey.errors
    assert journey.foreign == [], journey.foreign
