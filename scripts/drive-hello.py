#!/usr/bin/env python3
"""Drives the hello example once on a real display, as a user would.

Starts `wasmtron run APP --automation`, waits for main's tick, clicks into
the name field and types "Ada" with real X11 input (xdotool), clicks Greet,
waits for "Hello, Ada!", takes a screenshot of the screen and quits the app.

The automation protocol (host/src/automation.rs) only reads the page and
finds elements on screen; input goes through the X server, so the whole
path a user's click takes (X11 -> GTK -> WebKit -> renderer component ->
main component and back) is what runs.

Usage (scripts/demo.sh runs it under xvfb-run when there is no display):
    drive-hello.py --wasmtron target/debug/wasmtron --app examples/hello \
        --screenshot target/demo/hello.png
"""

import argparse
import json
import os
import queue
import subprocess
import sys
import threading
import time

# Bounds on waits, so that a hang fails with a reason instead of blocking
# forever. Starting includes compiling the components, hence the longer one.
START_BOUND_S = 120
STEP_BOUND_S = 20


class App:
    """A running `wasmtron run --automation` child and its answer stream."""

    def __init__(self, wasmtron, app_dir):
        env = dict(os.environ)
        # WebKitGTK's GPU paths do not work on Xvfb's software display.
        env["WEBKIT_DISABLE_COMPOSITING_MODE"] = "1"
        env["WEBKIT_DISABLE_DMABUF_RENDERER"] = "1"
        # xdotool speaks X11; make GTK use it even if Wayland is around.
        env["GDK_BACKEND"] = "x11"
        self.child = subprocess.Popen(
            [wasmtron, "run", app_dir, "--automation"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        self.answers = queue.Queue()
        self.next_id = 0
        # A reader thread turns the blocking stdout into a queue that can be
        # waited on with a bound.
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.child.stdout:
            self.answers.put(line)
        self.answers.put(None)

    def send(self, cmd, **fields):
        """Sends one command; returns the request."""
        self.next_id += 1
        request = {"id": self.next_id, "cmd": cmd, **fields}
        self.child.stdin.write(json.dumps(request) + "\n")
        self.child.stdin.flush()
        return request

    def ask(self, cmd, bound=STEP_BOUND_S, **fields):
        """Sends one command and returns its answer object."""
        request = self.send(cmd, **fields)
        deadline = time.monotonic() + bound
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                fail(f"no answer to {request} within {bound} s")
            try:
                line = self.answers.get(timeout=remaining)
            except queue.Empty:
                continue
            if line is None:
                fail(f"wasmtron closed its output (status {self.child.poll()}) before answering {request}")
            answer = json.loads(line)
            if answer.get("id") == self.next_id:
                return answer

    def ok(self, cmd, **fields):
        answer = self.ask(cmd, **fields)
        if "error" in answer:
            fail(f"{cmd} {fields}: {answer['error']}")
        return answer["ok"]

    def wait_text(self, selector, done, what, bound=STEP_BOUND_S):
        """Polls an element's text until `done(text)`; returns the text."""
        deadline = time.monotonic() + bound
        last = None
        while time.monotonic() < deadline:
            answer = self.ask("text", window="main", selector=selector)
            last = answer.get("ok", answer.get("error"))
            if isinstance(last, str) and done(last):
                return last
            time.sleep(0.1)
        fail(f"{selector} never became {what} within {bound} s; last value: {last!r}")

    def click(self, window_id, selector):
        rect = self.ok("rect", window="main", selector=selector)
        if rect is None:
            fail(f"{selector} is not on the page")
        x = round(rect["x"] + rect["width"] / 2)
        y = round(rect["y"] + rect["height"] / 2)
        xdotool("mousemove", "--window", str(window_id), str(x), str(y), "click", "1")


def xdotool(*args):
    subprocess.run(["xdotool", *args], check=True)


def fail(message):
    print(f"drive-hello: {message}", file=sys.stderr)
    sys.exit(1)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wasmtron", required=True)
    parser.add_argument("--app", required=True)
    parser.add_argument("--screenshot", required=True)
    args = parser.parse_args()
    if not os.environ.get("DISPLAY"):
        fail("DISPLAY is not set; run under xvfb-run -a")

    app = App(args.wasmtron, args.app)
    try:
        tick = app.wait_text("#tick", lambda t: "up" in t, "main's tick", START_BOUND_S)
        print(f"window shows: {tick}", flush=True)
        window_id = app.ok("window-id", window="main")
        app.click(window_id, "#name")
        xdotool("type", "--delay", "50", "Ada")
        app.click(window_id, "#greet")
        reply = app.wait_text("#reply", lambda t: t == "Hello, Ada!", '"Hello, Ada!"')
        print(f"typed Ada, clicked Greet; window shows: {reply}", flush=True)

        os.makedirs(os.path.dirname(os.path.abspath(args.screenshot)), exist_ok=True)
        subprocess.run(
            ["import", "-display", os.environ["DISPLAY"], "-window", "root", args.screenshot],
            check=True,
        )
        print(f"screenshot: {os.path.abspath(args.screenshot)}", flush=True)

        # The process may end before its answer to `quit` is written, so only
        # the exit status is checked.
        app.send("quit")
        status = app.child.wait(timeout=STEP_BOUND_S)
        if status != 0:
            fail(f"wasmtron exited with status {status}")
    finally:
        if app.child.poll() is None:
            app.child.kill()
            app.child.wait()


if __name__ == "__main__":
    main()
