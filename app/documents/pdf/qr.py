"""QR codes of verification URLs, fast enough to make hundreds per certificate batch.

segno makes a correct code but spends ~28 ms per URL, most of it trying all eight mask
patterns and scoring each; with a fixed ``mask=`` it still needs ~6 ms in generic code.
A batch of 200 certificates must cost a few milliseconds per certificate *in total*, so
this module encodes the one shape of code certificates use (byte mode, error correction
M, versions 1-10, a fixed mask) with tables built once per version: the matrix of
function patterns, the order in which data modules are placed and the mask over them.
Anything else (a very long base URL) goes to segno with the same fixed mask. Tests check
the fast encoder module-for-module against segno and decode its codes independently.

The mask is fixed on purpose: every mask gives a valid code that any reader decodes; the
search only picks the one with the fewest scanner-unfriendly patterns, which matters for
tiny or damaged codes, not for a 28 mm code printed on white.
"""

from __future__ import annotations

import re
from functools import lru_cache

import segno

MASK = 6  # the mask segno's search picks most often for our URLs
BORDER = 2  # quiet zone in modules; the white page around the code adds the rest

_FORMAT_MASK = 0x5412
_ECL_M = 0b00  # format-information bits of error-correction level M
# Error correction level M, versions 1-10: (total codewords, EC codewords per block,
# number of blocks), from ISO/IEC 18004 table 9.
_VERSIONS: dict[int, tuple[int, int, int]] = {
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
_ALIGNMENT: dict[int, tuple[int, ...]] = {
    1: (),
    2: (6, 18),
    3: (6, 22),
    4: (6, 26),
    5: (6, 30),
    6: (6, 34),
    7: (6, 22, 38),
    8: (6, 24, 42),
    9: (6, 26, 46),
    10: (6, 28, 50),
}
_RUNS = re.compile("1+")

# GF(256) with the QR polynomial x^8 + x^4 + x^3 + x^2 + 1, as log/antilog tables.
_EXP = [0] * 512
_LOG = [0] * 256
_value = 1
for _power in range(255):
    _EXP[_power] = _value
    _LOG[_value] = _power
    _value <<= 1
    if _value & 0x100:
        _value ^= 0x11D
for _power in range(255, 512):
    _EXP[_power] = _EXP[_power - 255]


def _mask_bit(mask: int, row: int, col: int) -> int:
    """1 where the mask pattern inverts the module (ISO/IEC 18004 table 10)."""
    if mask == 0:
        hit = (row + col) % 2 == 0
    elif mask == 1:
        hit = row % 2 == 0
    elif mask == 2:
        hit = col % 3 == 0
    elif mask == 3:
        hit = (row + col) % 3 == 0
    elif mask == 4:
        hit = (row // 2 + col // 3) % 2 == 0
    elif mask == 5:
        hit = (row * col) % 2 + (row * col) % 3 == 0
    elif mask == 6:
        hit = ((row * col) % 2 + (row * col) % 3) % 2 == 0
    else:
        hit = ((row + col) % 2 + (row * col) % 3) % 2 == 0
    return int(hit)


def _bch(value: int, poly: int, degree: int) -> int:
    remainder = value << degree
    top = poly.bit_length() - 1
    while remainder.bit_length() > degree:
        remainder ^= poly << (remainder.bit_length() - 1 - top)
    return (value << degree) | remainder


Grid = list[list[int | None]]  # None: a data module, not yet placed


def _put_finders(grid: Grid, size: int) -> None:
    for top, left in ((0, 0), (0, size - 7), (size - 7, 0)):
        # Finder pattern with its light separator around it (clipped at the edges).
        for r in range(-1, 8):
            for c in range(-1, 8):
                row, col = top + r, left + c
                if 0 <= row < size and 0 <= col < size:
                    ring = max(abs(r - 3), abs(c - 3))
                    grid[row][col] = int(ring != 2 and ring != 4)


def _put_timing_and_alignment(grid: Grid, size: int, version: int) -> None:
    for i in range(8, size - 8):
        grid[6][i] = grid[i][6] = int(i % 2 == 0)
    centres = _ALIGNMENT[version]
    first, last = (centres[0], centres[-1]) if centres else (-1, -1)
    corners = {(first, first), (first, last), (last, first)}
    for row, col in ((row, col) for row in centres for col in centres):
        if (row, col) in corners:
            continue  # where the finder patterns are
        for r in range(-2, 3):
            for c in range(-2, 3):
                grid[row + r][col + c] = int(max(abs(r), abs(c)) != 1)


def _put_format(grid: Grid, size: int, mask: int) -> None:
    format_bits = _bch((_ECL_M << 3) | mask, 0x537, 10) ^ _FORMAT_MASK
    for i in range(15):
        bit = (format_bits >> i) & 1
        # First copy around the top-left finder, second split between the others.
        if i < 6:
            grid[i][8] = bit
        elif i < 8:
            grid[i + 1][8] = bit
        else:
            grid[8][14 - i + (1 if i == 8 else 0)] = bit
        if i < 8:
            grid[8][size - 1 - i] = bit
        else:
            grid[size - 15 + i][8] = bit
    grid[size - 8][8] = 1  # the dark module


def _put_version(grid: Grid, size: int, version: int) -> None:
    if version < 7:
        return
    version_bits = _bch(version, 0x1F25, 12)
    for i in range(18):
        bit = (version_bits >> i) & 1
        grid[size - 11 + i % 3][i // 3] = bit
        grid[i // 3][size - 11 + i % 3] = bit


def _data_order(grid: Grid, size: int) -> list[tuple[int, int]]:
    """Data modules in placement order: two-module columns from the right, zigzagging
    up and down, skipping the vertical timing pattern."""
    order: list[tuple[int, int]] = []
    right = size - 1
    while right > 0:
        if right == 6:
            right = 5
        upward = ((right + 1) & 2) == 0
        for step in range(size):
            row = size - 1 - step if upward else step
            order.extend((row, col) for col in (right, right - 1) if grid[row][col] is None)
        right -= 2
    return order


class _Layout:
    """What is the same for every code of one version: function patterns, data order."""

    def __init__(self, version: int, mask: int) -> None:
        size = 17 + 4 * version
        grid: Grid = [[None] * size for _ in range(size)]
        _put_finders(grid, size)
        _put_timing_and_alignment(grid, size, version)
        _put_format(grid, size, mask)
        _put_version(grid, size, version)
        order = _data_order(grid, size)
        self.size = size
        self.base = ["1" if module else "0" for row in grid for module in row]
        self.order = [row * size + col for row, col in order]
        self.mask_bits = int("".join(str(_mask_bit(mask, r, c)) for r, c in order), 2)
        total, ec_per_block, blocks = _VERSIONS[version]
        self.total = total
        self.ec_per_block = ec_per_block
        self.blocks = blocks
        self.data_codewords = total - ec_per_block * blocks
        self.count_bits = 8 if version < 10 else 16


@lru_cache(maxsize=32)
def _generator(degree: int) -> tuple[int, ...]:
    """Reed-Solomon generator polynomial coefficients (highest power first, leading 1 dropped)."""
    poly = [1]
    for i in range(degree):
        # Multiply by (x - a^i).
        poly = [
            (poly[j] if j < len(poly) else 0)
            ^ (_EXP[_LOG[poly[j - 1]] + i] if 0 < j <= len(poly) and poly[j - 1] else 0)
            for j in range(len(poly) + 1)
        ]
    return tuple(poly[1:])


@lru_cache(maxsize=32)
def _products(degree: int) -> tuple[int, ...]:
    """For each byte value f, the generator's coefficients times f, packed in one integer.

    Dividing by the generator then takes one shift and one XOR per data codeword instead
    of a loop over the coefficients.
    """
    generator = _generator(degree)
    rows = []
    for factor in range(256):
        if factor == 0:
            rows.append(0)
            continue
        shift = _LOG[factor]
        row = bytes(_EXP[_LOG[g] + shift] if g else 0 for g in generator)
        rows.append(int.from_bytes(row, "big"))
    return tuple(rows)


def _ec_codewords(data: bytes, degree: int) -> bytes:
    """The Reed-Solomon error correction codewords of a block (remainder of the division)."""
    products = _products(degree)
    top = 8 * (degree - 1)
    full = (1 << 8 * degree) - 1
    remainder = 0
    for byte in data:
        factor = byte ^ (remainder >> top)
        remainder = ((remainder << 8) & full) ^ products[factor]
    return remainder.to_bytes(degree, "big")


@lru_cache(maxsize=16)
def _layout(version: int, mask: int) -> _Layout:
    return _Layout(version, mask)


def _version_for(length: int) -> int | None:
    for version, (total, ec, blocks) in _VERSIONS.items():
        count_bits = 8 if version < 10 else 16
        if 4 + count_bits + 8 * length <= 8 * (total - ec * blocks):
            return version
    return None


def _fast_matrix(payload: bytes, mask: int) -> list[str] | None:
    version = _version_for(len(payload))
    if version is None:
        return None
    layout = _layout(version, mask)
    capacity = layout.data_codewords
    # Byte mode (0100), the length, the bytes, a terminator of up to four zero bits, zero
    # bits to a whole byte, then the pad codewords 0xEC 0x11 alternately.
    bits = (0b0100 << layout.count_bits) | len(payload)
    bits = (bits << 8 * len(payload)) | int.from_bytes(payload, "big")
    used = 4 + layout.count_bits + 8 * len(payload)
    terminator = min(4, 8 * capacity - used)
    used += terminator
    bits <<= terminator
    padding = -used % 8
    bits <<= padding
    data = bytearray(bits.to_bytes((used + padding) // 8, "big"))
    pad = 0xEC
    while len(data) < capacity:
        data.append(pad)
        pad ^= 0xEC ^ 0x11
    # Split into blocks (the last ones one codeword longer), add EC, interleave.
    short = capacity // layout.blocks
    longs = capacity % layout.blocks
    blocks: list[bytes] = []
    start = 0
    for index in range(layout.blocks):
        length = short + (1 if index >= layout.blocks - longs else 0)
        blocks.append(bytes(data[start : start + length]))
        start += length
    ecs = [_ec_codewords(block, layout.ec_per_block) for block in blocks]
    final = bytearray()
    for i in range(short + 1):
        final.extend(block[i] for block in blocks if i < len(block))
    for i in range(layout.ec_per_block):
        final.extend(ec[i] for ec in ecs)
    remainder_bits = len(layout.order) - 8 * len(final)
    stream = int.from_bytes(final, "big") << remainder_bits
    placed = format(stream ^ layout.mask_bits, f"0{len(layout.order)}b")
    modules = list(layout.base)
    for index, bit in zip(layout.order, placed, strict=True):
        modules[index] = bit
    flat = "".join(modules)
    size = layout.size
    return [flat[start : start + size] for start in range(0, size * size, size)]


def qr_matrix(text: str, *, mask: int = MASK) -> list[str]:
    """The modules of the QR code of ``text`` (error correction M), one string of 0/1 per row."""
    payload = text.encode("utf-8")
    fast = _fast_matrix(payload, mask)
    if fast is not None:
        return fast
    code = segno.make(text, error="m", micro=False, boost_error=False, mask=mask)
    return ["".join(str(module) for module in row) for row in code.matrix]
