#!/usr/bin/env python3
"""An independent implementation of docs/client-envelope-format.md (Python, `cryptography`), which
wrote vector-1.txt; CoffreEnvelopeVectorTest checks that the Java code produces the same bytes and
opens them. Run: python3 make_vector.py > vector-1.txt"""
import hashlib
import hmac
import struct

from cryptography.hazmat.primitives.ciphers.aead import AESGCM


def hkdf_extract(salt, ikm):
    return hmac.new(salt, ikm, hashlib.sha256).digest()


def hkdf_expand(prk, info, length):
    out, block, counter = b"", b"", 1
    while len(out) < length:
        block = hmac.new(prk, block + info + bytes([counter]), hashlib.sha256).digest()
        out += block
        counter += 1
    return out[:length]


def canonical_context(context):
    pairs = sorted((k.encode(), v.encode()) for k, v in context.items())
    out = struct.pack(">I", len(pairs))
    for k, v in pairs:
        out += struct.pack(">I", len(k)) + k + struct.pack(">I", len(v)) + v
    return out


data_key = bytes(range(0x00, 0x20))
wrapped = b"fixed-wrapped-data-key"
message_id = bytes(range(0xA0, 0xC0))
nonce_prefix = bytes(range(0xC0, 0xC7))
segment_size = 16
context = {"tenant": "acme", "file": "a.csv"}
plaintext = b"Coffre envelope test vector, three segments"
associated_data = b"record-42"

ctx = canonical_context(context)
body = (b"CFEN" + bytes([1]) + struct.pack(">I", segment_size) + message_id + nonce_prefix
        + struct.pack(">H", len(wrapped)) + wrapped + struct.pack(">I", len(ctx)) + ctx)
prk = hkdf_extract(message_id, data_key)
bound = hashlib.sha256(body).digest() + hashlib.sha256(associated_data).digest()
key = hkdf_expand(prk, b"coffre envelope v1 key" + bound, 32)
commitment = hkdf_expand(prk, b"coffre envelope v1 commitment" + bound, 32)

segments = [plaintext[i:i + segment_size] for i in range(0, len(plaintext), segment_size)] or [b""]
sealed = b""
for index, segment in enumerate(segments):
    last = index == len(segments) - 1
    nonce = nonce_prefix + struct.pack(">I", index) + bytes([1 if last else 0])
    sealed += AESGCM(key).encrypt(nonce, segment, None)

print("data_key=" + data_key.hex())
print("wrapped=" + wrapped.hex())
print("message_id=" + message_id.hex())
print("nonce_prefix=" + nonce_prefix.hex())
print("segment_size=%d" % segment_size)
print("context=file:a.csv,tenant:acme")
print("plaintext=" + plaintext.hex())
print("associated_data=" + associated_data.hex())
print("header_body=" + body.hex())
print("message_key=" + key.hex())
print("commitment=" + commitment.hex())
print("message=" + (body + commitment + sealed).hex())
