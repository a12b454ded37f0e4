"""A reference fedmsg/1 publisher with a persistent store and its replay server, for the interoperability test.

Written from docs/fedmsg-reference.md (no fedmsg package is installed): messages are signed as
fedmsg.crypto.x509 signs them, then persistent_store.add() gives them a seq_id AFTER signing (the
reference's flaw); ReplayContext answers REQ queries from that store with SqlStore's semantics,
including its broken seq_id_range and its error texts.

Usage: reference_publisher.py SSLDIR CERTNAME TOPIC COUNT LIVE TAMPERED ABSENT
  LIVE, TAMPERED, ABSENT: comma-separated seq_ids (possibly empty): the ones sent live on the PUB
  socket; the ones whose stored copy is altered after signing; the ones not in the store.
Prints "PUB <url>" and "REPLAY <url>", waits for a subscription, signs COUNT messages, sends the
LIVE ones, then serves replay queries (printing "QUERY <json>" for each) until stdin closes.
"""
import base64
import json
import select
import sys
import time
import uuid

import zmq
from cryptography import x509
from cryptography.hazmat.backends import default_backend
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

ssldir, certname, topic, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
ids = lambda arg: [int(x) for x in arg.split(",") if x]
live, tampered, absent = ids(sys.argv[5]), ids(sys.argv[6]), ids(sys.argv[7])


def dumps(obj):
    # fedmsg.encoding.dumps
    return json.dumps(obj, sort_keys=True, separators=(",", ":"))


def wrap76(b):
    text = base64.b64encode(b).decode("ascii")
    return "\n".join(text[i:i + 76] for i in range(0, len(text), 76)) + "\n"


def sign(message):
    # fedmsg.crypto.x509_ng.sign
    message["crypto"] = "x509"
    with open("%s/%s.key" % (ssldir, certname), "rb") as f:
        key = serialization.load_pem_private_key(f.read(), password=None, backend=default_backend())
    signature = key.sign(dumps(message).encode("utf-8"), padding.PKCS1v15(), hashes.SHA1())
    with open("%s/%s.crt" % (ssldir, certname), "rb") as f:
        pem = x509.load_pem_x509_certificate(f.read(), default_backend()).public_bytes(serialization.Encoding.PEM)
    return dict(list(message.items()) + [("signature", wrap76(signature)), ("certificate", wrap76(pem))])


class ListStore(object):
    """fedmsg.replay.sqlstore.SqlStore over a list, with its exact behaviour."""

    def __init__(self):
        self.rows = []

    def add(self, msg):
        msg["seq_id"] = len(self.rows) + 1
        self.rows.append(dict(msg))
        return msg

    def _query_seq_ids(self, arg):
        return lambda m: m["seq_id"] in arg

    def _query_seq_id(self, arg):
        return lambda m: m["seq_id"] == arg

    def _query_seq_id_range(self, arg):
        try:
            sid_beg, sid_end = arg
        except (TypeError, ValueError):
            raise ValueError('Ill-format "sed_id_range" field')
        raise AttributeError("type object 'SqlMessage' has no attribute 'sed_id'")   # the reference's typo

    def _query_msg_ids(self, arg):
        return lambda m: m["msg_id"] in arg

    def _query_msg_id(self, arg):
        return lambda m: m["msg_id"] == arg

    def _query_time(self, arg):
        try:
            time_beg, time_end = arg
        except (TypeError, ValueError):
            raise ValueError('Ill-format "time" field')
        return lambda m: time_beg <= m["timestamp"] <= time_end

    def get(self, query):
        predicates = []
        for key, value in query.items():
            fn = getattr(self, "_query_{0}".format(key), None)
            if not fn:
                raise ValueError('Unsupported field: "key"')
            try:
                predicates.append(fn(value))
            except ValueError:
                raise
            except Exception:
                raise ValueError("Something went wrong when processing the field \"{0}\"".format(key))
        ret = [m for m in self.rows if m["seq_id"] not in absent and any(p(m) for p in predicates)]
        if len(ret) == 0:
            raise ValueError("There was no match for the given query")
        return ret


ctx = zmq.Context()
pub = ctx.socket(zmq.XPUB)   # a PUB on the wire; XPUB only to see the subscriber arrive
pub.bind("tcp://127.0.0.1:*")
rep = ctx.socket(zmq.REP)
rep.bind("tcp://127.0.0.1:*")
print("PUB " + pub.getsockopt_string(zmq.LAST_ENDPOINT), flush=True)
print("REPLAY " + rep.getsockopt_string(zmq.LAST_ENDPOINT), flush=True)

if pub.poll(30000) == 0:
    sys.exit("no subscriber")
pub.recv()

store = ListStore()
sent = []
for n in range(1, count + 1):
    msg = sign(dict(topic=topic, msg={"n": n}, timestamp=int(time.time()),
                    msg_id="%d-%s" % (time.gmtime().tm_year, uuid.uuid4()), i=n, username="reference"))
    msg = store.add(msg)   # core.py: the seq_id comes after the signature
    if n in tampered:
        store.rows[-1]["msg"] = {"n": -n}
    if n in live:
        pub.send_multipart([topic.encode("utf-8"), dumps(msg).encode("utf-8")])
print("SENT", flush=True)

poller = zmq.Poller()
poller.register(rep, zmq.POLLIN)
while True:
    ready, _, _ = select.select([sys.stdin], [], [], 0)
    if ready and not sys.stdin.readline():
        break
    if not dict(poller.poll(100)):
        continue
    query = json.loads(rep.recv().decode("utf-8"))
    print("QUERY " + dumps(query), flush=True)
    try:
        rep.send_multipart([dumps(m).encode("utf-8") for m in store.get(query)])
    except ValueError as e:
        rep.send(u"error: '{0}'".format(e).encode("utf-8"))
pub.close(linger=0)
rep.close(linger=0)
ctx.term()
