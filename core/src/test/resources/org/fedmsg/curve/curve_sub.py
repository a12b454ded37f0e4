"""A libzmq (pyzmq) CURVE subscriber for the interoperability test.

Usage: curve_sub.py ENDPOINT SERVER_PUBLIC CLIENT_PUBLIC CLIENT_SECRET TOPIC_PREFIX
Prints READY once connected, then one line "topic<TAB>body" per message whose topic starts with
TOPIC_PREFIX, and exits after the first one (or after 30 s without one, with status 1).
"""
import sys

import zmq

endpoint, server_public, client_public, client_secret, prefix = sys.argv[1:6]
ctx = zmq.Context()
sub = ctx.socket(zmq.SUB)
sub.curve_publickey = client_public.encode("ascii")
sub.curve_secretkey = client_secret.encode("ascii")
sub.curve_serverkey = server_public.encode("ascii")
sub.setsockopt(zmq.SUBSCRIBE, prefix.encode("utf-8"))
sub.setsockopt(zmq.RCVTIMEO, 30000)
sub.connect(endpoint)
print("READY", flush=True)
try:
    topic, body = sub.recv_multipart()
except zmq.Again:
    sys.exit(1)
print(topic.decode("utf-8") + "\t" + body.decode("utf-8"), flush=True)
sub.close(linger=0)
ctx.term()
