"""Headless Chromium for the digest tests: the Debian `chromium` + `chromium-driver`
packages driven by selenium. Nothing is downloaded: the driver path is given, so
Selenium Manager never runs, and the browser flags switch off its own network chatter."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("NEWSBRIDGE_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("NEWSBRIDGE_CHROMEDRIVER", "/usr/bin/chromedriver")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = (390, 844)
LAPTOP = (1366, 900)
# Whole-page shots stop here (PNG viewers choke on taller images); the page itself is whole.
MAX_SHOT_HEIGHT = 16_000
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "digest"
# .ci/run sets this after installing Chromium: there a missing browser is a failure, not a skip.
REQUIRED = os.environ.get("NEWSBRIDGE_REQUIRE_BROWSER") == "1"


def _unavailable(reason: str):
    message = f"headless Chromium unavailable: {reason} (install: apt-get install -y chromium chromium-driver)"
    if REQUIRED:
        pytest.fail(message + "; NEWSBRIDGE_REQUIRE_BROWSER=1 says it must be here", pytrace=False)
    pytest.skip(message)


def start_browser():
    try:
        from selenium import webdriver
        from selenium.common.exceptions import WebDriverException
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        _unavailable("the selenium package is not installed (pip install -e '.[dev]')")
    for path in (CHROMIUM, CHROMEDRIVER):
        if not (os.path.isfile(path) and os.access(path, os.X_OK)):
            _unavailable(f"{path} not found")
    profile = tempfile.mkdtemp(prefix="newsbridge-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    try:
        driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    except WebDriverException as exc:
        shutil.rmtree(profile, ignore_errors=True)
        _unavailable(f"chromedriver did not start ({exc.msg})")
    driver.set_page_load_timeout(30)
    return driver, profile


def set_viewport(driver, size: tuple[int, int]) -> None:
    width, height = size
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 700},
    )


def screenshot(driver, name: str) -> list[Path]:
    """What a person sees first (the viewport) and the whole page, as PNGs."""
    import base64

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    view = ARTIFACTS / f"{name}.png"
    full = ARTIFACTS / f"{name}-full.png"
    driver.save_screenshot(str(view))
    metrics = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})
    size = metrics.get("cssContentSize") or metrics["contentSize"]
    clip = {"x": 0, "y": 0, "width": size["width"], "height": min(size["height"], MAX_SHOT_HEIGHT), "scale": 1}
    data = driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True, "clip": clip})
    full.write_bytes(base64.b64decode(data["data"]))
    return [view, full]


def console_errors(driver) -> list[str]:
    return [e["message"] for e in driver.get_log("browser") if e["level"] in ("SEVERE", "ERROR")]
