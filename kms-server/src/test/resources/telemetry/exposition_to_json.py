#!/usr/bin/env python3
"""Parses a Prometheus text exposition (stdin) with the Prometheus Python client's own parser and
prints its families as JSON, for MetricsIT: [{"name", "type", "samples": [{"name", "labels",
"value"}]}]. Values are strings ("NaN", "+Inf" included: JSON has no such numbers). Exits 1 with
the parser's message on stderr when the exposition does not parse."""
import json
import math
import sys

from prometheus_client.parser import text_string_to_metric_families


def value(v):
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "Infinity" if v > 0 else "-Infinity"
    return repr(float(v))


def main():
    text = sys.stdin.read()
    try:
        families = [{
            "name": family.name,
            "type": family.type,
            "samples": [{"name": s.name, "labels": dict(s.labels), "value": value(s.value)} for s in family.samples],
        } for family in text_string_to_metric_families(text)]
    except Exception as e:  # the parser raises ValueError and others on a bad exposition
        print("cannot parse the exposition: %s" % e, file=sys.stderr)
        return 1
    json.dump(families, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
