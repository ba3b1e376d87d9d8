"""Screenshots of the console's pages for the README, taken in Debian's headless Chromium.

    .venv/bin/python docs/web/screenshots.py          # writes docs/web/*.png

The data are the web tests' (tests/web/webdata.py: the demo companies, alerts opened by the real engine);
the script logs in as the admin, acknowledges an alert with a comment and generates a report first, so
every page has something to show.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from PIL import Image

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from riskwatch.web.app import build_app  # noqa: E402 - after the path set-up
from riskwatch.web.context import open_context  # noqa: E402
from riskwatch.web.server import BackgroundServer  # noqa: E402
from tests.web.browser import start_chromium  # noqa: E402
from tests.web.webdata import PASSWORDS, build  # noqa: E402

OUT = Path(__file__).parent
PAGES = {
    "search": "/search?q=鸿远地产",
    "entity": "/entity/hongyuan?end=2026-11-24&days=30",
    "alerts": "/alerts",
    "reports": "/reports",
    "audit": "/audit",
}


def save(driver, name: str) -> None:
    """The first 1280×900 of the page, reduced to a 128-colour palette to stay small in the repository."""
    path = OUT / f"{name}.png"
    driver.save_screenshot(str(path))
    Image.open(path).convert("RGB").quantize(colors=128).save(path, optimize=True)
    print(f"{path} ({path.stat().st_size // 1024} KiB)")


def main() -> None:
    from selenium.webdriver.common.by import By

    with tempfile.TemporaryDirectory() as folder:
        data = build(Path(folder) / "data")
        context = open_context(data.config)
        server = BackgroundServer(build_app(context)).start()
        driver = start_chromium(Path(folder) / "profile", Path(folder) / "downloads")
        try:
            driver.get(server.url + "/login")
            driver.find_element(By.ID, "username").send_keys("admin")
            save(driver, "login")
            driver.find_element(By.ID, "password").send_keys(PASSWORDS["admin"])
            driver.find_element(By.ID, "login-button").click()
            time.sleep(0.5)
            driver.get(server.url + "/alerts")
            driver.find_element(By.ID, "ack-comment-1").send_keys("已联系客户经理核实")
            driver.find_element(By.ID, "ack-1").click()
            time.sleep(0.5)
            driver.get(server.url + "/reports")  # the form's default period: the previous month
            driver.find_element(By.ID, "generate-report").click()
            deadline = time.monotonic() + 120
            while "done=" not in driver.current_url and time.monotonic() < deadline:
                time.sleep(0.2)
            for name, path in PAGES.items():
                driver.get(server.url + path)
                time.sleep(0.3)
                save(driver, name)
        finally:
            driver.quit()
            server.stop()
            context.close()


if __name__ == "__main__":
    main()
