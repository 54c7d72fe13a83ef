#!/usr/bin/env python3
"""Validate velocity's finding formats against the published schemas in tests/data.

usage: findings_validate.py sarif|junit|ocsf FILE [FILE ...]

sarif  the OASIS SARIF 2.1.0 JSON schema (tests/data/sarif, draft-04), with python3-jsonschema
junit  the JUnit XSD of Jenkins' xunit plugin (tests/data/junit), with xmllint (libxml2-utils)
ocsf   OCSF 1.3.0 (tests/data/ocsf): the class's required attributes, through its base class,
       includes and declared profiles, and those of every object it holds; enum ids; the
       constraints (at least one of) of the objects; class_uid, category_uid and type_uid
       consistent. The schema project publishes definitions, not a JSON Schema, so this reads
       the definitions themselves.

Exit 0 when every file is valid, 1 when one is not (each error printed), 2 on a usage error or
a missing tool.
"""
import json
import pathlib
import shutil
import subprocess
import sys

DATA = pathlib.Path(__file__).resolve().parent.parent / "data"
MAX_ERRORS = 50


def validate_sarif(path):
    try:
        import jsonschema
    except ImportError as missing:
        print(f"findings_validate.py: {missing}; install python3-jsonschema", file=sys.stderr)
        sys.exit(2)
    schema = json.loads((DATA / "sarif" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    document = json.loads(pathlib.Path(path).read_text(encoding="utf-8"))
    validator = jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())
    errors = sorted(validator.iter_errors(document), key=lambda e: list(map(str, e.absolute_path)))
    return [f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message[:300]}"
            for e in errors]


def validate_junit(path):
    if shutil.which("xmllint") is None:
        print("findings_validate.py: xmllint not found; install libxml2-utils", file=sys.stderr)
        sys.exit(2)
    run = subprocess.run(["xmllint", "--noout", "--schema", str(DATA / "junit" / "junit-10.xsd"),
                          str(path)], capture_output=True, text=True, check=False)
    return [] if run.returncode == 0 else run.stderr.strip().splitlines()


class Ocsf:
    """The OCSF definitions copied in tests/data/ocsf, resolved as the schema server does."""

    def __init__(self, root):
        self.root = root
        self.dictionary = self.load("dictionary.json")["attributes"]

    def load(self, relative):
        return json.loads((self.root / relative).read_text(encoding="utf-8"))

    def attributes(self, relative, profiles):
        """The attributes of a class or object file: its own over those it extends and includes."""
        definition = self.load(relative)
        merged = {}
        parent = definition.get("extends")
        if parent and parent != "object":
            folder = "objects" if relative.startswith("objects/") else "events"
            base = f"{folder}/{parent}.json"
            if not (self.root / base).exists():
                base = "events/findings/" + parent + ".json"
            merged.update(self.attributes(base, profiles)[0])
        constraints = definition.get("constraints", {})
        for name, spec in definition.get("attributes", {}).items():
            if name == "$include":
                for included in spec:
                    profile = included.startswith("profiles/")
                    if profile and pathlib.Path(included).stem not in profiles:
                        continue
                    merged.update(self.load(included).get("attributes", {}))
                continue
            merged[name] = {**merged.get(name, {}), **spec}
        return merged, constraints

    def check(self, value, relative, profiles, where, errors):
        attributes, constraints = self.attributes(relative, profiles)
        for name, spec in attributes.items():
            if spec.get("requirement") == "required" and name not in value:
                errors.append(f"{where}: required attribute '{name}' is missing")
        names = constraints.get("at_least_one")
        if names and not any(name in value for name in names):
            errors.append(f"{where}: needs at least one of {names}")
        for name, item in value.items():
            base = name[:-3]
            if name.endswith("_dt") and "datetime" in profiles and base in attributes and \
                    self.dictionary.get(base, {}).get("type") == "timestamp_t":
                continue  # the datetime profile adds an RFC 3339 twin of every timestamp
            if name not in attributes:
                errors.append(f"{where}: '{name}' is not an attribute of {relative}")
                continue
            known = self.dictionary.get(name, {})
            enum = attributes[name].get("enum") or known.get("enum")
            if enum and name.endswith("_id") and str(item) not in enum:
                errors.append(f"{where}.{name}: {item} is not one of {sorted(enum)}")
            object_file = f"objects/{known.get('type')}.json"
            if known.get("type") == "object" or not (self.root / object_file).exists():
                continue  # "object" is a free-form bag (unmapped, data)
            items = item if known.get("is_array") else [item]
            for index, element in enumerate(items):
                place = f"{where}.{name}" + (f"[{index}]" if known.get("is_array") else "")
                if not isinstance(element, dict):
                    errors.append(f"{place}: not an object")
                    continue
                self.check(element, object_file, profiles, place, errors)


def validate_ocsf(path):
    ocsf = Ocsf(DATA / "ocsf")
    events = json.loads(pathlib.Path(path).read_text(encoding="utf-8"))
    if not isinstance(events, list):
        return ["(root): not a JSON array of events"]
    errors = []
    for index, event in enumerate(events):
        where = f"[{index}]"
        if event.get("class_uid") != 2004 or event.get("category_uid") != 2:
            errors.append(f"{where}: not a Detection Finding (class 2004, category 2)")
        if event.get("type_uid") != 2004 * 100 + event.get("activity_id", -1):
            errors.append(f"{where}: type_uid is not class_uid * 100 + activity_id")
        profiles = set(event.get("metadata", {}).get("profiles", []))
        ocsf.check(event, "events/findings/detection_finding.json", profiles, where, errors)
        if event.get("metadata", {}).get("version") != "1.3.0":
            errors.append(f"{where}.metadata.version: not 1.3.0")
    return errors


def main(arguments):
    validators = {"sarif": validate_sarif, "junit": validate_junit, "ocsf": validate_ocsf}
    if len(arguments) < 2 or arguments[0] not in validators:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    kind, paths = arguments[0], arguments[1:]
    valid = True
    for path in paths:
        try:
            errors = validators[kind](path)
        except (OSError, ValueError) as error:
            errors = [f"cannot read: {error}"]
        for error in errors[:MAX_ERRORS]:
            print(f"{path}: {error}")
        if errors:
            valid = False
        else:
            print(f"{path}: valid {kind}")
    return 0 if valid else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
