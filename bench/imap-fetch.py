#!/usr/bin/env python3
"""IMAP folder benchmark (issue 8): N messages in one folder, then
FETCH 1:* (FLAGS ENVELOPE BODYSTRUCTURE), FETCH 1:* BODY.PEEK[], SEARCH HEADER and SEARCH BODY,
for each target in the same run (Posthorn and Debian's Dovecot through the shared yardstick's
target files). The folder is filled by pipelined APPENDs (LITERAL+), a third of the messages
multipart/mixed with a base64 attachment, and deleted at the end. Each measurement runs twice
(cold: first access after APPEND; warm: again in a new session).

Run from the project root, holding the yardstick's lock, with both targets started
(the yardstick's --keep, or their START_CMD):
  flock /work/wt/bench.lock python3 bench/imap-fetch.py --count 10000 \\
      --target /work/shared/bench/targets/postfix-ref.conf --target bench/targets/posthorn.conf
Only loopback addresses are accepted; every wait is bounded by --timeout.
"""
import argparse
import os
import re
import socket
import sys
import time

LITERAL_RX = re.compile(rb"\{(\d+)\}\r\n$")


def load_target(path):
    conf = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#") and "=" in line:
                k, v = line.split("=", 1)
                conf[k.strip()] = v.strip()
    return conf


class Conn:
    def __init__(self, host, port, timeout):
        if not (host.startswith("127.") or host in ("localhost", "::1")):
            raise SystemExit(f"refusing non-loopback address {host}")
        self.s = socket.create_connection((host, port), timeout=timeout)
        self.buf = bytearray()

    def fill(self):
        d = self.s.recv(1 << 20)
        if not d:
            raise EOFError("connection closed")
        self.buf += d

    def line(self):
        while True:
            i = self.buf.find(b"\r\n")
            if i >= 0:
                ln = bytes(self.buf[:i + 2])
                del self.buf[:i + 2]
                return ln
            self.fill()

    def send(self, data):
        self.s.sendall(data)

    def cmd(self, tag, text):
        """Sends a command, reads to its tagged reply; returns (tagged, untagged count, literal octets)."""
        self.send(f"{tag} {text}\r\n".encode())
        return self.wait(tag)

    def wait(self, tag):
        btag = tag.encode() + b" "
        n = total = 0
        while True:
            ln = self.line()
            if ln.startswith(btag):
                return ln, n, total
            m = LITERAL_RX.search(ln)
            while m:
                size = int(m.group(1))
                while len(self.buf) < size:
                    self.fill()
                del self.buf[:size]
                total += size
                ln = self.line()
                m = LITERAL_RX.search(ln)
            n += 1


def message(i, size):
    body = ("x" * 70 + "\n") * max(1, size // 71)
    head = (f"From: Sender {i} <sender{i}@bench.test>\nTo: u@bench.test\nSubject: bench message {i}\n"
            f"Date: Mon, 2 Nov 2026 10:{i % 60:02d}:00 +0000\nMessage-ID: <{i}.imapbench@bench.test>\nMIME-Version: 1.0\n")
    if i % 3:
        return (head + "Content-Type: text/plain; charset=us-ascii\n\n" + body).encode()
    att = ("QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=" * 2 + "\n") * 10
    return (head + "Content-Type: multipart/mixed; boundary=\"b1\"\n\n--b1\nContent-Type: text/plain; charset=utf-8\n\n"
            + body + "--b1\nContent-Type: application/octet-stream; name=\"a.bin\"\nContent-Disposition: attachment; filename=\"a.bin\"\n"
            + "Content-Transfer-Encoding: base64\n\n" + att + "--b1--\n").encode()


def login(conf, user, timeout):
    host, port = conf["IMAP"].rsplit(":", 1)
    c = Conn(host, int(port), timeout)
    c.line()
    login_name = conf.get("LOGIN_FMT", "u{n}@bench.test").format(n=user)
    tagged, _, _ = c.cmd("l", f'LOGIN "{login_name}" "{conf["PASSWORD"]}"')
    if b" OK" not in tagged:
        raise SystemExit(f"{conf['NAME']}: LOGIN failed: {tagged!r}")
    return c


def fill(conf, args):
    c = login(conf, args.user, args.timeout)
    c.cmd("d", f"DELETE {args.folder}")
    c.cmd("c", f"CREATE {args.folder}")
    t0 = time.monotonic()
    batch = 200
    for start in range(0, args.count, batch):
        out = bytearray()
        tags = []
        for i in range(start, min(args.count, start + batch)):
            m = message(i, args.size).replace(b"\n", b"\r\n")
            tag = f"p{i}"
            tags.append(tag)
            out += f"{tag} APPEND {args.folder} (\\Seen) {{{len(m)}+}}\r\n".encode() + m + b"\r\n"
        c.send(bytes(out))
        for tag in tags:
            tagged, _, _ = c.wait(tag)
            if b" OK" not in tagged:
                raise SystemExit(f"{conf['NAME']}: APPEND failed: {tagged!r}")
    c.cmd("z", "LOGOUT")
    return time.monotonic() - t0


def measure(conf, args):
    r = {}
    c = login(conf, args.user, args.timeout)
    t = time.monotonic()
    tagged, n, _ = c.cmd("s", f"SELECT {args.folder}")
    r["select_ms"] = 1000 * (time.monotonic() - t)
    steps = [("meta", "FETCH 1:* (FLAGS ENVELOPE BODYSTRUCTURE)"), ("body", "FETCH 1:* BODY.PEEK[]"),
             ("search_hdr", 'SEARCH HEADER Subject "zz-no-such-subject"'), ("search_body", 'SEARCH BODY "zz-no-such-text"')]
    for name, command in steps:
        t = time.monotonic()
        tagged, n, octets = c.cmd(name, command)
        took = time.monotonic() - t
        if b" OK" not in tagged:
            raise SystemExit(f"{conf['NAME']}: {command} failed: {tagged!r}")
        if name in ("meta", "body") and n != args.count:
            raise SystemExit(f"{conf['NAME']}: {command} returned {n} responses, expected {args.count}")
        r[name + "_msg_s"] = args.count / took
    c.cmd("z", "LOGOUT")
    return r


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--target", action="append", required=True)
    p.add_argument("--count", type=int, default=10000)
    p.add_argument("--size", type=int, default=4096)
    p.add_argument("--user", type=int, default=98)
    p.add_argument("--folder", default="imapbench")
    p.add_argument("--timeout", type=float, default=120)
    p.add_argument("--keep", action="store_true", help="leave the folder filled")
    p.add_argument("--no-fill", action="store_true", help="use the folder as it is (after --keep)")
    args = p.parse_args()
    if not 1 <= args.count <= 100000:
        raise SystemExit("--count must be 1..100000")
    confs = [load_target(t.replace("{benchdir}", "/work/shared/bench")) for t in args.target]
    rows = []
    for conf in confs:
        if not args.no_fill:
            took = fill(conf, args)
            print(f"# {conf['NAME']}: appended {args.count} messages in {took:.1f} s", file=sys.stderr)
        for variant in ("cold", "warm"):
            r = measure(conf, args)
            rows.append((conf["NAME"], variant, r))
            print(f"  {conf['NAME']} {variant}: " + ", ".join(f"{k}={v:.0f}" for k, v in r.items()), file=sys.stderr)
        if not args.keep:
            c = login(conf, args.user, args.timeout)
            c.cmd("d", f"DELETE {args.folder}")
            c.cmd("z", "LOGOUT")
    cols = ["select_ms", "meta_msg_s", "body_msg_s", "search_hdr_msg_s", "search_body_msg_s"]
    print(f"load average {os.getloadavg()[0]:.1f}; {args.count} messages x ~{args.size} B")
    print("| target | pass | " + " | ".join(cols) + " |")
    print("|---|---|" + "---|" * len(cols))
    for name, variant, r in rows:
        print(f"| {name} | {variant} | " + " | ".join(f"{r[c]:.0f}" for c in cols) + " |")
    if len(confs) == 2:
        for variant in ("cold", "warm"):
            a = next(r for n, v, r in rows if n == confs[0]["NAME"] and v == variant)
            b = next(r for n, v, r in rows if n == confs[1]["NAME"] and v == variant)
            ratios = ", ".join(f"{c}: {b[c] / a[c]:.2f}x" for c in cols)
            print(f"ratio {confs[1]['NAME']} / {confs[0]['NAME']} ({variant}): {ratios}")


if __name__ == "__main__":
    main()
