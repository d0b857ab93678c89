import getpass
import os

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from grids import accounts
from grids.imports import ImportRefused, get_spec, import_users, run_import, specs

# Accounts and posts are not an ImportSpec (a temporary password, a person's several rows,
# the administrator's scope), but the page's import_users is the same all-or-nothing check
# and write: the command runs it as it runs every spec.
USERS = "users"


class Command(BaseCommand):
    help = ("从 Excel（.xlsx）导入户籍、重点人员、重点场所、平台工单或人员账号：与网页导入同一套校验，"
            "任何一行有误则全部不导入。")

    def add_arguments(self, parser):
        parser.add_argument("kind", help="导入种类：" + "、".join(
            [f"{s.kind}（{s.title}）" for s in specs()] + [f"{USERS}（人员账号和岗位）"]))
        parser.add_argument("file")
        parser.add_argument("--user", help="以该用户身份导入（限其辖区，并记入操作记录）；"
                                           "导入人员账号时必填，须为系统管理员")
        parser.add_argument("--password-file",
                            help="人员账号：新账号的临时密码所在文件（第一行）；不给则在终端输入")

    def handle(self, *args, kind, file, user=None, password_file=None, **options):
        spec = get_spec(kind)
        if spec is None and kind != USERS:
            raise CommandError(f"没有“{kind}”这种导入，可选：" + "、".join(
                [s.kind for s in specs()] + [USERS]))
        actor = None
        if user:
            actor = get_user_model().objects.filter(username=user).first()
            if actor is None:
                raise CommandError(f"用户 {user} 不存在。")
        if kind == USERS:
            result = self.users(file, actor, password_file)
            title, done = "人员账号", f"新建账号 {result.users}，授予岗位 {result.memberships}"
        else:
            result = run_file(spec, file, actor)
            title, done = spec.title, result.summary()
        if not result.ok:
            for row, message in result.errors:
                self.stderr.write(f"第{row}行：{message}")
            raise CommandError(f"共 {len(result.errors)} 处错误，未导入任何数据。")
        self.stdout.write(self.style.SUCCESS(f"{title}导入完成（{result.rows} 行）：{done}。"))

    def users(self, file, actor, password_file):
        if actor is None:
            raise CommandError("导入人员账号须用 --user 指明系统管理员（岗位只能授予其辖区内）。")
        try:
            accounts.require_people_role(actor)
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from exc
        password = read_password(password_file)
        return opened(file, lambda fh: import_users(
            fh, size=os.path.getsize(file), actor=actor, password=password,
            name=os.path.basename(file)))


def read_password(password_file):
    """The new accounts' temporary password: never an argument (it would show in `ps` and
    the shell's history), but a file's first line or typed twice at the terminal."""
    if password_file:
        try:
            with open(password_file, encoding="utf-8") as fh:
                return fh.readline().rstrip("\r\n")
        except OSError as exc:
            raise CommandError(f"无法读取密码文件 {password_file}。") from exc
    first = getpass.getpass("新账号的临时密码：")
    if first != getpass.getpass("再输入一次："):
        raise CommandError("两次输入的密码不一致。")
    return first


def opened(file, run):
    try:
        with open(file, "rb") as fh:
            return run(fh)
    except FileNotFoundError as exc:
        raise CommandError(f"找不到文件 {file}。") from exc
    except ImportRefused as exc:
        raise CommandError(str(exc)) from exc


def run_file(spec, file, actor):
    """The page's path for a file on disk."""
    return opened(file, lambda fh: run_import(spec, fh, size=os.path.getsize(file), actor=actor,
                                              name=os.path.basename(file)))
