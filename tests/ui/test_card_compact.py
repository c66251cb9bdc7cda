"""The Experiments tab's workbench pages get the height: away from "Plan and decide" the result
card keeps its verdict line only, and its figures come back with that page."""

from tests.ui.conftest import wait_idle


def test_workbench_pages_get_the_room_the_card_had(qtbot, window):
    window.resize(1280, 800)
    tab = window.tab_for("experiments")
    window.tabs.setCurrentWidget(tab)
    wait_idle(qtbot, window)
    bench = tab.panel.workbench
    assert bench.currentIndex() == 0
    # The first layout has given the card what its texts need before it is measured.
    qtbot.waitUntil(lambda: tab.card.height() >= tab.card.minimumSizeHint().height() > 200)
    full = tab.card.height()
    assert tab.card.details.isVisible()
    page_height = bench.height()

    bench.setCurrentWidget(bench.run_page)
    assert not tab.card.details.isVisible()
    qtbot.waitUntil(lambda: bench.height() > page_height + 150)
    assert tab.card.badge.isVisible() and tab.card.headline.text()
    compact = tab.card.height()
    assert compact < full / 2

    bench.setCurrentIndex(0)
    qtbot.waitUntil(lambda: tab.card.details.isVisible())
    # As tall as its texts need again (what the first layout gave it, give or take its slack).
    qtbot.waitUntil(lambda: tab.card.height() >= tab.card.minimumSizeHint().height() > compact)
    assert tab.card.figure_text("lift")  # the figures are back, filled
