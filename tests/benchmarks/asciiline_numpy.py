#!/usr/bin/env python3
# gst-plugins-onair: the anchor of the asciivideoenc benchmark
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Encodes the same raw BGR frames as the C benchmark the way the ASCILINE
# seed server does, with numpy and OpenCV: cv2.cvtColor for the grey,
# floor_divide and clip for the legacy character mapping, shifts for the
# colour, struct for the index.  The ANSI encoder does what ASCILINE's
# terminal player does (a colour escape only when the colour changes),
# with numpy doing what it can.
#
#   asciiline_numpy.py FRAMES_FILE COLS ROWS COUNT MODE3_OUT ANSI_OUT
#
# Prints "mode3_us <us per frame>", "ansi_us <us per frame>" and
# "ansi_bytes <mean bytes per frame>", and writes every frame's output to
# MODE3_OUT and ANSI_OUT so the C side can compare bytes.
import struct
import sys
import time

import cv2
import numpy as np

RAMP = (" `.-':_,^=;><+!rc*/z?sLTv)J7(|Fi{C}fI31tlu[neoZ5Yxjya]2ESwqkP6h9d4Vp"
        "OGbUAKXHm8RD#$Bg0MNWQ%&@")
QB_BY_MODE = {1: 0, 2: 5, 3: 3, 4: 2, 5: 0}


def encode_asciiline(bgr, frame_index, cols, rows, char_lut, n_chars, qb,
                     send_buf):
    gray = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
    indices = np.floor_divide(gray, max(1, 256 // n_chars))
    np.clip(indices, 0, n_chars - 1, out=indices)
    char_codes = char_lut[indices]
    rgb = bgr[:, :, ::-1]
    if qb > 0:
        rgb = (rgb >> qb) << qb
    out = np.empty((rows, cols, 4), dtype=np.uint8)
    out[:, :, 0] = char_codes
    out[:, :, 1:] = rgb
    struct.pack_into(">I", send_buf, 0, frame_index)
    send_buf[4:] = out.tobytes()
    return bytes(send_buf)


def encode_ansi(bgr, cols, rows, char_lut, n_chars, qb):
    gray = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
    indices = np.floor_divide(gray, max(1, 256 // n_chars))
    np.clip(indices, 0, n_chars - 1, out=indices)
    chars = char_lut[indices].tobytes().decode("ascii")
    rgb = bgr[:, :, ::-1]
    if qb > 0:
        rgb = (rgb >> qb) << qb
    packed = (rgb[:, :, 0].astype(np.uint32) << 16
              | rgb[:, :, 1].astype(np.uint32) << 8
              | rgb[:, :, 2]).reshape(-1)
    # A colour escape where the colour differs from the cell before; the
    # first cell of the frame always has one.
    change = np.empty(packed.shape, dtype=bool)
    change[0] = True
    change[1:] = packed[1:] != packed[:-1]
    flat = rgb.reshape(-1, 3).tolist()
    flags = change.tolist()
    parts = ["\033[H"]
    for i in range(rows * cols):
        if i and i % cols == 0:
            parts.append("\r\n")
        if flags[i]:
            r, g, b = flat[i]
            parts.append(f"\033[38;2;{r};{g};{b}m")
        parts.append(chars[i])
    return "".join(parts).encode("ascii")


def main():
    path, cols, rows, count = sys.argv[1], *map(int, sys.argv[2:5])
    mode3_out, ansi_out = sys.argv[5], sys.argv[6]
    frame_bytes = cols * rows * 3
    with open(path, "rb") as f:
        data = f.read()
    frames = [np.frombuffer(data, dtype=np.uint8, count=frame_bytes,
                            offset=i * frame_bytes).reshape(rows, cols, 3)
              for i in range(count)]
    char_lut = np.array([ord(c) for c in RAMP], dtype=np.uint8)
    n_chars = len(RAMP)
    qb = QB_BY_MODE[3]
    send_buf = bytearray(4 + rows * cols * 4)

    with open(mode3_out, "wb") as f:
        for i, frame in enumerate(frames):
            f.write(encode_asciiline(frame, i, cols, rows, char_lut, n_chars,
                                     qb, send_buf))
    ansi = [encode_ansi(frame, cols, rows, char_lut, n_chars, qb)
            for frame in frames]
    with open(ansi_out, "wb") as f:
        f.write(b"".join(ansi))

    # The smallest of five runs: the least disturbed by the machine.
    best = float("inf")
    repeats = max(1, 2000 // count)
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(repeats):
            for i, frame in enumerate(frames):
                encode_asciiline(frame, i, cols, rows, char_lut, n_chars, qb,
                                 send_buf)
        best = min(best, (time.perf_counter() - start) / (repeats * count))
    print(f"mode3_us {best * 1e6:.3f}")

    best = float("inf")
    repeats = max(1, 60 // count)
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(repeats):
            for frame in frames:
                encode_ansi(frame, cols, rows, char_lut, n_chars, qb)
        best = min(best, (time.perf_counter() - start) / (repeats * count))
    print(f"ansi_us {best * 1e6:.3f}")
    print(f"ansi_bytes {sum(len(a) for a in ansi) / count:.1f}")


if __name__ == "__main__":
    main()
