"""A libzmq (pyzmq) subscriber for the compact fedmsg/2 interoperability test.

Usage: compact_sub.py ENDPOINT TOPIC_PREFIX COUNT
Prints READY once connected, then one line per message: its frames in hex, separated by tabs.
Exits after COUNT messages (or after 30 s without one, with status 1).
"""
import sys

import zmq

endpoint, prefix, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
ctx = zmq.Context()
sub = ctx.socket(zmq.SUB)
sub.setsockopt(zmq.SUBSCRIBE, prefix.encode("utf-8"))
sub.setsockopt(zmq.RCVTIMEO, 30000)
sub.connect(endpoint)
print("READY", flush=True)
for _ in range(count):
    try:
        frames = sub.recv_multipart()
    except zmq.Again:
        sys.exit(1)
    print("\t".join(f.hex() for f in frames), flush=True)
sub.close(linger=0)
ctx.term()
