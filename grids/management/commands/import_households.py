from grids.management.commands import import_records


class Command(import_records.Command):
    """`import_households FILE` is `import_records households FILE` (kept for the scripts and
    docs that name it)."""

    help = "从 Excel（.xlsx）导入户和居民（即 import_records households）：任何一行有误则全部不导入。"

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--user", help="以该用户身份导入（限其辖区，并记入操作记录）")

    def handle(self, *args, file, user=None, **options):
        return super().handle(kind="households", file=file, user=user, **options)
