"""Retake the README's screenshots from the demo town (not imported by the app).

    export DATABASE_URL=postgres://... REDIS_URL=redis://... DEBUG=true
    .venv/bin/python manage.py migrate && .venv/bin/python manage.py seed_demo
    .venv/bin/python manage.py runserver 127.0.0.1:8765 --noreload &
    .venv/bin/python docs/screenshots/take.py [--base http://127.0.0.1:8765] [name ...]

Logs in as each demo login (manage.py demo_logins) and saves docs/screenshots/<name>.png:
phones at 390x844, desktops at 1366x900; the grid worker's home down to its visit
progress and the dashboard down to its petition figures. Debian packages: chromium,
chromium-l10n (Chinese date and file inputs), fonts-noto-cjk (else the text is boxes).
Beyond logging in, all it sends is one refused Excel import (nothing is imported, nothing saved).
"""

import argparse
import io
import os
import sys

from PIL import Image
from playwright.sync_api import sync_playwright

HERE = os.path.dirname(os.path.abspath(__file__))
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
FINISHED_CAMPAIGN = "矛盾大排查纠纷大化解基础大夯实活动"  # the one the README's figures are for


def log_in(page, base, username, password):
    page.context.clear_cookies()
    page.goto(base + "/account/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/account/login/" not in url)
    page.wait_for_load_state("networkidle")


def go(page, url):
    page.goto(url)
    page.wait_for_load_state("networkidle")


def grid_worker_home(page, base):
    go(page, base + "/")


def grid_worker_visit(page, base):
    """The visit form for a household of three or more not yet visited in the current
    campaign, filled in as a grid worker would before saving (it is not saved)."""
    go(page, base + "/grids/worklist/")
    forms = [a.get_attribute("href") for a in page.locator("main a[href$='/visit/']").all()]
    for href in forms:
        go(page, base + href)
        if page.locator("input[name=persons_met]").count() >= 3:
            break
    page.wait_for_selector("h1:has-text('记录走访')")
    members = page.locator("input[name=persons_met]")
    members.nth(0).check()  # the head and their spouse were home
    members.nth(1).check()
    page.locator("label:has-text('矛盾纠纷') input").check()
    page.fill("textarea[name=notes]", "反映与邻居因院墙排水发生争吵，已当场劝解，约定三日内疏通水渠。")
    page.evaluate("window.scrollTo(0, 0)")


def leader_dashboard(page, base):
    go(page, base + "/dashboard/")
    option = page.locator("select[name=campaign] option", has_text=FINISHED_CAMPAIGN)
    town = page.locator("select[name=area] option").first.get_attribute("value")
    go(page, f"{base}/dashboard/?area={town}&campaign={option.get_attribute('value')}")


def centre_agreement(page, base):
    """A written mediation agreement of a resolved case, as printed."""
    go(page, base + "/cases/?status=resolved")
    for href in [a.get_attribute("href") for a in page.locator("main table a").all()]:
        go(page, base + href)
        written = page.locator("main a", has_text="书面调解协议书")
        if written.count():
            go(page, base + written.first.get_attribute("href"))
            return
    raise SystemExit("no resolved case with a written agreement in the demo town")


def admin_import_errors(page, base):
    """The household import refusing a file with mistakes (nothing is imported)."""
    import openpyxl

    go(page, base + "/grids/import/")
    with page.expect_download() as info:
        page.get_by_role("link", name="下载导入模板").click()
    with open(info.value.path(), "rb") as f:
        wb = openpyxl.load_workbook(io.BytesIO(f.read()))
    sheet = wb.worksheets[0]
    sheet.delete_rows(2, sheet.max_row)
    good, bad = id_number("19800517", 1), id_number("19820303", 2)
    bad = bad[:-1] + ("0" if bad[-1] != "0" else "1")  # wrong check digit
    for row in [("西关村", "高家庄社", "高家庄社第一网格", "88", "杨志明", "户主", good),
                ("西关村", "高家庄社", "高家庄社第一网格", "88", "王秀兰", "配偶", bad),
                ("西关村", "高家庄社", "高家庄社第九网格", "90", "何文斌", "户主",
                 id_number("19750911", 3))]:
        sheet.append(list(row))
    data = io.BytesIO()
    wb.save(data)
    # A payload, not a path: Chromium under LANG=zh_CN without that locale installed sends
    # no file for a path with Chinese in it.
    page.set_input_files("#id_file", {
        "name": "户籍导入.xlsx", "buffer": data.getvalue(),
        "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"})
    page.click("button:has-text('校验并导入')")
    page.wait_for_selector("text=未导入任何数据")


def id_number(born, serial):
    """A valid 18-digit ID number of 通渭县 (GB 11643 check digit)."""
    first17 = f"621121{born}{serial:03d}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(d) * w for d, w in zip(first17, weights, strict=True))
    return first17 + "10X98765432"[total % 11]


# name: (login, viewport, how to get there, clip to the bottom of this selector or None)
SHOTS = {
    "grid-worker-home-phone": ("grid_demo", PHONE, grid_worker_home, "h2:has-text('走访进度')"),
    "grid-worker-visit-phone": ("grid_demo", PHONE, grid_worker_visit, None),
    "leader-home": ("leader_demo", DESKTOP, lambda p, b: go(p, b + "/"), None),
    "leader-dashboard": ("leader_demo", DESKTOP, leader_dashboard, "#fig-petitions_received"),
    "centre-staff-home": ("centre_demo", DESKTOP, lambda p, b: go(p, b + "/"), None),
    "centre-staff-agreement-phone": ("centre_demo", PHONE, centre_agreement, None),
    "village-cadre-home": ("village_demo", DESKTOP, lambda p, b: go(p, b + "/"), None),
    "supervisor-issue-list": ("supervisor_demo", DESKTOP,
                              lambda p, b: go(p, b + "/rectification/supervision/items/"), None),
    "petition-stats": ("centre_demo", DESKTOP, lambda p, b: go(p, b + "/petitions/stats/"), None),
    "admin-import-errors": ("admin_demo", DESKTOP, admin_import_errors, None),
}


def save(png, path):
    """Lossless, smaller: drop alpha and let Pillow optimise the deflate."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    image.save(path, optimize=True)
    return os.path.getsize(path)


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("names", nargs="*", help=f"some of: {', '.join(SHOTS)}")
    parser.add_argument("--base", default="http://127.0.0.1:8765")
    parser.add_argument("--password", default=os.environ.get("DEMO_PASSWORD", "pingxiang-demo"))
    parser.add_argument("--out", default=HERE)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args(argv)
    names = args.names or list(SHOTS)
    unknown = set(names) - set(SHOTS)
    if unknown:
        parser.error(f"unknown: {', '.join(sorted(unknown))}")
    with sync_playwright() as p:
        # Date and file inputs as a Chinese browser draws them (needs chromium-l10n).
        browser = p.chromium.launch(executable_path=args.chromium, env={
            **os.environ, "LANG": "zh_CN.UTF-8", "LANGUAGE": "zh_CN"})
        for name in names:
            username, viewport, reach, clip_to = SHOTS[name]
            context = browser.new_context(viewport=viewport, locale="zh-CN",
                                          timezone_id="Asia/Shanghai", accept_downloads=True)
            page = context.new_page()
            errors = []
            page.on("console", lambda m, errors=errors: (
                errors.append(m.text) if m.type == "error" else None))
            log_in(page, args.base, username, args.password)
            reach(page, args.base)
            page.wait_for_load_state("networkidle")
            if clip_to:
                box = page.locator(clip_to).locator("xpath=ancestor::section[1]").bounding_box()
                bottom = int(box["y"] + box["height"] + 16)
                png = page.screenshot(clip={"x": 0, "y": 0, "width": viewport["width"],
                                            "height": bottom}, full_page=True)
            else:
                png = page.screenshot()
            size = save(png, os.path.join(args.out, f"{name}.png"))
            print(f"{name}: {page.url.removeprefix(args.base)} {size // 1024} KB"
                  + (f"  console errors: {errors}" if errors else ""))
            context.close()
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1:])
