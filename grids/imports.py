"""Import households and residents from one Excel sheet (the page and the
`import_households` command run this same code). Every row is checked first; on any error
nothing is written and every bad row is reported with its reason."""

import datetime as dt
import io
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from openpyxl import Workbook
from openpyxl.styles import Font
from python_calamine import CalamineError, CalamineWorkbook

from grids.access import area_paths
from grids.idcard import birth_date_of, sex_of, validate_id_number
from grids.models import Area, Household, HouseholdFlag, Resident
from grids.textsearch import household_search_text
from pingxiang.audit import actor_name
from pingxiang.models import AuditEvent
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

