"""Imports from the Excel sheets towns already keep: one engine, one spec per kind.

The engine (`run_import`) checks the file, reads the sheet, checks every row with the kind's
spec, then the rows against the database, and writes only when no row is wrong, in one
transaction: on any error nothing is written and every bad row is reported with its reason.
The page (`grids:import_kind`) and the `import_records` command run this same code; the
template to download is drawn from the spec's columns.

Specs: households, key persons and key places here (grids owns them); apps above grids
register their own with `register()` from their `apps.py` (petitions' work orders), so grids
imports no app above it."""

import datetime as dt
import io
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from python_calamine import CalamineError, CalamineWorkbook

from grids import accounts
from grids.access import MANAGE_ROLES, area_paths
from grids.actions import edit_key_person, edit_key_place
from grids.idcard import birth_date_of, sex_of, validate_id_number
from grids.models import (
    Area,
    Household,
    HouseholdFlag,
    KeyPerson,
    KeyPersonCategory,
    KeyPlace,
    Membership,
    Resident,
)
from grids.textsearch import household_search_text
from pingxiang.audit import record_many
from pingxiang.people import display_name
from pingxiang.personal import normalise_phone, validate_birth_date, validate_plain_text
from pingxiang.roles import Role
from pingxiang.uploads import check_workbook

MAX_ROWS = 20000
DEFAULT_MAX_BYTES = 5 * 1024 * 1024
# A 20,000-row sheet of a template inflates to about 10 MB; a few hundred KB of zip can
# inflate to gigabytes (a zip bomb). pingxiang.uploads.check_workbook refuses it early.
MAX_INFLATED_BYTES = 100 * 1024 * 1024


class ImportRefused(ValueError):
    """The file itself is refused (size, type, macros, headers)."""


class RowErrors(Exception):  # noqa: N818 - a result carried out of a transaction, not a bug
    """Raised by a spec's write() to undo the whole import: [(row number, message)]."""

    def __init__(self, errors):
        super().__init__(errors)
        self.errors = errors


@dataclass(frozen=True)
class Column:
    header: str
    required: bool = False
    example: str = ""
    max_length: int = 0
    plain: bool = False  # a name or number: invisible characters refused


@dataclass
class ImportResult:
    errors: list = field(default_factory=list)  # [(row number, message)]
    counts: dict = field(default_factory=dict)  # what was written: {"户": 3, "人": 4}
    users: int = 0  # import_users: accounts created
    memberships: int = 0  # and posts granted
    rows: int = 0

    @property
    def ok(self):
        return not self.errors

    @property
    def households(self):
        return self.counts.get("户", 0)

    @property
    def residents(self):
        return self.counts.get("人", 0)

    def summary(self):
        return "，".join(f"{what} {n}" for what, n in self.counts.items())


class ImportSpec:
    """What one kind of sheet holds and how its rows are checked and written.

    start(actor) loads what the checks look up once (names, paths); check_row() turns a row
    into an item or appends its problems; check_all() checks the items against each other
    and the database; write() stores them (inside the engine's transaction) and returns the
    counts. A spec never writes outside write()."""

    kind = ""
    title = ""
    columns = ()
    roles = MANAGE_ROLES
    done_url = ""  # url name of the list that shows the imported records
    notes = ()

    def note_lines(self):
        return list(self.notes)

    def start(self, actor):
        return {}

    def check_row(self, ctx, row_no, values, raw, problems):
        raise NotImplementedError

    def check_all(self, ctx, items):
        return []

    def write(self, ctx, items, actor):
        raise NotImplementedError


_SPECS = {}


def register(spec):
    """Add a kind of import (apps above grids call this from their AppConfig.ready)."""
    _SPECS[spec.kind] = spec
    return spec


def get_spec(kind):
    return _SPECS.get(kind)


def specs():
    return list(_SPECS.values())


def max_bytes():
    return getattr(settings, "GRIDS_IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES)


def check_file(fileobj, size, name=""):
    """Refuse a file that is too big, not an xlsx workbook, or carries macros."""
    try:
        check_workbook(fileobj, size, max_bytes=max_bytes(), max_inflated=MAX_INFLATED_BYTES)
    except ValidationError as exc:
        hint = "请使用下载的模板，只填写模板中的数据。" if exc.code == "inflated" else ""
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


def text(value):
    """A cell as the text a person typed (20.0 → "20", a date → 2026-11-29)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M") if (value.hour, value.minute) != (0, 0) \
            else value.strftime("%Y-%m-%d")
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m-%d")
    return str(value).strip()


def parse_date(value):
    """A date cell, or text 2026-11-29 / 2026/11/29. ValueError otherwise."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(text(value).replace("/", "-"))


def parse_datetime(value):
    """A date-time cell, or text 2026-11-29 08:30 (a bare date is midnight), naive."""
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time())
    raw = text(value).replace("/", "-")
    try:
        return dt.datetime.fromisoformat(raw)
    except ValueError:
        return dt.datetime.combine(dt.date.fromisoformat(raw), dt.time())


def _header(cell):
    return text(cell).replace("*", "").replace("（", "(").replace("）", ")")


def run_import(spec, fileobj, *, size, actor=None, name=""):
    """Check and import one sheet of `spec`'s kind. Raises ImportRefused for a file refused
    as a whole; otherwise returns an ImportResult (errors listed, nothing written, when any
    row is bad)."""
    check_file(fileobj, size, name)
    rows = read_rows(fileobj)
    header = [_header(h) for h in rows[0]]
    index = {}
    for col in spec.columns:
        key = _header(col.header)
        if key in header:
            index[col.header] = header.index(key)
        elif col.required:
            raise ImportRefused(f"第1行缺少必填列“{col.header}”。请使用下载的模板。")
    body = rows[1:]
    if len(body) > MAX_ROWS:
        raise ImportRefused(f"一次最多导入 {MAX_ROWS} 行，本文件有 {len(body)} 行，请拆分。")
    ctx = spec.start(actor)
    result = ImportResult()
    items = []
    for row_no, cells in enumerate(body, start=2):
        raw = {col: cells[i] if i < len(cells) else None for col, i in index.items()}
        values = {col: text(v) for col, v in raw.items()}
        if not any(values.values()):
            continue
        result.rows += 1
        problems = []
        for col in spec.columns:
            value = values.get(col.header, "")
            if col.required and not value:
                problems.append(f"“{col.header}”不能为空")
            if col.max_length and len(value) > col.max_length:
                problems.append(f"“{col.header}”超过 {col.max_length} 个字")
            if col.plain and value:
                try:
                    validate_plain_text(value)
                except ValidationError as exc:
                    problems.append(f"“{col.header}”{exc.messages[0]}")
                    values[col.header] = ""  # said once, not judged again
        item = spec.check_row(ctx, row_no, values, raw, problems)
        if problems:
            result.errors.append((row_no, "；".join(problems)))
        else:
            items.append(item)
    result.errors += spec.check_all(ctx, items)
    if result.errors:
        result.errors.sort()
        return result
    try:
        with transaction.atomic():
            result.counts = spec.write(ctx, items, actor)
    except RowErrors as exc:
        result.errors = sorted(exc.errors)
    return result


def template_workbook(spec=None):
    """The import template: one header row, one example row, a notes sheet."""
    spec = spec or HOUSEHOLDS
    wb = Workbook()
    ws = wb.active
    ws.title = f"{spec.title}导入"
    ws.append([f"{c.header}*" if c.required else c.header for c in spec.columns])
    ws.append([c.example for c in spec.columns])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for n, col in enumerate(spec.columns, start=1):
        ws.column_dimensions[get_column_letter(n)].width = max(16, min(40, 2 * len(col.example)))
    notes = wb.create_sheet("填写说明")
    for line in [*spec.note_lines(),
                 "任何一行有误则整个文件都不导入，页面会列出每一行的问题。",
                 "带 * 的列必填；请删除第2行示例后再填写。"]:
        notes.append([line])
    notes.column_dimensions["A"].width = 100
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    return out


class AreaNames:
    """The villages, groups and grids, looked up by name in three dicts; `allowed` limits
    them to the paths the importing user answers for."""

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
        if not self.may(grid):
            return None, f"{grid_name}不在您负责的辖区内"
        return (village, group, grid), ""

    def may(self, area):
        return self.allowed is None or any(area.path.startswith(p) for p in self.allowed)

    def find_in_row(self, values, problems):
        """The grid the row's 村(社区)/社(小区)/网格 name, or None with the problem added."""
        names = values.get("村(社区)"), values.get("社(小区)"), values.get("网格")
        if not all(names):
            return None
        found, why = self.find(*names)
        if found is None:
            problems.append(why)
        return found


def split_names(value):
    """外出务工、低保 / 外出务工,低保 → ["外出务工", "低保"]."""
    return [f.strip() for f in value.replace(",", "、").replace("，", "、").replace(";", "、")
            .split("、") if f.strip()]


# --- 户籍 (households and their members) ------------------------------------------------
HEAD = "户主"


class HouseholdSpec(ImportSpec):
    kind = "households"
    title = "户籍"
    done_url = "grids:household_list"
    columns = (
        Column("村(社区)", True, "西关村"),
        Column("社(小区)", True, "高家庄社"),
        Column("网格", True, "高家庄社第一网格"),
        Column("门牌号", True, "45", 20),
        Column("姓名", True, "王建国", 50, plain=True),
        Column("与户主关系", True, "户主", 20),
        Column("身份证号", False, "620000197001011234", plain=True),
        Column("性别", False, "男"),
        Column("出生日期", False, "1970-01-01"),
        Column("联系电话", False, "13800001234", 20, plain=True),
        Column("户标签", False, "外出务工、低保"),
    )

    def note_lines(self):
        return [
            "每行一人；同一网格同一门牌号的人为一户，每户须有且只有一行“与户主关系”填“户主”。",
            "村(社区)、社(小区)、网格须与系统中的名称一致。",
            "身份证号须为18位且校验位正确；同一人只能登记一次。",
            "户标签可多选，用顿号分隔：" + "、".join(
                HouseholdFlag.objects.filter(is_active=True).values_list("name", flat=True)),
        ]

    def start(self, actor):
        allowed = None
        if actor is not None:
            allowed = area_paths(actor, roles=[Role.VILLAGE_CADRE, Role.CENTRE_STAFF,
                                               Role.ADMIN])
        return {"areas": AreaNames(allowed), "households": {}, "seen_ids": {},
                "flags": set(HouseholdFlag.objects.filter(is_active=True)
                             .values_list("name", flat=True))}

    def check_row(self, ctx, row_no, values, raw, problems):
        found = ctx["areas"].find_in_row(values, problems)
        seen_ids = ctx["seen_ids"]
        number = ""
        if values.get("身份证号"):
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
        if values.get("出生日期"):
            try:
                born = parse_date(raw["出生日期"])
                validate_birth_date(born)
            except ValueError:
                problems.append("“出生日期”应写成 1970-01-01 的格式")
            except ValidationError as exc:
                born = None
                problems.append(exc.messages[0])
        phone = values.get("联系电话", "")
        try:
            phone = normalise_phone(phone)
        except ValidationError as exc:
            problems.append(exc.messages[0])
        row_flags = split_names(values.get("户标签", ""))
        unknown = [f for f in row_flags if f not in ctx["flags"]]
        if unknown:
            problems.append(f"未知的户标签：{'、'.join(unknown)}")
        if problems:
            return None
        village, group, grid = found
        key = (grid.pk, values["门牌号"])
        hh = ctx["households"].setdefault(key, {
            "grid": grid, "village": village, "group": group, "house": values["门牌号"],
            "flags": [], "members": [], "heads": [], "first_row": row_no})
        hh["flags"] = list(dict.fromkeys(hh["flags"] + row_flags))
        member = {"row": row_no, "name": values["姓名"], "relation": values["与户主关系"],
                  "id_number": number or None, "sex": sex or (sex_of(number) if number else ""),
                  "birth_date": born or (birth_date_of(number) if number else None),
                  "phone": phone}
        hh["members"].append(member)
        if member["relation"] == HEAD:
            hh["heads"].append(row_no)
        return member

    def check_all(self, ctx, items):
        errors = []
        seen_ids, households = ctx["seen_ids"], ctx["households"]
        if seen_ids:
            existing = dict(Resident.objects.filter(id_number__in=list(seen_ids))
                            .values_list("id_number", "name"))
            for number, person in existing.items():
                errors.append((seen_ids[number], f"身份证号已在系统中登记（{person}），"
                               "同一人不能重复建档"))
        if households:
            grid_ids = {k[0] for k in households}
            taken = set(Household.objects.filter(grid_id__in=grid_ids)
                        .values_list("grid_id", "house_number"))
            for key, hh in households.items():
                if key in taken:
                    errors.append((hh["first_row"], f"{hh['grid']}门牌号{hh['house']}"
                                   "的户已登记，不能重复导入"))
                if len(hh["heads"]) != 1:
                    what = "没有" if not hh["heads"] else f"有{len(hh['heads'])}个"
                    errors.append((hh["first_row"], f"门牌号{hh['house']}这一户{what}"
                                   "“户主”（与户主关系填“户主”的行应有且只有一行）"))
        return errors

    def write(self, ctx, items, actor):
        households = ctx["households"]
        new = []
        for hh in households.values():
            address = f"{hh['village'].short_name}{hh['group'].short_name}{hh['house']}号"
            hh["obj"] = Household(
                grid=hh["grid"], house_number=hh["house"], address=address,
                flags=hh["flags"], member_count=len(hh["members"]),
                search_text=household_search_text(address, hh["house"],
                                                  [m["name"] for m in hh["members"]]))
            new.append(hh["obj"])
        Household.objects.bulk_create(new, batch_size=2000)
        residents = []
        heads = []
        for hh in households.values():
            for m in hh["members"]:
                person = Resident(name=m["name"], relation=m["relation"],
                                  id_number=m["id_number"], sex=m["sex"],
                                  birth_date=m["birth_date"], phone=m["phone"],
                                  household=hh["obj"], area=hh["grid"])
                residents.append(person)
                if m["relation"] == HEAD:
                    heads.append((hh["obj"], person))
        Resident.objects.bulk_create(residents, batch_size=2000)
        for household, person in heads:
            household.head = person
        # Small batches: bulk_update is one CASE per batch, each row compared with every WHEN.
        Household.objects.bulk_update([h for h, _ in heads], ["head"], batch_size=500)
        bulk_audit(actor, Household, [(h, f"{h.member_count}人") for h in new],
                   action="household.import", label="Excel导入",
                   repr_of=lambda h: h.address)
        return {"户": len(new), "人": len(residents)}


def bulk_audit(actor, model, rows, *, action, label, repr_of=str, from_state=""):
    """One audit row per imported record (rows: [(object, to_state)]), in one COPY."""
    record_many(rows, actor=actor, action=action, action_label=label, from_state=from_state,
                data={"import": True}, repr_of=repr_of)


HOUSEHOLDS = register(HouseholdSpec())
COLUMNS = [(c.header, c.required, c.example) for c in HOUSEHOLDS.columns]



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
    header = [text(h).replace("*", "").replace("（", "(").replace("）", ")") for h in rows[0]]
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
        values = {col: text(raw[i]) if i < len(raw) else "" for col, i in index.items()}
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


def import_households(fileobj, *, size, actor=None, name=""):
    return run_import(HOUSEHOLDS, fileobj, size=size, actor=actor, name=name)


# --- 重点人员 (key persons: residents already registered in a household) ------------------
class KeyPersonSpec(ImportSpec):
    """A row names a resident by ID number. A new key person is registered; one already on
    file is brought to the row's values through grids.actions.edit_key_person (its own
    audit row), so importing the same sheet twice changes nothing."""

    kind = "key_persons"
    title = "重点人员"
    done_url = "grids:key_person_list"
    columns = (
        Column("姓名", True, "王建国", 50, plain=True),
        Column("身份证号", True, "620000197001011234", plain=True),
        Column("类别", True, "社区矫正对象"),
        Column("风险等级", False, "黄"),
        Column("走访频次(天)", False, "30"),
        Column("包联责任人", False, "gaojiazhuang1"),
        Column("情况说明", False, "每月走访一次", 500),
    )

    def note_lines(self):

        return [
            "每行一人，按身份证号对应系统中已登记在户的居民（请先导入户籍）。",
            "类别可多选，用顿号分隔：" + "、".join(
                KeyPersonCategory.objects.filter(is_active=True).values_list("name", flat=True)),
            "风险等级填 蓝、黄、橙、红 之一（不填为蓝）；走访频次不填时取类别的默认频次。",
            "包联责任人填登录名或姓名（姓名须唯一）。",
            "已是重点人员的，按本表更新类别、风险等级、频次、责任人和说明；同一文件导入两次不会重复。",
        ]

    def start(self, actor):


        allowed = None if actor is None else area_paths(actor, roles=MANAGE_ROLES)
        users = {}
        for user in get_user_model().objects.filter(is_active=True):
            users.setdefault(user.username, [user])
            full = display_name(user)
            if full and full != user.username:
                users.setdefault(f"name:{full}", []).append(user)
        member_paths = {}
        for user_id, path in Membership.objects.values_list("user_id", "area__path"):
            member_paths.setdefault(user_id, []).append(path)
        return {"areas": AreaNames(allowed), "seen": {}, "users": users,
                "member_paths": member_paths,
                "categories": {c.name: c for c in KeyPersonCategory.objects.filter(
                    is_active=True)}}

    def _responsible(self, ctx, value, problems):
        if not value:
            return None
        found = ctx["users"].get(value) or ctx["users"].get(f"name:{value}") or []
        if len(found) != 1:
            problems.append(f"包联责任人“{value}”" + ("不存在" if not found else
                                                  "重名，请填登录名"))
            return None
        return found[0]

    def check_row(self, ctx, row_no, values, raw, problems):

        number = ""
        if values["身份证号"]:
            try:
                number = validate_id_number(values["身份证号"])
            except ValidationError as exc:
                problems.append(exc.messages[0])
            else:
                if number in ctx["seen"]:
                    problems.append(f"身份证号与第{ctx['seen'][number]}行重复")
                ctx["seen"].setdefault(number, row_no)
        names = split_names(values["类别"])
        unknown = [n for n in names if n not in ctx["categories"]]
        if unknown:
            problems.append(f"未知的重点人员类别：{'、'.join(unknown)}")
        risk = values.get("风险等级") or KeyPerson.Risk.BLUE
        risk = risk[:1] if risk[:1] in KeyPerson.Risk.values else risk
        if risk not in KeyPerson.Risk.values:
            problems.append("“风险等级”只能填 蓝、黄、橙、红")
        every = None
        if values.get("走访频次(天)"):
            try:
                every = int(values["走访频次(天)"])
            except ValueError:
                every = 0
            if not 1 <= every <= 366:
                problems.append("“走访频次(天)”应为 1 到 366 之间的整数")
        responsible = self._responsible(ctx, values.get("包联责任人", ""), problems)
        if problems:
            return None
        categories = [ctx["categories"][n] for n in names]
        return {"row": row_no, "name": values["姓名"], "id_number": number, "risk": risk,
                "every": every or min(c.visit_every_days for c in categories),
                "categories": categories, "responsible": responsible,
                "notes": values.get("情况说明", "")}

    def check_all(self, ctx, items):

        errors = []
        residents = {r.id_number: r for r in Resident.objects.filter(
            id_number__in=[i["id_number"] for i in items]).select_related("household__grid")}
        current = {k.resident_id: k for k in KeyPerson.objects.filter(
            resident__in=residents.values()).prefetch_related("categories")}
        for item in items:
            resident = residents.get(item["id_number"])
            if resident is None or resident.household_id is None:
                errors.append((item["row"], "系统中没有登记在户的该身份证号居民，请先导入户籍"))
                continue
            if resident.name != item["name"]:
                errors.append((item["row"], f"姓名与系统中该身份证号的登记（{resident.name}）不一致"))
                continue
            grid = resident.household.grid
            if not ctx["areas"].may(grid):
                errors.append((item["row"], f"{item['name']}所在的{grid}不在您负责的辖区内"))
                continue
            who = item["responsible"]
            if who is not None and not any(
                    grid.path.startswith(p) or p.startswith(grid.path)
                    for p in ctx["member_paths"].get(who.pk, [])):
                errors.append((item["row"], f"包联责任人“{who.username}”不在{grid}所属辖区任职"))
                continue
            item["resident"], item["grid"] = resident, grid
            item["current"] = current.get(resident.pk)
        return errors

    def write(self, ctx, items, actor):

        today = dt.date.today()
        new, updated, unchanged = [], 0, 0
        for item in items:
            person = item["current"]
            if person is None:
                new.append(item)
                continue
            same = (person.risk_level == item["risk"]
                    and person.visit_every_days == item["every"]
                    and person.responsible_id == getattr(item["responsible"], "pk", None)
                    and person.notes == item["notes"]
                    and {c.pk for c in person.categories.all()}
                    == {c.pk for c in item["categories"]})
            if same:
                unchanged += 1
                continue
            try:
                edit_key_person(person, actor=actor, version=person.version,
                                categories=item["categories"], risk_level=item["risk"],
                                responsible=item["responsible"],
                                visit_every_days=item["every"], notes=item["notes"])
            except ValidationError as exc:
                raise RowErrors([(item["row"], "；".join(exc.messages))]) from exc
            updated += 1
        people = [KeyPerson(resident=i["resident"], grid=i["grid"], risk_level=i["risk"],
                            responsible=i["responsible"], visit_every_days=i["every"],
                            notes=i["notes"], next_visit_due=today + dt.timedelta(days=i["every"]))
                  for i in new]
        KeyPerson.objects.bulk_create(people, batch_size=2000)
        through = KeyPerson.categories.through
        through.objects.bulk_create(
            [through(keyperson_id=p.pk, keypersoncategory_id=c.pk)
             for p, i in zip(people, new, strict=True) for c in i["categories"]],
            batch_size=2000)
        bulk_audit(actor, KeyPerson, [(p, KeyPerson.Status.ACTIVE) for p in people],
                   action="keyperson.register", label="列为重点人员（Excel导入）",
                   repr_of=lambda p: p.resident.name)
        return {"新增": len(people), "更新": updated, "无变化": unchanged}


# --- 重点场所 (key places) -----------------------------------------------------------------
class KeyPlaceSpec(ImportSpec):
    """A row is a place in a grid; one already there (same grid, same name) is brought to
    the row's values through grids.actions.edit_key_place, so a second import changes
    nothing."""

    kind = "key_places"
    title = "重点场所"
    done_url = "grids:key_place_list"
    columns = (
        Column("村(社区)", True, "西关村"),
        Column("社(小区)", True, "高家庄社"),
        Column("网格", True, "高家庄社第一网格"),
        Column("场所名称", True, "顺达物流有限公司", 100, plain=True),
        Column("类别", True, "物流企业"),
        Column("地址", False, "西关村高家庄社12号", 200),
        Column("责任单位", False, "镇安监站", 100),
        Column("负责人", False, "李明", 50, plain=True),
        Column("联系电话", False, "13800001234", 20, plain=True),
    )

    def note_lines(self):

        return [
            "每行一个场所；同一网格内场所名称不能重复，已有的场所按本表更新。",
            "类别填：" + "、".join(KeyPlace.Kind.labels),
        ]

    def start(self, actor):
        allowed = None if actor is None else area_paths(actor, roles=MANAGE_ROLES)
        return {"areas": AreaNames(allowed), "seen": {}}

    def check_row(self, ctx, row_no, values, raw, problems):

        found = ctx["areas"].find_in_row(values, problems)
        if values["类别"] and values["类别"] not in KeyPlace.Kind.values:
            problems.append(f"未知的场所类别“{values['类别']}”")
        phone = ""
        try:
            phone = normalise_phone(values.get("联系电话", ""))
        except ValidationError as exc:
            problems.append(exc.messages[0])
        if found and values["场所名称"]:
            key = (found[2].pk, values["场所名称"])
            if key in ctx["seen"]:
                problems.append(f"与第{ctx['seen'][key]}行是同一网格的同名场所")
            ctx["seen"].setdefault(key, row_no)
        if problems:
            return None
        return {"row": row_no, "grid": found[2], "name": values["场所名称"],
                "kind": values["类别"], "address": values.get("地址", ""),
                "responsible_unit": values.get("责任单位", ""),
                "responsible_person": values.get("负责人", ""), "contact": phone}

    def check_all(self, ctx, items):

        grid_ids = {i["grid"].pk for i in items}
        ctx["current"] = {(p.grid_id, p.name): p
                          for p in KeyPlace.objects.filter(grid_id__in=grid_ids)}
        return []

    def write(self, ctx, items, actor):

        fields = ("kind", "address", "responsible_unit", "responsible_person", "contact")
        new, updated, unchanged = [], 0, 0
        for item in items:
            place = ctx["current"].get((item["grid"].pk, item["name"]))
            if place is None:
                new.append(KeyPlace(**{f: item[f] for f in ("grid", "name", *fields)}))
            elif all(getattr(place, f) == item[f] for f in fields):
                unchanged += 1
            else:
                try:
                    edit_key_place(place, actor=actor, version=place.version,
                                   grid=place.grid, name=place.name,
                                   **{f: item[f] for f in fields})
                except ValidationError as exc:
                    raise RowErrors([(item["row"], "；".join(exc.messages))]) from exc
                updated += 1
        KeyPlace.objects.bulk_create(new, batch_size=2000)
        bulk_audit(actor, KeyPlace, [(p, p.kind) for p in new], action="keyplace.create",
                   label="登记重点场所（Excel导入）")
        return {"新增": len(new), "更新": updated, "无变化": unchanged}


KEY_PERSONS = register(KeyPersonSpec())
KEY_PLACES = register(KeyPlaceSpec())
