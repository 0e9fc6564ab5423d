"""National code lists for coded fields (民族, 政治面貌, 性别, 学历, 学制, 培养方式) as SelectField choices, validated."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from .i18n import N_, _
from .result import Check, fail, normalise_text

# Labels are the Chinese display text (marked with N_ for extraction); translate them at request time with
# translated(choices). Every check accepts a code or a label (or a listed alias) and returns the code.

Choices = list[tuple[str, str]]

# GB/T 3304-1991 民族名称的罗马字母拼写法和代码 (numeric codes), plus 97 其他 and 98 外国血统中国籍人士.
ETHNICITIES: Choices = [
    ("01", N_("汉族")), ("02", N_("蒙古族")), ("03", N_("回族")), ("04", N_("藏族")), ("05", N_("维吾尔族")),
    ("06", N_("苗族")), ("07", N_("彝族")), ("08", N_("壮族")), ("09", N_("布依族")), ("10", N_("朝鲜族")),
    ("11", N_("满族")), ("12", N_("侗族")), ("13", N_("瑶族")), ("14", N_("白族")), ("15", N_("土家族")),
    ("16", N_("哈尼族")), ("17", N_("哈萨克族")), ("18", N_("傣族")), ("19", N_("黎族")), ("20", N_("傈僳族")),
    ("21", N_("佤族")), ("22", N_("畲族")), ("23", N_("高山族")), ("24", N_("拉祜族")), ("25", N_("水族")),
    ("26", N_("东乡族")), ("27", N_("纳西族")), ("28", N_("景颇族")), ("29", N_("柯尔克孜族")), ("30", N_("土族")),
    ("31", N_("达斡尔族")), ("32", N_("仫佬族")), ("33", N_("羌族")), ("34", N_("布朗族")), ("35", N_("撒拉族")),
    ("36", N_("毛南族")), ("37", N_("仡佬族")), ("38", N_("锡伯族")), ("39", N_("阿昌族")), ("40", N_("普米族")),
    ("41", N_("塔吉克族")), ("42", N_("怒族")), ("43", N_("乌孜别克族")), ("44", N_("俄罗斯族")),
    ("45", N_("鄂温克族")), ("46", N_("德昂族")), ("47", N_("保安族")), ("48", N_("裕固族")), ("49", N_("京族")),
    ("50", N_("塔塔尔族")), ("51", N_("独龙族")), ("52", N_("鄂伦春族")), ("53", N_("赫哲族")), ("54", N_("门巴族")),
    ("55", N_("珞巴族")), ("56", N_("基诺族")), ("97", N_("其他")), ("98", N_("外国血统中国籍人士")),
]
# 穿青人 and other undetermined groups (未识别民族) have no GB/T 3304 code; they are reported as 97 其他.
ETHNICITY_ALIASES: dict[str, str] = {"穿青人": "97", "未识别民族": "97", "革家人": "97", "蒙族": "02", "维族": "05"}

# GB/T 4762 政治面貌代码, with the short labels used in student records.
POLITICAL_STATUSES: Choices = [
    ("01", N_("中共党员")), ("02", N_("中共预备党员")), ("03", N_("共青团员")), ("04", N_("民革党员")),
    ("05", N_("民盟盟员")), ("06", N_("民建会员")), ("07", N_("民进会员")), ("08", N_("农工党党员")),
    ("09", N_("致公党党员")), ("10", N_("九三学社社员")), ("11", N_("台盟盟员")), ("12", N_("无党派人士")),
    ("13", N_("群众")),
]
POLITICAL_ALIASES: dict[str, str] = {
    "中国共产党党员": "01", "党员": "01", "中国共产党预备党员": "02", "预备党员": "02",
    "中国共产主义青年团团员": "03", "团员": "03", "中国国民党革命委员会会员": "04", "民革会员": "04",
    "中国民主同盟盟员": "05", "中国民主建国会会员": "06", "中国民主促进会会员": "07",
    "中国农工民主党党员": "08", "中国致公党党员": "09", "台湾民主自治同盟盟员": "11",
    "无党派民主人士": "12", "群众（普通居民）": "13", "普通居民": "13",
}

# GB/T 2261.1-2003 人的性别代码 (0 未知 and 9 未说明 are not offered on the form).
GENDERS: Choices = [("1", N_("男")), ("2", N_("女"))]
GENDER_ALIASES: dict[str, str] = {"男性": "1", "女性": "2", "M": "1", "F": "2"}

# 学历层次 codes used in graduate employment reporting (就业上报).
EDUCATION_LEVELS: Choices = [
    ("01", N_("博士研究生")), ("11", N_("硕士研究生")), ("31", N_("本科")), ("41", N_("专科（高职）")),
]
EDUCATION_ALIASES: dict[str, str] = {
    "博士": "01", "博士生": "01", "硕士": "11", "硕士生": "11", "本科生": "31", "大学本科": "31",
    "专科": "41", "专科生": "41", "高职": "41", "大专": "41", "高职高专": "41",
}

# 学制 in years (8 is 本硕博连读; 2.5 and 3.5 occur in some programmes).
SCHOOLING_LENGTHS: Choices = [
    ("2", N_("2年")), ("2.5", N_("2.5年")), ("3", N_("3年")), ("3.5", N_("3.5年")), ("4", N_("4年")),
    ("5", N_("5年")), ("6", N_("6年")), ("7", N_("7年")), ("8", N_("8年")),
]
SCHOOLING_ALIASES: dict[str, str] = {
    "两年": "2", "二年": "2", "三年": "3", "四年": "4", "五年": "5", "六年": "6", "七年": "7", "八年": "8",
    "2.0": "2", "3.0": "3", "4.0": "4", "5.0": "5",
}

# 培养方式: only 定向 and 委培 carry a 定向或委培单位.
TRAINING_MODES: Choices = [("1", N_("非定向")), ("2", N_("定向")), ("3", N_("委培"))]
TRAINING_ALIASES: dict[str, str] = {"委托培养": "3", "定向培养": "2", "统招": "1", "非定向培养": "1"}
TRAINING_WITH_UNIT = frozenset({"2", "3"})


def label_of(choices: Choices, code: str | None) -> str | None:
    """Chinese label for a code, or None."""
    return dict(choices).get(code or "")


def translated(choices: Iterable[tuple[str, str]]) -> Choices:
    """Choices with labels translated for the current request (call at request time, not at import)."""
    return [(code, _(label)) for code, label in choices]


def check_choice(choices: Choices, value: object, aliases: Mapping[str, str] | None = None,
                 field_label: str = "") -> Check:
    """Accept a code, a label or an alias; value and code are the code when ok."""
    text = normalise_text(value)
    if not text:
        return fail(_("请选择%(field)s。", field=field_label))
    codes = dict(choices)
    if text in codes:
        return Check(ok=True, value=text, code=text)
    by_label = {normalise_text(label): code for code, label in choices}
    code = by_label.get(text) or (aliases or {}).get(text)
    if code is None and text.isdigit() and len(text) == 1 and "0" + text in codes:
        code = "0" + text  # a code typed without its leading zero (1 for 01)
    if code is None:
        return fail(_("“%(value)s”不是有效的%(field)s，请从列表中选择。", value=text, field=field_label), text)
    return Check(ok=True, value=code, code=code)


def check_ethnicity(value: object) -> Check:
    """民族 (GB/T 3304)."""
    text = normalise_text(value)
    if text and not text.endswith("族") and text + "族" in {label for _c, label in ETHNICITIES}:
        text += "族"  # 汉 -> 汉族
    return check_choice(ETHNICITIES, text, ETHNICITY_ALIASES, _("民族"))


def check_political_status(value: object) -> Check:
    """政治面貌 (GB/T 4762)."""
    return check_choice(POLITICAL_STATUSES, value, POLITICAL_ALIASES, _("政治面貌"))


def check_gender(value: object) -> Check:
    """性别 (GB/T 2261.1)."""
    return check_choice(GENDERS, normalise_text(value).upper(), GENDER_ALIASES, _("性别"))


def check_education_level(value: object) -> Check:
    """学历层次."""
    return check_choice(EDUCATION_LEVELS, value, EDUCATION_ALIASES, _("学历"))


def check_schooling_length(value: object) -> Check:
    """学制 in years."""
    return check_choice(SCHOOLING_LENGTHS, value, SCHOOLING_ALIASES, _("学制"))


def check_training_mode(value: object) -> Check:
    """培养方式."""
    return check_choice(TRAINING_MODES, value, TRAINING_ALIASES, _("培养方式"))


def needs_training_unit(code: str | None) -> bool:
    """Whether 定向或委培单位 applies (directed or entrusted training)."""
    return code in TRAINING_WITH_UNIT
