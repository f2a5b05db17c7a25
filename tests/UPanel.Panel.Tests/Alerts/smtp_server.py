#!/usr/bin/python3
"""A real SMTP server for the e-mail alert tests: Debian's aiosmtpd (apt: python3-aiosmtpd) on 127.0.0.1.

usage: smtp_server.py CERT KEY MAILDIR USERNAME PASSWORD_FILE [starttls|plain|implicit]

Listens on a free port of 127.0.0.1 and prints "ready PORT". STARTTLS is required before MAIL (and AUTH) with the
certificate and key given (PEM); with "plain", STARTTLS is not offered at all (and so neither is AUTH); with
"implicit", TLS from the first byte (SMTPS, as on port 465). AUTH PLAIN/LOGIN accepts USERNAME with the password in PASSWORD_FILE (never on the
command line). Exits when its stdin closes. Each message received is written to MAILDIR/NNNN.json (atomically) with the envelope, whether the
session was under TLS, the login used and the raw message.
"""
import asyncio
import json
import os
import socket
import ssl
import sys
import threading

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


def main():
    cert, key, maildir, username, password_file = sys.argv[1:6]
    mode = (sys.argv[6:7] or ["starttls"])[0]
    with open(password_file, encoding="utf-8") as f:
        password = f.read().strip()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == username and auth_data.password.decode() == password
        return AuthResult(success=ok, handled=False, auth_data=auth_data.login.decode() if ok else None)

    class Handler:
        count = 0

        async def handle_DATA(self, server, session, envelope):
            Handler.count += 1
            record = {
                "mail_from": envelope.mail_from,
                "rcpt_tos": envelope.rcpt_tos,
                "tls": session.ssl is not None or server.transport.get_extra_info("ssl_object") is not None,
                "cipher": list(session.ssl["cipher"]) if session.ssl else None,
                "login": session.auth_data if session.authenticated else None,
                "content": envelope.original_content.decode("utf-8", "replace"),
            }
            path = os.path.join(maildir, "%04d.json" % Handler.count)
            with open(path + ".tmp", "w", encoding="utf-8") as f:
                json.dump(record, f)
            os.rename(path + ".tmp", path)
            return "250 OK"

    # The test holds our stdin: when it goes away (disposed, or the test process died), so do we.
    threading.Thread(target=lambda: (sys.stdin.read(), os._exit(0)), daemon=True).start()
    handler = Handler()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))

    async def serve():
        loop = asyncio.get_running_loop()
        starttls = mode == "starttls"
        server = await loop.create_server(
            lambda: SMTP(handler, hostname="smtp.upanel.test", tls_context=context if starttls else None, require_starttls=starttls,
                         authenticator=authenticator, auth_required=False, auth_require_tls=mode != "implicit"),
            sock=sock, ssl=context if mode == "implicit" else None)
        print("ready %d" % sock.getsockname()[1], flush=True)
        async with server:
            await server.serve_forever()

    asyncio.run(serve())


if __name__ == "__main__":
    main()
