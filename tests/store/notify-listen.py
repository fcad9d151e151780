#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# A systemd-style notification socket for tests: binds an AF_UNIX datagram
# socket at PATH and writes every message it gets to OUT, one per line
# (fields joined with '|'), until killed.
import socket
import sys

path, out = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
print("ready", flush=True)
with open(out, "a", buffering=1) as f:
    while True:
        msg = s.recv(4096).decode(errors="replace")
        f.write("|".join(msg.strip().split("\n")) + "\n")
