"""The cards of a laptop started from the Établi stick: pending (seen on the network, its
code to type) and paired (the laptop's device card, with a bar per disk while its agent
erases, and its actions through the agent)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from bench_app.devices.laptop.discovery import SeenAgent
from bench_app.domain.model import DeviceKind, JobState
from bench_app.journey import Stage
from bench_app.text import Text
from ui.device_card import DeviceCard
from ui.device_view import Action, DeviceView
from ui.icons import device_icon
from ui.laptop_agent_dialogs import (
    ERASE_DISKS,
    ERASED,
    ERASING,
    INSTALL_SYSTEM,
    INTERRUPTED,
    LINK_LOST,
    LINKED,
    NOT_ERASED,
    PAIR_AGAIN,
    PENDING_STATE,
    PENDING_TITLE,
    SCREEN_CODE,
    TEST_LAPTOP,
    TYPE_CODE,
)
from ui.laptop_agent_steps import (
    INSTALL_INTERRUPTED,
    INSTALLED,
    NOT_INSTALLED,
    READING_BACK,
    TESTED,
    TESTS_INTERRUPTED,
    WRITING,
)
from ui.progress_bar import set_bar
from ui.style import STATE_COLOURS, scaled

if TYPE_CHECKING:
    from ui.laptop_agents import AgentLink, LaptopAgents


class AgentPendingCard(QFrame):
    """An agent seen on the network, not paired yet: its button opens the code dialog."""

    chosen = Signal(str)  # agent id

    def __init__(
        self, agent: SeenAgent, lang: str, screen_code: str = "", parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("DeviceCard")
        self.screen_code = screen_code  # training: the code the laptop's screen would show
        self.setFixedSize(scaled(QSize(300, 200)))
        self.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.agent = agent
        icon = QLabel()
        icon.setPixmap(device_icon(DeviceKind.LAPTOP).pixmap(48, 48))
        self.title = QLabel()
        self.title.setObjectName("CardTitle")
        self.title.setWordWrap(True)
        self.model = QLabel()
        self.model.setObjectName("CardCode")
        self.state = QLabel()
        self.state.setObjectName("CardState")
        self.state.setWordWrap(True)
        self.state.setStyleSheet(f"color: {STATE_COLOURS[JobState.WAITING_OPERATOR]};")
        self.screen_line = QLabel()
        self.screen_line.setObjectName("CardCase")
        self.screen_line.setVisible(bool(screen_code))
        self.button = QPushButton()
        self.button.setObjectName("BigAction")
        self.button.clicked.connect(lambda: self.chosen.emit(self.agent.agent_id))
        head = QHBoxLayout()
        head.addWidget(icon)
        names = QVBoxLayout()
        names.addWidget(self.title)
        names.addWidget(self.model)
        head.addLayout(names, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.addLayout(head)
        layout.addWidget(self.state)
        layout.addWidget(self.screen_line)
        layout.addStretch(1)
        layout.addWidget(self.button)
        self.retranslate(lang)

    def retranslate(self, lang: str) -> None:
        self.title.setText(PENDING_TITLE.get(lang))
        self.model.setText(f"{self.agent.brand} {self.agent.model}".strip() or self.agent.address)
        self.state.setText(PENDING_STATE.get(lang))
        code = f"{self.screen_code[:3]} {self.screen_code[3:]}"
        self.screen_line.setText(SCREEN_CODE.get(lang) + f" {code}" if self.screen_code else "")
        self.button.setText(TYPE_CODE.get(lang))
        self.setAccessibleName(f"{self.title.text()} {self.model.text()}")
        self.setAccessibleDescription(self.state.text())
        self.button.setAccessibleDescription(f"{self.title.text()} {self.model.text()}")

    def activate(self) -> None:
        """The keyboard's click (Enter or Space on the focused card)."""
        self.chosen.emit(self.agent.agent_id)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.chosen.emit(self.agent.agent_id)
        super().mousePressEvent(event)


# How the last thing done through the agent ended, as the card's line says it.
OUTCOME_LINES: dict[str, tuple[Text, JobState]] = {
    "interrupted": (INTERRUPTED, JobState.FAILED),
    "not_erased": (NOT_ERASED, JobState.FAILED),
    "test_interrupted": (TESTS_INTERRUPTED, JobState.FAILED),
    "install_interrupted": (INSTALL_INTERRUPTED, JobState.FAILED),
    "not_installed": (NOT_INSTALLED, JobState.FAILED),
    "installed": (INSTALLED, JobState.SUCCEEDED),
    "tested": (TESTED, JobState.SUCCEEDED),
}


def outcome_failed(link: AgentLink | None) -> bool:
    """The last erasure through the agent did not end verified."""
    return link is not None and link.outcome in ("interrupted", "not_erased")


# -- the paired laptop's card ------------------------------------------------------------


class LaptopAgentCard(DeviceCard):
    """A paired laptop's device card, with a bar per disk while its agent erases, and its
    actions through the agent."""

    CARD_SIZE = QSize(300, 340)
    erase_requested = Signal(str)  # device id
    test_requested = Signal(str)
    install_requested = Signal(str)

    def __init__(self, view: DeviceView, lang: str, agents: LaptopAgents) -> None:
        super().__init__(view, lang)  # draws the usual parts; this card's come next
        self._agents = agents
        self.agent_line = QLabel()
        self.agent_line.setObjectName("CardStep")
        self.agent_line.setWordWrap(True)
        self.disk_bars: dict[str, QProgressBar] = {}
        self.disk_box = QVBoxLayout()
        self.disk_box.setSpacing(2)
        self.image_bar = QProgressBar()  # the system written, then read back
        self.image_bar.setRange(0, 1000)
        self.image_bar.setVisible(False)
        self.erase_button = QPushButton()
        self.erase_button.setObjectName("BigAction")
        self.test_button = QPushButton()
        self.install_button = QPushButton()
        layout = self.layout()
        assert isinstance(layout, QVBoxLayout)
        at = layout.indexOf(self.progress)
        layout.insertWidget(at, self.agent_line)
        layout.insertLayout(at + 1, self.disk_box)
        layout.insertWidget(at + 2, self.image_bar)
        layout.addWidget(self.erase_button)
        layout.addWidget(self.test_button)
        layout.addWidget(self.install_button)
        self.erase_button.clicked.connect(lambda: self.erase_requested.emit(self.device_id))
        self.test_button.clicked.connect(lambda: self.test_requested.emit(self.device_id))
        self.install_button.clicked.connect(lambda: self.install_requested.emit(self.device_id))
        self.show_view(view, lang)

    def show_view(self, view: DeviceView, lang: str) -> None:
        super().show_view(view, lang)
        if not hasattr(self, "install_button"):
            return  # DeviceCard's own first drawing, before this card's parts exist
        link = self._agents.links.get(view.device.id)
        live = link is not None and link.session is not None
        self._erased = view.journey is not None and view.journey.erasure_verified
        busy = link is not None and link.busy
        self.progress.setVisible(False)  # a bar per disk instead
        self.step.setVisible(bool(self.step.text()) and not busy)
        self.show_live(lang)
        stage = view.journey.next.stage if view.journey and view.journey.next else None
        # The journey's button only for what the agent's buttons do not cover (grade, label,
        # outcome): its erasure is « Effacer les disques »; a lost link is paired again.
        through_agent = stage in (Stage.CHECK, Stage.ERASE, Stage.SYSTEM_IMAGE)
        stale = self._action in (Action.REPLUG, Action.RESUME, Action.PLUG_HELP)
        self.button.setVisible(not (through_agent or stale) and not busy)
        first = not live or stage in (Stage.CHECK, Stage.ERASE) or outcome_failed(link)
        self.erase_button.setObjectName("BigAction" if first else "")
        self.erase_button.style().unpolish(self.erase_button)
        self.erase_button.style().polish(self.erase_button)
        self.erase_button.setText((ERASE_DISKS if live else PAIR_AGAIN).get(lang))
        self.erase_button.setEnabled(not busy)
        for button, words in (
            (self.test_button, TEST_LAPTOP),
            (self.install_button, INSTALL_SYSTEM),
        ):
            button.setText(words.get(lang))
            button.setEnabled(live and not busy)

    def show_live(self, lang: str) -> None:
        """The agent's line and bars from what its worker last reported (no records read):
        erasing, the test running, the system written or read back, how it ended."""
        link = self._agents.links.get(self.device_id)
        live = link is not None and link.session is not None
        step, (phase, fraction) = self._agents.live(self.device_id)
        line, colour = LINKED.get(lang), "#44515e"
        if link is not None and link.erasing:
            line, colour = ERASING.get(lang), STATE_COLOURS[JobState.RUNNING]
        elif link is not None and link.testing:
            line = (step or TEST_LAPTOP).get(lang)
            colour = STATE_COLOURS[JobState.RUNNING]
        elif link is not None and link.installing:
            line = (WRITING if phase == "write" else READING_BACK).get(lang)
            colour = STATE_COLOURS[JobState.RUNNING]
        elif link is not None and link.outcome in OUTCOME_LINES:
            words, state = OUTCOME_LINES[link.outcome]
            line, colour = words.get(lang), STATE_COLOURS[state]
        elif getattr(self, "_erased", False):
            line, colour = ERASED.get(lang), STATE_COLOURS[JobState.SUCCEEDED]
        elif not live:
            line, colour = LINK_LOST.get(lang), STATE_COLOURS[JobState.FAILED]
        self.agent_line.setText(line)
        self.agent_line.setStyleSheet(f"color: {colour};")
        self.agent_line.setVisible(self.agent_line.text() != self.state.text())
        self._show_bars(self._agents.fractions(self.device_id), link is not None and link.erasing)
        installing = link is not None and link.installing
        self.image_bar.setVisible(installing)
        if installing:
            self.image_bar.setFormat(f"{line} %p %")
            self.image_bar.setAccessibleName(line)
            set_bar(self.image_bar, int(fraction * 1000))

    def _show_bars(self, fractions: dict[str, float], erasing: bool) -> None:
        for serial, fraction in fractions.items():
            bar = self.disk_bars.get(serial)
            if bar is None:
                bar = QProgressBar()
                bar.setRange(0, 1000)
                bar.setFormat(f"{serial} %p %")
                bar.setAccessibleName(serial)
                self.disk_bars[serial] = bar
                self.disk_box.addWidget(bar)
            set_bar(bar, int(fraction * 1000))
        for serial, bar in self.disk_bars.items():
            bar.setVisible(erasing and serial in fractions)
