#!/usr/bin/python3
"""A real SMTP server for tests, on aiosmtpd (Debian: python3-aiosmtpd).

Run with the system interpreter, which is where the Debian package installs:

    /usr/bin/python3 scripts/smtp-server.py --host 127.0.0.1 --port 2525 --maildir DIR \
        [--cert FILE --key FILE [--require-tls]] [--user U --password P [--auth-mechanisms PLAIN,LOGIN]] \
        [--fail-rcpt-domain DOMAIN]

--cert/--key          offer STARTTLS with that certificate (scripts/make-test-cert.sh makes one)
--require-tls         refuse everything but EHLO/HELO/NOOP/QUIT/STARTTLS before STARTTLS (530)
--user/--password     offer AUTH PLAIN and LOGIN (only over TLS when --cert is given) and require it
--auth-mechanisms     restrict the offered AUTH mechanisms, e.g. LOGIN
--fail-rcpt-domain D  answer RCPT TO at domain D with "451 4.3.0 try again later" (for retry tests)

Each accepted message is written as raw bytes to DIR/<n>.eml (written to a temporary file, then renamed).
Prints "ready" on stdout once listening; runs until SIGTERM or SIGINT.
"""
import argparse
import logging
import os
import signal
import ssl
import sys
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

# aiosmtpd itself touches its deprecated Session.login_data on every AUTH and logs a warning each time.
logging.getLogger("mail.log").addFilter(lambda record: "login_data is deprecated" not in record.getMessage())

BUILTIN_MECHANISMS = {"PLAIN", "LOGIN"}


class MaildirHandler:
    def __init__(self, maildir, fail_domain):
        self.maildir = maildir
        self.fail_domain = fail_domain.lower() if fail_domain else None
        self.lock = threading.Lock()
        existing = [int(n[:-4]) for n in os.listdir(maildir) if n.endswith(".eml") and n[:-4].isdigit()]
        self.counter = max(existing, default=0)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.fail_domain and address.rpartition("@")[2].lower() == self.fail_domain:
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.counter += 1
            number = self.counter
        final = os.path.join(self.maildir, "%d.eml" % number)
        temporary = os.path.join(self.maildir, ".%d.eml.tmp" % number)
        with open(temporary, "wb") as f:
            f.write(envelope.original_content)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, final)
        return "250 OK queued as %d" % number


def make_authenticator(user, password):
    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword)
              and auth_data.login == user.encode() and auth_data.password == password.encode())
        return AuthResult(success=ok, handled=False)
    return authenticate


def main():
    parser = argparse.ArgumentParser(description="SMTP server for tests (aiosmtpd)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--maildir", required=True)
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--require-tls", action="store_true")
    parser.add_argument("--user")
    parser.add_argument("--password")
    parser.add_argument("--auth-mechanisms", default="PLAIN,LOGIN")
    parser.add_argument("--fail-rcpt-domain")
    args = parser.parse_args()
    if bool(args.cert) != bool(args.key):
        parser.error("--cert and --key go together")
    if args.require_tls and not args.cert:
        parser.error("--require-tls needs --cert/--key")
    if (args.user is None) != (args.password is None):
        parser.error("--user and --password go together")

    os.makedirs(args.maildir, exist_ok=True)
    options = {}
    if args.cert:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.cert, args.key)
        options.update(tls_context=context, require_starttls=args.require_tls)
    if args.user is not None:
        wanted = {m.strip().upper() for m in args.auth_mechanisms.split(",") if m.strip()}
        options.update(
            authenticator=make_authenticator(args.user, args.password),
            auth_required=True,
            auth_require_tls=bool(args.cert),
            auth_exclude_mechanism=BUILTIN_MECHANISMS - wanted,
        )

    controller = Controller(
        MaildirHandler(args.maildir, args.fail_rcpt_domain),
        hostname=args.host, port=args.port, server_hostname="localhost", **options)
    controller.start()

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    print("ready", flush=True)
    try:
        while not stop.wait(1):
            pass
    finally:
        controller.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
