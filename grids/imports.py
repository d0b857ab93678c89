"""Import households and residents from one Excel sheet (the page and the
`import_households` command run this same code). Every row is checked first; on any error
nothing is written and every bad row is reported with its reason."""

import datetime as dt
import io
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from openpyxl import Workbook
from openpyxl.styles import Font
from python_calamine import CalamineError, CalamineWorkbook

from grids import accounts
from grids.access import area_paths
from grids.idcard import birth_date_of, sex_of, validate_id_number
from grids.models import Area, Household, HouseholdFlag, Resident
from grids.textsearch import household_search_text
from pingxiang.audit import actor_name
from pingxiang.models import AuditEvent
from pingxiang.people import display_name
from pingxiang.personal import normalise_phone, validate_birth_date, validate_plain_text
from pingxiang.roles import Role
from pingxiang.uploads import check_workbook

# (header, required, example value)
COLUMNS = [
    ("村(社区)", True, "西关村"),
    ("社(小区)", True, "高家庄社"),
    ("网格", True, "高家庄社第一网格"),
    ("门牌号", True, "45"),
    ("姓名", True, "王建国"),
    ("与户主关系", True, "户主"),
    ("身份证号", False, "620000197001011234"),
    ("性别", False, "男"),
    ("出生日期", False, "1970-01-01"),
    ("联系电话", False, "13800001234"),
    ("户标签", False, "外出务工、低保"),
]
HEAD = "户主"
MAX_ROWS = 20000
DEFAULT_MAX_BYTES = 5 * 1024 * 1024
# A 20,000-row sheet of this template inflates to about 10 MB; a few hundred KB of zip can
# inflate to gigabytes (a zip bomb). pingxiang.uploads.check_workbook refuses it early.
MAX_INFLATED_BYTES = 100 * 1024 * 1024
_LIMITS = {"门牌号": 20, "姓名": 50, "与户主关系": 20, "联系电话": 20}


class ImportRefused(ValueError):
    """The file itself is refused (size, type, macros, headers)."""


@dataclass
class ImportResult:
    errors: list = field(default_factory=list)  # [(row number, message)]
    households: int = 0
    residents: int = 0
    users: int = 0
    memberships: int = 0
    rows: int = 0

    @property
    def ok(self):
        return not self.errors


def max_bytes():
    return getattr(settings, "GRIDS_IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES)


def check_file(fileobj, size, name=""):
    """Refuse a file that is too big, not an xlsx workbook, or carries macros."""


    try:
        check_workbook(fileobj, size, max_bytes=max_bytes(), max_inflated=MAX_INFLATED_BYTES)
    except ValidationError as exc:
        hint = "请使用下载的模板，只填写户籍数据。" if exc.code == "inflated" else ""
        raise ImportRefused(exc.messages[0] + hint) from exc


def read_rows(fileobj):
    try:
        sheet = CalamineWorkbook.from_filelike(fileobj).get_sheet_by_index(0)
        rows = sheet.to_python(skip_empty_area=False)
    except (CalamineError, ValueError, OSError) as exc:
        raise ImportRefused("无法读取文件内容，请使用下载的模板重新填写。") from exc
    if not rows:
        raise ImportRefused("工作表是空的。")
    return rows


def _text(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, (dt.datetime, dt.date)):
        return value.strftime("%Y-%m-%d")
    return str(value).strip()


def _date(value):
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(_text(value).replace("/", "-"))


class _Areas:
    """The town's villages, groups and grids, looked up by name in three dicts."""

    def __init__(self, allowed_paths):
        self.villages, self.groups, self.grids = {}, {}, {}
        self.allowed = allowed_paths
        for area in Area.objects.filter(kind__in=[Area.Kind.VILLAGE, Area.Kind.GROUP,
                                                  Area.Kind.GRID]).order_by("depth"):
            if area.kind == Area.Kind.VILLAGE:
                self.villages[area.short_name] = area
                self.villages.setdefault(area.name, area)
            elif area.kind == Area.Kind.GROUP:
                self.groups[(area.parent_id, area.name)] = area
            else:
                self.grids[(area.parent_id, area.name)] = area

    def find(self, village_name, group_name, grid_name):
        village = self.villages.get(village_name)
        if village is None:
            return None, f"村(社区)“{village_name}”不存在"
        group = self.groups.get((village.pk, group_name))
        if group is None:
            return None, f"{village.short_name}没有名为“{group_name}”的社(小区)"
        grid = self.grids.get((group.pk, grid_name))
        if grid is None:
            return None, f"{group.name}没有名为“{grid_name}”的网格"
        if self.allowed is not None and not any(grid.path.startswith(p) for p in self.allowed):
            return None, f"{grid_name}不在您负责的辖区内"
        return (village, group, grid), ""


def import_households(fileobj, *, size, actor=None, name=""):
    """Check and import. Raises ImportRefused for a file refused as a whole; otherwise
    returns an ImportResult (errors listed, nothing written, when any row is bad)."""
    check_file(fileobj, size, name)
    rows = read_rows(fileobj)
    header = [_text(h).replace("*", "").replace("（", "(").replace("）", ")") for h in rows[0]]
    index = {}
    for col, required, _example in COLUMNS:
        if col in header:
            index[col] = header.index(col)
        elif required:
            raise ImportRefused(f"第1行缺少必填列“{col}”。请使用下载的模板。")
    body = rows[1:]
    if len(body) > MAX_ROWS:
        raise ImportRefused(f"一次最多导入 {MAX_ROWS} 行，本文件有 {len(body)} 行，请拆分。")

    allowed = None
    if actor is not None:
        allowed = area_paths(actor, roles=[Role.VILLAGE_CADRE, Role.CENTRE_STAFF, Role.ADMIN])
    areas = _Areas(allowed)
    flags = set(HouseholdFlag.objects.filter(is_active=True).values_list("name", flat=True))
    result = ImportResult()
    households = {}  # (grid pk, house number) -> dict
    seen_ids = {}
    parsed = []
    for row_no, raw in enumerate(body, start=2):
        values = {col: _text(raw[i]) if i < len(raw) else "" for col, i in index.items()}
        if not any(values.values()):
            continue
        result.rows += 1
        problems = []
        for col, required, _ in COLUMNS:
            if required and not values.get(col):
                problems.append(f"“{col}”不能为空")
        for col, limit in _LIMITS.items():
            if len(values.get(col, "")) > limit:
                problems.append(f"“{col}”超过 {limit} 个字")
        found = None
        if values["村(社区)"] and values["社(小区)"] and values["网格"]:
            found, why = areas.find(values["村(社区)"], values["社(小区)"], values["网格"])
            if found is None:
                problems.append(why)
        hidden = set()  # a name or number with invisible characters: said once, not judged
        for col in ("姓名", "身份证号", "联系电话"):
            try:
                validate_plain_text(values.get(col))
            except ValidationError as exc:
                hidden.add(col)
                problems.append(f"“{col}”{exc.messages[0]}")
        number = ""
        if values.get("身份证号") and "身份证号" not in hidden:
            try:
                number = validate_id_number(values["身份证号"])
            except ValidationError as exc:
                problems.append(exc.messages[0])
            else:
                if number in seen_ids:
                    problems.append(f"身份证号与第{seen_ids[number]}行重复")
                else:
                    seen_ids[number] = row_no
        sex = values.get("性别", "")
        if sex and sex not in ("男", "女"):
            problems.append("“性别”只能填“男”或“女”")
        born = None
        raw_born = raw[index["出生日期"]] if "出生日期" in index and index["出生日期"] < len(raw) \
            else None
        if values.get("出生日期"):
            try:
                born = _date(raw_born)
                validate_birth_date(born)
            except ValueError:
                problems.append("“出生日期”应写成 1970-01-01 的格式")
            except ValidationError as exc:
                born = None
                problems.append(exc.messages[0])
        phone = values.get("联系电话", "")
        try:
            phone = normalise_phone(phone) if "联系电话" not in hidden else ""
        except ValidationError as exc:
            problems.append(exc.messages[0])
        row_flags = [f.strip() for f in values.get("户标签", "").replace(",", "、")
                     .replace("，", "、").split("、") if f.strip()]
        unknown = [f for f in row_flags if f not in flags]
        if unknown:
            problems.append(f"未知的户标签：{'、'.join(unknown)}")
        if problems:
            result.errors.append((row_no, "；".join(problems)))
            continue
        village, group, grid = found
        key = (grid.pk, values["门牌号"])
        hh = households.setdefault(key, {"grid": grid, "village": village, "group": group,
                                         "house": values["门牌号"], "flags": [], "members": [],
                                         "heads": [], "first_row": row_no})
        hh["flags"] = list(dict.fromkeys(hh["flags"] + row_flags))
        member = {"row": row_no, "name": values["姓名"], "relation": values["与户主关系"],
                  "id_number": number or None, "sex": sex or (sex_of(number) if number else ""),
                  "birth_date": born or (birth_date_of(number) if number else None),
                  "phone": phone}
        hh["members"].append(member)
        if member["relation"] == HEAD:
            hh["heads"].append(row_no)
        parsed.append(member)

    # Against the database: households already registered, ID numbers already on file.
    if seen_ids:
        existing = dict(Resident.objects.filter(id_number__in=list(seen_ids))
                        .values_list("id_number", "name"))
        for number, person in existing.items():
            result.errors.append((seen_ids[number], f"身份证号已在系统中登记（{person}），"
                                  "同一人不能重复建档"))
    if households:
        grid_ids = {k[0] for k in households}
        taken = set(Household.objects.filter(grid_id__in=grid_ids)
                    .values_list("grid_id", "house_number"))
        for key, hh in households.items():
            if key in taken:
                result.errors.append((hh["first_row"], f"{hh['grid']}门牌号{hh['house']}"
                                      "的户已登记，不能重复导入"))
            if len(hh["heads"]) != 1:
                what = "没有" if not hh["heads"] else f"有{len(hh['heads'])}个"
                result.errors.append((hh["first_row"], f"门牌号{hh['house']}这一户{what}"
                                      "“户主”（与户主关系填“户主”的行应有且只有一行）"))
    if result.errors:
        result.errors.sort()
        return result
    _write(households, result, actor)
    return result


@transaction.atomic
def _write(households, result, actor):
    new = []
    for hh in households.values():
        address = f"{hh['village'].short_name}{hh['group'].short_name}{hh['house']}号"
        hh["obj"] = Household(
            grid=hh["grid"], house_number=hh["house"], address=address, flags=hh["flags"],
            member_count=len(hh["members"]),
            search_text=household_search_text(address, hh["house"],
                                              [m["name"] for m in hh["members"]]))
        new.append(hh["obj"])
    Household.objects.bulk_create(new, batch_size=2000)
    residents = []
    heads = []
    for hh in households.values():
        for m in hh["members"]:
            person = Resident(name=m["name"], relation=m["relation"], id_number=m["id_number"],
                              sex=m["sex"], birth_date=m["birth_date"], phone=m["phone"],
                              household=hh["obj"], area=hh["grid"])
            residents.append(person)
            if m["relation"] == HEAD:
                heads.append((hh["obj"], person))
    Resident.objects.bulk_create(residents, batch_size=2000)
    for household, person in heads:
        household.head = person
    Household.objects.bulk_update([h for h, _ in heads], ["head"], batch_size=2000)
    ct = ContentType.objects.get_for_model(Household)
    name = actor_name(actor)
    AuditEvent.objects.bulk_create([
        AuditEvent(actor=actor, actor_name=name, action="household.import",
                   action_label="Excel导入", content_type=ct, object_id=str(h.pk),
                   object_repr=h.address, to_state=f"{h.member_count}人")
        for h in new], batch_size=2000)
    result.households = len(new)
    result.residents = len(residents)


def template_workbook():
    """The import template: one header row, one example row, a notes sheet."""
    wb = Workbook()
    ws = wb.active
    ws.title = "户籍导入"
    ws.append([f"{c}*" if required else c for c, required, _ in COLUMNS])
    ws.append([example for _, _, example in COLUMNS])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for letter in "ABCDEFGHIJK":
        ws.column_dimensions[letter].width = 16
    ws.column_dimensions["G"].width = 22
    notes = wb.create_sheet("填写说明")
    for line in [
        "1. 每行一人；同一网格同一门牌号的人为一户，每户须有且只有一行“与户主关系”填“户主”。",
        "2. 带 * 的列必填；村(社区)、社(小区)、网格须与系统中的名称一致。",
        "3. 身份证号须为18位且校验位正确；同一人只能登记一次。",
        "4. 户标签可多选，用顿号分隔：" + "、".join(
            HouseholdFlag.objects.filter(is_active=True).values_list("name", flat=True)),
        "5. 任何一行有误则整个文件都不导入，页面会列出每一行的问题。",
        "6. 请删除第2行示例后再填写。",
    ]:
        notes.append([line])
    notes.column_dimensions["A"].width = 100
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    return out



# --- Users and their posts ------------------------------------------------------------------
# Same engine as households: the whole file is checked first, every bad row listed, and
# nothing is written unless every row is right (the page and `import_users` run this code).
USER_COLUMNS = [
    ("登录名", True, "wangjianguo"),
    ("姓名", True, "王建国"),
    ("岗位", True, "网格员"),
    ("村(社区)", False, "西关村"),
    ("社(小区)", False, "高家庄社"),
    ("网格", False, "高家庄社第一网格"),
    ("职务", False, "专职网格员"),
    ("手机号", False, "13800001234"),
    ("企业微信账号", False, "wangjianguo"),
]
_USER_LIMITS = {"登录名": 150, "姓名": 40, "职务": 60, "手机号": 20, "企业微信账号": 64}
_ROLE_BY_NAME = {**{r.label: r for r in Role}, **{r.value: r for r in Role}}


class _PostAreas:
    """Where the administrator may give posts, looked up by the names in a row: the town
    (nothing filled in), a village, a 社/小区 under it, a grid under that (or under the
    village directly)."""

    def __init__(self, actor):
        self.areas = list(accounts.areas_for_posts(actor).order_by("depth", "path"))
        self.towns = [a for a in self.areas if a.kind == Area.Kind.TOWN]
        self.villages = {}
        for a in self.areas:
            if a.kind == Area.Kind.VILLAGE:
                self.villages.setdefault(a.short_name, a)
                self.villages.setdefault(a.name, a)
        self.children = {}
        for a in self.areas:
            self.children.setdefault((a.parent_id, a.name), a)

    def find(self, village_name, group_name, grid_name):
        if not village_name:
            if group_name or grid_name:
                return None, "填写了社(小区)或网格，也须填写村(社区)"
            if len(self.towns) != 1:
                return None, "请填写村(社区)"
            return self.towns[0], ""
        village = self.villages.get(village_name)
        if village is None:
            return None, f"村(社区)“{village_name}”不存在或不在您管辖的辖区内"
        area = village
        if group_name:
            area = self.children.get((village.pk, group_name))
            if area is None or area.kind != Area.Kind.GROUP:
                return None, f"{village.short_name}没有名为“{group_name}”的社(小区)"
        if grid_name:
            grid = self.children.get((area.pk, grid_name))
            if grid is None or grid.kind != Area.Kind.GRID:
                return None, f"{area.short_name}没有名为“{grid_name}”的网格"
            area = grid
        return area, ""


def import_users(fileobj, *, size, actor, password, name=""):
    """Check and import accounts and posts. Each row is one post of one person; a login
    named on several rows gets several posts, a login already on file (one the
    administrator manages, same name) gets the new post. New accounts share the temporary
    `password`, changed at each person's first login. Raises ImportRefused for a file refused
    as a whole; otherwise returns an ImportResult (nothing written when any row is bad)."""
    check_file(fileobj, size, name)
    rows = read_rows(fileobj)
    header = [_text(h).replace("*", "").replace("（", "(").replace("）", ")") for h in rows[0]]
    index = {}
    for col, required, _example in USER_COLUMNS:
        if col in header:
            index[col] = header.index(col)
        elif required:
            raise ImportRefused(f"第1行缺少必填列“{col}”。请使用下载的模板。")
    body = rows[1:]
    if len(body) > MAX_ROWS:
        raise ImportRefused(f"一次最多导入 {MAX_ROWS} 行，本文件有 {len(body)} 行，请拆分。")
    User = get_user_model()
    areas = _PostAreas(actor)
    managed = accounts.people_visible_to(actor)
    result = ImportResult()
    people = {}  # login (lower) -> {"name", "user", "row", "mobile", "wecom"}
    posts = {}  # (login, area pk, role) -> row
    plan = []
    for row_no, raw in enumerate(body, start=2):
        values = {col: _text(raw[i]) if i < len(raw) else "" for col, i in index.items()}
        if not any(values.values()):
            continue
        result.rows += 1
        problems = [f"“{col}”不能为空" for col, required, _ in USER_COLUMNS
                    if required and not values.get(col)]
        problems += [f"“{col}”超过 {limit} 个字" for col, limit in _USER_LIMITS.items()
                     if len(values.get(col, "")) > limit]
        for col in ("登录名", "姓名", "职务", "手机号", "企业微信账号"):
            try:
                validate_plain_text(values.get(col))
            except ValidationError as exc:
                problems.append(f"“{col}”{exc.messages[0]}")
        login = values.get("登录名", "")
        if login and not _LOGIN.match(login):
            problems.append("登录名只能用字母、数字和 _ . @ + -")
        role = _ROLE_BY_NAME.get(values.get("岗位", ""))
        if values.get("岗位") and role is None:
            problems.append(f"岗位“{values['岗位']}”不存在（可填：{'、'.join(_GRANTABLE)}）")
        area, why = areas.find(values.get("村(社区)", ""), values.get("社(小区)", ""),
                               values.get("网格", ""))
        if area is None:
            problems.append(why)
        mobile = values.get("手机号", "")
        if mobile:
            try:
                mobile = normalise_phone(mobile)
            except ValidationError as exc:
                problems.append(exc.messages[0])
        full = "".join(values.get("姓名", "").split())
        key = login.lower()
        person = people.get(key)
        if login and person is None:
            existing = User.objects.filter(username__iexact=login).first()
            if existing is not None and not managed.filter(pk=existing.pk).exists():
                problems.append(f"登录名“{login}”已被使用，请换一个")
            elif existing is not None and display_name(existing) != full:
                problems.append(f"登录名“{login}”已是{display_name(existing)}的账号，姓名不一致")
            person = {"name": full, "user": existing, "row": row_no, "mobile": mobile,
                      "login": login, "key": key,
                      "wecom": values.get("企业微信账号", "")}
        elif person is not None and person["name"] != full:
            problems.append(f"登录名“{login}”在第{person['row']}行的姓名是{person['name']}")
        if area is not None and role is not None and not problems:
            target = person["user"] if person else None
            refusal = accounts.post_refusal(actor, target, area, role)
            if refusal:
                problems.append(refusal)
            elif (key, area.pk, role) in posts:
                problems.append(f"与第{posts[(key, area.pk, role)]}行重复")
            elif target is not None and target.memberships.filter(
                    area=area, role=role, is_active=True).exists():
                problems.append(f"{full}已在{area.name}担任{role.label}")
        if problems:
            result.errors.append((row_no, "；".join(problems)))
            continue
        people.setdefault(key, person)
        posts[(key, area.pk, role)] = row_no
        plan.append((row_no, key, area, role, values.get("职务", "")))
    new_people = [p for p in people.values() if p["user"] is None]
    if new_people and not result.errors:
        try:
            validate_password(password)
        except ValidationError as exc:
            raise ImportRefused("临时密码不符合要求：" + "".join(exc.messages)) from exc
    if result.errors:
        result.errors.sort()
        return result
    try:
        _write_users(people, plan, result, actor=actor, password=password)
    except _RowError as exc:
        result.errors = [(exc.row, exc.message)]
        result.users = result.memberships = 0
    return result


class _RowError(Exception):
    def __init__(self, row, message):
        super().__init__(message)
        self.row, self.message = row, message


_LOGIN = re.compile(r"^[A-Za-z0-9_.@+-]+$")
_GRANTABLE = [r.label for r in Role if r not in (Role.ADMIN, Role.AUDITOR)]


@transaction.atomic
def _write_users(people, plan, result, *, actor, password):
    """Write every account and post, or (a value the contact book refuses) none at all."""
    for person in people.values():
        try:
            if person["user"] is None:
                first = next(p for p in plan if p[1] == person["key"])
                person["user"] = accounts.create_person(
                    actor=actor, username=person["login"], name=person["name"],
                    password=password, role=first[3], area=first[2], title=first[4],
                    mobile=person["mobile"], wecom_userid=person["wecom"])
                person["first_post"] = (first[2].pk, first[3])
                result.users += 1
                result.memberships += 1
        except ValidationError as exc:
            raise _RowError(person["row"], "；".join(exc.messages)) from exc
    for row_no, key, area, role, title in plan:
        person = people[key]
        if person.get("first_post") == (area.pk, role):
            continue
        try:
            accounts.grant_post(person["user"], actor=actor, area=area, role=role, title=title)
        except ValidationError as exc:
            raise _RowError(row_no, "；".join(exc.messages)) from exc
        result.memberships += 1


def user_template_workbook():
    """The users-and-posts import template: one header row, one example row, a notes sheet."""
    wb = Workbook()
    ws = wb.active
    ws.title = "人员导入"
    ws.append([f"{c}*" if required else c for c, required, _ in USER_COLUMNS])
    ws.append([example for _, _, example in USER_COLUMNS])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for letter in "ABCDEFGHI":
        ws.column_dimensions[letter].width = 18
    notes = wb.create_sheet("填写说明")
    for line in [
        "1. 每行是一个人的一个岗位；同一登录名写在多行，即给此人多个岗位。",
        "2. 岗位可填：" + "、".join(_GRANTABLE) + "（只能授予低于您本人的岗位）。",
        "3. 村(社区)、社(小区)、网格须与系统中的名称一致；都不填表示镇一级。",
        "4. 新账号使用导入页面上填写的临时密码，本人第一次登录时须修改。",
        "5. 登录名已存在时（须是您管辖的人员，姓名一致），只为其增加岗位。",
        "6. 任何一行有误则整个文件都不导入，页面会列出每一行的问题。",
        "7. 请删除第2行示例后再填写。",
    ]:
        notes.append([line])
    notes.column_dimensions["A"].width = 100
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    return out
