"""Pillow's one process-wide switch, LOAD_TRUNCATED_IMAGES, shared by the threads of a worker.

WeasyPrint turns it on when first imported (lenient with cut-off images in documents); photo
uploads must decode with it off, or a truncated photo would pass as whole. Decoding and that
first import take one lock, so that no thread's switch lands in another thread's decode.
"""

import threading
from contextlib import contextmanager

from PIL import ImageFile

_switch = threading.Lock()


@contextmanager
def truncated_images_refused():
    """Decode inside this: a cut-off image raises instead of loading with grey at the end."""
    with _switch:
        previous = ImageFile.LOAD_TRUNCATED_IMAGES
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        try:
            yield
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = previous


def weasyprint_html():
    """WeasyPrint's HTML class, imported (the first time, turning the switch on) under the
    same lock as the decodes."""
    with _switch:
        from weasyprint import HTML
    return HTML
