"""The "Ce poste" dialog: opened from the operator menu, it shows every self-check line with
its state and what to do, says whether something blocks work, and checks again on demand."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from pytestqt.qtbot import QtBot

from bench_app.selfcheck import ALL_GOOD, BLOCKED, GiB, GroupInfo, Probes, State, blocks
from tests.ui.conftest import Bench
from ui.this_station_dialog import ThisStationDialog


def test_the_menu_opens_this_station_with_every_line(
    qtbot: QtBot, make_bench: Callable[..., Bench]
) -> None:
    bench = make_bench(lang="fr")
    window = bench.window
    assert window.this_station_action.text() == "Ce poste…"
    window.this_station_action.trigger()
    [dialog] = window.findChildren(ThisStationDialog)
    qtbot.waitUntil(lambda: len(dialog.lines) == 8, timeout=30_000)
    assert dialog.windowTitle() == "Ce poste"
    for line in dialog.lines:
        body = dialog.findChild(type(dialog.summary), f"SelfCheckLine_{line.id}")
        assert body is not None and line.title.fr in body.text()
        assert line.found.fr.split(" :")[0] in body.text()
    expected = BLOCKED if blocks(dialog.lines) else ALL_GOOD
    assert dialog.summary.text() == expected.fr
    dialog.close_button.click()
    assert not dialog.isVisible()


def test_a_blocking_line_is_shown_with_what_to_do_and_check_again_sees_the_fix(
    qtbot: QtBot, tmp_path: Path
) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "60-etabli.rules").write_text("")
    member: set[int] = {1000}
    probes = Probes(
        find_library=lambda name: "libusb-1.0.so.0",
        rules_dirs=(rules,),
        euid=lambda: 1000,
        group=lambda name: GroupInfo(990, ()),
        process_groups=lambda: member,
        user_name=lambda: "camille",
        primary_gid_of=lambda user: 1000,
        ping_helper=lambda: None,
        usb_vendors=lambda: [],
        free_bytes=lambda folder: 100 * GiB,
        hub_health=lambda url: None,
    )
    dialog = ThisStationDialog(tmp_path, "en", probes=replace(probes))
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: len(dialog.lines) == 8, timeout=30_000)
    group = dialog.findChild(type(dialog.summary), "SelfCheckLine_group")
    state = dialog.findChild(type(dialog.summary), "SelfCheckState_group")
    assert group is not None and state is not None
    assert state.text() == "Blocking"
    assert "usermod -aG etabli camille" in group.text()
    assert dialog.summary.text() == BLOCKED.en
    # The supervisor adds the account to the group; "Check again" sees it.
    member.add(990)
    dialog.recheck_button.click()
    qtbot.waitUntil(
        lambda: (
            bool(dialog.lines)
            and next(line for line in dialog.lines if line.id == "group").state is State.OK
        ),
        timeout=30_000,
    )
    qtbot.waitUntil(lambda: dialog.summary.text() == ALL_GOOD.en, timeout=30_000)
    [state] = [
        label
        for label in dialog.findChildren(type(dialog.summary))
        if label.objectName() == "SelfCheckState_group"
    ]
    assert state.text() == "OK"
