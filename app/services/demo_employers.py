"""Demo employers with portal accounts employer_a and employer_b, one pending self-registration, and a register of
verified units on which the three show the three outcomes of the identity check (issue 12)."""
from __future__ import annotations

from typing import Optional

from flask import current_app
from sqlalchemy import func, select

from app.extensions import db
from app.models.employer import APPROVED, PENDING, Employer, EmployerRegisterEntry
from app.models.reference import EmployerNature, Industry
from app.models.user import User
from app.security.roles import EMPLOYER
from app.services.accounts import hash_password
from app.timeutil import utcnow
from app.validation.creditcode import check_char


def credit_code(first17: str) -> str:
    """A valid GB 32100 code: the 17 characters and their check character."""
    return first17 + check_char(first17)


# (user name, account holder, first 17 characters of the code, name, nature, industry, location, address, contact)
APPROVED_DEMO = [
    ("employer_a", "星辰科技 赵经理", "91430104MA4PXC7K2", "湖南星辰科技有限公司", "39", "34", "430104",
     "长沙市岳麓区麓谷大道 627 号", "13873100001"),
    ("employer_b", "岳麓智造 孙经理", "91430104MA4R5T8Y6", "长沙岳麓智造有限公司", "39", "22", "430104",
     "长沙市岳麓区桐梓坡西路 229 号", "13873100002"),
]
PENDING_DEMO = ("91430602MA4L3N9W1", "岳阳南湖新材料有限公司", "31", "22", "430602", "岳阳市岳阳楼区南湖大道 18 号",
                "周女士", "13973000003")
# the register: 星辰 exactly (match), 岳麓智造's code under its former name (differs), the pending one missing (absent)
REGISTER = [("湖南星辰科技有限公司", "91430104MA4PXC7K2", "存续"), ("长沙岳麓智能制造有限公司", "91430104MA4R5T8Y6", "存续"),
            ("湖南湘江物流有限公司", "91430100MA4Q2W3E4", "存续")]
REGISTER_BATCH = "演示名录"


def _code_id(model: type, code: str) -> Optional[int]:
    """A code table's row id, or None where the code tables are not seeded yet (tests, a fresh demo)."""
    return db.session.execute(select(model.id).where(model.code == code)).scalar()  # type: ignore[attr-defined]


def _employer(first17: str, name: str, nature: str, industry: str, region: str, address: str, contact: str,
              mobile: str, status: str) -> Employer:
    code = credit_code(first17)
    employer = db.session.execute(select(Employer).where(Employer.credit_code == code)).scalar_one_or_none()
    if employer is None:
        approved = status == APPROVED
        employer = Employer(name=name, credit_code=code, nature_id=_code_id(EmployerNature, nature),
                            industry_id=_code_id(Industry, industry), region_code=region, address=address,
                            contact_name=contact, contact_mobile=mobile, status=status, self_registered=True,
                            version=2 if approved else 1, created_at=utcnow(), updated_at=utcnow(),
                            decided_at=utcnow() if approved else None, decided_by="就业指导中心 王老师" if approved else None)
        db.session.add(employer)
        db.session.flush()
    return employer


def seed_employer_accounts(password: str) -> None:
    """Idempotent: the two demo employers and their accounts, the pending one, the demo register."""
    sm = current_app.appbuilder.sm
    for username, holder, first17, name, nature, industry, region, address, mobile in APPROVED_DEMO:
        employer = _employer(first17, name, nature, industry, region, address, holder.split()[-1], mobile, APPROVED)
        if sm.find_user(username=username) is None:
            user = User(username=username, first_name=holder, last_name="", email=f"{username}@demo.gems.invalid",
                        active=True, phone=mobile, password=hash_password(password), must_change_password=False,
                        roles=[sm.find_role(EMPLOYER)])
            user.employer_id = employer.id
            db.session.add(user)
    _employer(*PENDING_DEMO, status=PENDING)
    if not db.session.execute(select(func.count()).select_from(EmployerRegisterEntry)).scalar_one():
        db.session.add_all(EmployerRegisterEntry(name=name, credit_code=credit_code(first17), status=status,
                                                 batch=REGISTER_BATCH, imported_at=utcnow())
                           for name, first17, status in REGISTER)
    db.session.flush()
