#!/usr/bin/env python3
"""Signs random S3 and DynamoDB requests with botocore, the reference for bulkqa's SigV4 signer.

Usage: botocore_sign.py --seed SEED --count COUNT [--presign]

Prints one JSON object per line: the request's inputs (method, host, wire path, decoded query
pairs, headers, body, service, region, credentials, timestamp) and what botocore made of them
(canonical request, string to sign, signature, Authorization and the headers it added).
With --presign, each line is instead a random S3 GetObject pre-signed by botocore's
generate_presigned_url: the endpoint, addressing style, bucket, key, credentials, time and expiry,
and the URL. tests/unit/sigv4_botocore_test.cpp signs the same inputs and expects the same
outputs. The same seed always gives the same requests, so a failure reproduces.
"""

import argparse
import datetime
import hashlib
import json
import random
import string
import sys
from unittest import mock
from urllib.parse import urlsplit

import botocore.auth
import botocore.session
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.utils import percent_encode

METHODS = ["GET", "PUT", "POST", "DELETE", "HEAD"]
REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "ap-southeast-2", "sa-east-1"]
BASE64_ALPHABET = string.ascii_letters + string.digits + "+/"
# Characters S3 keys may hold that URL encoding, path normalization or sorting could get wrong.
KEY_PIECES = list(string.ascii_letters + string.digits) + [
    " ", "~", "!", "*", "(", ")", "+", "=", ",", ";", "@", "%", "-", "_", ".", "'", "&", "$",
    "?", "#", ":", "[", "]", "é", "ü", "日本", "Ω", "🙂", "%20", "%2F",
]
HEADER_NAMES = [
    "Content-Type", "Cache-Control", "Content-Disposition", "Content-Encoding", "Content-Language",
    "If-None-Match", "If-Match", "Range", "X-Amz-Storage-Class", "X-Amz-Acl", "X-Amz-Tagging",
    "X-Custom-Trace", "X-Amz-Server-Side-Encryption",
]
# Header values stay printable ASCII plus tabs: what HTTP allows on the wire.
HEADER_WORD_CHARS = string.ascii_letters + string.digits + "\"'/=+-_.:;,()*&^%$#@!?<>[]{}|\\`~"


class Recorder:
    """Keeps botocore's intermediate results, which add_auth computes but does not return."""

    def canonical_request(self, request):
        self.recorded_canonical_request = super().canonical_request(request)
        return self.recorded_canonical_request

    def string_to_sign(self, request, canonical_request):
        self.recorded_string_to_sign = super().string_to_sign(request, canonical_request)
        return self.recorded_string_to_sign


class RecordingSigV4Auth(Recorder, botocore.auth.SigV4Auth):
    pass


class RecordingS3SigV4Auth(Recorder, botocore.auth.S3SigV4Auth):
    pass


def random_text(rng, alphabet, low, high):
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(low, high)))


def random_case(rng, name):
    return "".join(c.upper() if rng.random() < 0.5 else c.lower() for c in name)


def random_segment(rng):
    return "".join(rng.choice(KEY_PIECES) for _ in range(rng.randint(1, 6)))


def random_s3_key(rng):
    segments = []
    for _ in range(rng.randint(1, 4)):
        roll = rng.random()
        if roll < 0.08:
            segments.append("..")
        elif roll < 0.16:
            segments.append(".")
        elif roll < 0.22:
            segments.append("")
        else:
            segments.append(random_segment(rng))
    return "/".join(segments)


def random_bucket(rng):
    return random_text(rng, string.ascii_lowercase + string.digits, 3, 10) + rng.choice(
        ["", "-data", ".labels"]
    )


def continuation_token(rng):
    return random_text(rng, BASE64_ALPHABET, 10, 60) + rng.choice(["", "=", "=="])


def random_s3_query(rng):
    roll = rng.random()
    query = []
    if roll < 0.35:
        query.append(("list-type", "2"))
        if rng.random() < 0.7:
            query.append(("prefix", random_s3_key(rng) + rng.choice(["", "/"])))
        if rng.random() < 0.5:
            query.append(("delimiter", "/"))
        if rng.random() < 0.5:
            query.append(("continuation-token", continuation_token(rng)))
        if rng.random() < 0.3:
            query.append(("start-after", random_s3_key(rng)))
        if rng.random() < 0.3:
            query.append(("max-keys", str(rng.randint(1, 1000))))
        if rng.random() < 0.3:
            query.append(("encoding-type", "url"))
    elif roll < 0.45:
        query.append(("uploads", ""))
    elif roll < 0.55:
        query.append(("partNumber", str(rng.randint(1, 10000))))
        query.append(("uploadId", continuation_token(rng)))
    elif roll < 0.62:
        query.append(("versionId", continuation_token(rng)))
    elif roll < 0.70:
        query.append(("tagging", ""))
        query.append(("tag", random_segment(rng)))
        query.append(("tag", random_segment(rng)))
    rng.shuffle(query)
    return query


def random_generic_query(rng):
    if rng.random() < 0.6:
        return []
    return [(random_segment(rng), random_segment(rng)) for _ in range(rng.randint(1, 4))]


def random_header_value(rng):
    if rng.random() < 0.05:
        return ""
    words = [random_text(rng, HEADER_WORD_CHARS, 1, 12) for _ in range(rng.randint(1, 4))]
    if rng.random() < 0.2:
        words = ['"' + words[0]] + words[1:-1] + [words[-1] + '"']
    value = ""
    for i, word in enumerate(words):
        if i > 0:
            value += random_text(rng, "  \t", 1, 4)
        value += word
    padding = "  \t"
    return random_text(rng, padding, 0, 3) + value + random_text(rng, padding, 0, 3)


def random_headers(rng, fixed):
    """Fixed headers first, then random ones; some names repeat in another case."""
    headers = list(fixed)
    for _ in range(rng.randint(0, 5)):
        if rng.random() < 0.5:
            name = "X-Amz-Meta-" + random_text(rng, string.ascii_letters + string.digits + "-", 1, 10)
        else:
            name = rng.choice(HEADER_NAMES)
        headers.append((random_case(rng, name), random_header_value(rng)))
        if rng.random() < 0.15:
            headers.append((random_case(rng, name), random_header_value(rng)))
    return headers


def random_body(rng, method):
    if method in ("GET", "HEAD", "DELETE") and rng.random() < 0.8:
        return b""
    roll = rng.random()
    if roll < 0.2:
        return b""
    if roll < 0.4:
        return rng.randbytes(rng.randint(1, 200))
    return random_text(rng, string.printable + "éü日本🙂", 1, 300).encode("utf-8")


def random_credentials(rng):
    token = None
    if rng.random() < 0.5:
        token = random_text(rng, BASE64_ALPHABET, 100, 300) + "=="
    return Credentials(
        "AKIA" + random_text(rng, string.ascii_uppercase + string.digits, 16, 16),
        random_text(rng, BASE64_ALPHABET, 40, 40),
        token,
    )


def random_endpoint(rng, region, bucket):
    """Scheme, host and the path prefix a client puts before an S3 key (path or virtual style)."""
    roll = rng.random()
    if roll < 0.4:
        return "https", f"{bucket}.s3.{region}.amazonaws.com", ""
    if roll < 0.7:
        return "https", f"s3.{region}.amazonaws.com", "/" + bucket
    return "http", rng.choice(["127.0.0.1:5000", "localhost:4566"]), "/" + bucket


def s3_request(rng, region):
    """An S3 request as botocore's REST serializer would build it: the key encoded with '/' kept."""
    method = rng.choice(METHODS)
    scheme, host, prefix = random_endpoint(rng, region, random_bucket(rng))
    key = "" if rng.random() < 0.15 else random_s3_key(rng)
    path = prefix + "/" + percent_encode(key, safe="/~")
    body = random_body(rng, method)
    fixed = []
    unsigned_payload = scheme == "https" and rng.random() < 0.15
    if unsigned_payload:
        fixed.append(("Content-MD5", random_text(rng, BASE64_ALPHABET, 22, 22) + "=="))
    request = AWSRequest(
        method=method,
        url=f"{scheme}://{host}{path}",
        headers=None,
        data=body,
        params=random_s3_query(rng),
    )
    if unsigned_payload:
        # S3 leaves a streamed body with a checksum header unsigned over https.
        request.context["has_streaming_input"] = True
    return request, host, random_headers(rng, fixed)


def random_dynamodb_path(rng):
    """DynamoDB posts to "/", but the generic signer must normalize and re-encode any path."""
    if rng.random() < 0.6:
        return "/"
    segments = []
    for _ in range(rng.randint(1, 5)):
        segments.append(rng.choice(["", ".", "..", percent_encode(random_segment(rng), safe="")]))
    return "/" + "/".join(segments) + rng.choice(["", "/"])


def dynamodb_request(rng, region):
    method = "POST" if rng.random() < 0.7 else rng.choice(METHODS)
    if rng.random() < 0.6:
        scheme, host = "https", f"dynamodb.{region}.amazonaws.com"
    else:
        scheme, host = "http", rng.choice(["127.0.0.1:5000", "localhost:8000"])
    path = random_dynamodb_path(rng)
    operation = rng.choice(["BatchWriteItem", "GetItem", "UpdateItem", "Query", "Scan"])
    items = [
        {"PutRequest": {"Item": {"id": {"S": random_segment(rng)}, "n": {"N": str(i)}}}}
        for i in range(rng.randint(0, 25))
    ]
    body = json.dumps({"RequestItems": {"labels": items}}, ensure_ascii=False).encode("utf-8")
    fixed = [
        ("Content-Type", "application/x-amz-json-1.0"),
        ("X-Amz-Target", f"DynamoDB_20120810.{operation}"),
    ]
    request = AWSRequest(
        method=method,
        url=f"{scheme}://{host}{path}",
        headers=None,
        data=body if rng.random() < 0.9 else b"",
        params=random_generic_query(rng),
    )
    if scheme == "https" and rng.random() < 0.1:
        # Payload signing off: botocore sends and signs X-Amz-Content-SHA256: UNSIGNED-PAYLOAD.
        request.context["payload_signing_enabled"] = False
    return request, host, random_headers(rng, fixed)


def random_time(rng):
    seconds = rng.randrange(0, 4102444800)  # 1970 to 2099
    microseconds = rng.randrange(0, 1000000)
    when = datetime.datetime(1970, 1, 1) + datetime.timedelta(
        seconds=seconds, microseconds=microseconds
    )
    return seconds, microseconds, when


def sign_one(rng, index):
    service = rng.choice(["s3", "dynamodb"])
    region = rng.choice(REGIONS)
    if service == "s3":
        request, host, headers = s3_request(rng, region)
        signer_class = RecordingS3SigV4Auth
    else:
        request, host, headers = dynamodb_request(rng, region)
        signer_class = RecordingSigV4Auth
    for name, value in headers:
        request.headers[name] = value  # appends: repeated names stay separate, in order
    credentials = random_credentials(rng)
    seconds, microseconds, when = random_time(rng)
    body = request.data

    signer = signer_class(credentials, service, region)
    with mock.patch.object(botocore.auth, "get_current_datetime", lambda *_args, **_kw: when):
        signer.add_auth(request)
    payload_hash = signer.recorded_canonical_request.rsplit("\n", 1)[1]
    authorization = request.headers["Authorization"]

    return {
        "index": index,
        "service": service,
        "region": region,
        "method": request.method,
        "host": host,
        "path": urlsplit(request.url).path,
        "query": [list(pair) for pair in request.params],
        "headers": [list(header) for header in headers],
        "body_hex": body.hex(),
        "body_sha256": hashlib.sha256(body).hexdigest(),
        "payload_hash": payload_hash,
        "access_key_id": credentials.access_key,
        "secret_access_key": credentials.secret_key,
        "session_token": credentials.token or "",
        "epoch_seconds": seconds,
        "microseconds": microseconds,
        "canonical_request": signer.recorded_canonical_request,
        "string_to_sign": signer.recorded_string_to_sign,
        "signature": authorization.rsplit("Signature=", 1)[1],
        "authorization": authorization,
        "x_amz_date": request.headers["X-Amz-Date"],
        "x_amz_security_token": request.headers.get("X-Amz-Security-Token", ""),
        "x_amz_content_sha256": request.headers.get("X-Amz-Content-SHA256", ""),
    }


def presign_endpoint(rng, region):
    """The S3 endpoint URL and addressing style, as bulkqa's configuration would hold them."""
    roll = rng.random()
    if roll < 0.5:
        return f"https://s3.{region}.amazonaws.com", "virtual"
    if roll < 0.7:
        return f"https://s3.{region}.amazonaws.com", "path"
    return rng.choice(["http://127.0.0.1:5000", "http://localhost:4566/proxy"]), "path"


def presign_one(rng, index, session):
    region = rng.choice(REGIONS)
    endpoint_url, style = presign_endpoint(rng, region)
    bucket = random_bucket(rng)
    if "." in bucket:
        style = "path"  # bulkqa keeps dotted names out of the host name, where TLS would fail
    key = ""
    while not key:
        key = random_s3_key(rng)
    credentials = random_credentials(rng)
    expires = rng.randint(1, 3600)
    seconds, microseconds, when = random_time(rng)
    client = session.create_client(
        "s3",
        region_name=region,
        endpoint_url=endpoint_url,
        aws_access_key_id=credentials.access_key,
        aws_secret_access_key=credentials.secret_key,
        aws_session_token=credentials.token,
        config=Config(signature_version="s3v4", s3={"addressing_style": style}),
    )
    with mock.patch.object(botocore.auth, "get_current_datetime", lambda *_args, **_kw: when):
        url = client.generate_presigned_url(
            "get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=expires
        )
    return {
        "index": index,
        "region": region,
        "endpoint_url": endpoint_url,
        "path_style": style == "path",
        "bucket": bucket,
        "key": key,
        "access_key_id": credentials.access_key,
        "secret_access_key": credentials.secret_key,
        "session_token": credentials.token or "",
        "epoch_seconds": seconds,
        "microseconds": microseconds,
        "expires": expires,
        "url": url,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--presign", action="store_true")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    session = botocore.session.get_session()
    for index in range(args.count):
        if args.presign:
            print(json.dumps(presign_one(rng, index, session)))
        else:
            print(json.dumps(sign_one(rng, index)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
