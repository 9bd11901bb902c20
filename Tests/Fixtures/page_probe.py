"""Watches a page in a real headless browser (Debian's chromium) through the Chrome DevTools Protocol.

usage: page_probe.py CHROMIUM URL SCREENSHOT GO_FILE
Opens URL, waits until the page shows counts (`#total` not 0), prints `initial STATE`, then waits for the file
GO_FILE to exist (the test changes the counts, then creates it), waits until the page shows other counts,
prints `updated STATE`, and saves a screenshot (PNG) to SCREENSHOT. STATE is one JSON object: the total, the
number of categories, the time of the last change, and the bars ({category: count}). Exits 1 on a timeout.
"""
import base64
import json
import os
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request


class DevTools:
    """A minimal WebSocket client (RFC 6455: masked text frames out, any frames in) speaking CDP to one page."""

    def __init__(self, url):
        host, rest = url[len("ws://"):].split("/", 1)
        address, port = host.split(":")
        self.socket = socket.create_connection((address, int(port)), timeout=30)
        key = base64.b64encode(os.urandom(16)).decode()
        self.socket.sendall((f"GET /{rest} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                             f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
        response = b""
        while b"\r\n\r\n" not in response:
            response += self.socket.recv(4096)
        if b" 101 " not in response.split(b"\r\n")[0]:
            raise RuntimeError(f"no WebSocket: {response[:200]!r}")
        self.buffer = response.split(b"\r\n\r\n", 1)[1]
        self.next_id = 0

    def _read(self, count):
        while len(self.buffer) < count:
            chunk = self.socket.recv(65536)
            if not chunk:
                raise RuntimeError("DevTools closed the connection")
            self.buffer += chunk
        data, self.buffer = self.buffer[:count], self.buffer[count:]
        return data

    def _frame(self):
        first, second = self._read(2)
        length = second & 0x7F
        if length == 126:
            (length,) = struct.unpack(">H", self._read(2))
        elif length == 127:
            (length,) = struct.unpack(">Q", self._read(8))
        mask = self._read(4) if second & 0x80 else None
        payload = self._read(length)
        if mask:
            payload = bytes(byte ^ mask[index % 4] for index, byte in enumerate(payload))
        return first & 0x80, first & 0x0F, payload

    def call(self, method, **params):
        self.next_id += 1
        message = json.dumps({"id": self.next_id, "method": method, "params": params}).encode()
        header = bytes([0x81])
        if len(message) < 126:
            header += bytes([0x80 | len(message)])
        elif len(message) < 65536:
            header += bytes([0x80 | 126]) + struct.pack(">H", len(message))
        else:
            header += bytes([0x80 | 127]) + struct.pack(">Q", len(message))
        mask = os.urandom(4)
        self.socket.sendall(header + mask + bytes(byte ^ mask[index % 4] for index, byte in enumerate(message)))
        while True:
            text = b""
            while True:
                final, opcode, payload = self._frame()
                if opcode in (0x1, 0x0):
                    text += payload
                    if final:
                        break
            answer = json.loads(text)
            if answer.get("id") == self.next_id:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                return answer.get("result", {})


STATE = """JSON.stringify({
  total: document.getElementById("total").textContent,
  categories: document.getElementById("categories").textContent,
  changed: document.getElementById("changed").dateTime,
  bars: Object.fromEntries([...document.querySelectorAll("#bars li")].map(li => [li.dataset.category, Number(li.dataset.count)]))
})"""


def state(tools):
    """The page's state now, or an empty one while the page is still loading."""
    result = tools.call("Runtime.evaluate", expression=STATE, returnByValue=True)
    if "value" not in result.get("result", {}):
        return {"total": "", "categories": "", "changed": "", "bars": {}}
    return json.loads(result["result"]["value"])


def wait(condition, seconds):
    deadline = time.time() + seconds
    while time.time() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    return None


def main():
    chromium, url, screenshot, go_file = sys.argv[1:5]
    profile = tempfile.mkdtemp(prefix="page-probe-")
    browser = subprocess.Popen(
        [chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--remote-debugging-port=0",
         f"--user-data-dir={profile}", "--window-size=1000,800", url],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        port_file = os.path.join(profile, "DevToolsActivePort")
        if not wait(lambda: os.path.exists(port_file) and open(port_file).read().strip(), 30):
            sys.exit("chromium did not start its DevTools server")
        port = open(port_file).read().split()[0]
        pages = [target for target in json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list"))
                 if target.get("type") == "page"]
        tools = DevTools(pages[0]["webSocketDebuggerUrl"])
        initial = wait(lambda: (lambda s: s if s["total"] not in ("", "0") else None)(state(tools)), 30)
        if not initial:
            sys.exit(f"the page showed no counts: {state(tools)}")
        print("initial " + json.dumps(initial, sort_keys=True), flush=True)
        if not wait(lambda: os.path.exists(go_file), 60):
            sys.exit("the test never said go")
        updated = wait(lambda: (lambda s: s if s["total"] != initial["total"] else None)(state(tools)), 30)
        if not updated:
            sys.exit(f"the page did not follow the counts: {state(tools)}")
        print("updated " + json.dumps(updated, sort_keys=True), flush=True)
        png = tools.call("Page.captureScreenshot", format="png")["data"]
        with open(screenshot, "wb") as output:
            output.write(base64.b64decode(png))
    finally:
        browser.kill()
        browser.wait()


if __name__ == "__main__":
    main()
