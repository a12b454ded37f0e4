"""A libzmq (pyzmq) CURVE publisher for the interoperability test.

Usage: curve_pub.py SERVER_PUBLIC SERVER_SECRET FRAMES_FILE
Binds a CURVE server PUB socket on an ephemeral loopback port, prints "ENDPOINT <url>", then sends
the two frames of FRAMES_FILE (topic on the first line, body on the second) every 100 ms until
its standard input closes or 30 s pass. No ZAP handler: libzmq then admits any CURVE client.
"""
import select
import sys
import time

import zmq

server_public, server_secret, frames_file = sys.argv[1:4]
with open(frames_file, "rb") as f:
    topic, body = f.read().split(b"\n", 1)
ctx = zmq.Context()
pub = ctx.socket(zmq.PUB)
pub.curve_server = True
pub.curve_publickey = server_public.encode("ascii")
pub.curve_secretkey = server_secret.encode("ascii")
pub.bind("tcp://127.0.0.1:*")
print("ENDPOINT " + pub.getsockopt_string(zmq.LAST_ENDPOINT), flush=True)
deadline = time.monotonic() + 30
while time.monotonic() < deadline:
    pub.send_multipart([topic, body])
    ready, _, _ = select.select([sys.stdin], [], [], 0.1)
    if ready and not sys.stdin.readline():
        break
pub.close(linger=0)
ctx.term()
