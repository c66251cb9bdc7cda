"""What a plot holds while nobody uses it: no right-click menu until asked for, no cached
background, and no axis drawings while it is hidden."""

from __future__ import annotations

from PySide6.QtWidgets import QGraphicsItem, QGraphicsView, QMenu

from ui.plots.common import make_plot


def test_the_view_menu_is_built_on_first_use(qtbot):
    plot = make_plot("Title", "x", "y")
    qtbot.addWidget(plot)
    view = plot.getPlotItem().getViewBox()
    assert view.menuEnabled()
    assert view.menu is None
    menu = view.getMenu(None)
    assert isinstance(menu, QMenu) and view.menu is menu
    assert "View All" in [a.text() for a in menu.actions()]
    assert view.getContextMenus(None) == menu.actions()
    view.setMenuEnabled(False)
    assert view.menu is None and view.getContextMenus(None) == []
    assert view.getMenu(None) is None


def test_no_background_cache_and_axis_caches_only_while_shown(qtbot):
    plot = make_plot("Title", "x", "y")
    qtbot.addWidget(plot)
    assert plot.cacheMode() == QGraphicsView.CacheModeFlag.CacheNone
    axis = plot.getPlotItem().getAxis("left")
    plot.show()
    qtbot.waitExposed(plot)
    assert axis.cacheMode() == QGraphicsItem.CacheMode.DeviceCoordinateCache
    plot.hide()
    assert axis.cacheMode() == QGraphicsItem.CacheMode.NoCache
    plot.show()
    assert axis.cacheMode() == QGraphicsItem.CacheMode.DeviceCoordinateCache


def test_freed_memory_goes_back_to_the_system_on_glibc():
    """Linux with glibc (this machine): malloc_trim is there and is called."""
    import platform

    from ui.memory import release_freed_memory

    glibc = platform.libc_ver()[0] == "glibc"
    assert release_freed_memory() is glibc
