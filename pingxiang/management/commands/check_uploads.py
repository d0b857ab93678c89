from django.core.management.base import BaseCommand, CommandError

from pingxiang.uploads import find_bad_uploads, quarantine_upload


class Command(BaseCommand):
    help = ("逐个检查已保存的上传文件（按内容识别类型，扩展名须与内容一致，图片和 PDF 中不得含有"
            "网页标记）。列出有问题的文件；加 --quarantine 则移入隔离目录并清空记录中的文件。"
            "发现问题而未隔离时以非零状态退出。")

    def add_arguments(self, parser):
        parser.add_argument("--quarantine", action="store_true",
                            help="把有问题的文件移入隔离目录，并清空记录中的文件字段")
        parser.add_argument("--to", help="隔离目录，默认 MEDIA_ROOT/quarantine")

    def handle(self, *args, quarantine=False, to=None, **options):
        bad = 0
        for instance, field, reason in find_bad_uploads():
            bad += 1
            path = getattr(instance, field).name
            line = f"{instance._meta.label} #{instance.pk} {field} {path}：{reason}"
            if quarantine:
                moved = quarantine_upload(instance, field, reason=reason, to=to)
                line += f" → 已隔离到 {moved}" if moved else "（已被改动，跳过）"
            self.stdout.write(line)
        if not bad:
            self.stdout.write("所有上传文件检查通过。")
        elif quarantine:
            self.stdout.write(f"共隔离 {bad} 个文件。")
        else:
            raise CommandError(f"发现 {bad} 个有问题的文件；用 --quarantine 隔离。")
