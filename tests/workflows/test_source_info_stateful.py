"""SRC-7 as a property: random actions by random roles never reach an illegal state, skip a level or lose an audit row."""
from __future__ import annotations

from collections import Counter
from typing import Any, ClassVar

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from app.workflows import WorkflowError, fire, fire_many
from app.workflows.source_info import SOURCE_INFO
from tests.workflows.helpers_source import (
    CHINESE,
    audit_counts,
    form_guard,
    make_graduates,
    make_students,
    remove_graduates,
    remove_students,
    snapshot,
    user,
)

# records of college_a (its college and one of its sub-units) and of college_b
RECORD_DEPTS = ["101", "101", "10101", "102", "102"]
N = len(RECORD_DEPTS)
SUBTREE = {"college_a": {"101", "10101"}, "college_b": {"102"}}
REVIEWER_KIND = {"college_a": "college", "college_b": "college", "school": "school", "admin": "admin"}
REVIEWERS = tuple(REVIEWER_KIND)

# The SRC-7 rules as the issue states them, written here independently of the declaration under test:
# trigger -> (states it may leave, kinds of actor allowed, state it enters)
RULES: dict[str, tuple[set[str], set[str], str]] = {
    "submit": ({"draft", "rejected"}, {"student"}, "secondary"),
    "submit_for_student": ({"draft", "rejected"}, {"college", "school", "admin"}, "secondary"),
    "approve_college": ({"secondary"}, {"college"}, "central"),
    "approve_school": ({"central"}, {"school", "admin"}, "complete"),
    "reject": ({"secondary", "central"}, {"college", "school", "admin"}, "rejected"),
    "reopen": ({"complete"}, {"admin"}, "draft"),
}
NEEDS_REASON = {"reject", "reopen"}
LEGAL_EDGES = {(s, dest) for sources, _kinds, dest in RULES.values() for s in sources}
REMARKS = ["", "   ", "户口页照片不清晰，请重新上传", "同意"]
# the next forward step and who legitimately takes it, to drive records deep into the machine
FORWARD = {"draft": ("submit", "own"), "rejected": ("submit", "own"), "secondary": ("approve_college", "college"),
           "central": ("approve_school", "school"), "complete": ("reopen", "admin")}

ANY = object()  # a model value the test does not pin down
SEEN: Counter[str] = Counter()  # successful triggers over the whole run, to prove the walk went deep


class SourceInfoMachine(RuleBasedStateMachine):
    """Keeps a model of every record's review state and checks the database against it after each action."""

    students: ClassVar[list[Any]] = []

    def __init__(self) -> None:
        super().__init__()
        self.ids: list[int] = []
        self.model: dict[int, dict[str, Any]] = {}

    @initialize()
    def create_records(self) -> None:
        self.ids = make_graduates(RECORD_DEPTS, self.students)
        self.model = {i: {"status": "draft", "version": 1, "college_decision": None, "college_remark": None,
                          "school_decision": None, "school_remark": None, "submitted": False} for i in self.ids}
        self.actors = {name: user(name) for name in REVIEWERS}
        self.actors.update({f"stu{n}": user(s.username) for n, s in enumerate(self.students)})

    def teardown(self) -> None:
        remove_graduates(self.ids)

    # --- the oracle -------------------------------------------------------------------------------------------
    def _kind(self, actor: str) -> str:
        """student, college, school or admin."""
        return "student" if actor.startswith("stu") else REVIEWER_KIND[actor]

    def _sees(self, actor: str, index: int) -> bool:
        """Whether the record is in the actor's scope (own record, own college subtree, or everything)."""
        if actor.startswith("stu"):
            return int(actor[3:]) == index
        return actor not in SUBTREE or RECORD_DEPTS[index] in SUBTREE[actor]

    def _expected(self, trigger: str, actor: str, index: int) -> str | None:
        """The state the record enters, or None when the action must be refused."""
        sources, kinds, dest = RULES[trigger]
        state, kind = self.model[self.ids[index]]["status"], self._kind(actor)
        if kind not in kinds or state not in sources or not self._sees(actor, index):
            return None
        if trigger == "reject" and kind == "college" and state == "central":
            return None  # the college's level has passed; only the school may reject now
        return dest

    def _apply(self, record_id: int, trigger: str, actor: str, remark: str) -> None:
        """Advance the model after a transition the engine reported as done."""
        entry = self.model[record_id]
        entry["status"] = RULES[trigger][2]
        entry["version"] += 1
        remark_or_none = remark.strip() or None
        if trigger.startswith("submit"):
            entry.update(college_decision=None, college_remark=None, school_decision=None, school_remark=None,
                         submitted=True)
        elif trigger == "approve_college":
            entry.update(college_decision="approved", college_remark=remark_or_none)
        elif trigger == "approve_school":
            entry.update(school_decision="approved", school_remark=remark_or_none)
        elif trigger == "reject":
            level = "college" if self._kind(actor) == "college" else "school"
            entry.update({f"{level}_decision": "rejected", f"{level}_remark": remark_or_none})
        elif trigger == "reopen":  # see test_reopened_record_shows_no_level_as_passed: left open here
            entry.update(college_decision=ANY, college_remark=ANY, school_decision=ANY, school_remark=ANY)

    def _as_snapshot(self, record_id: int) -> tuple[Any, ...]:
        """The model in the shape of helpers_source.snapshot (submitted_at as a flag)."""
        e = self.model[record_id]
        return (e["status"], e["version"], e["college_decision"], e["college_remark"], e["school_decision"],
                e["school_remark"], e["submitted"])

    # --- one checked call ---------------------------------------------------------------------------------------
    def _run(self, trigger: str, actor: str, indices: list[int], remark: str,
             expected_version: int | None = None, extra_ids: tuple[int, ...] = ()) -> None:
        """Fire, then check every record: moved exactly as the oracle says (+1 version, one audit row) or untouched."""
        targets = list(dict.fromkeys(indices))
        before, audits = snapshot(self.ids), audit_counts(self.ids)
        expected = {self.ids[i]: self._expected(trigger, actor, i) for i in targets}
        if expected_version is not None:
            [record_id] = expected
            if expected_version != self.model[record_id]["version"]:
                expected[record_id] = None  # decided on an outdated page
        ids = [self.ids[i] for i in indices] + list(extra_ids)
        if trigger in NEEDS_REASON and not remark.strip():
            with pytest.raises(WorkflowError):
                self._fire(trigger, actor, ids, remark, expected_version)
            expected = {}
        else:
            results = self._fire(trigger, actor, ids, remark, expected_version)
            assert [r.id for r in results] == list(dict.fromkeys(ids))
            for result in results:
                if result.id in extra_ids:
                    assert not result.ok and CHINESE.search(result.reason or "")
                    continue
                self._check_result(result, expected[result.id], trigger, actor, before[result.id][0])
                if result.ok:
                    self._apply(result.id, trigger, actor, remark)
        after, audits_after = snapshot(self.ids), audit_counts(self.ids)
        for record_id in self.ids:
            moved = expected.get(record_id) is not None
            assert after[record_id][1] == before[record_id][1] + (1 if moved else 0), "version must move by one"
            if not moved:
                assert after[record_id] == before[record_id], "a refused action changed the record"
            for name in RULES:
                delta = audits_after[(str(record_id), name)] - audits[(str(record_id), name)]
                assert delta == (1 if moved and name == trigger else 0), (record_id, name, delta)

    def _fire(self, trigger: str, actor: str, ids: list[int], remark: str, expected_version: int | None) -> list:
        """One record through fire() (the record page), otherwise fire_many() (a batch)."""
        if len(ids) == 1 and expected_version is not None:
            return [fire(SOURCE_INFO, trigger, ids[0], self.actors[actor], remark, expected_version=expected_version)]
        return fire_many(SOURCE_INFO, trigger, ids, self.actors[actor], remark).results

    def _check_result(self, result: Any, expected: str | None, trigger: str, actor: str, old: str) -> None:
        """One per-record result against the oracle and the no-skip / no-cross-scope invariants."""
        index = self.ids.index(result.id)
        if expected is None:
            assert not result.ok, f"{actor} should not {trigger} a {old} record"
            assert result.reason and CHINESE.search(result.reason), "a refusal must say why, translated"
            return
        assert result.ok, f"{actor} should {trigger} a {old} record: {result.reason}"
        assert (result.from_state, result.to_state) == (old, expected)
        assert (old, expected) in LEGAL_EDGES
        assert not (old == "secondary" and expected == "complete"), "a level was skipped"
        if expected == "complete":
            assert old == "central" and self._kind(actor) in {"school", "admin"}
        if actor in SUBTREE:
            assert RECORD_DEPTS[index] in SUBTREE[actor], "a college changed another college's record"
        if actor.startswith("stu"):
            assert actor == f"stu{index}", "a student changed another student's record"
        SEEN[trigger] += 1

    # --- rules --------------------------------------------------------------------------------------------------
    @rule(index=st.integers(0, N - 1), trigger=st.sampled_from(sorted(RULES)),
          who=st.sampled_from(("own", "other", *REVIEWERS)), remark=st.sampled_from(REMARKS),
          version=st.sampled_from((None, None, "current", "stale", "ahead")))
    def act(self, index: int, trigger: str, who: str, remark: str, version: str | None) -> None:
        """Any action on one record by any actor, from a current, outdated or unknown page version."""
        actor = {"own": f"stu{index}", "other": f"stu{(index + 1) % N}"}.get(who, who)
        current = self.model[self.ids[index]]["version"]
        expected_version = {None: None, "current": current, "stale": current - 1, "ahead": current + 1}[version]
        self._run(trigger, actor, [index], remark, expected_version)

    @rule(indices=st.lists(st.integers(0, N - 1), min_size=1, max_size=7), trigger=st.sampled_from(sorted(RULES)),
          actor=st.sampled_from((*REVIEWERS, *(f"stu{n}" for n in range(N)))), remark=st.sampled_from(REMARKS),
          missing=st.booleans())
    def act_batch(self, indices: list[int], trigger: str, actor: str, remark: str, missing: bool) -> None:
        """Any action on a batch (duplicates and a non-existent id included) by any actor."""
        self._run(trigger, actor, indices, remark, extra_ids=(-1,) if missing else ())

    @rule(index=st.integers(0, N - 1), by_school=st.booleans())
    def forward(self, index: int, by_school: bool) -> None:
        """The legitimate next step, so that random walks reach central, complete and reopen."""
        trigger, who = FORWARD[self.model[self.ids[index]]["status"]]
        actor = {"own": f"stu{index}", "college": "college_a" if RECORD_DEPTS[index] != "102" else "college_b",
                 "school": "school" if by_school else "admin", "admin": "admin"}[who]
        self._run(trigger, actor, [index], REMARKS[2])

    @rule(trigger=st.sampled_from(("approve", "", "delete")), index=st.integers(0, N - 1))
    def unknown_action(self, trigger: str, index: int) -> None:
        """An action the workflow does not declare refuses the whole call and changes nothing."""
        before = snapshot(self.ids)
        with pytest.raises(WorkflowError):
            fire(SOURCE_INFO, trigger, self.ids[index], self.actors["admin"], "理由")
        assert snapshot(self.ids) == before

    @invariant()
    def database_matches_model(self) -> None:
        """After every step each record's state, version and decisions equal the model's."""
        if not self.ids:
            return
        actual = {i: (*row[:-1], row[-1] is not None) for i, row in snapshot(self.ids).items()}
        for record_id, row in actual.items():
            model = self._as_snapshot(record_id)
            assert all(want is ANY or got == want for got, want in zip(row, model)), (record_id, row, model)
        assert all(row[0] in SOURCE_INFO.states for row in actual.values())


def test_random_actions_follow_the_review_rules(ctx: Any) -> None:
    """Random (action, record, actor) sequences: state always matches the model, no skipped level, audit per change."""
    students = make_students(RECORD_DEPTS)
    SourceInfoMachine.students = students
    SEEN.clear()
    try:
        with form_guard([]):
            run_state_machine_as_test(SourceInfoMachine, settings=settings(
                max_examples=50, stateful_step_count=30, deadline=None, database=None,
                phases=[p for p in Phase if p is not Phase.explain],  # line tracing through SQLAlchemy takes minutes
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]))
    finally:
        SourceInfoMachine.students = []
        remove_students(students)
    assert set(SEEN) == set(RULES), f"the walk never succeeded at: {set(RULES) - set(SEEN)}"


def test_refused_guard_leaves_the_state_unchanged(ctx: Any) -> None:
    """An incomplete form cannot be submitted by the student or for them: refusal with the problem, nothing changes."""
    [student] = make_students(["101"])
    try:
        [record_id] = make_graduates(["101"], [student])
        before, audits = snapshot([record_id]), audit_counts([record_id])
        real = fire(SOURCE_INFO, "submit", record_id, user(student.username))  # the real guard: the form is empty
        assert not real.ok and real.reason.startswith("表单尚未填写完整")
        with form_guard(["请填写手机号码"]):
            for trigger, who in (("submit", student.username), ("submit_for_student", "college_a"),
                                 ("submit_for_student", "school")):
                result = fire(SOURCE_INFO, trigger, record_id, user(who))
                assert not result.ok and "请填写手机号码" in result.reason, (trigger, result.reason)
        assert snapshot([record_id]) == before and audit_counts([record_id]) == audits
        with form_guard([]):
            assert fire(SOURCE_INFO, "submit", record_id, user(student.username)).ok  # the guard was the only block
    finally:
        remove_students([student])


def test_reopened_record_shows_no_level_as_passed(ctx: Any) -> None:
    """After the admin reopens a completed record it is a draft again, so no review level may still show as passed."""
    [record_id] = make_graduates(["102"])
    try:
        with form_guard([]):
            for trigger, who, remark in (("submit_for_student", "college_b", ""), ("approve_college", "college_b", ""),
                                         ("approve_school", "school", ""), ("reopen", "admin", "生源地需更正")):
                assert fire(SOURCE_INFO, trigger, record_id, user(who), remark).ok, trigger
        status, _version, college, _cr, school, _sr, _at = snapshot([record_id])[record_id]
        assert status == "draft"
        assert (college, school) == (None, None), f"draft record still shows college={college}, school={school}"
    finally:
        remove_graduates([record_id])
