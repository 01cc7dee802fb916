#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""tsa_server.py - a real RFC 3161 time-stamping authority for the tests.

usage: tsa_server.py PORTFILE CONFIG

Listens on 127.0.0.1 on an ephemeral port (written to PORTFILE once
listening) and answers POSTs by path:
  /tsa      the request piped through `openssl ts -reply -config CONFIG`
  /garbage  200, application/timestamp-reply, bytes that are no TimeStampResp
  /huge     200, application/timestamp-reply, 1 MiB
  /html     200, text/html
Anything else is a 404. Runs until killed.
"""
import http.server
import os
import subprocess
import sys
import tempfile

PORTFILE, CONFIG = sys.argv[1], sys.argv[2]


class Handler(http.server.BaseHTTPRequestHandler):
    def reply(self, status, ctype, body):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        query = self.rfile.read(length)
        if self.path == "/tsa":
            with tempfile.TemporaryDirectory() as d:
                q, r = os.path.join(d, "q.tsq"), os.path.join(d, "r.tsr")
                with open(q, "wb") as f:
                    f.write(query)
                subprocess.run(["openssl", "ts", "-reply", "-config", CONFIG, "-queryfile", q,
                                "-out", r], check=True, capture_output=True)
                with open(r, "rb") as f:
                    self.reply(200, "application/timestamp-reply", f.read())
        elif self.path == "/garbage":
            self.reply(200, "application/timestamp-reply", b"\x30\x03\x02\x01" + b"not a response")
        elif self.path == "/huge":
            self.reply(200, "application/timestamp-reply", b"\x30" * (1024 * 1024))
        elif self.path == "/html":
            self.reply(200, "text/html", b"<html>a login page</html>")
        else:
            self.reply(404, "text/plain", b"no such TSA")

    def log_message(self, *args):
        pass


server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
with open(PORTFILE + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(PORTFILE + ".tmp", PORTFILE)
server.serve_forever()
