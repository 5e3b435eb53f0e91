"""The status page in a real browser at the till's smallest screen: readable, switchable, nothing overflows."""

from playwright.sync_api import expect

from tests.factories import seed_store


def test_status_page_shows_the_store_and_fits_800x480(page, live_server, service):
    seed_store(service.store, 12)
    page.goto(live_server.url)
    expect(page.locator("h1")).to_have_text("État de l'appareil")  # waits: the page fills itself in
    expect(page.locator("#customers")).to_have_text("12")
    expect(page.locator("#pending")).to_have_text("0")
    overflow = page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth")
    assert overflow is False
    page.get_by_role("link", name="EN").click()
    expect(page.locator("h1")).to_have_text("Device status")
    for target in page.locator("a.lang").all():
        box = target.bounding_box()
        assert box["height"] >= 48 and box["width"] >= 48
