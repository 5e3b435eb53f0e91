"""The status page in a real browser at the till's smallest screen: readable, switchable, nothing overflows."""

from tests.factories import seed_store


def test_status_page_shows_the_store_and_fits_800x480(page, live_server, service):
    seed_store(service.store, 12)
    page.goto(live_server.url)
    assert page.locator("h1").inner_text() == "État de l'appareil"
    assert page.locator("#customers").inner_text() == "12"
    assert page.locator("#pending").inner_text() == "0"
    overflow = page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth")
    assert overflow is False
    page.get_by_role("link", name="EN").click()
    assert page.locator("h1").inner_text() == "Device status"
    for target in page.locator("a.lang").all():
        box = target.bounding_box()
        assert box["height"] >= 48 and box["width"] >= 48
