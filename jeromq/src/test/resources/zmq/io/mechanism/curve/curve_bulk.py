"""The libzmq (pyzmq) side of CurveLibzmqInteropTest: bulk CURVE traffic both ways.

Usage:
  curve_bulk.py bind SERVER_SECRET COUNT
      CURVE server: binds a PAIR socket on loopback, prints "ENDPOINT <endpoint>"
  curve_bulk.py connect ENDPOINT SERVER_PUBLIC CLIENT_PUBLIC CLIENT_SECRET COUNT
      CURVE client of the server at ENDPOINT
Then sends COUNT two-frame messages (the index in decimal, and a body of a size taken in turn
from SIZES whose byte j is (index + j) mod 256), in windows of 50, and checks that the peer
echoes each one back unchanged. Prints "OK <count> <body bytes>" and exits 0, or prints the
first difference and exits 1 (2 on a 30 s timeout).
"""
import sys

import zmq

SIZES = [0, 1, 31, 32, 33, 255, 256, 1000, 1024, 3000, 8192, 65536, 300000]
WINDOW = 50
BASE = bytes(range(256)) * (max(SIZES) // 256 + 2)


def body(i):
    size = SIZES[i % len(SIZES)]
    return BASE[i % 256:i % 256 + size]


def main():
    ctx = zmq.Context()
    pair = ctx.socket(zmq.PAIR)
    pair.setsockopt(zmq.RCVTIMEO, 30000)
    pair.setsockopt(zmq.SNDTIMEO, 30000)
    pair.setsockopt(zmq.LINGER, 1000)
    if sys.argv[1] == "bind":
        _, _, server_secret, count = sys.argv
        pair.curve_secretkey = server_secret.encode("ascii")
        pair.curve_server = True
        pair.bind("tcp://127.0.0.1:*")
        print("ENDPOINT", pair.getsockopt(zmq.LAST_ENDPOINT).decode("ascii"), flush=True)
    else:
        _, _, endpoint, server_public, client_public, client_secret, count = sys.argv
        pair.curve_serverkey = server_public.encode("ascii")
        pair.curve_publickey = client_public.encode("ascii")
        pair.curve_secretkey = client_secret.encode("ascii")
        pair.connect(endpoint)
    count = int(count)
    total = 0
    try:
        for start in range(0, count, WINDOW):
            end = min(count, start + WINDOW)
            for i in range(start, end):
                pair.send_multipart([str(i).encode("ascii"), body(i)])
            for i in range(start, end):
                frames = pair.recv_multipart()
                if frames != [str(i).encode("ascii"), body(i)]:
                    print("MISMATCH at message", i, [len(f) for f in frames], flush=True)
                    return 1
                total += len(frames[1])
    except zmq.Again:
        print("TIMEOUT after", total, "bytes", flush=True)
        return 2
    print("OK", count, total, flush=True)
    pair.close()
    ctx.term()
    return 0


if __name__ == "__main__":
    sys.exit(main())
