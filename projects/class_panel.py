"""The section of the project page for the duties its class adds (docs/rules.md §2): a C类
project's village decision (四议两公开) and outcome publication, a B类 project's street-office
tracker, an A类 project's tender, supervision and audit."""

from accounts.choices import OrganisationKind, Role
from accounts.models import Organisation, User

from .choices import EDITABLE_STATUSES, ProjectClass, ProjectStatus
from .models import VillageDecision
from .rules import is_street_staff_of
from .services.classes import TRACKER_CLOSED, VILLAGE_FIXED


def class_panel(request, project):
    if not project.project_class:
        return None
    user = request.user
    street_staff = is_street_staff_of(project, user)
    context = {"project": project, "street_staff": street_staff}
    if project.project_class == ProjectClass.C:
        village = VillageDecision.objects.filter(project=project).select_related("village").first()
        context.update(
            village=village,
            street_villages=Organisation.objects.filter(
                kind=OrganisationKind.VILLAGE, parent_id=project.street_id
            ).order_by("name")
            if street_staff
            else [],
            can_record_village=street_staff and project.status in EDITABLE_STATUSES,
            can_publish_result=street_staff
            and village is not None
            and project.status == ProjectStatus.ACCEPTED
            and village.result_published_on is None,
        )
    if project.project_class != ProjectClass.C and street_staff:
        # Any class: the village whose 村民监督员 follow the works (docs/village-supervision.md).
        context["can_set_village"] = project.status not in VILLAGE_FIXED
        context["street_villages"] = Organisation.objects.filter(
            kind=OrganisationKind.VILLAGE, parent_id=project.street_id
        ).order_by("name")
    if project.project_class == ProjectClass.B and street_staff:
        context["can_set_tracker"] = project.status not in TRACKER_CLOSED
        context["street_staff_choices"] = User.objects.filter(
            is_active=True, role=Role.STREET_STAFF, organisation_id=project.street_id
        ).order_by("username")
    return "projects/_class_panel.html", context
