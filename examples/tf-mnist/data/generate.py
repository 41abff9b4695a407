"""Write train/mnist.npz: a small synthetic stand-in for MNIST, for local runs of this example.

Each image is a 28x28 digit drawn from a 5x7 bitmap font, scaled three times and shifted by a
few pixels, so a small network learns it in seconds. The file has MNIST's layout (x_train,
y_train, x_test, y_test as uint8 arrays) and is written with the standard library only, the
same bytes on every run: python3 data/generate.py
"""

import random
import struct
import zipfile
from pathlib import Path

FONT = {  # 5 columns x 7 rows per digit
    0: ["01110", "10001", "10011", "10101", "11001", "10001", "01110"],
    1: ["00100", "01100", "00100", "00100", "00100", "00100", "01110"],
    2: ["01110", "10001", "00001", "00010", "00100", "01000", "11111"],
    3: ["11110", "00001", "00001", "01110", "00001", "00001", "11110"],
    4: ["00010", "00110", "01010", "10010", "11111", "00010", "00010"],
    5: ["11111", "10000", "11110", "00001", "00001", "10001", "01110"],
    6: ["00110", "01000", "10000", "11110", "10001", "10001", "01110"],
    7: ["11111", "00001", "00010", "00100", "01000", "01000", "01000"],
    8: ["01110", "10001", "10001", "01110", "10001", "10001", "01110"],
    9: ["01110", "10001", "10001", "01111", "00001", "00010", "01100"],
}
SIDE, SCALE = 28, 3
TRAIN_IMAGES, TEST_IMAGES = 600, 100
OUTPUT = Path(__file__).resolve().parent / "train" / "mnist.npz"
FIXED_TIME = (2024, 1, 1, 0, 0, 0)


def image(digit: int, rng: random.Random) -> bytes:
    pixels = bytearray(SIDE * SIDE)
    top, left = rng.randint(1, SIDE - 7 * SCALE - 1), rng.randint(1, SIDE - 5 * SCALE - 1)
    ink = rng.choice((160, 200, 255))
    for row, bits in enumerate(FONT[digit]):
        for col, bit in enumerate(bits):
            if bit == "1":
                for dy in range(SCALE):
                    for dx in range(SCALE):
                        pixels[(top + row * SCALE + dy) * SIDE + left + col * SCALE + dx] = ink
    return bytes(pixels)


def npy(data: bytes, shape: tuple[int, ...]) -> bytes:
    """A version 1.0 .npy file of unsigned bytes (numpy's format: magic, header, data)."""
    header = f"{{'descr': '|u1', 'fortran_order': False, 'shape': {shape!r}, }}".encode("latin-1")
    padding = 64 - (10 + len(header) + 1) % 64
    header += b" " * padding + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header + data


def split(count: int, rng: random.Random) -> tuple[bytes, bytes]:
    labels = [index % 10 for index in range(count)]
    rng.shuffle(labels)
    return b"".join(image(label, rng) for label in labels), bytes(labels)


def main() -> None:
    rng = random.Random(0)
    x_train, y_train = split(TRAIN_IMAGES, rng)
    x_test, y_test = split(TEST_IMAGES, rng)
    members = {
        "x_train.npy": npy(x_train, (TRAIN_IMAGES, SIDE, SIDE)),
        "y_train.npy": npy(y_train, (TRAIN_IMAGES,)),
        "x_test.npy": npy(x_test, (TEST_IMAGES, SIDE, SIDE)),
        "y_test.npy": npy(y_test, (TEST_IMAGES,)),
    }
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(OUTPUT, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, content in members.items():
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, content, compresslevel=9)
    print(f"wrote {OUTPUT} ({OUTPUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
