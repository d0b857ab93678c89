"""Work orders from 民生信息平台 / 12345 / 网上信访, imported through grids' import engine
(grids.imports; registered in petitions/apps.py). Each order carries its platform number:
a number already on file is not registered again, its status and rating are brought up to
the sheet's through the one-by-one actions (受理, 办结, 满意度评价), so the same sheet twice
changes nothing. A number that does not match its platform's format (PlatformFormat, edited
by an administrator) is refused with its row."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone

from grids.idcard import validate_id_number
from grids.imports import AreaNames, Column, ImportRefused, ImportSpec, RowErrors, parse_datetime
from petitions import actions
from petitions.access import registrable_paths
from petitions.models import Category, Petition, PlatformFormat, Rating, Satisfaction
from pingxiang.personal import normalise_phone
from pingxiang.roles import Role

PLATFORMS = {"民生信息平台": Petition.Channel.LIVELIHOOD, "民生平台": Petition.Channel.LIVELIHOOD,
             "12345": Petition.Channel.PHONE, "网上信访": Petition.Channel.ONLINE}
TIMES = ("收到时间", "受理时间", "办结时间", "评价时间")
# Read once: TextChoices' .values builds a new list on every call (10,000 rows, 30,000 calls).
ORDER_TYPES = frozenset(Petition.OrderType.values)
SATISFACTION = frozenset(Satisfaction.values)
METHODS = frozenset(Rating.Method.values)


class WorkOrderSpec(ImportSpec):
    kind = "work_orders"
    title = "平台工单"
    roles = (Role.CENTRE_STAFF,)
    done_url = "petitions:list"
    columns = (
        Column("来源平台", True, "民生信息平台"),
        Column("平台编号", True, "MS202600001", 60, plain=True),
        Column("工单类型", False, "求助"),
        Column("村(社区)", True, "西关村"),
        Column("社(小区)", False, "高家庄社"),
        Column("网格", False, "高家庄社第一网格"),
        Column("收到时间", True, "2026-11-02 09:30"),
        Column("诉求人", True, "王建国", 50, plain=True),
        Column("身份证号", True, "620000197001011234", plain=True),
        Column("联系电话", False, "13800001234", 20, plain=True),
        Column("事项", True, "自来水管道破裂", 200),
        Column("主要诉求", True, "村口自来水管道破裂三天无人维修", 5000),
        Column("类别", True, "城乡建设"),
        Column("受理时间", False, "2026-11-03 10:00"),
        Column("办结时间", False, "2026-11-10 16:00"),
        Column("处理意见", False, "已协调水务站修复", 5000),
        Column("对办理过程", False, "满意"),
        Column("对办理结果", False, "满意"),
        Column("评价方式", False, "电话回访"),
        Column("评价时间", False, "2026-11-12 10:00"),
    )

    def note_lines(self):
        formats = PlatformFormat.objects.filter(is_active=True)
        return [
            "来源平台填 民生信息平台、12345 或 网上信访；平台编号须符合该平台的编号格式（"
            + "；".join(f"{f.get_channel_display()}如 {f.example}" for f in formats) + "）。",
            "民生信息平台工单须填工单类型：" + "、".join(Petition.OrderType.values) + "。",
            "已导入过的工单（同一平台同一编号）不会重复登记，按本表补记受理、办结和满意度评价。",
            "时间写成 2026-11-02 09:30；受理、办结、评价须依次不早于前一步。",
            "类别：" + "、".join(Category.objects.filter(is_active=True)
                              .values_list("name", flat=True)),
        ]

    def start(self, actor):
        if actor is None:
            raise ImportRefused("导入平台工单须指明导入人（命令行加 --user 登录名）。")
        return {"areas": AreaNames(registrable_paths(actor)), "seen": {},
                "formats": {f.channel: f for f in PlatformFormat.objects.filter(is_active=True)},
                "categories": {c.name: c for c in Category.objects.filter(is_active=True)},
                "now": timezone.now(), "tz": timezone.get_current_timezone()}

    def _area(self, ctx, values, problems):
        areas = ctx["areas"]
        if values.get("社(小区)") or values.get("网格"):
            found = areas.find_in_row(values, problems)
            return found[2] if found else None
        village = areas.villages.get(values["村(社区)"])
        if village is None:
            problems.append(f"村(社区)“{values['村(社区)']}”不存在")
        elif not areas.may(village):
            problems.append(f"{village.short_name}不在您负责的辖区内")
        else:
            return village
        return None

    def check_row(self, ctx, row_no, values, raw, problems):
        channel = PLATFORMS.get(values["来源平台"])
        ref = values["平台编号"]
        if values["来源平台"] and channel is None:
            problems.append(f"未知的来源平台“{values['来源平台']}”（填 民生信息平台、12345 或 网上信访）")
        elif channel and ref:
            fmt = ctx["formats"].get(channel)
            if fmt is None:
                problems.append(f"未设置{values['来源平台']}的编号格式，请管理员在后台补充")
            elif not fmt.matches(ref):
                problems.append(f"平台编号“{ref}”不符合{values['来源平台']}的编号格式（如 {fmt.example}）")
            elif (channel, ref) in ctx["seen"]:
                problems.append(f"平台编号与第{ctx['seen'][(channel, ref)]}行重复")
            ctx["seen"].setdefault((channel, ref), row_no)
        order_type = values.get("工单类型", "")
        if channel == Petition.Channel.LIVELIHOOD and order_type not in ORDER_TYPES:
            problems.append("民生信息平台工单的“工单类型”须填 " + "、".join(Petition.OrderType.values))
        area = self._area(ctx, values, problems) if values["村(社区)"] else None
        try:
            number = validate_id_number(values["身份证号"]) if values["身份证号"] else ""
        except ValidationError as exc:
            problems.append(exc.messages[0])
            number = ""
        try:
            phone = normalise_phone(values.get("联系电话", ""))
        except ValidationError as exc:
            problems.append(exc.messages[0])
            phone = ""
        category = ctx["categories"].get(values["类别"])
        if values["类别"] and category is None:
            problems.append(f"未知的信访类别“{values['类别']}”")
        times = self._times(ctx, values, raw, problems)
        rating = self._rating(values, times, problems)
        if times.get("办结时间") and not values.get("处理意见"):
            problems.append("已办结的工单须填“处理意见”")
        if problems:
            return None
        return {"row": row_no, "channel": channel, "channel_ref": ref,
                "order_type": order_type if channel == Petition.Channel.LIVELIHOOD else "",
                "area": area, "received_at": times["收到时间"], "title": values["事项"],
                "content": values["主要诉求"], "category": category,
                "petitioner": {"name": values["诉求人"], "id_number": number, "phone": phone},
                "accepted_at": times.get("受理时间"), "closed_at": times.get("办结时间"),
                "reply": values.get("处理意见", ""), "rating": rating}

    def _times(self, ctx, values, raw, problems):
        times = {}
        for col in TIMES:
            if not values.get(col):
                continue
            try:
                at = parse_datetime(raw[col])
                if at.tzinfo is not None:  # as timezone.make_aware refuses one
                    raise ValueError(col)
                # make_aware's own checks cost more than the rest of the row's.
                at = at.replace(tzinfo=ctx["tz"])
            except ValueError:
                problems.append(f"“{col}”应写成 2026-11-02 09:30 的格式")
                continue
            if at > ctx["now"] + dt.timedelta(minutes=5):
                problems.append(f"“{col}”不能晚于现在")
            times[col] = at
        steps = [c for c in TIMES if c in times]
        for before, after in zip(steps, steps[1:], strict=False):
            if times[after] < times[before]:
                problems.append(f"“{after}”不能早于“{before}”")
        if "办结时间" in times and "受理时间" not in times:
            problems.append("填了“办结时间”须同时填“受理时间”")
        return times

    def _rating(self, values, times, problems):
        parts = [values.get(c, "") for c in ("对办理过程", "对办理结果", "评价方式")]
        if not any(parts) and "评价时间" not in times:
            return None
        if not all(parts) or "评价时间" not in times:
            problems.append("满意度评价须同时填“对办理过程”“对办理结果”“评价方式”“评价时间”")
            return None
        if "办结时间" not in times:
            problems.append("未办结的工单不能有满意度评价")
        bad = [p for p in parts[:2] if p not in SATISFACTION]
        if bad:
            problems.append("满意度只能填 " + "、".join(Satisfaction.values))
        if parts[2] not in METHODS:
            problems.append("“评价方式”只能填 " + "、".join(Rating.Method.values))
        return (parts[0], parts[1], parts[2], times["评价时间"])

    def check_all(self, ctx, items):
        ctx["current"] = {}
        for channel in {i["channel"] for i in items}:
            refs = [i["channel_ref"] for i in items if i["channel"] == channel]
            for p in Petition.objects.filter(channel=channel, channel_ref__in=refs):
                ctx["current"][(channel, p.channel_ref)] = p
        return []

    def write(self, ctx, items, actor):
        new, updated, unchanged = {}, 0, 0
        for item in items:
            petition = ctx["current"].get((item["channel"], item["channel_ref"]))
            if petition is None:
                new.setdefault(item["channel"], []).append(item)
            elif self._update(petition, item, actor):
                updated += 1
            else:
                unchanged += 1
        made = 0
        for channel, orders in new.items():
            try:
                made += len(actions.import_work_orders(actor=actor, orders=orders,
                                                       channel=channel))
            except (actions.PetitionError, ValidationError) as exc:
                raise RowErrors([(orders[0]["row"], "；".join(getattr(
                    exc, "messages", [str(exc)])))]) from exc
        return {"新增": made, "更新": updated, "无变化": unchanged}

    def _update(self, petition, item, actor):
        """Bring a petition already on file up to the sheet: 受理, 办结, 满意度 through the
        actions (their rules, audit rows and messages). False when nothing moved."""
        moved = False
        try:
            if item["accepted_at"] and petition.status == Petition.Status.REGISTERED:
                actions.accept_petition(petition, actor=actor, at=item["accepted_at"])
                moved = True
            if item["closed_at"] and petition.status == Petition.Status.ACCEPTED:
                actions.close_petition(petition, actor=actor, reply=item["reply"],
                                       at=item["closed_at"])
                moved = True
            rating = item["rating"]
            if rating and petition.status == Petition.Status.CLOSED and (
                    petition.rating_handling, petition.rating_result) != rating[:2]:
                note = "平台导入" if Satisfaction.UNSATISFIED in rating[:2] else ""
                actions.rate_petition(petition, actor=actor, handling=rating[0],
                                      result=rating[1], method=rating[2], note=note,
                                      at=rating[3])
                moved = True
        except (actions.PetitionError, ValidationError) as exc:
            raise RowErrors([(item["row"], f"{item['channel_ref']}："
                              + "；".join(getattr(exc, "messages", [str(exc)])))]) from exc
        return moved


WORK_ORDERS = WorkOrderSpec()
