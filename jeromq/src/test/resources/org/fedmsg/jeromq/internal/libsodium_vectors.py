"""Writes crypto_box known-answer vectors computed by libsodium (the library under libzmq's CURVE).

Run with the system python (libsodium is installed with libzmq):
    /usr/bin/python3 libsodium_vectors.py > box-vectors.txt
Each line: kind, then hex fields.
  keypair  SECRET PUBLIC                         crypto_scalarmult_base
  beforenm SECRET PUBLIC SHARED_KEY              crypto_box_beforenm
  box      SECRET PUBLIC NONCE MESSAGE BOX       crypto_box_easy (BOX = tag + ciphertext)
  secretbox KEY NONCE MESSAGE BOX                crypto_secretbox_easy
The keys are RFC 7748's (section 6.1), the same as NaCl's own crypto_box tests.
"""
import ctypes
import ctypes.util
import hashlib

sodium = ctypes.CDLL(ctypes.util.find_library("sodium") or "libsodium.so.23")
assert sodium.sodium_init() >= 0

ALICE_SK = bytes.fromhex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a")
BOB_SK = bytes.fromhex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb")


def buf(n):
    return ctypes.create_string_buffer(n)


def public(sk):
    pk = buf(32)
    assert sodium.crypto_scalarmult_base(pk, sk) == 0
    return pk.raw


def beforenm(pk, sk):
    k = buf(32)
    assert sodium.crypto_box_beforenm(k, pk, sk) == 0
    return k.raw


def box(m, n, pk, sk):
    c = buf(len(m) + 16)
    assert sodium.crypto_box_easy(c, m, ctypes.c_ulonglong(len(m)), n, pk, sk) == 0
    return c.raw


def secretbox(m, n, k):
    c = buf(len(m) + 16)
    assert sodium.crypto_secretbox_easy(c, m, ctypes.c_ulonglong(len(m)), n, k) == 0
    return c.raw


def det(label, n):
    out = b""
    i = 0
    while len(out) < n:
        out += hashlib.sha256(("%s/%d" % (label, i)).encode()).digest()
        i += 1
    return out[:n]


alice_pk, bob_pk = public(ALICE_SK), public(BOB_SK)
print("keypair", ALICE_SK.hex(), alice_pk.hex())
print("keypair", BOB_SK.hex(), bob_pk.hex())
print("beforenm", ALICE_SK.hex(), bob_pk.hex(), beforenm(bob_pk, ALICE_SK).hex())
print("beforenm", BOB_SK.hex(), alice_pk.hex(), beforenm(alice_pk, BOB_SK).hex())
for size in (0, 1, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129, 1000, 1024, 3000):
    n, m = det("nonce", 24), det("message%d" % size, size)
    print("box", ALICE_SK.hex(), bob_pk.hex(), n.hex(), m.hex() or "-", box(m, n, bob_pk, ALICE_SK).hex())
    k, n2 = det("key%d" % size, 32), det("nonce%d" % size, 24)
    print("secretbox", k.hex(), n2.hex(), m.hex() or "-", secretbox(m, n2, k).hex())
