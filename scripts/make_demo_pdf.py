#!/usr/bin/env python3
"""Writes data/demo/alice/project-brief.pdf: a small, valid two-page PDF with
real text operators (Helvetica), so the pure-Rust extractor has real work.
Deterministic: the same bytes every run. No dependencies."""
import pathlib

PAGES = [
    [
        "Harbor: profile redesign brief",
        "Owner: Alice Moreau. Team: Alice, Bob, Carol.",
        "Goal: profiles that start better conversations.",
        "Today most users leave the bio empty and swipe on photos alone.",
    ],
    [
        "Proposed profile fields",
        "1. Three conversation prompts chosen from a list.",
        "2. Dealbreakers, such as smoking or wanting children.",
        "3. Weekend availability, so matches can plan a first date.",
        "Decision due: end of December.",
    ],
]


def escape(s: str) -> str:
    return s.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def content(lines):
    ops = ["BT", "/F1 12 Tf", "72 720 Td", "16 TL"]
    for line in lines:
        ops.append(f"({escape(line)}) Tj T*")
    ops.append("ET")
    return "\n".join(ops).encode()


def build() -> bytes:
    objects = []
    n_pages = len(PAGES)
    page_ids = [3 + 2 * i for i in range(n_pages)]
    font_id = 3 + 2 * n_pages
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    kids = " ".join(f"{i} 0 R" for i in page_ids)
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {n_pages} >>".encode())
    for i, lines in enumerate(PAGES):
        stream = content(lines)
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            f"/Resources << /Font << /F1 {font_id} 0 R >> >> /Contents {page_ids[i] + 1} 0 R >>".encode()
        )
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


if __name__ == "__main__":
    root = pathlib.Path(__file__).resolve().parent.parent
    target = root / "data" / "demo" / "alice" / "project-brief.pdf"
    target.write_bytes(build())
    print(f"wrote {target}")
