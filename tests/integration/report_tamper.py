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
  bomb MEMBER:MIB      MEMBER's data becomes MIB MiB of zeros, its entry kept where it was
                       (a decompression bomb of a listed member: ~1 KB per MiB)
  manifest-last        move manifest.json and manifest.sig to the end, as velocity wrote
                       bundles before it put the manifest first
"""
import gzip
import struct
import subprocess
import sys
import tarfile
import tempfile
import zlib


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


def write_bomb(path, items, member, mebibytes):
    """Like write(), with MEMBER's data MEBIBYTES MiB of zeros. One MiB of zeros is deflated once
    after a full flush and its compressed block repeated, so the archive stays small and quick
    to make; the gzip trailer is computed, so the stream is well formed."""
    deflate = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    crc, length = 0, 0
    with open(path, "wb") as out:
        out.write(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff")

        def put(data):
            nonlocal crc, length
            crc = zlib.crc32(data, crc)
            length += len(data)
            out.write(deflate.compress(data))

        zeros = bytes(1 << 20)
        for info, data in items:
            if info.name != member:
                if info.isfile():
                    info.size = len(data)
                put(info.tobuf(tarfile.PAX_FORMAT, "utf-8", "surrogateescape"))
                put(data + b"\0" * (-len(data) % 512))
                continue
            info.size = mebibytes << 20
            put(info.tobuf(tarfile.PAX_FORMAT, "utf-8", "surrogateescape"))
            out.write(deflate.flush(zlib.Z_FULL_FLUSH))
            block = deflate.compress(zeros) + deflate.flush(zlib.Z_FULL_FLUSH)
            for _ in range(mebibytes):
                out.write(block)
                crc = zlib.crc32(zeros, crc)
            length += mebibytes << 20
        put(b"\0" * 1024)
        out.write(deflate.flush())
        out.write(struct.pack("<II", crc, length & 0xFFFFFFFF))


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
    elif mode == "bomb":
        name, mebibytes = arg.split(":")
        write_bomb(target, items, name, int(mebibytes))
        return
    elif mode == "manifest-last":
        last = ("manifest.json", "manifest.sig")
        items = [x for x in items if x[0].name not in last] + [
            x for name in last for x in items if x[0].name == name]
    else:
        sys.exit(f"unknown mode {mode}")
    write(target, items)


if __name__ == "__main__":
    main(*sys.argv[1:])
