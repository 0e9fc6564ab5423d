"""FAB's security screens in words: permissions and screens by their Chinese names, no Public role to pick, no raw
enum values or "__None" in dropdowns, generated titles translated, menus that follow each role's work."""
from __future__ import annotations

import re
from typing import Any

from flask_appbuilder.security.sqla.models import Permission, ViewMenu
from sqlalchemy import select

from app.extensions import db

CJK = re.compile(r"[\u4e00-\u9fff]")


def _options(html: str, name: str) -> list[str]:
    match = re.search(r'<select[^>]*name="' + re.escape(name) + r'"[^>]*>(.*?)</select>', html, re.S)
    assert match, f"no select {name}"
    return [re.sub(r"\s+", " ", o).strip() for o in re.findall(r"<option[^>]*>(.*?)</option>", match.group(1), re.S)]


def test_every_permission_and_screen_has_a_chinese_label(ctx: Any) -> None:
    from app.security.labels import permission_label, view_label

    permissions = db.session.execute(select(Permission.name)).scalars().all()
    views = db.session.execute(select(ViewMenu.name)).scalars().all()
    assert len(permissions) > 20 and len(views) > 40
    untranslated = [p for p in permissions if not CJK.search(permission_label(p))]
    untranslated += [v for v in views if not CJK.search(view_label(v))]
    assert not untranslated, untranslated


def test_role_pages_show_permission_pairs_in_words(app: Any, as_role: Any) -> None:
    role_model = app.appbuilder.sm.role_model
    with app.app_context():
        school = db.session.execute(select(role_model.id).where(role_model.name == "校级审核员")).scalar_one()
    b = as_role("admin")
    for url in (f"/roles/show/{school}", f"/roles/edit/{school}"):
        html = b.get(url).get_data(as_text=True)
        assert "查看列表 · 毕业生" in html, url
        assert " on Graduates" not in html and "can list" not in html, url


def test_public_role_is_never_offered(app: Any, as_role: Any) -> None:
    b = as_role("admin")
    public = app.config["AUTH_ROLE_PUBLIC"]
    for url, field in (("/users/add", "roles"), ("/groups/add", "roles"), ("/grant/form", "roles")):
        offered = _options(b.get(url).get_data(as_text=True), field)
        assert "校级审核员" in offered and public not in offered and "Public" not in offered, (url, offered)


def test_dropdowns_offer_labels_and_a_blank_in_words(as_role: Any) -> None:
    html = as_role("admin").get("/departments/add").get_data(as_text=True)
    assert _options(html, "kind")[-3:] == ["学校", "院系", "下设单位"]
    parents = _options(html, "parent")
    assert parents[0] == "请选择" and "__None" not in parents


def test_user_statistics_and_groups_read_in_chinese(as_role: Any) -> None:
    b = as_role("admin")
    stats = b.get("/userstatschartview/chart/").get_data(as_text=True)
    assert "Login Count" not in stats and "登录次数" in stats
    groups = b.get("/groups/add").get_data(as_text=True)
    assert "新增用户组" in groups and ">Label<" not in groups
    users = b.get("/users/add").get_data(as_text=True)
    assert "LDAP" not in users and "OID" not in users


def test_generated_api_titles_are_translated(app: Any) -> None:
    client = app.test_client()
    token = client.post("/api/v1/security/login", json={"username": "admin", "password": app.config[
        "GEMS_DEMO_PASSWORD"], "provider": "db"}).get_json()["access_token"]
    info = client.get("/api/v1/graduate/_info?q=(keys:!(add_title,edit_title))", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert info["add_title"] == "新增毕业生" and info["edit_title"] == "修改毕业生", info


def test_admin_menu_has_no_student_services_but_access_is_unchanged(as_role: Any) -> None:
    b = as_role("admin")
    home = b.get("/").get_data(as_text=True)
    assert "就业服务" not in home and "我的生源信息" not in home
    assert "审核管理" in home and "组织机构" in home  # the admin's own work is still there
    assert b.get("/student/source/").status_code == 200  # hidden from the menu only


def test_student_menu_keeps_student_services(app: Any) -> None:
    from app.security.menus import serves

    class Student:
        is_authenticated = True
        _gems_role_names = frozenset({"毕业生"})

    class Admin:
        is_authenticated = True
        _gems_role_names = frozenset({"系统管理员"})

    assert serves("StudentServices", Student()) and not serves("StudentServices", Admin())
    assert serves("Organisation", Admin())
