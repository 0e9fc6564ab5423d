"""The one scope rule on rows of our own: expected rows come from this file's fixture data, never from scope_clause."""
from __future__ import annotations

import uuid
from types import SimpleNamespace
from typing import Any, Optional

import pytest
from flask import g
from flask_appbuilder.models.sqla.interface import SQLAInterface
from sqlalchemy import ForeignKey, Integer, String, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from app import scope
from app.extensions import db
from app.models.org import Department, DepartmentKind
from app.security.roles import ADMIN, COLLEGE, EMPLOYER, SCHOOL, STUDENT


class ScopeBase(DeclarativeBase):
    pass


class Doc(ScopeBase):
    __tablename__ = "scope_test_doc"
    __scope__ = {"department": "department_id", "student": "owner_id", "employer": "employer_id"}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    department_id: Mapped[int] = mapped_column(Integer)
    owner_id: Mapped[Optional[int]] = mapped_column(Integer)
    employer_id: Mapped[Optional[int]] = mapped_column(Integer)


class DocNote(ScopeBase):
    """Scoped through a relationship, as change requests are through their graduate."""

    __tablename__ = "scope_test_note"
    __scope__ = {"department": "doc.department_id", "student": "doc.owner_id"}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    doc_id: Mapped[int] = mapped_column(ForeignKey("scope_test_doc.id"))
    doc: Mapped[Doc] = relationship()


class Unscoped(ScopeBase):
    __tablename__ = "scope_test_unscoped"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)


class Reference(ScopeBase):
    __tablename__ = "scope_test_reference"
    __scope__ = scope.EVERYONE

    id: Mapped[int] = mapped_column(Integer, primary_key=True)


STUDENT_ID, OTHER_STUDENT_ID, EMPLOYER_ID = 900001, 900002, 77


def person(*roles: str, department_id: Optional[int] = None, user_id: int = 0, employer_id: Optional[int] = None,
           authenticated: bool = True) -> Any:
    """A stand-in user: just what the rule reads (roles, department, id, employer)."""
    return SimpleNamespace(roles=[SimpleNamespace(name=r) for r in roles], department_id=department_id, id=user_id,
                           employer_id=employer_id, is_authenticated=authenticated)


@pytest.fixture()
def world(ctx: Any) -> Any:
    """Departments root > child > grandchild and an unrelated sibling; one doc (and note) in each, plus owned ones."""
    db.session.remove()
    ScopeBase.metadata.drop_all(db.engine)
    ScopeBase.metadata.create_all(db.engine)
    tag = uuid.uuid4().hex[:6]
    depts: dict[str, Department] = {}
    for key, parent in (("root", None), ("child", "root"), ("grandchild", "child"), ("sibling", None)):
        depts[key] = Department(code=f"S{tag}{key[:2]}", name=f"范围{key}{tag}", kind=DepartmentKind.COLLEGE,
                                parent=depts[parent] if parent else None)
    db.session.add_all(depts.values())
    db.session.flush()
    dept = {k: d.id for k, d in depts.items()}
    docs = {k: Doc(department_id=dept[k]) for k in dept}
    docs["mine"] = Doc(department_id=dept["sibling"], owner_id=STUDENT_ID)
    docs["theirs"] = Doc(department_id=dept["sibling"], owner_id=OTHER_STUDENT_ID)
    docs["employer"] = Doc(department_id=dept["sibling"], employer_id=EMPLOYER_ID)
    db.session.add_all(docs.values())
    db.session.flush()
    notes = {k: DocNote(doc_id=d.id) for k, d in docs.items()}
    db.session.add_all(notes.values())
    db.session.add_all([Unscoped(id=1), Reference(id=1)])
    db.session.commit()
    world = SimpleNamespace(dept=dept, docs={k: d.id for k, d in docs.items()},
                            notes={k: n.id for k, n in notes.items()})
    yield world
    db.session.rollback()
    ScopeBase.metadata.drop_all(db.engine)
    for key in ("grandchild", "child", "root", "sibling"):
        db.session.delete(db.session.get(Department, dept[key]))
        db.session.commit()


def visible(model: Any, user: Any) -> set[int]:
    return set(db.session.execute(select(model.id).where(scope.scope_clause(model, user))).scalars())


def ids(world: Any, *keys: str, table: str = "docs") -> set[int]:
    return {getattr(world, table)[k] for k in keys}


ALL = ("root", "child", "grandchild", "sibling", "mine", "theirs", "employer")


@pytest.mark.parametrize("role", [ADMIN, SCHOOL])
def test_central_roles_see_every_row_even_unscoped_ones(world: Any, role: str) -> None:
    """Admin and school reviewers see all rows, also of models that declare no scope, also with a college role."""
    assert visible(Doc, person(role)) == ids(world, *ALL)
    assert visible(Doc, person(role, COLLEGE, department_id=world.dept["child"])) == ids(world, *ALL)
    assert visible(Unscoped, person(role)) == {1}


def test_college_sees_its_department_subtree_only(world: Any) -> None:
    """A college account at the root sees root, child and grandchild rows, not the sibling's (nor owned rows there)."""
    assert visible(Doc, person(COLLEGE, department_id=world.dept["root"])) == ids(world, "root", "child", "grandchild")


def test_college_at_a_sub_unit_sees_below_not_above(world: Any) -> None:
    """An account at the child unit sees child and grandchild, not its parent."""
    assert visible(Doc, person(COLLEGE, department_id=world.dept["child"])) == ids(world, "child", "grandchild")
    assert visible(Doc, person(COLLEGE, department_id=world.dept["grandchild"])) == ids(world, "grandchild")


def test_scope_through_a_relationship(world: Any) -> None:
    """Notes follow their doc's department and owner ("doc.department_id", "doc.owner_id")."""
    college = person(COLLEGE, department_id=world.dept["child"])
    assert visible(DocNote, college) == ids(world, "child", "grandchild", table="notes")
    assert visible(DocNote, person(STUDENT, user_id=STUDENT_ID)) == ids(world, "mine", table="notes")


def test_college_without_a_department_sees_nothing(world: Any) -> None:
    """A college account not yet placed in a department sees no rows (not all of them)."""
    assert visible(Doc, person(COLLEGE)) == set()


def test_student_sees_own_rows_only(world: Any) -> None:
    """A student sees rows they own, not another student's, whatever their department."""
    assert visible(Doc, person(STUDENT, user_id=STUDENT_ID, department_id=world.dept["root"])) == ids(world, "mine")


def test_two_roles_see_the_union(world: Any) -> None:
    """A college account that is also a student sees its subtree plus its own rows."""
    both = person(COLLEGE, STUDENT, department_id=world.dept["child"], user_id=STUDENT_ID)
    assert visible(Doc, both) == ids(world, "child", "grandchild", "mine")


def test_employer_sees_its_own_rows_and_needs_an_employer(world: Any) -> None:
    """An employer account sees rows of its employer; one not linked to an employer sees nothing."""
    assert visible(Doc, person(EMPLOYER, employer_id=EMPLOYER_ID)) == ids(world, "employer")
    assert visible(Doc, person(EMPLOYER)) == set()


def test_models_without_a_declared_scope_are_central_only(world: Any) -> None:
    """No __scope__: a college, a student or an employer sees nothing; a spec without their key likewise."""
    for user in (person(COLLEGE, department_id=world.dept["root"]), person(STUDENT, user_id=STUDENT_ID),
                 person(EMPLOYER, employer_id=EMPLOYER_ID)):
        assert visible(Unscoped, user) == set()
    assert visible(DocNote, person(EMPLOYER, employer_id=EMPLOYER_ID)) == set()


def test_reference_data_is_for_every_signed_in_user(world: Any) -> None:
    """EVERYONE: any role sees the rows; nobody without a role or sign-in does."""
    for user in (person(STUDENT, user_id=1), person(EMPLOYER), person(COLLEGE)):
        assert visible(Reference, user) == {1}
    assert visible(Reference, person()) == set()
    assert visible(Reference, person(SCHOOL, authenticated=False)) == set()


@pytest.mark.parametrize("user", [None, person(), person(ADMIN, authenticated=False)])
def test_nobody_sees_nothing(world: Any, user: Any) -> None:
    """No user, no role or an anonymous user: no rows at all."""
    assert visible(Doc, user) == set()
    assert scope.in_scope(Doc, sorted(ids(world, *ALL)), user) == set()


def test_in_scope_picks_the_visible_ids(world: Any) -> None:
    """in_scope answers the visible subset of the ids asked about, and nothing for no ids."""
    college = person(COLLEGE, department_id=world.dept["child"])
    asked = sorted(ids(world, "root", "child", "sibling"))
    assert scope.in_scope(Doc, asked, college) == ids(world, "child")
    assert scope.in_scope(Doc, [], person(ADMIN)) == set()


def test_department_subtree_lists_the_tree_below(world: Any) -> None:
    """The Python walk gives the root and every descendant, nothing else, and each once."""
    subtree = scope.department_subtree(world.dept["root"])
    assert sorted(subtree) == sorted(world.dept[k] for k in ("root", "child", "grandchild"))
    assert subtree[0] == world.dept["root"]
    assert scope.department_subtree(world.dept["grandchild"]) == [world.dept["grandchild"]]


def test_department_subtree_is_cached_per_request(world: Any) -> None:
    """Within one request the tree is read once: a department added meanwhile shows only in the next request."""
    root = world.dept["root"]
    first = scope.department_subtree(root)
    late = Department(code=f"L{uuid.uuid4().hex[:8]}", name="后加", kind=DepartmentKind.UNIT, parent_id=root)
    db.session.add(late)
    db.session.commit()
    try:
        assert scope.department_subtree(root) == first
        g.pop("_gems_subtrees")
        assert late.id in scope.department_subtree(root)
    finally:
        db.session.delete(late)
        db.session.commit()


def test_a_cycle_in_bad_data_ends(world: Any) -> None:
    """A department loop (root under grandchild) neither hangs the walk nor the SQL, and repeats no id."""
    root = db.session.get(Department, world.dept["root"])
    root.parent_id = world.dept["grandchild"]
    db.session.commit()
    try:
        expected = sorted(world.dept[k] for k in ("root", "child", "grandchild"))
        g.pop("_gems_subtrees", None)
        assert sorted(scope.department_subtree(world.dept["child"])) == expected
        assert visible(Doc, person(COLLEGE, department_id=world.dept["child"])) == ids(
            world, "root", "child", "grandchild")
    finally:
        root.parent_id = None
        db.session.commit()


def test_subtree_sql_is_one_object_per_root(world: Any) -> None:
    """The CTE is reused for a root (one statement may scope two tables) and named after its root."""
    root, child = world.dept["root"], world.dept["child"]
    assert scope.subtree_ids(root) is scope.subtree_ids(root)
    assert scope.subtree_ids(root) is not scope.subtree_ids(child)
    assert f"gems_subtree_{root}" in str(scope.subtree_ids(root))
    in_root = set(db.session.execute(scope.subtree_ids(root)).scalars())
    assert in_root == {world.dept[k] for k in ("root", "child", "grandchild")}


def test_scope_filter_applies_the_request_users_scope(world: Any) -> None:
    """FAB's base filter uses g.user; outside a request there is no user and so no rows."""
    g.user = person(COLLEGE, department_id=world.dept["child"])
    try:
        flt = scope.ScopeFilter("id", SQLAInterface(Doc))
        assert {d.id for d in flt.apply(db.session.query(Doc), None)} == ids(world, "child", "grandchild")
        assert scope.current_user() is g.user
    finally:
        g.pop("user")
    [[column, filter_class, value]] = scope.scope_base_filters()
    assert (column, filter_class, value()) == ("id", scope.ScopeFilter, None)


class Listing(ScopeBase):
    """Public once approved, like employers: `everyone_if` with a value that itself contains '='."""

    __tablename__ = "scope_test_listing"
    __scope__ = {"employer": "employer_id", "everyone_if": "state=ok=yes"}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    employer_id: Mapped[Optional[int]] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(20))


class NoteRemark(ScopeBase):
    """Two relationships deep, as a destination's proof is scoped through destination.graduate."""

    __tablename__ = "scope_test_remark"
    __scope__ = {"department": "note.doc.department_id", "student": "note.doc.owner_id"}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    note_id: Mapped[int] = mapped_column(ForeignKey("scope_test_note.id"))
    note: Mapped[DocNote] = relationship()


@pytest.fixture()
def listings(world: Any) -> dict[str, int]:
    """Approved and unapproved listings of two employers, and a remark on every note."""
    rows = {"ok_mine": Listing(employer_id=EMPLOYER_ID, state="ok=yes"),
            "draft_mine": Listing(employer_id=EMPLOYER_ID, state="draft"),
            "ok_other": Listing(employer_id=EMPLOYER_ID + 1, state="ok=yes"),
            "prefix_other": Listing(employer_id=EMPLOYER_ID + 1, state="ok"),
            "draft_other": Listing(employer_id=EMPLOYER_ID + 1, state="draft")}
    db.session.add_all(rows.values())
    db.session.add_all(NoteRemark(id=note_id, note_id=note_id) for note_id in world.notes.values())
    db.session.commit()
    return {k: r.id for k, r in rows.items()}


def test_everyone_if_rows_are_public_to_every_signed_in_role(listings: dict[str, int]) -> None:
    """'state=ok=yes' means column `state` equal to 'ok=yes': those rows for every role, the owner also its others."""
    public = {listings["ok_mine"], listings["ok_other"]}
    for user in (person(STUDENT, user_id=STUDENT_ID), person(COLLEGE, department_id=1), person(EMPLOYER)):
        assert visible(Listing, user) == public
    mine = person(EMPLOYER, employer_id=EMPLOYER_ID)
    assert visible(Listing, mine) == public | {listings["draft_mine"]}
    assert visible(Listing, person()) == set()


def test_scope_two_relationships_deep(world: Any, listings: dict[str, int]) -> None:
    """'note.doc.department_id' follows note, then doc: the remark is seen exactly where its doc is."""
    college = person(COLLEGE, department_id=world.dept["child"])
    assert visible(NoteRemark, college) == ids(world, "child", "grandchild", table="notes")
    assert visible(NoteRemark, person(STUDENT, user_id=STUDENT_ID)) == ids(world, "mine", table="notes")


def test_department_subtree_outside_a_request(app: Any) -> None:
    """A CLI job (no request) walks the tree afresh each time; checked against each department's chain upwards."""
    from flask import has_request_context

    with app.app_context():
        assert not has_request_context()
        parent = dict(db.session.execute(select(Department.id, Department.parent_id)).all())

        def under(dept_id: Optional[int], root: int) -> bool:
            seen: set[int] = set()
            while dept_id is not None and dept_id not in seen:
                if dept_id == root:
                    return True
                seen.add(dept_id)
                dept_id = parent.get(dept_id)
            return False

        roots = [d for d in parent if any(p == d for p in parent.values())]
        assert roots, "the demo data has departments with sub-units"
        for root in roots:
            subtree = scope.department_subtree(root)
            assert sorted(subtree) == sorted(d for d in parent if under(d, root))
            assert scope.department_subtree(root) == subtree
        db.session.remove()


@pytest.mark.parametrize("cycle_first", [True, False])
def test_a_cycle_does_not_cut_the_rest_of_the_walk_short(world: Any, cycle_first: bool) -> None:
    """Loop root -> a -> root beside a plain sub-unit b: b is listed whichever of a and b the walk meets first."""
    tag = uuid.uuid4().hex[:6]
    root = db.session.get(Department, world.dept["sibling"])
    made = []
    for name in ("a", "b") if cycle_first else ("b", "a"):
        made.append(Department(code=f"C{tag}{name}", name=f"环{name}{tag}", kind=DepartmentKind.UNIT, parent=root))
        db.session.add(made[-1])
        db.session.flush()
    loop = next(d for d in made if d.code.endswith("a"))
    root.parent_id = loop.id
    db.session.commit()
    try:
        g.pop("_gems_subtrees", None)
        assert sorted(scope.department_subtree(root.id)) == sorted([root.id, *(d.id for d in made)])
    finally:
        root.parent_id = None
        db.session.commit()
        for dept in made:
            db.session.delete(dept)
        db.session.commit()


def test_current_user_is_the_requests_user_and_nobody_outside_a_request(app: Any) -> None:
    """Inside a request: g.user, or None before sign-in; a CLI job's app context has no user even if g has one."""
    with app.test_request_context():
        assert scope.current_user() is None
        g.user = person(SCHOOL)
        assert scope.current_user() is g.user
    with app.app_context():
        g.user = person(SCHOOL)
        assert scope.current_user() is None


def test_an_account_object_without_department_or_employer_fields_sees_nothing(world: Any) -> None:
    """The rule reads the department and employer defensively: an account type lacking them gets no rows."""
    bare_college = SimpleNamespace(roles=[SimpleNamespace(name=COLLEGE)], id=5, is_authenticated=True)
    bare_employer = SimpleNamespace(roles=[SimpleNamespace(name=EMPLOYER)], id=6, is_authenticated=True)
    assert visible(Doc, bare_college) == set()
    assert visible(Doc, bare_employer) == set()
