"""What the Krita end-to-end scenarios share: the report they write, waiting on Krita, and quitting.

Imported by e2e_fill.py and e2e_colorize.py inside a real Krita (the plugin's ATELIER_E2E_SCRIPT
hook runs them); the Java tests read report.json and the screenshots from ATELIER_E2E_OUT.
"""

import json
import os
import time

from PyQt5.QtCore import QTimer


class Scenario:
    def __init__(self, active_docker):
        self.out = os.environ["ATELIER_E2E_OUT"]
        self.report = {"steps": []}
        self.started = time.monotonic()
        self.active_docker = active_docker
        self.window = None  # set once Krita's window is there, for the closing screenshot

    def note(self, step, **details):
        self.report["steps"].append(dict(step=step, at=round(time.monotonic() - self.started, 1), **details))
        self.write_report()

    def write_report(self):
        with open(os.path.join(self.out, "report.json"), "w", encoding="utf-8") as out:
            json.dump(self.report, out, indent=1, ensure_ascii=False)

    def finish(self, outcome, **details):
        """Records the outcome, saves the docker and the window, and quits Krita."""
        self.report.update(outcome=outcome, **details)
        self.write_report()
        try:
            docker = self.active_docker()
            if docker is not None:
                docker.grab().save(os.path.join(self.out, "atelier-docker.png"))
            if self.window is not None:
                self.window.qwindow().grab().save(os.path.join(self.out, "krita-window.png"))
        finally:
            os._exit(0)

    def wait_until(self, condition, then, timeout, what):
        """Polls `condition` every 0.2 s, then runs `then`; past `timeout` seconds, or on an error, finishes."""
        deadline = time.monotonic() + timeout

        def poll():
            try:
                if condition():
                    then()
                elif time.monotonic() > deadline:
                    self.finish("timeout", waiting_for=what)
                else:
                    QTimer.singleShot(200, poll)
            except Exception:  # record and quit: the Java test reads report.json
                import traceback
                self.finish("error", error=traceback.format_exc())
        QTimer.singleShot(200, poll)
