"""A reference replay client, for the interoperability test.

Written from docs/fedmsg-reference.md section e (no fedmsg package is installed): get_replay and
check_for_replay as the reference has them, and the signature check of fedmsg.crypto.x509_ng.validate
(RSA PKCS#1 v1.5 SHA-1 over the canonical JSON of the message without signature and certificate).

Usage: reference_client.py NAME URL QUERY_JSON...
For each query prints one line per message, "MSG <seq_id> <sig ok|sig bad> <json>", or
"ERROR <text>" when get_replay raises. Then "CHECK <seq_ids>": what check_for_replay returns for
the message of seq_id 5 when the last one seen had seq_id 1.
"""
import base64
import json
import sys

import zmq
from cryptography import x509
from cryptography.hazmat.backends import default_backend
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

name, url, queries = sys.argv[1], sys.argv[2], sys.argv[3:]
config = {"replay_endpoints": {name: url}, "io_threads": 1}


def dumps(obj):
    return json.dumps(obj, sort_keys=True, separators=(",", ":"))


def get_replay(name, query, config, context=None):
    endpoint = config.get("replay_endpoints", {}).get(name, None)
    if not endpoint:
        raise IOError("No appropriate replay endpoint found for {0}".format(name))
    if not context:
        context = zmq.Context(config["io_threads"])
    socket = context.socket(zmq.REQ)
    socket.connect(endpoint)
    socket.send(dumps(query).encode("utf-8"))
    msgs = socket.recv_multipart()
    socket.close()
    for m in msgs:
        try:
            yield json.loads(m.decode("utf-8"))
        except ValueError:
            raise ValueError(m)


def check_for_replay(name, names_to_seq_id, msg, config, context=None):
    prev_seq_id = names_to_seq_id.get(name, None)
    cur_seq_id = msg.get("seq_id", None)
    if prev_seq_id is None or cur_seq_id is None:
        return [msg]
    if cur_seq_id <= prev_seq_id:
        return []
    if cur_seq_id == prev_seq_id + 1 or prev_seq_id < 0:
        ret = [msg]
    else:
        ret = list(get_replay(name, {"seq_id_range": (prev_seq_id, cur_seq_id)}, config, context))
        if len(ret) == 0 or ret[-1]["seq_id"] < msg["seq_id"]:
            ret.append(msg)
    names_to_seq_id[name] = cur_seq_id
    return ret


def signature_ok(msg):
    signed = dict((k, v) for k, v in msg.items() if k not in ("signature", "certificate"))
    cert = x509.load_pem_x509_certificate(base64.b64decode(msg["certificate"]), default_backend())
    try:
        cert.public_key().verify(base64.b64decode(msg["signature"]), dumps(signed).encode("utf-8"),
                                 padding.PKCS1v15(), hashes.SHA1())
        return True
    except Exception:
        return False


for q in queries:
    try:
        for m in get_replay(name, json.loads(q), config):
            print("MSG %d %s %s" % (m["seq_id"], "sig ok" if signature_ok(m) else "sig bad", dumps(m)), flush=True)
    except ValueError as e:
        text = e.args[0]
        print("ERROR " + (text.decode("utf-8") if isinstance(text, bytes) else text), flush=True)

fifth = list(get_replay(name, {"seq_id": 5}, config))[0]
got = check_for_replay(name, {name: 1}, fifth, config)
print("CHECK " + ",".join(str(m["seq_id"]) for m in got), flush=True)
