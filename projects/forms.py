"""The filing form; tier, status and street are never fields of it."""

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.choices import OrganisationKind
from accounts.models import Organisation
from core.forms import AmountField, BootstrapFormMixin, MultipleFileField
from core.uploads import ALLOWED_EXTENSIONS

from .choices import AttachmentKind
from .models import Project

# The form's file inputs and the kind each one gives its files.
ATTACHMENT_FIELDS = {
    "attachments": AttachmentKind.APPLICATION,
    "attachments_drawing": AttachmentKind.DRAWING,
    "attachments_budget": AttachmentKind.BUDGET,
    "attachments_other": AttachmentKind.OTHER,
}


class ProjectForm(BootstrapFormMixin, forms.ModelForm):
    budget_amount = AmountField(
        label=_("申报预算（元）"), help_text=_("类别等级由金额自动确定，无需选择。")
    )
    # One input per kind of attachment, so that each file keeps its own type (申报材料, 图纸,
    # 预算书, 其他); PDF, images, Word, Excel, DWG.
    attachments = MultipleFileField(label=AttachmentKind.APPLICATION.label)
    attachments_drawing = MultipleFileField(label=AttachmentKind.DRAWING.label)
    attachments_budget = MultipleFileField(label=AttachmentKind.BUDGET.label)
    attachments_other = MultipleFileField(
        label=AttachmentKind.OTHER.label, help_text=_("PDF、图片、Word、Excel、DWG。")
    )

    class Meta:
        model = Project
        fields = [
            "name",
            "category",
            "project_class",
            "budget_amount",
            "address",
            "latitude",
            "longitude",
            "planned_start",
            "planned_end",
            "design_unit",
            "description",
        ]
        widgets = {
            "planned_start": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "planned_end": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "description": forms.Textarea(attrs={"rows": 4}),
            "latitude": forms.NumberInput(attrs={"step": "0.000001"}),
            "longitude": forms.NumberInput(attrs={"step": "0.000001"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ATTACHMENT_FIELDS:
            self.fields[name].widget.attrs["accept"] = ",".join(ALLOWED_EXTENSIONS)
        self.fields["project_class"].required = True  # chosen at filing, with its guidance
        self.fields["design_unit"].queryset = Organisation.objects.filter(
            kind=OrganisationKind.DESIGN, is_active=True
        )
        self.fields["design_unit"].help_text = _(
            "附有施工图、预算书等设计文件的项目，请选择设计单位。"
        )
        # The schedule is checked against them (docs/rules.md §3): no filing without them.
        self.fields["planned_start"].required = True
        self.fields["planned_end"].required = True
        # The tier is derived on the server while the amount is typed; the user never picks it.
        self.fields["budget_amount"].widget.attrs.update(
            {
                "hx-get": reverse("projects:tier_preview"),
                "hx-trigger": "input changed delay:250ms",
                "hx-target": "#tier-preview",
                "hx-sync": "this:replace",
            }
        )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("planned_start"), cleaned.get("planned_end")
        if start and end and end < start:
            self.add_error("planned_end", _("计划完工日期不能早于计划开工日期。"))
        return cleaned

    def attachment_pairs(self) -> list[tuple]:
        """Every uploaded file with the kind of the input it came in."""
        return [
            (upload, kind)
            for name, kind in ATTACHMENT_FIELDS.items()
            for upload in self.cleaned_data.get(name) or []
        ]

    def _post_clean(self):
        # Model validation happens in the service, with the derived fields set.
        pass

    def service_data(self) -> dict:
        return {f: self.cleaned_data[f] for f in self.Meta.fields}
