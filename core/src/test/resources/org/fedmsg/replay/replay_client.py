# A native replay request from libzmq (pyzmq), as an outside client would write it:
# DEALER, CURVE client, frames [b"fedmsg/2 replay", JSON]; prints the reply as JSON
# {"header": {...}, "frames": [base64, ...]} on one line.
# Usage: replay_client.py URL SERVER_KEY CLIENT_PUBLIC CLIENT_SECRET SIGNER EPOCH FROM TO
import base64
import json
import sys

import zmq

url, server_key, client_public, client_secret, signer, epoch, first, last = sys.argv[1:9]
ctx = zmq.Context()
s = ctx.socket(zmq.DEALER)
s.setsockopt(zmq.LINGER, 0)
s.curve_serverkey = server_key.encode("ascii")
s.curve_publickey = client_public.encode("ascii")
s.curve_secretkey = client_secret.encode("ascii")
s.connect(url)
request = {"signer": signer, "epoch": epoch, "from": int(first), "to": int(last)}
s.send_multipart([b"fedmsg/2 replay", json.dumps(request).encode("utf-8")])
if not s.poll(15000):
    print(json.dumps({"error": "no reply"}))
    sys.exit(3)
reply = s.recv_multipart()
print(json.dumps({"header": json.loads(reply[0]),
                  "frames": [base64.b64encode(f).decode("ascii") for f in reply[1:]]}))
sys.stdout.flush()
s.close()
ctx.term()
