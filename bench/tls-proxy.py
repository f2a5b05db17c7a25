#!/usr/bin/env python3
"""TLS in front of a plain-HTTP endpoint on loopback, for bench/footprint.sh (the reference panel serves plain HTTP).
Usage: tls-proxy.py LISTEN_PORT TARGET_PORT CERT KEY; prints "ready" once listening."""
import socket, ssl, sys, threading

listen_port, target_port, cert, key = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(cert, key)


def pipe(src, dst):
    try:
        while data := src.recv(65536):
            dst.sendall(data)
    except OSError:
        pass
    finally:
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def serve(client):
    try:
        tls = context.wrap_socket(client, server_side=True)
        upstream = socket.create_connection(("127.0.0.1", target_port))
    except (OSError, ssl.SSLError):
        client.close()
        return
    threading.Thread(target=pipe, args=(upstream, tls), daemon=True).start()
    pipe(tls, upstream)


server = socket.create_server(("127.0.0.1", listen_port))
print("ready", flush=True)
while True:
    conn, _ = server.accept()
    threading.Thread(target=serve, args=(conn,), daemon=True).start()
