import os

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from grids.imports import ImportRefused, get_spec, run_import, specs


class Command(BaseCommand):
    help = ("从 Excel（.xlsx）导入户籍、重点人员、重点场所或平台工单：与网页导入同一套校验，"
            "任何一行有误则全部不导入。")

    def add_arguments(self, parser):
        parser.add_argument("kind", help="导入种类：" + "、".join(
            f"{s.kind}（{s.title}）" for s in specs()))
        parser.add_argument("file")
        parser.add_argument("--user", help="以该用户身份导入（限其辖区，并记入操作记录）")

    def handle(self, *args, kind, file, user=None, **options):
        spec = get_spec(kind)
        if spec is None:
            raise CommandError(f"没有“{kind}”这种导入，可选：" + "、".join(s.kind for s in specs()))
        actor = None
        if user:
            actor = get_user_model().objects.filter(username=user).first()
            if actor is None:
                raise CommandError(f"用户 {user} 不存在。")
        result = run_file(spec, file, actor)
        if not result.ok:
            for row, message in result.errors:
                self.stderr.write(f"第{row}行：{message}")
            raise CommandError(f"共 {len(result.errors)} 处错误，未导入任何数据。")
        self.stdout.write(self.style.SUCCESS(
            f"{spec.title}导入完成（{result.rows} 行）：{result.summary()}。"))


def run_file(spec, file, actor):
    """The page's path for a file on disk."""
    try:
        with open(file, "rb") as fh:
            return run_import(spec, fh, size=os.path.getsize(file), actor=actor,
                              name=os.path.basename(file))
    except FileNotFoundError as exc:
        raise CommandError(f"找不到文件 {file}。") from exc
    except ImportRefused as exc:
        raise CommandError(str(exc)) from exc
