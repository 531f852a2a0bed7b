#!/usr/bin/env python3
"""dns-server.py ADDR PORT LOG: a tiny DNS server for the network tests.

Answers A queries for NAME.nook.test with 192.0.2.77 (and 192.0.2.78 for
other.nook.test), NXDOMAIN for anything else; logs each query name to LOG.
Exits when its parent goes away (it runs beside slirp4netns)."""
import os
import socket
import struct
import sys

addr, port, log = sys.argv[1], int(sys.argv[2]), sys.argv[3]
parent = os.getppid()
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((addr, port))
s.settimeout(0.5)
with open(log + ".ready", "w") as f:
    f.write("ready\n")


def qname(data, off):
    labels = []
    while data[off]:
        n = data[off]
        labels.append(data[off + 1:off + 1 + n].decode("ascii", "replace"))
        off += n + 1
    return ".".join(labels), off + 1


while os.getppid() == parent:
    try:
        data, peer = s.recvfrom(4096)
    except socket.timeout:
        continue
    if len(data) < 12:
        continue
    qid, = struct.unpack("!H", data[:2])
    name, end = qname(data, 12)
    qtype, = struct.unpack("!H", data[end:end + 2])
    question = data[12:end + 4]
    with open(log, "a") as f:
        f.write(name + "\n")
    ip = {"other.nook.test": "192.0.2.78"}.get(name.lower(), "192.0.2.77")
    found = name.lower().endswith(".nook.test")
    answers = b""
    if found and qtype == 1:
        answers = (b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 60, 4)
                   + socket.inet_aton(ip))
    flags = 0x8180 if found else 0x8183
    header = struct.pack("!HHHHHH", qid, flags, 1, 1 if answers else 0, 0, 0)
    s.sendto(header + question + answers, peer)
