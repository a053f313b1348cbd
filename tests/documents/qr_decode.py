"""Read the QR code a certificate PDF draws, and decode it: what would a phone open?

No QR decoder is installed, so this is a small one for the codes certificates carry
(byte mode, error correction M, versions 1-10), written from ISO/IEC 18004 apart from
app/documents/pdf/qr.py: it reads the format information to learn the mask, reads the
modules back in placement order, checks every block's Reed-Solomon syndromes are zero
(the error correction codewords are right, not merely decodable) and returns the text.
Its own tests decode codes made by segno, so it is checked against an outside encoder.
"""

from __future__ import annotations

import io

from pypdf import PdfReader
from pypdf.generic import ContentStream

# Error correction M: (total codewords, EC codewords per block, blocks), versions 1-10.
_M = {
    1: (26, 10, 1),
    2: (44, 16, 1),
    3: (70, 26, 1),
    4: (100, 18, 2),
    5: (134, 24, 2),
    6: (172, 16, 4),
    7: (196, 18, 4),
    8: (242, 22, 4),
    9: (292, 22, 5),
    10: (346, 26, 5),
}
_ALIGN = {1: [], 2: [6, 18], 3: [6, 22], 4: [6, 26], 5: [6, 30], 6: [6, 34]}
_ALIGN |= {7: [6, 22, 38], 8: [6, 24, 42], 9: [6, 26, 46], 10: [6, 28, 50]}
_MASKS = [
    lambda r, c: (r + c) % 2 == 0,
    lambda r, c: r % 2 == 0,
    lambda r, c: c % 3 == 0,
    lambda r, c: (r + c) % 3 == 0,
    lambda r, c: (r // 2 + c // 3) % 2 == 0,
    lambda r, c: (r * c) % 2 + (r * c) % 3 == 0,
    lambda r, c: ((r * c) % 2 + (r * c) % 3) % 2 == 0,
    lambda r, c: ((r + c) % 2 + (r * c) % 3) % 2 == 0,
]

_EXP = [0] * 512
_LOG = [0] * 256
_x = 1
for _i in range(255):
    _EXP[_i] = _EXP[_i + 255] = _x
    _LOG[_x] = _i
    _x = (_x << 1) ^ (0x11D if _x & 0x80 else 0)


class QRError(ValueError):
    """The modules are not a QR code this decoder reads."""


def _function_modules(size: int, version: int) -> set[tuple[int, int]]:
    taken: set[tuple[int, int]] = set()
    for top, left in ((0, 0), (0, size - 8), (size - 8, 0)):
        taken |= {(top + r, left + c) for r in range(8) for c in range(8)}
    taken |= {(6, i) for i in range(size)} | {(i, 6) for i in range(size)}
    centres = _ALIGN[version]
    for row in centres:
        for col in centres:
            if (row, col) in {(6, 6), (6, centres[-1]), (centres[-1], 6)}:
                continue
            taken |= {(row + r, col + c) for r in range(-2, 3) for c in range(-2, 3)}
    taken |= {(8, i) for i in range(9)} | {(i, 8) for i in range(9)}
    taken |= {(8, size - 1 - i) for i in range(8)} | {(size - 1 - i, 8) for i in range(8)}
    if version >= 7:
        block = {(r, size - 11 + c) for r in range(6) for c in range(3)}
        taken |= block | {(c, r) for r, c in block}
    return taken


def _format(matrix: list[list[int]]) -> tuple[int, int]:
    spots = [(i, 8) for i in range(6)] + [(7, 8), (8, 8), (8, 7)]
    spots += [(8, 14 - i) for i in range(9, 15)]
    raw = sum(matrix[r][c] << i for i, (r, c) in enumerate(spots)) ^ 0x5412
    data = raw >> 10
    check = data << 10
    for shift in range(4, -1, -1):
        if check & (1 << (shift + 10)):
            check ^= 0x537 << shift
    if (data << 10 | check) != raw:
        raise QRError("format information is damaged")
    return data >> 3, data & 7


def decode(matrix: list[list[int]]) -> str:
    """The text of a QR code given its modules (rows of 0/1, no quiet zone)."""
    size = len(matrix)
    version = (size - 17) // 4
    if version not in _M or any(len(row) != size for row in matrix):
        raise QRError(f"not a version 1-10 QR code ({size} modules)")
    level, mask = _format(matrix)
    if level != 0b00:
        raise QRError(f"error correction level bits {level:02b}, expected M (00)")
    taken = _function_modules(size, version)
    bits: list[int] = []
    right = size - 1
    while right > 0:
        if right == 6:
            right -= 1
        upward = ((right + 1) & 2) == 0
        rows = range(size - 1, -1, -1) if upward else range(size)
        for row in rows:
            for col in (right, right - 1):
                if (row, col) not in taken:
                    bits.append(matrix[row][col] ^ int(_MASKS[mask](row, col)))
        right -= 2
    total, ec, blocks = _M[version]
    codewords = [int("".join(map(str, bits[i : i + 8])), 2) for i in range(0, 8 * total, 8)]
    data_total = total - ec * blocks
    short, longs = divmod(data_total, blocks)
    lengths = [short + (1 if b >= blocks - longs else 0) for b in range(blocks)]
    data_parts: list[list[int]] = [[] for _ in range(blocks)]
    position = 0
    for i in range(short + 1):
        for b in range(blocks):
            if i < lengths[b]:
                data_parts[b].append(codewords[position])
                position += 1
    ec_parts: list[list[int]] = [[] for _ in range(blocks)]
    for _ in range(ec):
        for b in range(blocks):
            ec_parts[b].append(codewords[position])
            position += 1
    for data, check in zip(data_parts, ec_parts, strict=True):
        block = data + check
        for power in range(ec):  # the syndromes: the block as a polynomial at a^power
            value = 0
            for byte in block:
                value = (_EXP[_LOG[value] + power] if value else 0) ^ byte
            if value:
                raise QRError("error correction codewords do not match the data")
    stream = "".join(format(byte, "08b") for part in data_parts for byte in part)
    if stream[:4] != "0100":
        raise QRError(f"mode {stream[:4]}, expected byte mode (0100)")
    count_bits = 8 if version < 10 else 16
    length = int(stream[4 : 4 + count_bits], 2)
    start = 4 + count_bits
    payload = bytes(int(stream[start + 8 * i : start + 8 * i + 8], 2) for i in range(length))
    return payload.decode("utf-8")


def qr_codes_in_pdf(pdf: bytes, page_index: int = 0) -> list[list[list[int]]]:
    """The module matrices of the QR codes a page draws as image masks (quiet zone removed)."""
    reader = PdfReader(io.BytesIO(pdf))
    page = reader.pages[page_index]
    found = []
    for operands, operator in ContentStream(page.get_contents(), reader).operations:
        if operator != b"INLINE IMAGE":
            continue
        settings, data = operands["settings"], operands["data"]
        if not settings.get("/IM"):
            continue
        width, height = int(settings["/W"]), int(settings["/H"])
        if settings.get("/F") in ("/AHx", "/ASCIIHexDecode"):
            data = bytes.fromhex(data.split(b">")[0].decode("ascii"))
        row_bytes = (width + 7) // 8
        painted_is_one = list(settings.get("/D", [0, 1])) == [1, 0]
        rows = []
        for r in range(height):
            line = int.from_bytes(data[r * row_bytes : (r + 1) * row_bytes], "big")
            bits = format(line, f"0{8 * row_bytes}b")[:width]
            rows.append([int(b) if painted_is_one else 1 - int(b) for b in bits])
        # Remove the quiet zone: the rows and columns with no dark module.
        dark_rows = [i for i, row in enumerate(rows) if any(row)]
        dark_cols = [j for j in range(width) if any(row[j] for row in rows)]
        found.append(
            [
                row[dark_cols[0] : dark_cols[-1] + 1]
                for row in rows[dark_rows[0] : dark_rows[-1] + 1]
            ]
        )
    return found


def qr_text_in_pdf(pdf: bytes, page_index: int = 0) -> str:
    """The text of the one QR code on a page of a PDF."""
    (matrix,) = qr_codes_in_pdf(pdf, page_index)
    return decode(matrix)
