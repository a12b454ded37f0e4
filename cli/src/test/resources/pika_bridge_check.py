"""An AMQP client independent of the bridge (Debian's python3-pika), for BridgeProcessIT.

consume PORT QUEUE COUNT TIMEOUT BINDING...   declare and bind QUEUE, print "ready", then print one
                                              JSON line per message (with the problems found in it)
                                              until COUNT arrived; exit 1 on timeout
publish PORT ROUTING_KEY N                    publish N messages as fedora-messaging does
deadletter PORT QUEUE TIMEOUT                 print the first message of QUEUE as a JSON line
"""
import datetime
import json
import sys
import uuid

import pika

USER = "fedmsg-test"
PASSWORD = "fedmsg-test-secret"


def connect(port):
    params = pika.ConnectionParameters(host="127.0.0.1", port=int(port),
                                       credentials=pika.PlainCredentials(USER, PASSWORD))
    return pika.BlockingConnection(params)


def text(value):
    return value.decode("utf-8") if isinstance(value, bytes) else value


def check(method, props, body):
    """The fedora-messaging headers and properties, and the carried frames, as a consumer reads them."""
    problems = []
    headers = props.headers or {}
    if props.content_type != "application/json":
        problems.append("content_type %r" % props.content_type)
    if props.content_encoding != "utf-8":
        problems.append("content_encoding %r" % props.content_encoding)
    if props.delivery_mode != 2:
        problems.append("delivery_mode %r" % props.delivery_mode)
    if text(headers.get("fedora_messaging_schema")) != "base.message":
        problems.append("schema %r" % headers.get("fedora_messaging_schema"))
    if headers.get("fedora_messaging_severity") != 20:
        problems.append("severity %r" % headers.get("fedora_messaging_severity"))
    if headers.get("priority") != 0:
        problems.append("priority %r" % headers.get("priority"))
    try:
        sent = datetime.datetime.fromisoformat(text(headers.get("sent-at")))
        if sent.utcoffset() != datetime.timedelta(0):
            problems.append("sent-at not UTC")
    except Exception as e:  # noqa: BLE001 - any failure is a finding
        problems.append("sent-at %r: %s" % (headers.get("sent-at"), e))
    payload = json.loads(body.decode("utf-8"))
    frames = headers.get("fedmsg_frames") or []
    if len(frames) not in (2, 3) or not all(isinstance(f, bytes) for f in frames):
        problems.append("fedmsg_frames %r" % (frames,))
    else:
        if frames[0].decode("utf-8") != method.routing_key:
            problems.append("frame topic %r" % frames[0])
        envelope = json.loads(frames[1].decode("utf-8"))
        if envelope.get("msg") != payload:
            problems.append("frame msg differs from body")
        if envelope.get("msg_id") != props.message_id:
            problems.append("frame msg_id %r != message_id %r" % (envelope.get("msg_id"), props.message_id))
    users = sorted(k[len("fedora_messaging_user_"):] for k in headers if k.startswith("fedora_messaging_user_"))
    return {"routing_key": method.routing_key, "message_id": props.message_id, "body": payload,
            "origin": text(headers.get("fedmsg_bridge_origin")), "signer": text(headers.get("fedmsg_signer")),
            "users": users, "problems": problems}


def consume(port, queue, count, timeout, bindings):
    conn = connect(port)
    ch = conn.channel()
    ch.queue_declare(queue=queue, durable=True)
    for key in bindings:
        ch.queue_bind(queue=queue, exchange="amq.topic", routing_key=key)
    print("ready", flush=True)
    got = 0
    for method, props, body in ch.consume(queue, inactivity_timeout=float(timeout)):
        if method is None:
            print("timeout", flush=True)
            return 1
        ch.basic_ack(method.delivery_tag)
        if (props.headers or {}).get("fedmsg_bridge_origin") in (b"bus", "bus"):
            print(json.dumps(check(method, props, body)), flush=True)
        else:
            print(json.dumps({"routing_key": method.routing_key, "message_id": props.message_id,
                              "body": json.loads(body.decode("utf-8")), "origin": None, "problems": []}),
                  flush=True)
        got += 1
        if got >= int(count):
            return 0
    return 1


def publish(port, routing_key, n):
    conn = connect(port)
    ch = conn.channel()
    ch.confirm_delivery()
    for i in range(int(n)):
        now = datetime.datetime.now(tz=datetime.timezone.utc).replace(microsecond=0)
        props = pika.BasicProperties(
            content_type="application/json", content_encoding="utf-8", delivery_mode=2,
            message_id=str(uuid.uuid4()),
            headers={"fedora_messaging_schema": "base.message", "sent-at": now.isoformat(),
                     "fedora_messaging_severity": 20, "priority": 0, "fedora_messaging_user_pika": True})
        ch.basic_publish("amq.topic", routing_key, json.dumps({"n": i, "from": "pika"}).encode("utf-8"), props)
        print(props.message_id, flush=True)
    conn.close()
    return 0


def deadletter(port, queue, timeout):
    conn = connect(port)
    ch = conn.channel()
    for method, props, body in ch.consume(queue, inactivity_timeout=float(timeout)):
        if method is None:
            print("timeout", flush=True)
            return 1
        ch.basic_ack(method.delivery_tag)
        headers = props.headers or {}
        print(json.dumps({"routing_key": text(headers.get("fedmsg_bridge_routing_key")),
                          "reason": text(headers.get("fedmsg_bridge_refusal")),
                          "detail": text(headers.get("fedmsg_bridge_refusal_detail")),
                          "message_id": props.message_id, "body": body.decode("utf-8")}), flush=True)
        return 0
    return 1


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "consume":
        sys.exit(consume(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6:]))
    if mode == "publish":
        sys.exit(publish(sys.argv[2], sys.argv[3], sys.argv[4]))
    if mode == "deadletter":
        sys.exit(deadletter(sys.argv[2], sys.argv[3], sys.argv[4]))
    sys.exit("unknown mode " + mode)
