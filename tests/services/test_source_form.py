"""The source form's rules (SRC-2/SRC-5) as the form, the submit guard and the reviewer screen share them."""
from __future__ import annotations

import datetime
from types import SimpleNamespace
from typing import Any

import pytest

from app.services import source_form
from app.validation.idcard import check_digit

ID = "43062120030615" + "123"
ID = ID + check_digit(ID)


def complete(**overrides: str) -> dict[str, str]:
    """A form that passes every rule; each test breaks one thing."""
    values = {
        "name": "张三", "gender": "1", "ethnicity": "01", "id_number": ID, "birth_date": "2003-06-15",
        "political_status": "03", "student_category": "mainland", "origin": "湖南省岳阳县",
        "current_household": "湖南省岳阳县荣家湾镇", "student_no": "2022101000001", "exam_no": "22430621123456",
        "education_level": "31", "schooling_length": "4", "training_mode": "1", "training_unit": "",
        "enrolment_date": "2022-09-01", "graduation_date": "2026-06-30", "archive_unit": "岳阳县第一中学",
        "police_station": "湖南省岳阳县荣家湾派出所", "home_province": "湖南省", "home_city": "岳阳县",
        "home_town": "荣家湾镇", "home_street": "致富街100号", "mobile": "13800138000",
        "home_phone": "0730-7621234", "email": "",
    }
    values.update(overrides)
    return values


def keys(values: dict[str, str]) -> set[str]:
    return {p.key for p in source_form.problems(values)}


def test_complete_form_has_no_problems(ctx: Any) -> None:
    """The reference form passes, so every other test here fails for exactly the reason it names."""
    assert source_form.problems(complete()) == []


def test_origin_seed_example_suggests_county_form(ctx: Any) -> None:
    """Seed 001 rule 2②: 湖南省岳阳市岳阳县 is refused with the suggestion 湖南省岳阳县."""
    problem = source_form.check_field("origin", complete(origin="湖南省岳阳市岳阳县"))
    assert problem is not None and problem.suggestion == "湖南省岳阳县"
    assert "湖南省岳阳县" in problem.message


@pytest.mark.parametrize("origin", ["湖南省岳阳市岳阳楼区", "北京市海淀区", "广西南宁市青秀区"])
def test_origin_seed_examples_pass(ctx: Any, origin: str) -> None:
    """The seed's correct examples pass the origin rule."""
    assert source_form.check_field("origin", complete(origin=origin)) is None


def test_police_station_city_level_refused(ctx: Any) -> None:
    """Seed rule 5: 湖南省岳阳市派出所 is not a specific station."""
    assert "police_station" in keys(complete(police_station="湖南省岳阳市派出所"))
    assert "police_station" in keys(complete(police_station="岳阳市公安局"))


def test_contact_and_home_phone_must_differ(ctx: Any) -> None:
    """Seed rule 1: 联系电话 and 家庭电话 cannot be the same number; the problem shows under the home phone."""
    problem = source_form.check_field("home_phone", complete(home_phone="138 0013 8000"))
    assert problem is not None and "不能相同" in problem.message
    assert source_form.check_field("mobile", complete(home_phone="13800138000")) is None


def test_bad_mobile_reported_on_mobile(ctx: Any) -> None:
    """An invalid contact mobile is reported under the contact phone."""
    assert "mobile" in keys(complete(mobile="1380013800"))


def test_hmt_students_do_not_report_current_household(ctx: Any) -> None:
    """SRC-2: HK/Macau/Taiwan students need no 现户口所在地; mainland students do."""
    assert "current_household" in keys(complete(current_household=""))
    for category in ("hk", "macau", "taiwan"):
        assert "current_household" not in keys(complete(current_household="", student_category=category))


@pytest.mark.parametrize("mode", ["2", "3"])
def test_training_unit_required_for_directed_and_entrusted(ctx: Any, mode: str) -> None:
    """定向/委培 need the unit; with it the rule passes."""
    assert "training_unit" in keys(complete(training_mode=mode, training_unit=""))
    assert "training_unit" not in keys(complete(training_mode=mode, training_unit="岳阳市教育局"))


def test_training_unit_must_be_empty_otherwise(ctx: Any) -> None:
    """非定向 students may not name a unit (the server enforces what the disabled input suggests)."""
    assert "training_unit" in keys(complete(training_mode="1", training_unit="岳阳市教育局"))


def test_home_address_problem_lands_on_its_part(ctx: Any) -> None:
    """Seed rule 3: 岳阳市岳阳县 in part B is refused there with the suggestion 岳阳县, other parts stay clean."""
    values = complete(home_city="岳阳市岳阳县")
    problem = source_form.check_field("home_city", values)
    assert problem is not None and problem.suggestion == "岳阳县"
    assert {"home_province", "home_town", "home_street"}.isdisjoint(keys(values))


def test_birth_date_must_match_id(ctx: Any) -> None:
    """The date of birth must be the one in the ID number; the correct date is offered."""
    problem = source_form.check_field("birth_date", complete(birth_date="2003-06-16"))
    assert problem is not None and problem.suggestion == "2003-06-15"


def test_dates_and_exam_number(ctx: Any) -> None:
    """Graduation after enrolment; a mainland 考生号 has 14 digits, an HMT one is free-form."""
    assert "graduation_date" in keys(complete(graduation_date="2022-06-30"))
    assert "enrolment_date" in keys(complete(enrolment_date="2022-02-30"))
    assert "exam_no" in keys(complete(exam_no="2243062112345"))
    assert "exam_no" not in keys(complete(exam_no="HK2022001", student_category="hk", current_household=""))


def test_coded_choices_checked(ctx: Any) -> None:
    """A code outside the national list is a problem (a tampered select)."""
    assert {"ethnicity", "gender"} <= keys(complete(ethnicity="99", gender="9"))


def test_submission_problems_read_the_stored_graduate(ctx: Any) -> None:
    """The submit guard reads the graduate's stored values, labels each problem, and is empty once complete."""
    values = complete()
    stored: dict[str, Any] = {k: v or None for k, v in values.items()}
    for key in ("birth_date", "enrolment_date", "graduation_date"):
        stored[key] = datetime.date.fromisoformat(values[key])
    graduate = SimpleNamespace(**stored)
    assert source_form.submission_problems(graduate) == []
    graduate.origin = "湖南省岳阳市岳阳县"
    problems = source_form.submission_problems(graduate)
    assert len(problems) == 1 and problems[0].startswith("生源地：")


def test_parse_keeps_rule_failures_but_rejects_unstorable(ctx: Any) -> None:
    """Save keeps a wrong origin as typed; an impossible date, an oversize value or a blank name cannot be stored."""
    graduate = SimpleNamespace(id_number=ID, student_no="2022101000001")
    _typed, stored, errors = source_form.parse(complete(origin="湖南省岳阳市岳阳县"), graduate)
    assert not errors and stored["origin"] == "湖南省岳阳市岳阳县" and stored["origin_code"] is None
    _, stored, errors = source_form.parse(complete(origin="湖南岳阳县", mobile="138-0013-8000"), graduate)
    assert not errors and stored["mobile"] == "13800138000"
    _, _, errors = source_form.parse(complete(birth_date="2003-02-30", archive_unit="中" * 101, name=""), graduate)
    assert set(errors) == {"birth_date", "archive_unit", "name"}


def test_parse_never_takes_read_only_fields_from_the_post(ctx: Any) -> None:
    """The ID number and student number come from the record, whatever the post says."""
    graduate = SimpleNamespace(id_number=ID, student_no="2022101000001")
    typed, stored, _ = source_form.parse(complete(id_number="110101199001011237", student_no="X"), graduate)
    assert typed["id_number"] == ID and "id_number" not in stored and "student_no" not in stored


def test_parse_clears_household_for_hmt(ctx: Any) -> None:
    """A hidden 现户口所在地 posted anyway by an HMT student is not stored."""
    graduate = SimpleNamespace(id_number=ID, student_no="2022101000001")
    _, stored, _ = source_form.parse(complete(student_category="macau"), graduate)
    assert stored["current_household"] is None


def test_city_options_follow_the_address_rule(ctx: Any) -> None:
    """The part-B datalist offers counties directly (岳阳县) and cities, but not city districts."""
    options = source_form.city_options("湖南省")
    assert "岳阳县" in options and "岳阳市" in options and "岳阳楼区" not in options
    assert source_form.city_options("不存在") == []
