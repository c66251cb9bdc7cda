"""The test server lets go of kept-alive connections when it stops, so a whole suite does not
pile up hundreds of idle handler threads (a pooled client outlives the test that made it)."""

import http.client
import json
import threading
import time

from tests.llm_server import LlmTestServer


def _handler_threads() -> int:
    # ThreadingHTTPServer names no threads; ours are the ones running process_request_thread.
    return sum(
        1
        for t in threading.enumerate()
        if getattr(t, "_target", None) is not None
        and getattr(t._target, "__name__", "") == "process_request_thread"
    )


def test_stopping_the_server_ends_its_kept_alive_connections():
    before = _handler_threads()
    server = LlmTestServer().start()
    server.set_default(None)
    server.reply_text("hello")
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    body = json.dumps({"model": "m", "messages": [{"role": "user", "content": "hi"}]})
    connection.request("POST", "/v1/chat/completions", body, {"Content-Type": "application/json"})
    assert connection.getresponse().read()  # the connection stays open (HTTP/1.1 keep-alive)
    assert _handler_threads() == before + 1
    server.stop()
    deadline = time.monotonic() + 5
    while _handler_threads() > before and time.monotonic() < deadline:
        time.sleep(0.01)
    assert _handler_threads() == before
    connection.close()
