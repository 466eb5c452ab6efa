"""Evidence uploads: server time for a 4 MB phone photo, beside Pillow's bare decode and resize.

The server's work for one photo (`Bratasena.attach_evidence`): check who may attach, sniff the
bytes, walk the file's structure to its end marker, hash it, read its EXIF time and place, decode
it under the pixel limit, make the 1600 px screen copy and the 480 px thumbnail (both encoded
afresh as JPEG), store the three blobs (sealed with AES-GCM when a cipher key is set) and save
`EvidenceAttached`. The baseline, in the same run on the same photo, is Pillow alone: open,
decode (with the same JPEG draft scaling) and resize to the same two sizes, with no checks, no
encoding, no hashing and no storage. The issue's target: at least 60 % of the bare figure.

    python bench/evidence.py            # 40 uploads per configuration
    python bench/evidence.py --quick    # 4 uploads, SQLite only, for CI
"""

from __future__ import annotations

import argparse
import base64
import io
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psycopg
from PIL import Image, ImageFilter

from bratasena.application import Bratasena
from bratasena.domain.account import Role
from bratasena.media import SCREEN_PX, THUMB_PX, Upload
from bratasena.settings import Settings
from tests.builders import Clock, case_at, open_staff, register

POSTGRES_URL = os.environ.get(
    "BRATASENA_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test"
)


def phone_photo() -> bytes:
    """A 12-megapixel JPEG of about 4 MB with camera EXIF (time and GPS), made here."""
    grain = Image.effect_noise((4000, 3000), 60).filter(ImageFilter.GaussianBlur(1))
    image = Image.merge(
        "RGB",
        (grain, grain.rotate(180), grain.transpose(Image.Transpose.FLIP_LEFT_RIGHT)),
    )
    exif = Image.Exif()
    exif[0x0110] = "Bench Phone"
    exif[306] = "2026:03:10 09:15:00"
    exif[0x8825] = {1: "S", 2: (6.0, 58.0, 12.5), 3: "E", 4: (111.0, 25.0, 1.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90, exif=exif)
    return out.getvalue()


def bare(data: bytes) -> float:
    """Seconds for Pillow alone to decode the photo and resize it to both sizes."""
    started = time.perf_counter()
    image = Image.open(io.BytesIO(data))
    image.draft("RGB", (SCREEN_PX, SCREEN_PX))
    image.load()
    screen = image.copy()
    screen.thumbnail((SCREEN_PX, SCREEN_PX), Image.Resampling.BILINEAR)
    thumb = screen.copy()
    thumb.thumbnail((THUMB_PX, THUMB_PX), Image.Resampling.BILINEAR)
    return time.perf_counter() - started


def uploads(settings: Settings, data: bytes, count: int) -> tuple[list[float], list[float]]:
    """Seconds per `attach_evidence` of ``count`` uploads of the photo to one case, and of the
    bare baseline, taken in turns so that both see the same load on the machine."""
    clock = Clock()
    app = Bratasena(settings, clock=clock)
    try:
        register(app)
        open_staff(app)
        cid = case_at(app, clock, "assigned")
        times, baseline = [], []
        for n in range(count):
            baseline.append(bare(data))
            # A byte of difference per upload, so every blob is new (content addressing would
            # otherwise store the same photo once).
            upload = Upload(data + n.to_bytes(4, "big"), name=f"IMG_{n:04d}.JPG", kind="vehicle")
            started = time.perf_counter()
            app.attach_evidence(cid, None, upload=upload, role=Role.OFFICER, actor="budi")
            times.append(time.perf_counter() - started)
        return times, baseline
    finally:
        app.close()


def configurations(quick: bool, folder: Path) -> list[tuple[str, Settings]]:
    key = base64.b64encode(os.urandom(32)).decode()
    common = {"environment": "test", "evidence_per_case": 100_000}
    found = [
        ("SQLite, files", Settings(data_dir=folder / "plain", **common)),  # type: ignore[arg-type]
        (
            "SQLite, files, cipher key",
            Settings(data_dir=folder / "sealed", cipher_key=key, **common),  # type: ignore[arg-type]
        ),
    ]
    if quick:
        return found[:1]
    try:
        with psycopg.connect(POSTGRES_URL, connect_timeout=3):
            pass
    except psycopg.OperationalError:
        print(f"(PostgreSQL unreachable at {POSTGRES_URL}: skipped)")
        return found
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    found.append(
        (
            "PostgreSQL, table, cipher key",
            Settings(  # type: ignore[arg-type]
                data_dir=folder / "pg",
                database_url=POSTGRES_URL,
                database_schema=schema,
                cipher_key=key,
                **common,
            ),
        )
    )
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny run for CI")
    args = parser.parse_args()
    count = 4 if args.quick else 40
    data = phone_photo()
    print(f"photo: {len(data) / 1e6:.1f} MB, 4000×3000 JPEG with EXIF; {count} uploads each")
    with tempfile.TemporaryDirectory(prefix="bench-evidence-") as tmp:
        for name, settings in configurations(args.quick, Path(tmp)):
            try:
                server, baseline = uploads(settings, data, count)
            finally:
                if settings.uses_postgres:
                    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
                        conn.execute(f"DROP SCHEMA IF EXISTS {settings.database_schema} CASCADE")
            median_server, median_bare = statistics.median(server), statistics.median(baseline)
            print(
                f"{name:32s} server {median_server * 1000:6.1f} ms/photo "
                f"({count / sum(server):5.1f} uploads/s) · bare Pillow decode+resize "
                f"{median_bare * 1000:6.1f} ms ({1 / median_bare:5.1f}/s) · "
                f"server at {median_bare / median_server:5.0%} of bare"
            )


if __name__ == "__main__":
    main()
