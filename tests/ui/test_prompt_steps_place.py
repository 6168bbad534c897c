"""A question whose steps are written out and that has no picture (the phone wipe's
"choose Wipe data on the phone") keeps its answers where a question with a picture has
them: in sight at the workshop laptop's 1366×768, not pushed under the panel's edge."""

from __future__ import annotations

from collections.abc import Callable

from pytestqt.qtbot import QtBot

from bench_app.erasure.phone_wipe import NO_MENU
from bench_app.jobs.prompt import DONE, Prompt
from bench_app.text import Text
from tests.ui.conftest import Bench
from tests.ui.test_answer_grid import assert_in_sight, by_key, global_rect, open_bench, show_prompt

STEPS = Text(
    "Le téléphone redémarre sur son menu de récupération (recovery). Avec les touches de "
    "volume, choisissez « Wipe data/factory reset » (Effacer les données), validez avec la "
    "touche Marche et confirmez. Puis choisissez « Reboot system now » (Redémarrer).",
    "The phone restarts on its recovery menu. With the volume keys choose “Wipe data/factory "
    "reset”, press Power and confirm. Then choose “Reboot system now”.",
)


def test_written_steps_take_the_picture_s_place(
    make_bench: Callable[..., Bench], qtbot: QtBot
) -> None:
    bench, device_id = open_bench(make_bench, qtbot, (1366, 768))
    question = Text("Choisissez « Effacer les données » sur le téléphone", "Choose “Wipe data”")
    show_prompt(bench, device_id, Prompt(question, (DONE, NO_MENU), picture="unlock-confirm.svg"))
    with_picture = {key: global_rect(b) for key, b in by_key(bench).items()}

    show_prompt(bench, device_id, Prompt(question, (DONE, NO_MENU), detail=STEPS))
    panel = bench.window.panel
    assert panel.prompt_detail.isVisible() and panel.prompt_detail.text() == STEPS.fr
    buttons = by_key(bench)
    assert {key: global_rect(b) for key, b in buttons.items()} == with_picture
    for button in buttons.values():
        assert_in_sight(bench, button)
    assert not panel.picture.isVisible()
