#!/usr/bin/python3
"""Asks an X11 window to close, as a window manager's close button does: a
WM_DELETE_WINDOW client message. The end-to-end tests run on Xvfb, which has
no window manager to do it. Usage: wm_close.py WINDOW_ID (uses $DISPLAY)."""

import sys

from Xlib import X, display, protocol


def main() -> None:
    window_id = int(sys.argv[1])
    screen = display.Display()
    window = screen.create_resource_object("window", window_id)
    protocols = screen.intern_atom("WM_PROTOCOLS")
    delete = screen.intern_atom("WM_DELETE_WINDOW")
    event = protocol.event.ClientMessage(
        window=window,
        client_type=protocols,
        data=(32, [delete, X.CurrentTime, 0, 0, 0]),
    )
    window.send_event(event, event_mask=X.NoEventMask)
    screen.flush()


if __name__ == "__main__":
    main()
