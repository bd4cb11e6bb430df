"""Render the approval route table (approvals.routes) as Markdown: docs/routes.md is its output."""

from pathlib import Path

from django.core.management.base import BaseCommand
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.choices import Role
from approvals.routes import END, ENTRY, FILE, ROUTES, SUBMIT, RouteTable
from projects.choices import ProjectStatus, Tier
from projects.models import Project


def _cell(text) -> str:
    return str(text).replace("|", "\\|")


def _field(name: str) -> str:
    return f"{Project._meta.get_field(name).verbose_name}（`{name}`）"


def render(table: RouteTable) -> str:
    """The table as Markdown, in Chinese whatever the caller's language."""
    with translation.override("zh-hans"):
        lines = [
            "# " + _("审批路线"),
            "",
            "<!-- "
            + _(
                "本文件由 `python manage.py routes_doc --write docs/routes.md` 从 "
                "`approvals/routes.py` 生成，请勿手工修改；与生成结果不一致时测试失败。"
            )
            + " -->",
            "",
            _(
                "项目申报（`%(submit)s`）后进入“%(entry)s”，等待路线的第一个环节；通过一个环节后进入"
                "该环节的“通过”状态，等待下一个环节；通过最后一个环节即为“%(end)s”。每个环节的时限"
                "按工作日计算，自项目进入等待状态之日起算。退回修改的项目重新提交后回到原环节。"
            )
            % {
                "submit": SUBMIT,
                "entry": ProjectStatus(ENTRY).label,
                "end": ProjectStatus(END).label,
            },
            "",
            _(
                "签批人不得是项目申报人，也不得是本项目此前环节的签批人。项目所在状态不在本类别路线上时"
                "（如退回修改期间调低了金额），由更高类别路线在该状态的环节的签批角色处理，可退回修改或"
                "不予立项，但不能以其他类别路线的最后一个环节办结。"
            ),
            "",
            _(
                "设计变更使项目金额升级到更高类别时，项目须补齐该类别路线中尚未经过的环节"
                "（标为“重新审批”的环节无论是否经过都须再审），补齐前不能开工、完工或付款。"
            ),
        ]
        header = [
            _("顺序"),
            _("环节"),
            _("等待状态"),
            _("签批角色"),
            _("转换"),
            _("时限（工作日）"),
            _("可设定"),
            _("签批人字段"),
            _("金额升级时"),
            _("OC4IDS 里程碑"),
        ]
        for route in table.routes:
            lines += ["", f"## {Tier(route.tier).label}", ""]
            if route.files_directly:
                lines += [
                    _(
                        "由街道直接备案（`%(file)s`），无需审批；疑似化整为零的项目须申报"
                        "（`%(submit)s`）并经过以下环节。"
                    )
                    % {"file": FILE, "submit": SUBMIT},
                    "",
                ]
            lines += [
                "| " + " | ".join(header) + " |",
                "| " + " | ".join("---" for _h in header) + " |",
            ]
            for index, step in enumerate(route.steps):
                row = [
                    str(index + 1),
                    step.label,
                    ProjectStatus(route.waits_in(index)).label,
                    Role(step.role).label,
                    f"`{step.transition}`",
                    str(step.limit_working_days),
                    "、".join(_field(f) for f in step.sets) or "—",
                    f"`{step.approver_field}`",
                    _("重新审批") if step.retaken_on_escalation else _("未经过则补审"),
                    f"`{step.milestone}`" if step.milestone else "—",
                ]
                lines.append("| " + " | ".join(_cell(c) for c in row) + " |")
            lines += [
                "",
                _("通过最后一个环节后：%(end)s。") % {"end": ProjectStatus(END).label},
            ]
        return "\n".join(lines) + "\n"


class Command(BaseCommand):
    help = "Render the approval route table as Markdown, to stdout or to a file (--write)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--write", metavar="PATH", help="write to this file, e.g. docs/routes.md"
        )

    def handle(self, *args, write: str | None = None, **options) -> None:
        text = render(ROUTES)
        if write:
            Path(write).write_text(text, encoding="utf-8")
            self.stdout.write(f"wrote {write}")
        else:
            self.stdout.write(text, ending="")
