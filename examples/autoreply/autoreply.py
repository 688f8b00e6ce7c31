#!/usr/bin/env python3
"""autoreply - a vacation-style automatic reply for a Posthorn (or Postfix) pipe(8) service.

Usage: autoreply.py [options] SENDER RECIPIENT < message

SENDER is the envelope sender (pipe's ${sender}); RECIPIENT is the address that was written to
(${original_recipient}), or only its local part (${mailbox}, as the lecture's master.cf passes
it), in which case the To:/Cc: address with that local part is the one replied for.

The message (headers and body) arrives on standard input. No reply is sent when (the rules of
Dovecot Pigeonhole's sieve vacation, RFC 3834 and RFC 5230):
  - Auto-Submitted: is present with any value but "no";
  - Precedence: is junk, bulk or list; any List-Id:/List-*: header is present;
  - the envelope sender is empty (pipe's null_sender, MAILER-DAEMON) or begins with
    MAILER-DAEMON, LISTSERV or majordomo (any case), begins with "owner-", or contains
    "-request" anywhere;
  - the envelope sender is the recipient itself;
  - the recipient is not in To:, Cc: or Bcc: (a blind copy, a list, an alias);
  - this sender already had a reply from this recipient within the period (-p, default 7 days).
The reply goes out through sendmail with the null envelope sender (-f '<>'), carrying
Auto-Submitted: auto-replied, In-Reply-To: and References:.

Options:
  -S PATH    sendmail program (default $AUTOREPLY_SENDMAIL or /usr/sbin/sendmail)
  -C DIR     configuration directory, passed to sendmail as -C DIR
  -m FILE    the reply text (default: message.txt next to this script, else a built-in text)
  -s TEXT    subject prefix (default "Auto: ")
  -t DIR     state directory for the once-per-period record (default /var/tmp/autoreply)
  -p SECONDS period between two replies to one sender (default 604800, 7 days)
  -d DOMAIN  domain for a RECIPIENT given without one (instead of looking in To:/Cc:)

Exit status: 0 when a reply was sent or no reply was due; 75 (EX_TEMPFAIL, the pipe service
defers and retries) when sendmail failed or the state could not be written; 64 on bad usage.
"""

import email.header
import email.parser
import email.policy
import email.utils
import fcntl
import getopt
import os
import re
import subprocess
import sys
import time

EX_USAGE = 64
EX_TEMPFAIL = 75

DEFAULT_TEXT = ("I am away and will read your message when I return.\n"
                "This is an automatic reply; you will not get another one for a while.\n")


def silence_reason(headers, sender, recipient):
    """Why no reply is due (a short text), or None when one is."""
    auto = headers.get("Auto-Submitted")
    if auto is not None and str(auto).strip().split(";")[0].strip().lower() != "no":
        return "Auto-Submitted: " + str(auto).strip()
    precedence = headers.get("Precedence")
    if precedence is not None and str(precedence).strip().lower() in ("junk", "bulk", "list"):
        return "Precedence: " + str(precedence).strip()
    for name in headers.keys():
        if name.lower().startswith("list-"):
            return "mailing list header " + name
    if sender in ("", "<>"):
        return "empty envelope sender"
    lower = sender.lower()
    for prefix in ("mailer-daemon", "listserv", "majordomo"):
        if lower.startswith(prefix):
            return "sender " + sender
    if sender.startswith("owner-") or "-request" in sender:
        return "sender " + sender
    if lower == recipient.lower():
        return "sender is the recipient"
    return None


def read_headers(stream):
    """The message's header block, decoded as UTF-8 (undecodable bytes replaced), then parsed."""
    raw = bytearray()
    for line in stream:
        if line in (b"\n", b"\r\n"):
            break
        raw += line
    text = raw.decode("utf-8", "replace").replace("\r\n", "\n")
    return email.parser.HeaderParser(policy=email.policy.compat32).parsestr(text + "\n")


def header_addresses(headers, names):
    found = []
    for name in names:
        for value in headers.get_all(name) or []:
            found.extend(addr for _, addr in email.utils.getaddresses([str(value)]) if addr)
    return found


def resolve_recipient(headers, recipient, domain):
    """The full recipient address, and whether it is in To:, Cc: or Bcc:."""
    listed = header_addresses(headers, ("To", "Cc", "Bcc"))
    if "@" in recipient:
        return recipient, any(a.lower() == recipient.lower() for a in listed)
    if domain:
        full = recipient + "@" + domain
        return full, any(a.lower() == full.lower() for a in listed)
    for a in listed:
        if a.rsplit("@", 1)[0].lower() == recipient.lower():
            return a, True
    return recipient, False


def reply_once(state_dir, recipient, sender, period, now, send):
    """Calls send() unless this sender had a reply from this recipient within the period; the
    state file (one "sender TAB time" line per sender, locked while in use) records a reply only
    once send() succeeded, so a failed attempt is tried again. Returns send()'s status, or None
    when a reply was already sent."""
    os.makedirs(state_dir, mode=0o700, exist_ok=True)
    path = os.path.join(state_dir, re.sub(r"[^A-Za-z0-9@._+-]", "_", recipient.lower()) + ".state")
    with open(path, "a+", encoding="utf-8") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        f.seek(0)
        entries = {}
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) == 2 and parts[1].isdigit():
                entries[parts[0]] = int(parts[1])
        key = sender.lower()
        if key in entries and now - entries[key] < period:
            return None
        status = send()
        if status != 0:
            return status
        entries[key] = now
        entries = {k: v for k, v in entries.items() if now - v < period}
        f.seek(0)
        f.truncate()
        f.writelines(f"{k}\t{v}\n" for k, v in entries.items())
        f.flush()
        os.fsync(f.fileno())
        return 0


def build_reply(headers, sender, recipient, text, prefix):
    subject = str(headers.get("Subject", "") or "").strip()
    subject = re.sub(r"[\r\n]+\s*", " ", subject)
    msgid = str(headers.get("Message-ID", "") or "").strip()
    references = str(headers.get("References", "") or "").split()
    if msgid:
        references.append(msgid)
    domain = recipient.rsplit("@", 1)[1] if "@" in recipient else "localhost"
    subject = f"{prefix}{subject}" if subject else f"{prefix.strip()} automatic reply"
    if not subject.isascii():
        subject = email.header.Header(subject, "utf-8").encode()
    lines = [
        f"From: <{recipient}>",
        f"To: <{sender}>",
        "Subject: " + subject,
        "Date: " + email.utils.formatdate(localtime=True),
        "Message-ID: " + email.utils.make_msgid(domain=domain),
        "Auto-Submitted: auto-replied",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: 8bit",
    ]
    if msgid:
        lines.append("In-Reply-To: " + msgid)
        lines.append("References: " + " ".join(references[-10:]))
    return "\n".join(lines) + "\n\n" + text


def main(argv):
    try:
        opts, args = getopt.getopt(argv, "S:C:m:s:t:p:d:")
    except getopt.GetoptError as e:
        print(f"autoreply: {e}", file=sys.stderr)
        return EX_USAGE
    o = dict(opts)
    if len(args) != 2:
        print("usage: autoreply.py [-S sendmail] [-C config_dir] [-m file] [-s prefix] [-t state_dir] [-p seconds] [-d domain] sender recipient",
              file=sys.stderr)
        return EX_USAGE
    sender, recipient = args[0].strip(), args[1].strip()
    sendmail = o.get("-S") or os.environ.get("AUTOREPLY_SENDMAIL") or "/usr/sbin/sendmail"
    state_dir = o.get("-t", "/var/tmp/autoreply")
    try:
        period = int(o.get("-p", "604800"))
    except ValueError:
        print("autoreply: -p wants a number of seconds", file=sys.stderr)
        return EX_USAGE

    headers = read_headers(sys.stdin.buffer)
    recipient, listed = resolve_recipient(headers, recipient, o.get("-d", ""))
    reason = silence_reason(headers, sender, recipient)
    if reason is None and not listed:
        reason = f"{recipient} is not in To:, Cc: or Bcc:"
    if reason is not None:
        print(f"autoreply: no reply to <{sender}>: {reason}")
        return 0

    text = DEFAULT_TEXT
    message_file = o.get("-m") or os.path.join(os.path.dirname(os.path.abspath(__file__)), "message.txt")
    if os.path.exists(message_file):
        with open(message_file, encoding="utf-8") as f:
            text = f.read()
    reply = build_reply(headers, sender, recipient, text, o.get("-s", "Auto: "))
    command = [sendmail]
    if "-C" in o:
        command += ["-C", o["-C"]]
    command += ["-i", "-f", "<>", "--", sender]

    def send():
        try:
            done = subprocess.run(command, input=reply.encode("utf-8"), capture_output=True, timeout=60, check=False)
        except (OSError, subprocess.TimeoutExpired) as e:
            print(f"autoreply: cannot run {sendmail}: {e}")
            return EX_TEMPFAIL
        if done.returncode != 0:
            print(f"autoreply: {sendmail} failed with status {done.returncode}: "
                  + done.stderr.decode("utf-8", "replace").strip()[:200])
            return EX_TEMPFAIL
        return 0

    try:
        status = reply_once(state_dir, recipient, sender, period, int(time.time()), send)
    except OSError as e:
        print(f"autoreply: state {state_dir}: {e.strerror}")
        return EX_TEMPFAIL
    if status is None:
        print(f"autoreply: no reply to <{sender}>: already replied within {period}s")
        return 0
    if status == 0:
        print(f"autoreply: replied to <{sender}> for <{recipient}>")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
