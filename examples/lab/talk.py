#!/usr/bin/env python3
"""A scripted telnet for the lab: talk.py HOST PORT < commands

Prints the server's greeting, then sends each line of standard input (with CR LF) and prints
what the server answers to it (all it sends until it is quiet for 1.5 seconds), as a student
would type the lecture's SMTP, POP3 or IMAP dialogues by hand."""
import socket
import sys

host, port = sys.argv[1], int(sys.argv[2])
sock = socket.create_connection((host, port), timeout=10)
sock.settimeout(1.5)


def show():
    data = b""
    while True:
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            break
        if not chunk:
            break
        data += chunk
    sys.stdout.write(data.decode("utf-8", "replace").replace("\r\n", "\n"))
    sys.stdout.flush()


show()
for line in sys.stdin:
    line = line.rstrip("\r\n")
    print(">>> " + line)
    sock.sendall(line.encode() + b"\r\n")
    show()
sock.close()
