"""States of a discipline officer's lead (线索)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class LeadStatus(models.TextChoices):
    PRELIMINARY = "preliminary", _("初核")
    FILED = "filed", _("立案")
    CLOSED = "closed", _("了结")
