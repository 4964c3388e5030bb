# SPDX-License-Identifier: BSD-2-Clause
"""Damaged archives and failing sources: the exception classes named after
the C codes, exactly."""
import io
import pathlib
import shutil
import struct

import pytest

import tome
from conftest import cli


def block_frame(data, block):
    """(offset, size) of body block `block`'s compressed frame (format 3.0:
    the header's block_table_offset at byte 128, then 28-byte records
    (frame_offset, frame_size, ...), body blocks first)."""
    table = struct.unpack_from("<Q", data, 128)[0]
    return struct.unpack_from("<QI", data, table + 28 * block)


def flipped(data, at):
    d = bytearray(data)
    d[at] ^= 0xFF
    return bytes(d)


def test_error_classes():
    assert issubclass(tome.ChecksumError, tome.Error)
    assert tome.ChecksumError.code == -14 and tome.ChecksumError.name == "TOME_ERR_CHECKSUM"
    assert tome.errors[-14] is tome.ChecksumError
    names = {c.name for c in tome.errors.values()}
    assert "TOME_ERR_DAMAGED" in names and "TOME_PACK_ERR_DUPLICATE" in names
    assert issubclass(tome.PackDuplicateError, tome.PackError)
    assert issubclass(tome.PackError, tome.Error)
    for code, cls in tome.errors.items():
        assert cls.code == code and tome.error_name(code) == cls.name
        assert getattr(tome, cls.__name__) is cls


@pytest.mark.parametrize("data, cls", [
    (b"", tome.NotArchiveError),  # the magic is checked first (docs/FORMAT.md)
    (b"x" * 1000, tome.NotArchiveError),
])
def test_not_archives(data, cls):
    with pytest.raises(cls) as e:
        tome.open(data)
    assert type(e.value) is cls


def test_damaged_header_and_footer(seeds_archive):
    data = seeds_archive.read_bytes()
    with pytest.raises(tome.Error) as e:
        tome.open(flipped(data, 50))
    assert type(e.value) is tome.HeaderError
    with pytest.raises(tome.Error) as e:
        tome.open(flipped(data, len(data) - 5))
    assert type(e.value) is tome.HeaderError
    with pytest.raises(tome.Error) as e:
        tome.open(data[:-100])
    assert type(e.value) in (tome.TruncatedError, tome.HeaderError)


def test_flipped_byte_in_a_block(seeds_archive, tmp_path):
    """One byte flipped in a copy, on disk: fetch raises, verify names it,
    like `tome verify`."""
    data = seeds_archive.read_bytes()
    frame, size = block_frame(data, 0)
    copy = tmp_path / "damaged.tome"
    copy.write_bytes(flipped(data, frame + size // 2))
    a = tome.open(str(copy))
    for id_ in range(len(a)):
        with pytest.raises(tome.Error) as e:
            a[id_]
        assert type(e.value) is tome.DecompressError
    report = a.verify()
    assert not report.ok and not report
    assert report.articles == [0, 1] and report.blocks == [0]
    assert set(report.parts) == {"file", "block", "article"}
    assert ("article", 0, "TOME_ERR_DECOMPRESS") in report.damage
    assert report.damaged_articles == 2 and report.checked_articles == 2
    out = cli("verify", str(copy), check=False).decode()
    assert "damaged: article" in out


def test_checksum_error(seeds_archive):
    """A flip that still decompresses gives wrong bytes: the segment's
    checksum refuses them, ChecksumError (and trust_content returns them)."""
    data = seeds_archive.read_bytes()
    frame, size = block_frame(data, 0)
    for at in range(frame + size - 1, frame + 16, -1):  # literals lie late
        a = tome.open(flipped(data, at))
        try:
            [a[i] for i in range(len(a))]
        except tome.ChecksumError as e:
            assert type(e) is tome.ChecksumError and e.code == -14
            report = a.verify()
            # the block's one segment (seeds/ is one block of 6 KiB) fails
            # its checksum, and both articles in it are named
            assert ("block", 0, "TOME_ERR_CHECKSUM") in report.damage
            assert report.articles == [0, 1] and report.parts == ["article", "block", "file"]
            trusting = tome.open(flipped(data, at), trust_content=True)
            [trusting[i] for i in range(len(trusting))]  # no check, no error
            return
        except tome.Error:
            continue
    pytest.fail("no single flipped byte gave a checksum error")


def test_verify_clean(many_archive):
    report = tome.open(many_archive).verify()
    assert report.ok and report and report.damage == []
    assert report.checked_articles == 3000


class FailingFile(io.RawIOBase):
    """Reads the archive until told to fail."""

    def __init__(self, data):
        self.data = data
        self.pos = 0
        self.fail = False

    def readable(self):
        return True

    def seek(self, offset, whence=0):
        self.pos = offset if whence == 0 else len(self.data) + offset
        return self.pos

    def readinto(self, b):
        if self.fail:
            raise OSError("disk on fire")
        n = min(len(b), len(self.data) - self.pos, 1000)  # short reads too
        b[:n] = self.data[self.pos:self.pos + n]
        self.pos += n
        return n


def test_read_callback_errors(many_archive):
    data = pathlib.Path(many_archive).read_bytes()
    f = FailingFile(data)
    a = tome.open(f)
    assert a.mode == "callback" and a[5] == tome.open(data)[5]
    f.fail = True
    with pytest.raises(tome.ReadError) as e:
        a[2000]
    assert type(e.value) is tome.ReadError
    assert isinstance(e.value.__cause__, OSError) and "fire" in str(e.value.__cause__)
    with pytest.raises(tome.ReadError):
        a.verify()
    f.fail = False
    assert a[2000] == tome.open(data)[2000]  # the archive stays usable


def test_file_object_shorter_than_it_says(seeds_archive):
    data = seeds_archive.read_bytes()
    with pytest.raises(tome.Error) as e:
        tome.open(io.BytesIO(data[: len(data) // 2]))
    assert type(e.value) in (tome.TruncatedError, tome.HeaderError)


def test_damaged_file_on_disk_keeps_the_original(seeds_archive, tmp_path):
    copy = tmp_path / "copy.tome"
    shutil.copy(seeds_archive, copy)
    data = copy.read_bytes()
    copy.write_bytes(flipped(data, 50))
    with pytest.raises(tome.HeaderError):
        tome.open(copy)
    assert tome.open(seeds_archive).verify().ok
