#!/usr/bin/env python3
"""Validate OSCAL assessment-results JSON documents against NIST's schema in tests/data/oscal.

usage: oscal_validate.py FILE.json [FILE.json ...]
Exit 0 when every file is valid, 1 when one is not (each error printed with its JSON path), 2 on
a usage error or a missing module. Needs Debian's python3-jsonschema and python3-regex: the
schema's patterns use Unicode classes (\\p{L}) that Python's re module lacks, so they are matched
with regex instead.
"""
import json
import pathlib
import sys

try:
    import jsonschema
    import regex
except ImportError as missing:
    print(f"oscal_validate.py: {missing}; install python3-jsonschema and python3-regex",
          file=sys.stderr)
    sys.exit(2)

SCHEMA = (pathlib.Path(__file__).resolve().parent.parent / "data" / "oscal"
          / "oscal_assessment-results_schema.json")
MAX_ERRORS = 50


def unicode_pattern(validator, expected, instance, _schema):
    if validator.is_type(instance, "string") and not regex.search(expected, instance):
        yield jsonschema.ValidationError(f"{instance!r} does not match {expected!r}")


def validate(validator, path):
    try:
        document = json.loads(pathlib.Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        print(f"{path}: cannot read JSON: {error}")
        return False
    errors = sorted(validator.iter_errors(document), key=lambda e: list(map(str, e.absolute_path)))
    for error in errors[:MAX_ERRORS]:
        where = "/".join(str(part) for part in error.absolute_path) or "(root)"
        print(f"{path}: {where}: {error.message[:300]}")
    if not errors:
        print(f"{path}: valid OSCAL assessment-results")
    return not errors


def main(paths):
    if not paths:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    draft7 = jsonschema.validators.extend(jsonschema.Draft7Validator,
                                          {"pattern": unicode_pattern})
    validator = draft7(json.loads(SCHEMA.read_text(encoding="utf-8")))
    results = [validate(validator, path) for path in paths]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
