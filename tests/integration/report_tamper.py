#!/usr/bin/env python3
"""Rewrites a report bundle the way an attacker would, for tests/integration/report.sh.

usage: report_tamper.py IN.tar.gz OUT.tar.gz MODE [ARG]
  flip MEMBER          flip one bit in the middle of MEMBER
  add NAME             add a regular file NAME
  remove MEMBER        drop MEMBER
  symlink NAME         add a symbolic link NAME -> /etc/passwd
  dotdot               add ../escape.txt
  absolute             add /tmp/absolute.txt
  resign KEY.pem       change the organisation in manifest.json and re-sign it with KEY.pem
                       (openssl), leaving public-key.pem as it was
  bigheader            add a member whose header declares 3 GiB (a decompression bomb)
"""
import gzip
import io
import subprocess
import sys
import tarfile
import tempfile


def members(path):
    with tarfile.open(path, "r:gz") as tar:
        return [(info, tar.extractfile(info).read() if info.isfile() else b"") for info in tar]


def write(path, items, extra=b""):
    """Serialises the entries by hand, so names like ../x and lying headers go in as they are."""
    raw = b""
    for info, data in items:
        if info.isfile():
            info.size = len(data)
        raw += info.tobuf(tarfile.PAX_FORMAT, "utf-8", "surrogateescape")
        if info.isfile():
            raw += data + b"\0" * (-len(data) % 512)
    raw += extra + b"\0" * 1024
    with open(path, "wb") as out:
        out.write(gzip.compress(raw))


def regular(name, data):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    return info, data


def main(source, target, mode, arg=None):
    items = members(source)
    if mode == "flip":
        changed = []
        for info, data in items:
            if info.name == arg:
                middle = len(data) // 2
                data = data[:middle] + bytes([data[middle] ^ 0x01]) + data[middle + 1 :]
            changed.append((info, data))
        items = changed
    elif mode == "add":
        items.append(regular(arg, b"{}\n"))
    elif mode == "remove":
        items = [(i, d) for i, d in items if i.name != arg]
    elif mode == "symlink":
        info = tarfile.TarInfo(arg)
        info.type = tarfile.SYMTYPE
        info.linkname = "/etc/passwd"
        items.append((info, b""))
    elif mode == "dotdot":
        items.append(regular("../escape.txt", b"x"))
    elif mode == "absolute":
        items.append(regular("/tmp/absolute.txt", b"x"))
    elif mode == "resign":
        manifest = next(d for i, d in items if i.name == "manifest.json")
        manifest = manifest.replace(b'"organization": "', b'"organization": "forged-', 1)
        with tempfile.NamedTemporaryFile() as m, tempfile.NamedTemporaryFile() as s:
            m.write(manifest)
            m.flush()
            subprocess.run(["openssl", "pkeyutl", "-sign", "-inkey", arg, "-rawin", "-in", m.name,
                            "-out", s.name], check=True)
            signature = open(s.name, "rb").read()
        items = [(i, manifest if i.name == "manifest.json" else signature if i.name == "manifest.sig"
                  else d) for i, d in items]
    elif mode == "bigheader":
        info = tarfile.TarInfo("evidence/huge.json")
        info.size = 3 << 30
        header = info.tobuf(format=tarfile.PAX_FORMAT)
        write(target, items, extra=header + b"\0" * 4096)
        return
    else:
        sys.exit(f"unknown mode {mode}")
    write(target, items)


if __name__ == "__main__":
    main(*sys.argv[1:])
