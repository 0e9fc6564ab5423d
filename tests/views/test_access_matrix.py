"""Every registered view and API x every role: permissions hold and nothing outside scope leaks — rows, related
lookups (form dropdowns, search widgets, the API's _info) and writes. The oracle is the test's own: which rows each
demo account may see is worked out here from the demo data (department codes, owners), never from app.scope."""
from __future__ import annotations

import re
from typing import Any, Iterator

import pytest
from flask import g
from flask_appbuilder import ModelRestApi, ModelView
from sqlalchemy import delete, select

from app.extensions import db
from app.models.user import User
from tests.conftest import DEMO_PASSWORD, Browser

ROLES = ["admin", "school", "college_a", "college_b", "student", "employer_a", "employer_b"]
# Which demo department each account works in; admin and school see everything (the central office).
COLLEGE_ROOT = {"college_a": "101", "college_b": "102"}
# Which demo employer each employer account works for (by the employer's name, as the README lists them).
EMPLOYER_OF = {"employer_a": "湖南星辰科技有限公司", "employer_b": "长沙岳麓智造有限公司"}
EVERYTHING = {"admin", "school"}
# How each table's rows belong to a department and to a person, written out independently of the models'
# __scope__ declarations; a table missing here fails the test, so a new model gets an oracle the day it exists.
OWNERSHIP: dict[str, dict[str, str]] = {
    "department": {"department": "id"},
    "major": {"department": "department_id"},
    "cohort": {"everyone": "yes"},
    "graduate": {"department": "department_id", "student": "user_id"},
    "registry_record": {"department": "department_id"},
    "import_job": {},
    "supplementary_report": {"department": "department_id"},
    "change_request": {"department": "graduate.department_id", "student": "graduate.user_id"},
    "evidence": {"department": "graduate.department_id", "student": "graduate.user_id"},
    "ab_user": {"department": "department_id", "student": "id", "employer": "employer_id"},
    "notification": {"student": "user_id"},
    "user_preference": {"student": "user_id"},
    "audit_log": {},
    "ab_role": {},
    "ab_group": {},
    "ab_permission_view": {},
    "ab_permission": {},
    "ab_view_menu": {},
    "ab_api_key": {},
    "destination_code": {"everyone": "yes"},
    "employer_nature": {"everyone": "yes"},
    "industry": {"everyone": "yes"},
    "job_category": {"everyone": "yes"},
    "rejection_reason": {"everyone": "yes"},
    "country": {"everyone": "yes"},
    "employer": {"everyone_if": "status=approved", "employer": "id"},
    "destination": {"department": "graduate.department_id", "student": "graduate.user_id"},
    "destination_evidence": {"department": "destination.graduate.department_id",
                             "student": "destination.graduate.user_id"},
    "workflow_setting": {},
    "plan_confirmation": {"department": "graduate.department_id", "student": "graduate.user_id"},
    "plan_lock_event": {},
    "stat_rollup": {"department": "department_id"},
    "stat_snapshot": {"department": "department_id"},
    "stat_refresh": {"everyone": "yes"},
    "reconcile_run": {},
    "reconcile_difference": {},
    "number_request_reason": {"everyone": "yes"},
    "termination_reason": {"everyone": "yes"},
    "employer_register_entry": {},
    "agreement_number": {"department": "graduate.department_id", "student": "graduate.user_id"},
    "number_request": {"department": "graduate.department_id", "student": "graduate.user_id"},
    "agreement": {"department": "graduate.department_id", "student": "graduate.user_id", "employer": "employer_id"},
    "agreement_evidence": {"department": "agreement.graduate.department_id", "student": "agreement.graduate.user_id",
                           "employer": "agreement.employer_id"},
    "signing_status": {"department": "graduate.department_id", "student": "graduate.user_id"},
    "out_of_province_application": {"department": "graduate.department_id", "student": "graduate.user_id"},
    "out_of_province_evidence": {"department": "application.graduate.department_id",
                                 "student": "application.graduate.user_id"},
    "termination": {"department": "graduate.department_id", "student": "graduate.user_id",
                    "employer": "agreement.employer_id"},
    "termination_evidence": {"department": "termination.graduate.department_id",
                             "student": "termination.graduate.user_id",
                             "employer": "termination.agreement.employer_id"},
}


def _walk(row: Any, path: str) -> Any:
    for part in path.split("."):
        row = getattr(row, part, None) if row is not None else None
    return row


def _subtree(root_code: str) -> set[int]:
    """The department with that code and everything below it, by walking parent links in Python."""
    from app.models.org import Department

    rows = db.session.execute(select(Department.id, Department.parent_id, Department.code)).all()
    (root,) = [r.id for r in rows if r.code == root_code]
    found, grew = {root}, True
    while grew:
        below = {r.id for r in rows if r.parent_id in found}
        grew = not below <= found
        found |= below
    return found


def visible_ids(model: Any, username: str) -> set[Any]:
    """The oracle: primary keys of `model` that `username` may see."""
    table = model.__table__.name
    assert table in OWNERSHIP, f"{table}: add its ownership to OWNERSHIP (who may see its rows)"
    own = OWNERSHIP[table]
    pk = model.__mapper__.primary_key[0].key
    rows = db.session.execute(select(model)).scalars().all()
    if username in EVERYTHING or own.get("everyone"):
        return {getattr(r, pk) for r in rows}
    public: set[Any] = set()
    if own.get("everyone_if"):
        column, value = own["everyone_if"].split("=", 1)
        public = {getattr(r, pk) for r in rows if str(getattr(r, column)) == value}
    if username in COLLEGE_ROOT:
        if "department" not in own:
            return public
        subtree = _subtree(COLLEGE_ROOT[username])
        return public | {getattr(r, pk) for r in rows if _walk(r, own["department"]) in subtree}
    if username in EMPLOYER_OF:
        if "employer" not in own:
            return public
        mine = employer_id_of(username)
        return public | {getattr(r, pk) for r in rows if _walk(r, own["employer"]) == mine}
    me = db.session.execute(select(User.id).where(User.username == username)).scalar_one()
    return public | {getattr(r, pk) for r in rows if own.get("student") and _walk(r, own["student"]) == me}


def employer_id_of(username: str) -> int:
    """The demo employer the account works for, found by its name (never through the account's own link)."""
    from app.models.employer import APPROVED, Employer

    return db.session.execute(select(Employer.id).where(Employer.name == EMPLOYER_OF[username],
                                                        Employer.status == APPROVED)).scalar_one()


@pytest.fixture(scope="module")
def student_name(app: Any) -> str:
    """A student who already changed the initial password (so requests are not redirected to the change form)."""
    from app.services.accounts import hash_password

    with app.app_context():
        user = db.session.execute(select(User).where(User.username.like("2022101%")).order_by(User.username.desc())
                                  ).scalars().first()
        user.password, user.must_change_password = hash_password(DEMO_PASSWORD), False
        db.session.commit()
        return user.username


def username_of(role: str, student_name: str) -> str | None:
    return None if role == "anonymous" else (student_name if role == "student" else role)


def signed_in(app: Any, name: str) -> Browser:
    """A browser that has provably signed in: its own profile form shows its user name's display name."""
    b = Browser(app.test_client())
    b.login(name)
    profile = b.get("/profile/form")
    with app.app_context():
        display = db.session.execute(select(User.first_name).where(User.username == name)).scalar_one()
    assert profile.status_code == 200 and display in profile.get_data(as_text=True), f"{name} did not sign in"
    return b


@pytest.fixture(scope="module", autouse=True)
def employers_of_every_status(app: Any) -> None:
    """Employers in each state, so the approved-only reading rule has rows on both sides."""
    from app.models.employer import APPROVED, MERGED, PENDING, REFUSED, Employer

    with app.app_context():
        for n, status in enumerate((PENDING, APPROVED, REFUSED, MERGED)):
            db.session.add(Employer(name=f"矩阵测试单位{n}", status=status))
        db.session.commit()


@pytest.fixture(scope="module", autouse=True)
def rows_of_both_employers(app: Any) -> Iterator[None]:
    """An invitation of each demo employer, and an account of another (pending) employer, so the employer rule has
    rows on both sides; removed afterwards."""
    from app.models.agreement import Agreement
    from app.models.employer import PENDING, Employer
    from app.models.graduate import Graduate

    with app.app_context():
        graduates = db.session.execute(select(Graduate.id).order_by(Graduate.id).limit(2)).scalars().all()
        invitations = [Agreement(graduate_id=g, employer_id=employer_id_of(name), status="invited")
                       for g, name in zip(graduates, EMPLOYER_OF)]
        other = Employer(name="矩阵测试待审单位", status=PENDING)
        db.session.add_all([*invitations, other])
        db.session.flush()
        sm = app.appbuilder.sm
        account = User(username="matrix_pending_employer", first_name="待审单位账号", last_name="",
                       email="matrix_pending_employer@demo.gems.invalid", active=True, password="x",
                       roles=[sm.find_role("用人单位")])
        account.employer_id = other.id
        db.session.add(account)
        db.session.commit()
        ids, account_id = [a.id for a in invitations], account.id
    yield
    with app.app_context():
        db.session.execute(delete(Agreement).where(Agreement.id.in_(ids)))
        db.session.delete(db.session.get(User, account_id))
        db.session.commit()


@pytest.fixture(scope="module")
def clients(app: Any, student_name: str) -> dict[str, Browser]:
    result = {role: signed_in(app, username_of(role, student_name)) for role in ROLES}
    result["anonymous"] = Browser(app.test_client())
    return result


def registered(app: Any, kind: type) -> list[Any]:
    return [v for v in app.appbuilder.baseviews if isinstance(v, kind) and getattr(v, "datamodel", None)]


def may(app: Any, username: str | None, permission: str, view_name: str) -> bool:
    if username is None:
        return False
    with app.app_context():
        user = db.session.execute(select(User).where(User.username == username)).scalar_one()
        return any(pv.permission.name == permission and pv.view_menu.name == view_name
                   for role in user.roles for pv in role.permissions)


def hidden_pk(app: Any, model: Any, username: str) -> Any:
    """A row of `model` the user may not see, per the oracle."""
    with app.app_context():
        allowed = visible_ids(model, username)
        pk = model.__mapper__.primary_key[0]
        return next((i for i in db.session.execute(select(pk).order_by(pk)).scalars() if i not in allowed), None)


def shown_pk(app: Any, model: Any, username: str) -> Any:
    with app.app_context():
        allowed = visible_ids(model, username)
        return min(allowed) if allowed else None


def _snapshot(app: Any, model: Any, pk: Any) -> dict[str, Any] | None:
    with app.app_context():
        row = db.session.get(model, pk)
        return None if row is None else {c.key: getattr(row, c.key) for c in model.__table__.columns}


@pytest.mark.parametrize("role", ROLES + ["anonymous"])
def test_model_views_enforce_permissions_and_scope(app: Any, clients: dict[str, Browser], student_name: str,
                                                   role: str) -> None:
    """List allowed exactly when granted; out-of-scope rows cannot be shown, edited, deleted or acted on."""
    b, name = clients[role], username_of(role, student_name)
    views = registered(app, ModelView)
    assert len(views) >= 8
    for view in views:
        base = view.route_base
        listing = b.get(f"{base}/list/")
        allowed = may(app, name, "can_list", view.class_permission_name)
        assert (listing.status_code == 200) == allowed, (role, base, listing.status_code)
        if name is None:
            continue
        model = view.datamodel.obj
        pk = hidden_pk(app, model, name)
        if pk is None:
            continue
        before = _snapshot(app, model, pk)
        assert b.get(f"{base}/show/{pk}").status_code != 200, (role, base, pk)
        assert b.get(f"{base}/edit/{pk}").status_code != 200, (role, base, pk)
        token = b.token("/resetmypassword/form")
        b.client.post(f"{base}/delete/{pk}", data={"csrf_token": token})
        b.client.post(f"{base}/edit/{pk}", data={"csrf_token": token, "name": "篡改"})
        for action in view.actions:
            b.client.post(f"{base}/action_post", data={"csrf_token": token, "action": action, "rowid": str(pk)})
        assert _snapshot(app, model, pk) == before, (role, base, "out-of-scope row changed or deleted")


@pytest.mark.parametrize("role", ROLES)
def test_list_queries_return_exactly_the_visible_rows(app: Any, student_name: str, role: str) -> None:
    """Each view's list query (base filters) returns exactly the rows the oracle allows."""
    name = username_of(role, student_name)
    for view in registered(app, ModelView) + registered(app, ModelRestApi):
        model = view.datamodel.obj
        with app.test_request_context():
            g.user = db.session.execute(select(User).where(User.username == name)).scalar_one()
            _, rows = view.datamodel.query(view._base_filters, page=0, page_size=100000)
            pk = model.__mapper__.primary_key[0].key
            assert {getattr(r, pk) for r in rows} == visible_ids(model, name), (role, view.__class__.__name__)


def _relations(model: Any) -> dict[str, Any]:
    return {rel.key: rel.mapper.class_ for rel in model.__mapper__.relationships}


def _options(html: str) -> dict[str, set[str]]:
    """Every <select name=…> of a page with its option values (FAB renders relation dropdowns this way)."""
    found: dict[str, set[str]] = {}
    html = html.replace("\\u003c", "<").replace("\\u003e", ">").replace('\\"', '"')  # search widget: JSON in JS
    for match in re.finditer(r"<select([^>]*)>(.*?)</select>", html, re.S):
        name = re.search(r'name="([^"]+)"', match.group(1))
        if name:
            values = re.findall(r'<option[^>]*value="([^"]*)"', match.group(2))
            found.setdefault(name.group(1), set()).update(values)
    return found


def _assert_options_in_scope(app: Any, html: str, model: Any, name: str, where: str) -> int:
    checked = 0
    relations = _relations(model)
    for field, values in _options(html).items():
        target = relations.get(re.sub(r"^_flt_\d+_", "", field))
        if target is None:
            continue
        with app.app_context():
            allowed = {str(i) for i in visible_ids(target, name)}
        offered = {v for v in values if v and v != "__None"}
        assert offered <= allowed, (name, where, field, sorted(offered - allowed)[:5])
        checked += len(offered)
    return checked


@pytest.mark.parametrize("role", ROLES)
def test_form_and_search_options_stay_in_scope(app: Any, clients: dict[str, Browser], student_name: str,
                                               role: str) -> None:
    """Add, edit and search forms of every ModelView offer only rows the user may see."""
    b, name = clients[role], username_of(role, student_name)
    checked = 0
    for view in registered(app, ModelView):
        model = view.datamodel.obj
        pages = [f"{view.route_base}/list/", f"{view.route_base}/add"]
        pk = shown_pk(app, model, name)
        if pk is not None:
            pages.append(f"{view.route_base}/edit/{pk}")
        for url in pages:
            response = b.get(url)
            if response.status_code == 200:
                checked += _assert_options_in_scope(app, response.get_data(as_text=True), model, name, url)
    if role in ("admin", "school", "college_a"):
        assert checked > 0, f"{role}: no relation option was checked at all"


def _rel_query_attrs(view: Any) -> list[str]:
    if isinstance(view, ModelRestApi):
        return ["add_query_rel_fields", "edit_query_rel_fields"]
    return ["add_form_query_rel_fields", "edit_form_query_rel_fields", "search_form_query_rel_fields"]


@pytest.mark.parametrize("role", ROLES)
def test_every_related_lookup_is_scoped(app: Any, student_name: str, role: str) -> None:
    """Each relation of each registered view, queried the way FAB queries it for dropdowns, search widgets and _info,
    returns only rows the oracle allows — for every relation, whether or not a form shows it today."""
    name = username_of(role, student_name)
    for view in registered(app, ModelView) + registered(app, ModelRestApi):
        model = view.datamodel.obj
        for attr in _rel_query_attrs(view):
            filters_by_field = getattr(view, attr) or {}
            for key, target in _relations(model).items():
                assert key in filters_by_field, (view.__class__.__name__, attr, key, "relation not scoped")
                with app.test_request_context():
                    g.user = db.session.execute(select(User).where(User.username == name)).scalar_one()
                    related = view.datamodel.get_related_interface(key)
                    filters = related.get_filters([]).add_filter_list(filters_by_field[key])
                    _, rows = related.query(filters, page=0, page_size=100000)
                    got = {related.get_pk_value(r) for r in rows}
                    assert got <= visible_ids(target, name), (role, view.__class__.__name__, attr, key)


def _token(app: Any, username: str) -> dict[str, str]:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = f"10.1.0.{ROLES.index(username) + 1}"
    response = client.post("/api/v1/security/login", json={"username": username, "password": DEMO_PASSWORD,
                                                           "provider": "db"})
    assert response.status_code == 200, response.get_data(as_text=True)
    return {"Authorization": f"Bearer {response.get_json()['access_token']}"}


@pytest.mark.parametrize("role", ["admin", "school", "college_a", "college_b"])
def test_api_info_lookups_stay_in_scope(app: Any, role: str) -> None:
    """`_info` for every API with every add/edit relation paged: no value outside scope; a user without add/edit
    permission gets no choices at all; no catalog header leaks as a description."""
    headers = _token(app, role)
    client = app.test_client()
    for api in registered(app, ModelRestApi):
        model = api.datamodel.obj
        relations = _relations(model)
        for section in ("add_columns", "edit_columns"):
            paging = ",".join(f"{key}:(page:0,page_size:100)" for key in relations)
            response = client.get(f"/api/v1/{api.resource_name}/_info?q=({section}:({paging}))", headers=headers)
            assert response.status_code == 200, (role, api.resource_name, response.status_code)
            body = response.get_json()
            assert "Project-Id-Version" not in response.get_data(as_text=True)
            method = "can_post" if section == "add_columns" else "can_put"
            if not may(app, role, method, api.class_permission_name):
                assert body[section] == [], (role, api.resource_name, section)
            for field in body[section]:
                if field["name"] in relations and "values" in field:
                    with app.app_context():
                        allowed = visible_ids(relations[field["name"]], role)
                    assert {v["id"] for v in field["values"]} <= allowed, (role, api.resource_name, field["name"])


def _all_ids(client: Any, resource: str, headers: dict[str, str]) -> set[Any]:
    """Every id the API lists, page by page (FAB caps a page at 100)."""
    ids: set[Any] = set()
    for page in range(10000):
        listing = client.get(f"/api/v1/{resource}/?q=(page:{page},page_size:100,columns:!(id))", headers=headers)
        assert listing.status_code == 200, listing.get_data(as_text=True)[:200]
        result = listing.get_json()["result"]
        ids |= {r["id"] for r in result}
        if len(result) < 100:
            return ids
    raise AssertionError("paging did not end")


@pytest.mark.parametrize("role", ["school", "college_a"])
def test_apis_hide_other_departments(app: Any, role: str) -> None:
    """REST APIs with a token: lists are exactly the visible rows; another college's row is 404 for GET and PUT."""
    headers = _token(app, role)
    client = app.test_client()
    for api in registered(app, ModelRestApi):
        model = api.datamodel.obj
        with app.app_context():
            expected = visible_ids(model, role)
        assert _all_ids(client, api.resource_name, headers) == expected, (role, api.resource_name)
        pk = hidden_pk(app, model, role)
        if pk is None:
            continue
        before = _snapshot(app, model, pk)
        assert client.get(f"/api/v1/{api.resource_name}/{pk}", headers=headers).status_code == 404
        valid = {"name": "篡改后的名称"} if "name" in api.edit_columns else {}
        answer = client.put(f"/api/v1/{api.resource_name}/{pk}", json=valid, headers=headers).status_code
        assert answer in (403, 404, 405), (role, api.resource_name, answer)
        assert _snapshot(app, model, pk) == before


def test_writes_cannot_point_a_row_outside_the_scope(app: Any) -> None:
    """A write naming a related row outside the writer's scope is refused, in every view's hooks."""
    from app.models.org import Department
    from app.views.base import OutOfScopeError, outside_scope

    with app.test_request_context():
        g.user = db.session.execute(select(User).where(User.username == "college_a")).scalar_one()
        other = db.session.execute(select(Department).where(Department.code == "102")).scalar_one()
        mine = db.session.execute(select(Department).where(Department.code == "10101")).scalar_one()
        candidate = Department(code="X1", name="伪造", parent_id=other.id)
        assert outside_scope(candidate, g.user) == ["parent"]
        assert outside_scope(Department(code="X2", name="合法", parent_id=mine.id), g.user) == []
        # a view's own pre_update that never calls super() still runs the check first
        view = next(v for v in app.appbuilder.baseviews if v.__class__.__name__ == "DepartmentModelView")
        with pytest.raises(OutOfScopeError):
            view.pre_update(candidate)
        db.session.rollback()


def test_apis_refuse_browser_sessions(app: Any) -> None:
    """APIs accept tokens only, so a cookie session (and thus CSRF) cannot drive them."""
    for api in registered(app, ModelRestApi):
        assert api.allow_browser_login is False, api.__class__.__name__



def _own_get_routes(app: Any, view: Any) -> list[str]:
    """The view's GET routes without path parameters (its pages and JSON endpoints)."""
    prefix = view.blueprint.name + "."
    return sorted({rule.rule for rule in app.url_map.iter_rules()
                   if rule.endpoint.startswith(prefix) and "GET" in rule.methods and not rule.arguments})


@pytest.mark.parametrize("role", ROLES + ["anonymous"])
def test_every_custom_page_refuses_a_role_without_its_permission(app: Any, clients: dict[str, Browser],
                                                                 student_name: str, role: str) -> None:
    """Every registered view's own pages, generated from the registry: a role holding no permission on the view
    never gets a 200 (custom screens included, so a new one is covered the day it is registered)."""
    b, name = clients[role], username_of(role, student_name)
    checked = 0
    for view in app.appbuilder.baseviews:
        permission_view = getattr(view, "class_permission_name", None)
        if not permission_view or not getattr(view, "blueprint", None) or view.__class__.__name__ in PUBLIC_VIEWS:
            continue
        granted = name is not None and any(may(app, name, p, permission_view) for p in _permissions_of(app, name))
        if granted:
            continue
        for url in _own_get_routes(app, view):
            checked += 1
            assert b.get(url).status_code != 200, (role, view.__class__.__name__, url)
    if role != "admin":  # the admin holds every permission FAB creates
        assert checked > 0, role


# views every signed-in (or anonymous) user reaches by design: sign-in, own profile and password, language, home
PUBLIC_VIEWS = {"GemsAuthDBView", "ChangePasswordView", "ProfileView", "LocaleView", "HomeView", "UtilView",
                "GemsSecurityApi", "OpenApi", "SwaggerView", "MenuApi", "InboxView",
                "EmployerSignupView", "DocumentVerifyView"}  # issue 12: employer registration, /verify/<code>


def _permissions_of(app: Any, username: str) -> set[str]:
    with app.app_context():
        user = db.session.execute(select(User).where(User.username == username)).scalar_one()
        return {pv.permission.name for role in user.roles for pv in role.permissions}


def _employer_tables() -> list[Any]:
    """GEMS's models (FAB's own User class maps ab_user too, without the app's scope) with an employer owner."""
    return [m.class_ for m in db.Model.registry.mappers if hasattr(m.class_, "__scope__")
            and "employer" in OWNERSHIP.get(m.class_.__table__.name, {})]


@pytest.mark.parametrize("role", ["employer_a", "employer_b"])
def test_an_employer_never_sees_another_employers_rows(app: Any, role: str) -> None:
    """Every table with an employer owner: the scope rule returns exactly the oracle's rows for the account; the
    other demo employer's rows are never among them (beyond what every user reads: approved employers), and the
    account's own invitation and accounts are."""
    from app.scope import scope_clause

    other = next(name for name in EMPLOYER_OF if name != role)
    with app.test_request_context():
        user = db.session.execute(select(User).where(User.username == role)).scalar_one()
        assert user.employer_id == employer_id_of(role)
        tables = _employer_tables()
        for model in tables:
            own = OWNERSHIP[model.__table__.name]
            pk = model.__mapper__.primary_key[0]
            seen = set(db.session.execute(select(pk).where(scope_clause(model, user))).scalars())
            assert seen == visible_ids(model, role), (role, model.__table__.name)
            rows = db.session.execute(select(model)).scalars().all()
            column, value = (own.get("everyone_if") or "=").split("=", 1)
            everyone = {getattr(r, pk.key) for r in rows if column and str(getattr(r, column)) == value}
            theirs = {getattr(r, pk.key) for r in rows if _walk(r, own["employer"]) == employer_id_of(other)}
            mine = {getattr(r, pk.key) for r in rows if _walk(r, own["employer"]) == user.employer_id}
            assert not (seen & theirs) - everyone, (role, model.__table__.name)
            assert mine <= seen, (role, model.__table__.name)
            if model.__table__.name in ("agreement", "ab_user", "employer"):
                assert mine, (role, model.__table__.name, "no own row to check")
    assert len(tables) >= 6, [t.__table__.name for t in tables]
