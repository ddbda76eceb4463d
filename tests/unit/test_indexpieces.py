"""Big Packages compressed in pieces, and the pieces of the previous index reused."""

from __future__ import annotations

import gzip
import lzma

from publisher.apt.indexpieces import WHOLE_BELOW, Previous, cut, reusable
from publisher.apt.render import Group, render_groups
from publisher.apt.stanza import Stanza
from publisher.apt.versions import sort_entries
from publisher.apt.xzstream import split_stream


def stanza(number: int, version: str = "1.0") -> Stanza:
    filler = f"{number:05d}" * 130  # about 800 bytes a stanza, as in a real Packages
    return Stanza(
        f"Package: pkg{number:05d}\nVersion: {version}\nArchitecture: all\n"
        f"Filename: pool/main/p/pkg{number:05d}.deb\nDescription: {filler}\n"
    )


STANZAS = [stanza(number) for number in range(3000)]  # 2.5 MB of text


def text_of(stanzas: list[Stanza]) -> bytes:
    return "\n".join(s.dump() for s in sort_entries(stanzas)).encode()


def test_a_small_index_is_one_piece():
    small = STANZAS[:100]
    assert cut(sort_entries(small)) == [text_of(small)]
    assert cut([]) == []


def test_pieces_concatenate_to_the_text_and_cut_between_stanzas():
    pieces = cut(sort_entries(STANZAS))
    assert len(pieces) > 2
    assert b"".join(pieces) == text_of(STANZAS)
    assert all(piece.startswith(b"Package: ") for piece in pieces)
    assert all(piece.endswith(b"\n\n") for piece in pieces[:-1])
    assert sum(map(len, pieces)) > WHOLE_BELOW


def test_adding_a_package_changes_the_piece_it_falls_in():
    before = cut(sort_entries(STANZAS))
    after = cut(sort_entries([*STANZAS, stanza(1234, "2.0")]))
    assert len(set(after) - set(before)) <= 2
    assert len(set(after) & set(before)) >= len(before) - 2


def render(stanzas: list[Stanza], previous: Previous | None = None) -> dict[str, bytes]:
    indexes = render_groups({}, [Group("main", "amd64", stanzas, previous=previous)])
    return {index.path: index.data for index in indexes}


def previous_of(files: dict[str, bytes]) -> Previous:
    path = "main/binary-amd64/Packages"
    return Previous(files[path], files[path + ".gz"], files[path + ".xz"])


def test_reusing_pieces_writes_the_same_bytes_as_compressing_all():
    old = render(STANZAS)
    changed = [*STANZAS[:10], *STANZAS[11:], stanza(3001)]
    assert render(changed, previous_of(old)) == render(changed)
    new = render(changed, previous_of(old))
    xz = new["main/binary-amd64/Packages.xz"]
    assert lzma.decompress(xz) == gzip.decompress(new["main/binary-amd64/Packages.gz"])
    assert lzma.decompress(xz) == new["main/binary-amd64/Packages"] == text_of(changed)
    blocks = split_stream(xz)
    assert blocks is not None and len(blocks) > 2


def test_pieces_of_the_previous_index_are_found_and_checked():
    old = previous_of(render(STANZAS))
    found = reusable(old)
    pieces = len(cut(sort_entries(STANZAS)))
    assert len(found["gz"]) == len(found["xz"]) == pieces
    # A previous text that is not what the .xz holds: no block passes its CRC32 check.
    altered = Previous(old.text.replace(b"pkg0", b"PKG0"), old.gz, old.xz)
    assert reusable(altered)["xz"] == {}
    # A damaged .gz: the members before the damage only.
    damaged = Previous(old.text, old.gz[: len(old.gz) // 2], old.xz)
    assert 0 < len(reusable(damaged)["gz"]) < pieces
    assert reusable(Previous(old.text, b"not gzip", b"not xz")) == reusable(None)
