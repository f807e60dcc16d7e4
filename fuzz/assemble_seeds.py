#!/usr/bin/env python3
"""Assembles each fuzz target's seeds in OUT/<target>/ (and its dictionary as OUT/<target>.dict)
from what the repository already holds: the sample corpora, the test data, the raw string
literals of the tests (JSON and XML answers, events), the AWS SigV4 test suite's requests and the
small hand-made seeds in fuzz/seeds/<target>/. Usage: assemble_seeds.py OUT"""

import glob
import hashlib
import os
import re
import shutil
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# target: (repository files, which test literals, a prefix for each literal, dictionary)
SOURCES = {
    "annotation_fuzz": ([], lambda s: "Confirmed" in s, b"\x19", "json.dict"),
    "corpus_fuzz": (["samples/*.csv", "tests/data/*.csv"], None, b"", "csv.dict"),
    "custom_resource_fuzz": ([], lambda s: "RequestType" in s, b"", "json.dict"),
    "dynamodb_response_fuzz": ([], lambda s: s.lstrip().startswith("{"), b"", "json.dict"),
    "post_labeling_event_fuzz": ([], lambda s: s.lstrip().startswith(("{", "[")), b"", "json.dict"),
    "pre_labeling_event_fuzz": ([], lambda s: "s3_image_url" in s, b"", "json.dict"),
    "review_export_fuzz": (["samples/*.csv", "tests/data/*.csv"], None, b"", "csv.dict"),
    "review_request_fuzz": ([], None, b"", None),
    "s3_response_fuzz": ([], lambda s: s.lstrip().startswith("<"), b"", "xml.dict"),
    "sigv4_fuzz": (["tests/data/aws-sigv4-test-suite/*/request.txt"], None, b"", None),
}

RAW_STRING = re.compile(r'R"([^(\s]{0,16})\((.*?)\)\1"', re.DOTALL)


def test_literals():
    literals = []
    for path in sorted(glob.glob(os.path.join(ROOT, "tests", "**", "*.cpp"), recursive=True)):
        with open(path, encoding="utf-8") as source:
            literals += [match.group(2) for match in RAW_STRING.finditer(source.read())]
    return literals


def write_seed(directory, data):
    # Named by content, as libFuzzer names its own units: the same seed twice is one file.
    with open(os.path.join(directory, hashlib.sha1(data).hexdigest()), "wb") as seed:
        seed.write(data)


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    literals = test_literals()
    for target, (patterns, wanted, prefix, dictionary) in SOURCES.items():
        directory = os.path.join(out, target)
        shutil.rmtree(directory, ignore_errors=True)
        os.makedirs(directory)
        files = [p for pattern in patterns for p in glob.glob(os.path.join(ROOT, pattern))]
        files += glob.glob(os.path.join(ROOT, "fuzz", "seeds", target, "*"))
        for path in files:
            with open(path, "rb") as seed:
                write_seed(directory, seed.read())
        for literal in literals if wanted else []:
            if wanted(literal):
                write_seed(directory, prefix + literal.encode("utf-8"))
        if dictionary:
            shutil.copyfile(os.path.join(ROOT, "fuzz", "dictionaries", dictionary),
                            os.path.join(out, target + ".dict"))
        print(f"{target}: {len(os.listdir(directory))} seeds")


if __name__ == "__main__":
    main()
