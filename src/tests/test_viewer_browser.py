"""The viewer in a real browser (headless Chromium driven by Playwright for Python): for tests only.

Needs `pip install playwright` and a Chromium at /usr/bin/chromium (the Debian package); `.ci/install-browser`
installs both. Without them the tests are skipped with the reason printed, never passed silently. The product
itself needs neither.
"""
import os
import shutil
import tempfile
import time
import unittest

from simulator.core import AICallSimulator
from test_viewer import Server, append_copy, manifest, wait_for

CHROMIUM = os.environ.get("VIEWER_TEST_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
        "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]

try:
    from playwright.sync_api import sync_playwright
    MISSING = None if os.path.exists(CHROMIUM) else "no Chromium at %s (run .ci/install-browser)" % CHROMIUM
except ImportError:
    sync_playwright = None
    MISSING = "Playwright for Python is not installed (run .ci/install-browser)"


@unittest.skipIf(MISSING, "browser test skipped: %s" % MISSING)
class ViewerInChromium(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="viewer-browser-")
        cls.data = os.path.join(cls.tmp, "calls.csv")
        AICallSimulator(num_customers=15, num_days=5, seed=1).write_csv(cls.data)
        cls.server = Server(cls.data, os.path.join(cls.tmp, "reports"))
        cls.pw = cls.browser = None
        try:
            cls.server.wait_rows()
            cls.pw = sync_playwright().start()
            try:
                cls.browser = cls.pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, timeout=30000)
            except Exception as e:  # a browser that cannot start here (no display libs, sandbox...): say so
                raise unittest.SkipTest("browser test skipped: Chromium did not start: %s" % str(e).splitlines()[0])
        except BaseException:
            cls.tearDownClass()
            raise
        cls.url = "http://127.0.0.1:%d/" % cls.server.port

    @classmethod
    def tearDownClass(cls):
        if cls.browser:
            cls.browser.close()
        if cls.pw:
            cls.pw.stop()
        cls.server.kill()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def open(self, path="", width=1280):
        context = self.browser.new_context(viewport={"width": width, "height": 900}, accept_downloads=True)
        self.addCleanup(context.close)
        page = context.new_page()
        page.set_default_timeout(15000)
        errors = []
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(self.url + path)
        return page, errors

    def wait_loaded(self, page, title, timeout=15.0):
        """Until the pane shows the report titled `title` (navigation changes the hash first and loads the page
        after). Polled from here: a predicate evaluated in the page would need 'unsafe-eval', which the CSP denies."""
        deadline = time.time() + timeout
        seen = None
        while time.time() < deadline:
            try:
                seen = page.frame_locator("#frame").locator("h1").first.inner_text(timeout=2000)
                if seen == title:
                    return
            except Exception:  # the frame is between two pages
                pass
            time.sleep(0.1)
        self.fail("the pane shows %r, not %r" % (seen, title))

    def report_h1(self, page):
        page.wait_for_selector("#frame:not([hidden])")
        frame = page.frame_locator("#frame")
        return frame.locator("h1").first.inner_text(timeout=15000)

    def test_navigate_render_keyboard_and_no_console_errors(self):
        page, errors = self.open()
        titles = {r["id"]: r["title"] for r in manifest(self.server.port)["reports"]}
        self.assertEqual(self.report_h1(page), titles["index"])
        page.click('nav a[data-id="profitability"]')
        page.wait_for_function("location.hash === '#/reports/profitability'")
        self.wait_loaded(page, titles["profitability"])
        self.assertEqual(self.report_h1(page), titles["profitability"])
        self.assertEqual(page.get_attribute('nav a[data-id="profitability"]', "aria-current"), "page")
        page.keyboard.press("j")
        page.wait_for_function("location.hash === '#/reports/pricing'")
        self.wait_loaded(page, titles["pricing"])
        self.assertEqual(self.report_h1(page), titles["pricing"])
        page.keyboard.press("k")
        page.wait_for_function("location.hash === '#/reports/profitability'")
        self.assertIn("rows in the reports", page.inner_text("#figures"))
        self.assertEqual(errors, [])

    def test_bookmark_and_report_features_under_the_csp(self):
        page, errors = self.open("#/reports/understanding")
        frame = page.frame_locator("#frame")
        self.assertTrue(self.report_h1(page))
        sort = frame.locator("button.sort")
        if sort.count():  # the report's own scripts run under the server's Content-Security-Policy
            sort.first.click()
            self.assertTrue(frame.locator("th[aria-sort]").count())
        download = frame.locator("button[data-csv]")
        if download.count():
            with page.expect_download(timeout=10000) as info:
                download.first.click()
            self.assertTrue(info.value.suggested_filename.endswith(".csv"))
        self.assertEqual(errors, [])

    def test_phone_width(self):
        page, errors = self.open("#/reports/features", width=390)
        self.assertTrue(self.report_h1(page))
        self.assertTrue(page.is_visible('nav a[data-id="features"]'))
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        self.assertLessEqual(overflow, 0, "the viewer scrolls sideways on a phone")
        self.assertEqual(errors, [])

    def test_z_new_reports_toast_keeps_scroll_position(self):
        page, errors = self.open("#/reports/understanding")
        self.report_h1(page)
        page.evaluate("document.getElementById('frame').contentWindow.scrollTo(0, 300)")
        y = page.evaluate("document.getElementById('frame').contentWindow.scrollY")
        self.assertGreater(y, 0, "the report is too short to test scrolling")
        before = manifest(self.server.port)["rows"]
        added = append_copy(self.data, 500)
        page.wait_for_selector("#toast:not([hidden])", timeout=30000)
        self.assertIn("New reports", page.inner_text("#toast"))
        self.assertIn(format(before + added, ","), page.inner_text("#toast"))
        page.wait_for_function("document.getElementById('frame').contentWindow.scrollY === %d" % y, timeout=10000)
        self.assertEqual(page.evaluate("location.hash"), "#/reports/understanding")
        time.sleep(0.5)
        self.assertEqual(errors, [])


if __name__ == "__main__":
    unittest.main()
