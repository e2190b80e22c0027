#!/usr/bin/env python3
# whepsink
# Copyright (C) 2026 The whepsink authors
#
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Watch a whepsink's viewers come and go, and print its statistics.

    python3 docs/examples/whep-events.py [--port 8889] [--interval 5]

serves a test pattern at http://127.0.0.1:PORT/whep (the player page at /)
and prints each viewer-added and viewer-removed signal, the matching element
messages from the bus, and the get-stats structure every few seconds.

With --self-test it serves on a free port, POSTs one offer itself (no real
peer: the session is made and answered, then removed with remove-viewer),
checks that viewer-added and viewer-removed fired for the id of the answer's
Location, and exits 0 (1 on failure).
"""

import argparse
import sys
import threading
import urllib.request

import gi

gi.require_version("Gst", "1.0")
from gi.repository import GLib, Gst  # noqa: E402

PIPELINE = (
    "videotestsrc is-live=true ! "
    "video/x-raw,width=640,height=360,framerate=30/1 ! "
    "x264enc tune=zerolatency speed-preset=ultrafast key-int-max=30 ! "
    "mpegtsmux ! whepsink name=whep port={port}"
)

# A well-formed H.264 recvonly offer whose ICE peer does not exist.
OFFER = (
    "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
    "a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\n"
    "a=fingerprint:sha-256 99:37:2C:B1:CA:32:6D:0C:54:A5:DA:D3:E5:EA:65:85:"
    "3F:17:08:19:D0:67:83:6A:EB:17:0E:00:19:09:BC:4E\r\n"
    "a=setup:actpass\r\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 102\r\nc=IN IP4 0.0.0.0\r\n"
    "a=mid:0\r\na=recvonly\r\na=rtcp-mux\r\na=rtpmap:102 H264/90000\r\n"
    "a=fmtp:102 packetization-mode=1;profile-level-id=42e01f\r\n"
)


def print_stats(whep):
    stats = whep.emit("get-stats")
    print("stats:", stats.to_string(), flush=True)
    return True


class Events:
    """What the signals told; they come from whepsink's threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.added = []
        self.removed = []

    def on_added(self, whep, viewer_id, address):
        # on whepsink's HTTP server thread: do not block here
        print(f"viewer-added: {viewer_id} from {address}", flush=True)
        with self.lock:
            self.added.append(viewer_id)

    def on_removed(self, whep, viewer_id, address):
        print(f"viewer-removed: {viewer_id} from {address}", flush=True)
        with self.lock:
            self.removed.append(viewer_id)


def on_message(bus, message, loop):
    if message.type == Gst.MessageType.ELEMENT:
        s = message.get_structure()
        if s.get_name().startswith("whepsink-viewer-"):
            print("bus:", s.to_string(), flush=True)
    elif message.type == Gst.MessageType.ERROR:
        err, debug = message.parse_error()
        print("error:", err.message, debug, file=sys.stderr, flush=True)
        loop.quit()
    elif message.type == Gst.MessageType.EOS:
        loop.quit()
    return True


def post_offer(url, result):
    request = urllib.request.Request(
        url, data=OFFER.encode(), method="POST",
        headers={"Content-Type": "application/sdp"})
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            result["status"] = response.status
            result["location"] = response.headers.get("Location")
    except Exception as e:  # noqa: BLE001
        result["error"] = str(e)


def self_test(pipeline, whep, events, loop):
    """Run in a thread: one POST, checks, then the loop quits."""
    outcome = {"ok": False}

    def run():
        url = "http://127.0.0.1:%u%s" % (whep.get_property("bound-port"),
                                         whep.get_property("path"))
        result = {}
        post_offer(url, result)
        try:
            if result.get("status") != 201:
                raise AssertionError(f"POST: {result}")
            viewer_id = result["location"].rsplit("/", 1)[1]
            with events.lock:
                if events.added != [viewer_id]:
                    raise AssertionError(f"viewer-added: {events.added}")
            if whep.get_property("viewers") != 1:
                raise AssertionError("viewers is not 1")
            stats = whep.emit("get-stats")
            print("stats:", stats.to_string(), flush=True)
            if stats.get_value("n-viewers") != 1:
                raise AssertionError("stats do not count the viewer")
            if not whep.emit("remove-viewer", viewer_id):
                raise AssertionError("remove-viewer found no viewer")
            deadline = GLib.get_monotonic_time() + 5 * 1000000
            while GLib.get_monotonic_time() < deadline:
                with events.lock:
                    if events.removed == [viewer_id]:
                        break
                GLib.usleep(50000)
            with events.lock:
                if events.removed != [viewer_id]:
                    raise AssertionError(f"viewer-removed: {events.removed}")
            outcome["ok"] = True
        except AssertionError as e:
            print("self-test failed:", e, file=sys.stderr, flush=True)
        GLib.idle_add(loop.quit)

    threading.Thread(target=run, daemon=True).start()
    return outcome


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8889)
    parser.add_argument("--interval", type=int, default=5,
                        help="seconds between stats")
    parser.add_argument("--self-test", action="store_true")
    args = parser.parse_args()

    Gst.init(None)
    port = 0 if args.self_test else args.port
    pipeline = Gst.parse_launch(PIPELINE.format(port=port))
    whep = pipeline.get_by_name("whep")
    events = Events()
    whep.connect("viewer-added", events.on_added)
    whep.connect("viewer-removed", events.on_removed)

    loop = GLib.MainLoop()
    bus = pipeline.get_bus()
    bus.add_signal_watch()
    bus.connect("message", on_message, loop)

    if pipeline.set_state(Gst.State.PLAYING) == Gst.StateChangeReturn.FAILURE:
        print("could not start the pipeline", file=sys.stderr)
        return 1
    print("serving http://127.0.0.1:%u%s" % (whep.get_property("bound-port"),
                                             whep.get_property("path")),
          flush=True)

    outcome = None
    if args.self_test:
        GLib.timeout_add_seconds(30, loop.quit)
        outcome = self_test(pipeline, whep, events, loop)
    else:
        GLib.timeout_add_seconds(args.interval, print_stats, whep)

    try:
        loop.run()
    except KeyboardInterrupt:
        pass
    pipeline.set_state(Gst.State.NULL)
    bus.remove_signal_watch()
    if outcome is not None:
        print("self-test", "passed" if outcome["ok"] else "failed")
        return 0 if outcome["ok"] else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
