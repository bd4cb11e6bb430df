"""Run in a process of its own: refuse every bomb of the corpus and print, as JSON, how much the
process's peak resident memory grew while refusing (VmHWM, reset just before), next to a control that
decodes a 64-megapixel image for real, to show the measure would see a decode.

    python -m tests.uploads.refuse_bombs refuse|control
"""

import json
import os
import resource
import sys
import time
import tracemalloc


def _status_mb(field: str) -> float | None:
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def reset_peak() -> float:
    """Start a fresh peak (Linux: writing 5 to clear_refs resets VmHWM); the RSS now."""
    try:
        with open("/proc/self/clear_refs", "w") as clear:
            clear.write("5")
    except OSError:
        pass
    return _status_mb("VmRSS") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def peak_mb() -> float:
    return _status_mb("VmHWM") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(mode: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from django.core.exceptions import ValidationError
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from core.uploads import check_document
    from inspections.photos import inspect_photo, reencode_without_exif
    from inspections.tests.images import png_declaring
    from tests.uploads.corpus import (
        JPEG,
        docm_as_docx,
        gif_declaring,
        tiff_declaring,
        webp_declaring,
        zip_bomb,
    )

    bombs = [
        ("bomb.png", png_declaring(20000, 20000)),
        ("bomb-50000.png", png_declaring(50000, 50000)),  # 2.5 gigapixels
        ("bomb.webp", webp_declaring(16384, 16384)),
        ("bomb.gif", gif_declaring(65535, 65535)),
        ("bomb.tif", tiff_declaring(60000, 60000)),
    ]
    documents = [
        ("bomb.png", png_declaring(20000, 20000)),
        ("budget.docx", zip_bomb(unpacked_mb=1024)),
        ("sheet.xlsx", zip_bomb("xl/worksheets/sheet1.xml", unpacked_mb=512)),
        ("macro.docx", docm_as_docx()),
    ]
    control = png_declaring(8000, 8000)
    reencode_without_exif(JPEG)  # warm Pillow's decoders and encoders up
    baseline = reset_peak()
    tracemalloc.start()
    started = time.perf_counter()
    refused = 0
    if mode == "refuse":
        for name, data in bombs:
            try:
                inspect_photo(SimpleUploadedFile(name, data), filename=name)  # type: ignore[arg-type]
            except ValidationError:
                refused += 1
        for name, data in documents:
            try:
                check_document(SimpleUploadedFile(name, data))
            except ValidationError:
                refused += 1
    else:
        Image.MAX_IMAGE_PIXELS = None
        with Image.open(SimpleUploadedFile("c.png", control)) as image:
            image.load()
    seconds = time.perf_counter() - started
    _current, traced = tracemalloc.get_traced_memory()
    print(
        json.dumps(
            {
                "mode": mode,
                "files": len(bombs) + len(documents),
                "refused": refused,
                "peak_growth_mb": round(peak_mb() - baseline, 1),
                "python_peak_mb": round(traced / 2**20, 1),
                "seconds": round(seconds, 3),
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1])
