"""One small world for the trust suites, built through the apps' own actions.

Three places, each holding one of every kind of record (household, key person, key place,
visit with photo, case with attachment and agreement, petition with attachment, hazard with
photo, inspection, supervision item with evidence, centre with photo, legal activity):

  xg   西关村 高家庄社第一网格   the matrix users' own area
  mh   孟河村 孟河一社网格       same town, another village
  far  测试县 测试镇 测试村       another county altogether

Every free-text field of a place's records carries that place's marker (LKXG, LKMH, LKFAR);
petition identity and content carry a second, secret marker (PSECXG...). A response may show
a marker only to a user whose area covers the place (and, for PSEC, who may read petitions).
"""

import datetime as dt
import struct
import uuid
import zlib
from types import SimpleNamespace

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from grids.idcard import check_digit
from grids.models import Area
from pingxiang.roles import Role

MARK = {"xg": "LKXG", "mh": "LKMH", "far": "LKFAR"}
SECRET = {"xg": "PSECXG", "mh": "PSECMH", "far": "PSECFAR"}

# The matrix users, in the order of the expectation strings in test_access_matrix.py.
ROLES = ["grid", "visitor", "cadre", "centre", "leader", "supervisor", "admin", "auditor",
         "anon"]
# Who answers for a village only (their "other area" is 孟河村); the rest sit at town or
# county level (their "other area" is the other county).
VILLAGE_LEVEL = {"grid", "visitor", "cadre"}


def png_bytes():
    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))


def png(name="photo.png"):
    return SimpleUploadedFile(name, png_bytes(), content_type="image/png")


def id_number(seq, born=dt.date(1981, 3, 9)):
    first17 = f"621121{born:%Y%m%d}{seq % 1000:03d}"
    return first17 + check_digit(first17)


def _far_areas():
    from grids.actions import create_area

    county = create_area(parent=None, kind=Area.Kind.COUNTY, name="测试县", short_name="测试县")
    town = create_area(parent=county, kind=Area.Kind.TOWN, name="测试镇", short_name="测试镇")
    village = create_area(parent=town, kind=Area.Kind.VILLAGE, name="测试村村委会",
                          short_name="测试村")
    group = create_area(parent=village, kind=Area.Kind.GROUP, name="测试一社")
    grid = create_area(parent=group, kind=Area.Kind.GRID, name="测试一社网格")
    return SimpleNamespace(county=county, town=town, village=village, group=group, grid=grid)


def _user(username, full_name, role, area, *, staff=False):
    from grids.actions import ensure_user, grant_membership

    u = ensure_user(username, full_name=full_name, password="pw")
    grant_membership(u, area, role)
    if staff and not u.is_staff:
        u.is_staff = True
        u.save(update_fields=["is_staff"])
    return u


def _place_records(key, *, village, grid, town, actor_grid, actor_centre, actor_cadre,
                   supervisor, seq):
    """One of everything in `grid` (village `village`, town `town`)."""
    from cases import actions as case_actions
    from cases.models import Category as CaseCategory
    from cases.models import Source
    from grids import actions as grid_actions
    from grids.models import KeyPersonCategory, KeyPlace
    from petitions import actions as pet_actions
    from petitions.models import Category as PetCategory
    from petitions.models import Petition
    from rectification import actions as rx
    from rectification.models import Hazard, HazardCategory, IssueCategory

    m, s = MARK[key], SECRET[key]
    today = timezone.localdate()
    r = SimpleNamespace(key=key, mark=m, secret=s, village=village, grid=grid, town=town)
    r.head_id = id_number(seq)
    r.head_phone = f"1390{seq:07d}"
    r.household = grid_actions.create_household(
        grid=grid, house_number=f"{seq}", head_name=f"户主{m}", head_id_number=r.head_id,
        head_phone=r.head_phone, notes=f"备注{m}", actor=actor_cadre)
    r.resident = r.household.head
    r.key_person = grid_actions.register_key_person(
        r.resident, categories=list(KeyPersonCategory.objects.all()[:1]), actor=actor_cadre,
        notes=f"重点{m}")
    r.key_place = grid_actions.create_key_place(
        grid=grid, kind=KeyPlace.Kind.SCHOOL, name=f"学校{m}", address=f"地址{m}",
        actor=actor_cadre)
    r.visit, _ = grid_actions.record_visit(
        actor=actor_grid, idempotency_key=uuid.uuid4(), visited_on=today,
        visit_type="常规走访", findings=["无异常"], household=r.household,
        notes=f"走访{m}", photo=png(f"visit{m}.png"))

    case = case_actions.register_case(
        actor=actor_centre, area=grid, category=CaseCategory.objects.get(name="邻里"),
        description=f"纠纷{m}", source=Source.WALKIN,
        parties=[{"name": f"当事人{m}", "id_number": id_number(seq + 1)}])
    case = case_actions.accept_case(case, actor=actor_centre, level=1)
    r.case_attachment = case_actions.add_attachment(
        case, actor=actor_centre, upload=png(f"case{m}.png"), kind="photo")
    r.case = case_actions.resolve_case(
        case, actor=actor_centre, method="people", kind="written", facts=f"事实{m}",
        terms=f"条款{m}", performance="当场履行")
    r.agreement = r.case.agreements.first()

    r.petition = pet_actions.register_petition(
        actor=actor_centre, channel=Petition.Channel.LETTER, area=grid,
        received_at=timezone.now() - dt.timedelta(hours=2),
        petitioner={"name": f"信访人{s}", "id_number": id_number(seq + 2),
                    "phone": f"1370{seq:07d}"},
        title=f"标题{s}", content=f"内容{s}", category=PetCategory.objects.first(),
        attachments=[png(f"letter{s}.png")])
    r.petition_attachment = r.petition.attachments.first()

    cats = {c.name: c for c in HazardCategory.objects.all()}
    # Town-wide records carry the town's marker: 西关村 and 孟河村 share a town.
    t = MARK["far"] if key == "far" else "平襄"
    r.rx_campaign = rx.create_campaign(actor=actor_centre, name=f"整治{key}{t}", scope=town,
                                       start_date=today - dt.timedelta(days=5))
    r.inspection = rx.record_inspection(actor=actor_grid, date=today, members=f"检查组{m}",
                                        place=r.key_place, findings=f"检查{m}")
    r.hazard = rx.register_hazard(
        actor=actor_grid, source=Hazard.Source.INSPECTION, category=cats["消防"], area=grid,
        description=f"隐患{m}", found_date=today, photos=[png(f"hazard{m}.png")])
    r.hazard_photo = r.hazard.photos.first()
    r.team = rx.create_team(actor=actor_centre, town=town, name=f"督导组{key}{t}", members=[
        (f"组长{key}{t}", "镇纪委", None, True)] + ([("陈丽", "综治中心", supervisor, False)]
                                             if supervisor else []))
    r.round = rx.create_round(r.team, actor=actor_centre, name=f"第一轮{key}{t}", start_date=today)
    r.sv_visit = rx.record_visit(r.round, actor=actor_centre, area=village, date=today,
                                 members=f"成员{m}")
    r.issue = rx.add_issue(r.sv_visit, actor=actor_centre,
                           category=IssueCategory.objects.first(), description=f"问题{m}",
                           evidence=[png(f"evidence{m}.png")])
    r.evidence = r.issue.evidence.first()
    r.centre = rx.ensure_centre(village, actor=actor_centre)
    r.centre_photo = rx.add_centre_photo(r.centre, actor=actor_centre,
                                         upload=png(f"centre{m}.png"), caption=f"照片{m}")
    r.legal = rx.record_legal_activity(actor=actor_centre, area=village, date=today,
                                       form=_legal_form(), title=f"普法{m}")
    r.grid_campaign = grid_actions.create_campaign(
        name=f"走访活动{key}{t}", area=town, start_date=today - dt.timedelta(days=3),
        end_date=today + dt.timedelta(days=3))
    r.period_report = _period_report(village)
    r.reception = pet_actions.schedule_reception(
        actor=actor_centre, town=town, leader=_town_leader(town), date=today,
        place=f"接访室{key}{t}")
    return r


def _period_report(village):
    """A finished report in the village's report archive (dashboard.PeriodReport)."""
    from dashboard.models import PeriodReport

    report = PeriodReport.objects.create(
        area=village, kind=PeriodReport.Kind.MONTH, start=dt.date(2026, 10, 1),
        end=dt.date(2026, 10, 31), label="2026年10月", status=PeriodReport.Status.DONE,
        filename="月报.xlsx")
    import io

    from openpyxl import Workbook

    book, out = Workbook(), io.BytesIO()
    book.active.append(["2026年10月", village.short_name])
    book.save(out)  # a real workbook: the mask tests read every cell of every download
    report.file.save("report.xlsx", SimpleUploadedFile("report.xlsx", out.getvalue()))
    return report


def _legal_form():
    from rectification.models import LegalActivity

    return LegalActivity._meta.get_field("form").choices[0][0]


def _town_leader(town):
    from grids.people import town_leaders

    return town_leaders(town)[0]


def build_world():
    from tests.conftest import build_cast

    cast = build_cast()
    far = _far_areas()
    users = {
        "grid": cast.grid_xiguan,
        "visitor": _user("visitor_xiguan", "周走访", Role.VISITOR,
                         cast.xiguan_grid.parent),
        "cadre": cast.cadre_xiguan,
        "centre": cast.centre,
        "leader": cast.leader,
        "supervisor": cast.supervisor,
        "admin": cast.admin,
        "auditor": _user("auditor_county", "吴审计", Role.AUDITOR, cast.county, staff=True),
    }
    far_users = SimpleNamespace(
        grid=_user("grid_far", "外网格", Role.GRID_WORKER, far.grid),
        cadre=_user("cadre_far", "外村干", Role.VILLAGE_CADRE, far.village),
        centre=_user("centre_far", "外中心", Role.CENTRE_STAFF, far.town),
        leader=_user("leader_far", "外领导", Role.LEADER, far.town),
    )
    places = {
        "xg": _place_records("xg", village=cast.xiguan, grid=cast.xiguan_grid, town=cast.town,
                             actor_grid=cast.grid_xiguan, actor_centre=cast.centre,
                             actor_cadre=cast.cadre_xiguan, supervisor=cast.supervisor,
                             seq=101),
        "mh": _place_records("mh", village=cast.menghe, grid=cast.menghe_grid, town=cast.town,
                             actor_grid=cast.grid_menghe, actor_centre=cast.centre,
                             actor_cadre=cast.cadre_menghe, supervisor=None, seq=201),
        "far": _place_records("far", village=far.village, grid=far.grid, town=far.town,
                              actor_grid=far_users.grid, actor_centre=far_users.centre,
                              actor_cadre=far_users.cadre, supervisor=None, seq=301),
    }
    from rectification.models import ExportJob

    jobs = {}
    for role, user in users.items():
        job = ExportJob.objects.create(kind=ExportJob.Kind.HAZARDS, requested_by=user,
                                       status=ExportJob.Status.DONE, filename="台账.xlsx")
        job.file.save("ledger.xlsx", SimpleUploadedFile("ledger.xlsx", b"PK\x03\x04 x"))
        jobs[role] = job
    jobs["far"] = ExportJob.objects.create(kind=ExportJob.Kind.HAZARDS,
                                           requested_by=far_users.centre)
    from pingxiang.models import Notification
    from pingxiang.notify import notify

    notes = {}
    for role, user in [*users.items(), ("far", far_users.centre)]:
        notify([user], key=f"trust-{role}", title="测试消息", url="/inbox/")
        notes[role] = Notification.objects.get(recipient=user, key=f"trust-{role}").pk
    return SimpleNamespace(cast=cast, far=far, users=users, far_users=far_users,
                           places=places, jobs=jobs, notes=notes)


def other_place(role):
    """The place a role must not see: 孟河村 for village-level users, the other county for
    everyone else."""
    return "mh" if role in VILLAGE_LEVEL else "far"


def forbidden_marks(role):
    """Markers that must never appear in a response to this role."""
    marks = [MARK["far"], SECRET["far"]]
    if role in VILLAGE_LEVEL:
        marks += [MARK["mh"], SECRET["mh"]]
    if role not in {"centre"}:
        # Petition identity and content: centre staff (and the leader in charge) only.
        marks += [SECRET["xg"], SECRET["mh"]]
    if role in {"auditor", "anon"}:
        marks += [MARK["xg"], MARK["mh"]]
    return sorted(set(marks))
