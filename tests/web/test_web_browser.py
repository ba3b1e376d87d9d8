"""The console in a real browser (Debian's headless Chromium through chromedriver, started here): log in,
search, open an entity page, acknowledge an alert, generate and download a report; a form posted without
its CSRF token is refused, and a page asked for without a login sends the browser to the login page."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from alerts.state import AlertState
from tests.web.browser import chromium_paths, start_chromium
from tests.web.conftest import Console
from tests.web.webdata import PASSWORDS

pytestmark = pytest.mark.skipif(
    chromium_paths() is None, reason="Debian's chromium and chromium-driver are not installed (make browser)"
)


@pytest.fixture
def browser(tmp_path: Path) -> Iterator:
    driver = start_chromium(tmp_path / "profile", tmp_path / "downloads")
    try:
        yield driver
    finally:
        driver.quit()


def wait_for(condition, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError("timed out")


def log_in(browser, console: Console, role: str) -> None:
    from selenium.webdriver.common.by import By

    browser.get(console.url + "/search")
    assert "/login" in browser.current_url  # refused without a login: sent to the login page
    browser.find_element(By.ID, "username").send_keys(role)
    browser.find_element(By.ID, "password").send_keys(PASSWORDS[role])
    browser.find_element(By.ID, "login-button").click()
    # the search page loaded, not only its address shown: a get() issued while the login's redirect is still
    # loading can be lost to it (the browser stayed on /search, about one run in five)
    wait_for(
        lambda: (
            browser.current_url.endswith("/search")
            and browser.find_elements(By.ID, "q")
            and browser.execute_script("return document.readyState") == "complete"
        )
    )


def test_a_risk_officer_works_through_the_console(browser, console: Console, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    log_in(browser, console, "officer")
    # Search: highlighted matches, a source link.
    box = browser.find_element(By.ID, "q")
    box.send_keys("违约")
    browser.find_element(By.ID, "search-button").click()
    wait_for(lambda: "q=" in browser.current_url)
    marks = [element.text for element in browser.find_elements(By.CSS_SELECTOR, "#hits mark")]
    assert marks and set(marks) == {"违约"}
    assert browser.find_element(By.ID, "total").text.startswith("共 2 篇")
    links = [a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, "#hits a.source-link")]
    assert "http://news.example.test/h1.html" in links
    # The entity page, from the entity link of a hit.
    browser.find_element(By.CSS_SELECTOR, '#hits a.entity[href="/entity/hongyuan"]').click()
    wait_for(lambda: "/entity/hongyuan" in browser.current_url)
    assert browser.find_element(By.ID, "entity-name").text.startswith("鸿远地产集团股份有限公司")
    assert len(browser.find_elements(By.CSS_SELECTOR, "#chart rect.bar")) == 30
    assert browser.find_elements(By.CSS_SELECTOR, ".story .evidence li")
    # Acknowledge an alert with a comment.
    browser.get(console.url + "/alerts")
    browser.find_element(By.ID, "ack-comment-1").send_keys("已通知客户经理")
    browser.find_element(By.ID, "ack-1").click()
    wait_for(lambda: "done=acknowledge-1" in browser.current_url)
    assert "已通知客户经理" in browser.find_element(By.ID, "alert-1").text
    with AlertState(console.context.alert_state_path) as state:
        assert state.get(1).state == "acknowledged"
    # Generate a report and download its workbook.
    browser.get(console.url + "/reports")
    browser.find_element(By.ID, "generate-report").click()
    wait_for(lambda: "done=" in browser.current_url, timeout=120)
    assert browser.find_elements(By.CSS_SELECTOR, ".manifest-ok")
    workbook = next(
        a for a in browser.find_elements(By.CSS_SELECTOR, "a.download") if a.text.endswith(".xlsx")
    )
    name = workbook.text
    workbook.click()
    saved = tmp_path / "downloads" / name
    wait_for(saved.is_file)
    assert saved.read_bytes()[:2] == b"PK"
    assert any(e.action == "download" and e.target.endswith(name) for e in console.context.audit.entries())


def test_a_form_without_its_csrf_token_is_refused(browser, console: Console) -> None:
    from selenium.webdriver.common.by import By

    log_in(browser, console, "officer")
    browser.get(console.url + "/alerts")
    browser.execute_script(
        "document.querySelector('form[action=\"/alerts/2/resolve\"] input[name=csrf_token]').remove()"
    )
    browser.find_element(By.ID, "resolve-2").click()
    wait_for(lambda: browser.find_elements(By.ID, "error-message"))
    assert "CSRF" in browser.find_element(By.ID, "error-message").text
    with AlertState(console.context.alert_state_path) as state:
        assert state.get(2).state == "open"


def test_a_page_without_a_login_goes_to_the_login_page(browser, console: Console) -> None:
    from selenium.webdriver.common.by import By

    browser.get(console.url + "/entity/hongyuan")
    assert "/login?next=/entity/hongyuan" in browser.current_url
    assert browser.find_element(By.ID, "login-button")
    assert "鸿远地产集团股份有限公司" not in browser.page_source
