"""The Atelier docker: buttons for the five operations, their parameters, progress and connection status."""

import time

from krita import DockWidget, Krita
from .qt import (PASSWORD_ECHO, QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QGridLayout, QGroupBox, QHBoxLayout,
                 QImage, QInputDialog, QLabel, QLineEdit, QPixmap, QProgressBar, QPushButton, QSpinBox, QTimer,
                 QToolButton, QVBoxLayout, QWidget, pyqtSignal)

from . import connection, editor, jobs, layout, pixels
from .layout import Bounds, Extend

SETTINGS_GROUP = "atelier"
TITLE = "Atelier"


def _setting(key, default):
    value = Krita.instance().readSetting(SETTINGS_GROUP, key, str(default))
    return value if value != "" or default == "" else str(default)


class Stepping:
    """Work on Krita's UI thread done a strip at a time (see AtelierDocker.run_in_steps); Cancel stops it between strips."""

    def __init__(self):
        self.cancelled = False

    def cancel(self):
        self.cancelled = True


class AtelierDocker(DockWidget):
    """One per Krita window. finished(outcome) fires when a job ends: "done", "failed" or "cancelled"."""

    finished = pyqtSignal(str)
    instances = []

    def __init__(self):
        super().__init__()
        self.setWindowTitle(TITLE)
        self.client, self.load_error = connection.load_client()
        self.job = None
        self.pending = None
        self.capabilities = None
        self.last_message = ""
        self._build()
        AtelierDocker.instances.append(self)
        if self.load_error:
            self._show_error(self.load_error)
            self._set_busy(False)
        else:
            self.refresh_connection()

    # ---- layout -------------------------------------------------------------------------------------------
    def _build(self):
        root = QWidget(self)
        column = QVBoxLayout(root)

        self.status = QLabel("Not connected")
        self.status.setWordWrap(True)
        reconnect = QToolButton()
        reconnect.setText("⟳")
        reconnect.setToolTip("Connect to the Atelier daemon again")
        reconnect.clicked.connect(self.refresh_connection)
        row = QHBoxLayout()
        row.addWidget(self.status, 1)
        row.addWidget(reconnect)
        column.addLayout(row)

        buttons = QGridLayout()
        self.buttons = {}
        self.tips = {}
        self.unavailable = {}
        for index, (operation, label, tip) in enumerate((
                (layout.FILL, "Fill", "Make the selection disappear, filled from its surroundings"),
                (layout.INPAINT, "Inpaint", "Paint the prompt into the selection (needs a model)"),
                (layout.EXPAND, "Expand", "Grow the canvas on the chosen sides and fill the new area"),
                (layout.REMOVE_BACKGROUND, "Remove background", "Remove background (inside the selection, if any): the subject is found inside a rough selection and nothing outside it stays"),
                (layout.COLORIZE, "Colorize", "Flat colours under the line art, from the hint layer's strokes"))):
            button = QPushButton(label)
            button.setToolTip(tip)
            self.tips[operation] = tip
            button.setObjectName("atelier_button_" + operation.replace(" ", "_"))
            button.clicked.connect(lambda _=False, op=operation: self.run(op))
            buttons.addWidget(button, index // 2, index % 2)
            self.buttons[operation] = button
        column.addLayout(buttons)

        form = QFormLayout()
        self.prompt = QLineEdit()
        self.prompt.setPlaceholderText("what should be there")
        self.negative = QLineEdit()
        self.negative.setPlaceholderText("what should not be there")
        self.strength = QDoubleSpinBox()
        self.strength.setRange(0.0, 1.0)
        self.strength.setSingleStep(0.05)
        self.strength.setValue(1.0)
        self.seed = QSpinBox()
        self.seed.setRange(1, 2_147_483_647)
        self.seed.setValue(layout.random_seed())
        dice = QToolButton()
        dice.setText("Random")
        dice.setToolTip("A random seed")
        dice.clicked.connect(lambda: self.seed.setValue(layout.random_seed()))
        self.lock_seed = QCheckBox("Lock")
        self.lock_seed.setToolTip("Keep this seed; unlocked, every press uses a new one so a second press gives a new result")
        seed_row = QHBoxLayout()
        seed_row.addWidget(self.seed, 1)
        seed_row.addWidget(dice)
        seed_row.addWidget(self.lock_seed)
        self.variants = QSpinBox()
        self.variants.setRange(1, 8)
        self.engine = QComboBox()
        self.engine.addItems(["auto", "embedded"])
        self.style = QComboBox()
        self.style.addItem("(none)", None)
        self.style.setToolTip("A Style from the daemon (atelier styles list): its model, LoRAs and prompt template")
        form.addRow("Prompt", self.prompt)
        form.addRow("Negative", self.negative)
        form.addRow("Seed", seed_row)
        form.addRow("Variants", self.variants)
        form.addRow("Engine", self.engine)
        form.addRow("Style", self.style)
        self.form = form
        column.addLayout(form)
        column.addWidget(self._build_advanced())

        expand = QGroupBox("Expand")
        expand_row = QHBoxLayout(expand)
        self.expand_by = QSpinBox()
        self.expand_by.setRange(8, 4096)
        self.expand_by.setValue(256)
        self.expand_by.setSuffix(" px")
        expand_row.addWidget(self.expand_by)
        self.sides = {}
        for side in ("left", "right", "top", "bottom"):
            box = QCheckBox(side)
            box.setChecked(side == "right")  # as GIMP's dialogs have it
            self.sides[side] = box
            expand_row.addWidget(box)
        column.addWidget(expand)

        colorize = QGroupBox("Colorize")
        colorize_row = QHBoxLayout(colorize)
        colorize_row.addWidget(QLabel("Hints from"))
        self.hints = QComboBox()
        self.hints.setToolTip("The layer with colour strokes; the active layer is the line art")
        colorize_row.addWidget(self.hints, 1)
        refresh_hints = QToolButton()
        refresh_hints.setText("⟳")
        refresh_hints.clicked.connect(self.refresh_layers)
        colorize_row.addWidget(refresh_hints)
        column.addWidget(colorize)

        progress_row = QHBoxLayout()
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setFormat("%p%")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel)
        progress_row.addWidget(self.progress, 1)
        progress_row.addWidget(self.cancel_button)
        column.addLayout(progress_row)
        self.preview = QLabel()
        self.preview.setToolTip("The work so far, as the daemon draws it")
        self.preview.setVisible(False)
        column.addWidget(self.preview)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setObjectName("atelier_message")
        column.addWidget(self.message)

        settings = QGroupBox("Daemon")
        settings.setCheckable(True)
        settings.setChecked(False)
        settings_body = QWidget()
        QVBoxLayout(settings).addWidget(settings_body)
        settings_form = QFormLayout(settings_body)
        settings_form.setContentsMargins(0, 0, 0, 0)
        self.host = QLineEdit(_setting("host", "127.0.0.1"))
        self.port = QSpinBox()
        self.port.setRange(1, 65535)
        self.port.setValue(int(_setting("port", 47315)))
        self.token_file = QLineEdit(_setting("token_file", ""))
        self.token_file.setPlaceholderText("default: ~/.config/atelier/token")
        self.autostart = QCheckBox("Start the daemon when it is not running")
        self.autostart.setChecked(_setting("autostart", "false") == "true")
        self.command = QLineEdit(_setting("command", "atelier serve --port {port}"))
        settings_form.addRow("Host", self.host)
        settings_form.addRow("Port", self.port)
        settings_form.addRow("Token file", self.token_file)
        settings_form.addRow(self.autostart)
        settings_form.addRow("Command", self.command)
        self.trust = QPushButton("Trust this daemon…")
        self.trust.setToolTip("For a daemon on another machine (atelier serve --listen ADDRESS --tls): shows its "
                              "certificate's fingerprint and keeps it with the token you paste")
        self.trust.clicked.connect(self.trust_daemon)
        settings_form.addRow(self.trust)
        settings.toggled.connect(settings_body.setVisible)
        settings_body.setVisible(False)
        for signal in (self.host.editingFinished, self.port.editingFinished, self.token_file.editingFinished,
                       self.command.editingFinished):
            signal.connect(self._save_settings)
        self.autostart.toggled.connect(self._save_settings)
        column.addWidget(settings)
        column.addStretch(1)
        self.setWidget(root)
        self._set_busy(False)

    def _build_advanced(self):
        """The Advanced fold, folded at first: what most presses leave to the Style or the daemon.
        A 0 (or "(default)") leaves the field unset in the request."""
        advanced = QGroupBox("Advanced")
        advanced.setCheckable(True)
        advanced.setChecked(False)
        self.advanced_box = advanced
        # The fields live in a body that is hidden when folded, so the fold takes only its title's room.
        self.advanced_body = QWidget()
        QVBoxLayout(advanced).addWidget(self.advanced_body)
        fields = QFormLayout(self.advanced_body)
        fields.setContentsMargins(0, 0, 0, 0)
        self.advanced = fields
        self.steps = QSpinBox()
        self.steps.setRange(0, 150)
        self.steps.setSpecialValueText("(Style or default)")
        self.guidance = QDoubleSpinBox()
        self.guidance.setRange(0.0, 30.0)
        self.guidance.setSingleStep(0.5)
        self.guidance.setSpecialValueText("(Style or default)")
        self.scheduler = QComboBox()
        self.scheduler.addItem("(Style or default)", None)
        for name in layout.SCHEDULERS:
            self.scheduler.addItem(name, name)
        self.mask_grow = QSpinBox()
        self.mask_grow.setRange(-1, 128)
        self.mask_grow.setSpecialValueText("(default: 8)")
        self.mask_grow.setValue(-1)
        self.mask_grow.setSuffix(" px")
        self.mask_grow.setToolTip("Inpaint and model fill: grow the selection before generating (repaints edges it missed)")
        self.mask_feather = QSpinBox()
        self.mask_feather.setRange(-1, 128)
        self.mask_feather.setSpecialValueText("(default: 8)")
        self.mask_feather.setValue(-1)
        self.mask_feather.setSuffix(" px")
        self.mask_feather.setToolTip("Inpaint and model fill: soften the generated area's edge")
        self.gap_closing = QSpinBox()
        self.gap_closing.setRange(0, 32)
        self.gap_closing.setValue(4)
        self.gap_closing.setSuffix(" px")
        self.gap_closing.setToolTip("Colorize: the widest gap in the lines to close, so colour does not leak through it")
        self.lora = QComboBox()
        self.lora.addItem("(none)", None)
        self.lora.setToolTip("A LoRA from the model directory (a Style can hold several)")
        self.lora_weight = QDoubleSpinBox()
        self.lora_weight.setRange(-2.0, 2.0)
        self.lora_weight.setSingleStep(0.1)
        self.lora_weight.setValue(1.0)
        lora_row = QHBoxLayout()
        lora_row.addWidget(self.lora, 1)
        lora_row.addWidget(self.lora_weight)
        self.lora_row = QWidget()
        self.lora_row.setLayout(lora_row)
        lora_row.setContentsMargins(0, 0, 0, 0)
        fields.addRow("Strength", self.strength)
        fields.addRow("Steps", self.steps)
        fields.addRow("Guidance", self.guidance)
        fields.addRow("Scheduler", self.scheduler)
        fields.addRow("LoRA", self.lora_row)
        fields.addRow("Grow", self.mask_grow)
        fields.addRow("Feather", self.mask_feather)
        fields.addRow("Gap closing", self.gap_closing)
        self.model_fields = (self.strength, self.steps, self.guidance, self.scheduler, self.lora_row, self.mask_grow,
                             self.mask_feather)
        self.model_available = False
        advanced.toggled.connect(lambda _on: self._show_advanced())
        self._show_advanced()
        return advanced

    def _show_advanced(self):
        """Folded: nothing shows. Unfolded: gap closing always, the model fields only where a model reads them."""
        unfolded = self.advanced_box.isChecked()
        self.advanced_body.setVisible(unfolded)
        for field in self.model_fields + (self.gap_closing,):
            shown = field is self.gap_closing or self.model_available
            field.setVisible(shown)
            label = self.advanced.labelForField(field)
            if label is not None:
                label.setVisible(shown)

    def advanced_options(self):
        """The Advanced fold's values for make_request (None: unset)."""
        return dict(steps=self.steps.value() or None, guidance=self.guidance.value() or None,
                    scheduler=self.scheduler.currentData(),
                    mask_grow=None if self.mask_grow.value() < 0 else self.mask_grow.value(),
                    mask_feather=None if self.mask_feather.value() < 0 else self.mask_feather.value(),
                    gap_closing=self.gap_closing.value(),
                    loras=[(self.lora.currentData(), self.lora_weight.value())] if self.lora.currentData() else [])

    def canvasChanged(self, canvas):
        self.refresh_layers()

    # ---- settings and connection --------------------------------------------------------------------------
    def _save_settings(self, *_):
        app = Krita.instance()
        app.writeSetting(SETTINGS_GROUP, "host", self.host.text().strip())
        app.writeSetting(SETTINGS_GROUP, "port", str(self.port.value()))
        app.writeSetting(SETTINGS_GROUP, "token_file", self.token_file.text().strip())
        app.writeSetting(SETTINGS_GROUP, "autostart", "true" if self.autostart.isChecked() else "false")
        app.writeSetting(SETTINGS_GROUP, "command", self.command.text().strip())

    def settings(self):
        return jobs.Settings(self.host.text().strip() or "127.0.0.1", self.port.value(), self.token_file.text().strip(),
                             self.autostart.isChecked(), self.command.text().strip())

    def trust_daemon(self):
        """Trust on first use: show the certificate's fingerprint, take the pasted token, check both, keep them."""
        if self.client is None:
            self.message.setText(self.load_error)
            return
        host, port = self.host.text().strip() or "127.0.0.1", self.port.value()
        try:
            fingerprint = self.client.probe_fingerprint(host, port, timeout_seconds=5)
        except self.client.DaemonError as error:
            self.message.setText(str(error))
            return
        token, ok = QInputDialog.getText(
            self, "Trust the Atelier daemon at %s:%d" % (host, port),
            "It presents the certificate\n%s\n\nIf that is what `atelier serve --tls` printed on that machine, paste "
            "its token (the file ~/.config/atelier/token there):" % fingerprint, PASSWORD_ECHO)
        if not ok or not token.strip():
            self.message.setText("Not trusted.")
            return
        try:
            self.client.trust_server(host, port, fingerprint, token.strip())
        except self.client.DaemonError as error:
            self.message.setText("Not trusted: %s" % error)
            return
        self.message.setText("Trusted %s:%d (certificate %s…); pictures travel by TLS and only the part an "
                             "operation needs is sent." % (host, port, fingerprint[:23]))
        self._save_settings()
        self.refresh_connection()

    def refresh_connection(self):
        if self.client is None:
            return
        self.status.setText("Connecting to %s:%d…" % (self.host.text(), self.port.value()))
        probe = jobs.CapabilitiesProbe(self.client, self.settings(), self)
        probe.answered.connect(self._connected)
        probe.failed.connect(self._disconnected)
        probe.finished.connect(probe.deleteLater)
        self._probe = probe
        probe.start()

    def _connected(self, capabilities):
        self.capabilities = capabilities
        settings = self.settings()
        remote = self.client.find_trusted(settings.host, settings.port) is not None
        self.status.setText("● Connected: Atelier %s on %s%s" % (capabilities.version, capabilities.computeDevice,
                                                                 " at %s:%d (TLS)" % (settings.host, settings.port)
                                                                 if remote else ""))
        current = self.engine.currentText()
        names = []
        for support in capabilities.operations:
            names += [e.name for e in support.engines if e.name not in names]
        self.engine.clear()
        self.engine.addItems(["auto", "embedded"] + names)
        if current in ["auto", "embedded"] + names:
            self.engine.setCurrentText(current)
        self._show_what_can_act(capabilities)
        chosen_lora = self.lora.currentData()
        self.lora.clear()
        self.lora.addItem("(none)", None)
        for model in capabilities.models or []:
            if model.kind == "lora":
                self.lora.addItem(model.name, model.name)
        if chosen_lora is not None and self.lora.findData(chosen_lora) >= 0:
            self.lora.setCurrentIndex(self.lora.findData(chosen_lora))
        chosen = self.style.currentData()
        self.style.clear()
        self.style.addItem("(none)", None)
        for style in capabilities.styles or []:
            if style.usable:
                self.style.addItem(style.name, style.name)
        if chosen is not None and self.style.findData(chosen) >= 0:
            self.style.setCurrentIndex(self.style.findData(chosen))

    def _show_what_can_act(self, capabilities):
        """An operation with no engine is greyed with what to install; prompt, negative and strength show only
        where a model reads them (some operation has a model engine)."""
        codes = {getattr(self.client.ttypes.Operation, code): op for op, code in layout.OPERATION_CODES.items()}
        self.unavailable = {}
        model = False
        for support in capabilities.operations:
            operation = codes.get(support.operation)
            if operation is None:
                continue
            if not support.engines:
                self.unavailable[operation] = support.howToEnable or "no engine is installed for it"
            model = model or any(e.kind != "embedded" for e in support.engines
                                 if operation in (layout.INPAINT, layout.FILL, layout.EXPAND, layout.COLORIZE))
        for operation, button in self.buttons.items():
            reason = self.unavailable.get(operation)
            button.setToolTip(self.tips[operation] + ("" if reason is None else "\n\nUnavailable: " + reason))
        for field in (self.prompt, self.negative):
            field.setVisible(model)
            label = self.form.labelForField(field)
            if label is not None:
                label.setVisible(model)
        self.model_available = model
        self._show_advanced()
        self._set_busy(self.job is not None)

    def _disconnected(self, message):
        self.capabilities = None
        self.status.setText("○ Not connected: " + message)

    def refresh_layers(self):
        current = self.hints.currentText()
        self.hints.clear()
        self.hints.addItem("(no hints: automatic palette)", None)
        doc = Krita.instance().activeDocument()
        if doc is not None:
            for name, node in editor.paint_layers(doc):
                self.hints.addItem(name, node.uniqueId())
        index = self.hints.findText(current)
        if index >= 0:
            self.hints.setCurrentIndex(index)

    # ---- running an operation -----------------------------------------------------------------------------
    def _show_error(self, text):
        self.last_message = text
        self.message.setText("<span style='color:#c0392b'>%s</span>" % text.replace("<", "&lt;"))

    def _show_info(self, text):
        self.last_message = text
        self.message.setText(text)

    def _set_busy(self, busy):
        for operation, button in self.buttons.items():
            button.setEnabled(not busy and self.client is not None and operation not in self.unavailable)
        self.cancel_button.setEnabled(busy)
        if not busy:
            self.progress.setValue(0)

    def run(self, operation):
        """What a docker button (or its action in Tools > Scripts) does."""
        if self.job is not None:
            self._show_error("A job is already running; wait for it or cancel it.")
            return
        if self.client is None:
            self._show_error(self.load_error)
            self.finished.emit("failed")
            return
        if operation in self.unavailable:
            self._show_error("%s is not available: %s" % (operation.capitalize(), self.unavailable[operation]))
            self.finished.emit("failed")
            return
        try:
            self._start(operation)
        except (editor.EditorError, ValueError) as error:
            self._show_error(str(error))
            self.finished.emit("failed")

    def _start(self, operation):
        app = Krita.instance()
        doc = app.activeDocument()
        if doc is None:
            raise editor.EditorError("Open a document first.")
        node = doc.activeNode()
        if node is None or node.type() not in ("paintlayer", "grouplayer", "filelayer", "vectorlayer", "clonelayer"):
            raise editor.EditorError("Select a layer (not a mask) first.")
        canvas = editor.document_bounds(doc)
        selected = editor.selection_bounds(doc)
        if operation in layout.NEEDS_SELECTION and selected is None:
            raise editor.EditorError("%s needs a selection: select what to %s, then press %s again." % (
                operation.capitalize(), "remove" if operation == layout.FILL else "repaint", operation.capitalize()))
        extend = None
        if operation == layout.EXPAND:
            extend = Extend.on_sides(self.expand_by.value(), {s for s, box in self.sides.items() if box.isChecked()})
            if extend.is_empty():
                raise editor.EditorError("Expand: tick at least one side to grow.")
        focus = selected if operation in layout.NEEDS_SELECTION else None
        region = layout.region_to_send(canvas, focus)
        mask = None
        if operation in layout.NEEDS_SELECTION or operation == layout.REMOVE_BACKGROUND:
            mask = editor.read_selection(doc, region)
            if operation in layout.NEEDS_SELECTION and mask is None:
                raise editor.EditorError("The selection is empty here: select what to change.")
        hint_node = None
        if operation == layout.COLORIZE and self.hints.currentData() is not None:
            hint_node = doc.nodeByUniqueID(self.hints.currentData())
            if hint_node is None:
                raise editor.EditorError("The hints layer is gone: choose it again.")
        options = dict(prompt=self.prompt.text(), negative=self.negative.text(), strength=self.strength.value(),
                       seed=self.seed.value(), variants=self.variants.value(), engine=self.engine.currentText(),
                       extend=tuple(extend) if extend else None, style=self.style.currentData(),
                       **self.advanced_options())

        def read():
            image = yield from editor.read_layer_in_steps(node, region)
            if operation != layout.COLORIZE and not image[3::4].lstrip(b"\x00"):  # every pixel transparent
                raise editor.EditorError("“%s” is empty%s: select the layer with the picture." % (
                    node.name(), " under the selection" if focus is not None else ""))
            hints = (yield from editor.read_layer_in_steps(hint_node, region)) if hint_node is not None else None
            yield
            return jobs.make_request(self.client.ttypes, operation, image, (region.width, region.height), mask=mask,
                                     hints=hints, **options)

        def submit(request):
            if not self.lock_seed.isChecked():
                self.seed.setValue(layout.random_seed())  # the next press re-rolls; this result's seed is in its name
            self.pending = dict(operation=operation, doc=doc, node=node, region=region, mask=mask, extend=extend)
            job = jobs.EditJob(self.client, self.settings(), request, self)
            job.progressed.connect(self._progressed)
            job.previewed.connect(self._previewed)
            job.succeeded.connect(self._succeeded)
            job.failed.connect(self._failed)
            self.job = job
            self._set_busy(True)
            self._show_info("%s: sending %d×%d pixels…" % (operation.capitalize(), region.width, region.height))
            job.start()

        self._show_info("%s: reading %d×%d pixels…" % (operation.capitalize(), region.width, region.height))
        self.run_in_steps(read(), submit)

    def run_in_steps(self, steps, done, failing="Atelier could not finish"):
        """Runs the generator `steps` one step per turn of Krita's event loop (the UI stays live while
        a large layer is read or written strip by strip), then done(its value). While it runs the
        docker is busy and Cancel stops it; an EditorError ends it with its sentence."""
        stepping = Stepping()
        self.job = stepping
        self._set_busy(True)

        def stopped(sentence, outcome):
            if self.job is stepping:
                self.job = None
            self._set_busy(self.job is not None)
            (self._show_info if outcome == "cancelled" else self._show_error)(sentence)
            self.finished.emit(outcome)

        def step():
            if stepping.cancelled:
                stopped("Cancelled.", "cancelled")
                return
            try:
                next(steps)
            except StopIteration as end:
                if self.job is stepping:
                    self.job = None
                self._set_busy(self.job is not None)
                value = end.value  # (`end` itself is gone once this except block ends)
                QTimer.singleShot(0, lambda: done(value))  # a turn of the event loop before what comes next
                return
            except (editor.EditorError, ValueError) as error:
                stopped(str(error), "failed")
                return
            except Exception as error:  # the document changed under us, or Krita refused: say so, no traceback
                stopped("%s: %s" % (failing, error), "failed")
                return
            QTimer.singleShot(0, step)

        QTimer.singleShot(0, step)

    def cancel(self):
        if self.job is not None:
            self.job.cancel()
            self._show_info("Cancelling…")

    def _progressed(self, fraction, stage):
        self.progress.setValue(int(max(0.0, min(1.0, fraction)) * 1000))
        self.progress.setFormat("%s %%p%%" % stage)

    PREVIEW_WIDTH = 256

    def _previewed(self, png):
        """A live preview while a diffusion job runs: the daemon's PNG, scaled to the docker's width at most."""
        image = QImage.fromData(png)
        if image.isNull():
            return
        pixmap = QPixmap.fromImage(image)
        width = min(self.PREVIEW_WIDTH, max(64, self.width() - 24))
        if pixmap.width() != width:
            pixmap = pixmap.scaledToWidth(width)
        self.preview.setPixmap(pixmap)
        self.preview.setVisible(True)

    def _end_job(self):
        self.preview.setVisible(False)
        self.preview.clear()
        if self.job is not None and not isinstance(self.job, Stepping):
            self.job.wait(5000)
            self.job.deleteLater()
        self.job = None
        self._set_busy(False)
        self.progress.setFormat("%p%")

    def _failed(self, message):
        self._end_job()
        cancelled = message.strip() == "Cancelled."
        (self._show_info if cancelled else self._show_error)(message)
        self.finished.emit("cancelled" if cancelled else "failed")

    def _succeeded(self, result):
        pending, self.pending = self.pending, None
        self._end_job()
        try:
            steps = self._insert(result, **pending)
        except Exception as error:  # the document changed under us, or Krita refused: say so, no traceback
            self._show_error("The result could not be added: %s" % error)
            self.finished.emit("failed")
            return
        self._show_info("Adding the result…")
        self.run_in_steps(steps, lambda inserted: self._inserted(inserted, result, pending), "The result could not be added")

    def _inserted(self, inserted, result, pending):
        node, needs_mask = inserted
        added = "Added “%s” (engine %s)." % (node.name(), result.engine)
        artist = pending["node"]
        if pending["operation"] == layout.REMOVE_BACKGROUND and artist.visible():
            # The cut-out lies above the original, which would hide every removed pixel.
            artist.setVisible(False)
            added += " “%s” is hidden so the cut-out shows; show it again in the Layers docker." % artist.name()
            pending["doc"].refreshProjection()
        if pending["operation"] == layout.COLORIZE and node.uniqueId() != pending["node"].uniqueId():
            lines = pending["node"]
            if self.converted:
                added += " The grey document is now RGB so the flats show in colour."
            if editor.show_flats_through(lines) is not None:
                added += (" “%s” is now on Multiply so its paper shows the flats; set it back to Normal in the"
                          " Layers docker to undo that." % lines.name())  # the new mode composites itself

        def keep_artist_active(then):
            # The next press acts on the artist's layer again, not on the result or its blend mask.
            # Krita 5.2 makes a new layer active a moment after it goes in, over an earlier setActiveNode,
            # so the artist's layer is chosen again until Krita shows it active (two seconds at most).
            doc = pending["doc"]
            deadline = time.monotonic() + 2

            def settle():
                if doc.nodeByUniqueID(artist.uniqueId()) is None:
                    then()
                    return
                active = doc.activeNode()
                if active is not None and active.uniqueId() == artist.uniqueId() and time.monotonic() > settle.quiet:
                    then()
                elif time.monotonic() > deadline:
                    then()
                else:
                    if active is None or active.uniqueId() != artist.uniqueId():
                        doc.setActiveNode(artist)
                        settle.quiet = time.monotonic() + 0.2
                    QTimer.singleShot(50, settle)

            settle.quiet = 0
            doc.setActiveNode(artist)
            settle.quiet = time.monotonic() + 0.2
            QTimer.singleShot(0, settle)

        if not needs_mask:
            def report():
                self._show_info(added)
                self.finished.emit("done")
            keep_artist_active(report)
            return

        def masked(problem):
            def report():
                (self._show_info(added) if problem is None else self._show_error(added + " " + problem))
                self.finished.emit("done")
            keep_artist_active(report)

        editor.add_blend_mask(pending["doc"], node, pending["mask"], pending["region"], masked)

    def _insert(self, result, operation, doc, node, region, mask, extend):
        ttypes = self.client.ttypes
        if doc.nodeByUniqueID(node.uniqueId()) is None:
            raise editor.EditorError("the layer it was made from is gone")
        layers = list(result.layers)
        raw = ttypes.PixelFormat.RGBA8
        if any(layer.pixels.format != raw for layer in layers):
            raise editor.EditorError("the daemon sent a format this plugin does not read")
        origin = (region.x, region.y)
        if operation == layout.EXPAND:
            origin = (0, 0)  # the layers cover the grown canvas
            grown = extend.grown(doc.width(), doc.height())
            if (grown.width, grown.height) != (result.canvasWidth, result.canvasHeight):
                raise editor.EditorError("the grown canvas is %dx%d but the result is %dx%d" % (
                    grown.width, grown.height, result.canvasWidth, result.canvasHeight))
        plans = layout.plan_layers(operation, layers, origin)
        below = all(layer.role == ttypes.LayerRole.UNDERLAY for layer in layers)
        self.converted = False

        def before_insert():
            # The document changes only once the result's layers are filled, so a cancel before leaves it as it was.
            if operation == layout.EXPAND:
                editor.grow_canvas(doc, extend)
            if below and doc.colorModel() != pixels.RGBA:
                # A grey document composites in grey: flats would never show their colours. Grey values stay as
                # they are in RGB (R = G = B), and Krita's undo takes the conversion back.
                doc.setColorSpace(pixels.RGBA, doc.colorDepth(), "sRGB-elle-V2-srgbtrc.icc")
                doc.waitForDone()
                self.converted = True

        blend = mask if operation in layout.NEEDS_SELECTION else None
        return editor.insert_results(doc, node, operation, plans, below=below, blend_mask=blend, mask_region=region,
                                     before_insert=before_insert)
