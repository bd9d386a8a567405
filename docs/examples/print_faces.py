#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""print_faces.py: runs identifyface on an mp4 (H.264) clip and prints the
faces twice: from the identify-face bus message, and from the lipsync-face
tags that reach the sink.

    print_faces.py CLIP [PROPERTY=VALUE ...]
    IDENTIFYFACE_API_KEY=... print_faces.py clip.mp4 video-url=https://example.com/clip.mp4

Needs python3-gi, gir1.2-gstreamer-1.0 and python3-gst-1.0 (whose overrides
make the message's list of faces a Python sequence).
"""
import sys
import threading

import gi

gi.require_version("Gst", "1.0")
from gi.repository import GLib, Gst  # noqa: E402


def print_face(face):
    """face: a Gst.Structure named "face" (from the message or a tag)."""
    ready = ", lip-sync ready" if face.get_value("lipsync-ready") else ""
    print("  face %s: %.3f s to %.3f s%s, %s" % (
        face.get_value("face-id"), face.get_value("start-time") / Gst.SECOND,
        face.get_value("end-time") / Gst.SECOND, ready, face.get_value("face-image")))


def main(argv):
    Gst.init(None)
    if len(argv) < 2:
        print("usage: %s CLIP [PROPERTY=VALUE ...]" % argv[0], file=sys.stderr)
        return 2
    pipeline = Gst.parse_launch(
        "filesrc name=src ! qtdemux ! h264parse ! identifyface name=faces ! fakesink name=sink")
    pipeline.get_by_name("src").set_property("location", argv[1])
    identifyface = pipeline.get_by_name("faces")
    for arg in argv[2:]:  # name=value, as gst-launch-1.0 takes them
        name, sep, value = arg.partition("=")
        if not sep or identifyface.find_property(name) is None:
            print("%s: not a PROPERTY=VALUE of identifyface" % arg, file=sys.stderr)
            return 2
        Gst.util_set_object_arg(identifyface, name, value)

    state = {"result": None, "status": 0, "sink_tags": None}
    lock = threading.Lock()

    def on_sink_event(pad, info):  # the streaming thread
        event = info.get_event()
        if event.type == Gst.EventType.TAG:
            tags = event.parse_tag()
            if tags.get_tag_size("lipsync-face") > 0:
                with lock:
                    state["sink_tags"] = tags.copy()
        return Gst.PadProbeReturn.OK

    pipeline.get_by_name("sink").get_static_pad("sink").add_probe(
        Gst.PadProbeType.EVENT_DOWNSTREAM, on_sink_event)

    loop = GLib.MainLoop()

    def on_message(bus, msg):
        s = msg.get_structure()
        if msg.type == Gst.MessageType.ELEMENT and s.get_name() == "identify-face":
            state["result"] = s.copy()
        elif msg.type == Gst.MessageType.ELEMENT and s.get_name() == "identify-face-error":
            code = s.get_value("code")
            print("identification failed (%s%s): %s" % (
                s.get_value("kind"), ", code " + code if code else "", s.get_value("message")),
                file=sys.stderr)
        elif msg.type == Gst.MessageType.ERROR:
            err, _ = msg.parse_error()
            print("error from %s: %s" % (msg.src.get_name(), err.message), file=sys.stderr)
            state["status"] = 1
            loop.quit()
        elif msg.type == Gst.MessageType.EOS:  # held by identifyface until the answer
            loop.quit()

    bus = pipeline.get_bus()
    bus.add_signal_watch()
    bus.connect("message", on_message)
    pipeline.set_state(Gst.State.PLAYING)
    loop.run()
    pipeline.set_state(Gst.State.NULL)
    bus.remove_signal_watch()

    result = state["result"]
    if result is None:
        return 1
    faces = result.get_value("faces")
    print("message: session %s, %d face(s)" % (result.get_value("session-id"), len(faces)))
    for face in faces:
        print_face(face)
    tags = state["sink_tags"]
    if tags is not None:
        n = tags.get_tag_size("lipsync-face")
        _, session = tags.get_string("lipsync-session-id")
        print("tags at the sink: session %s, %d face(s)" % (session, n))
        for i in range(n):
            print_face(tags.get_value_index("lipsync-face", i))
    return state["status"]


if __name__ == "__main__":
    sys.exit(main(sys.argv))
