"""core.forms.FastSelect writes the same HTML as Django's Select (docs/province.md)."""

import re

from django import forms

from core.forms import FastSelect


def _same(html: str) -> str:
    return re.sub(r">\s+<", "><", html.strip())


def test_it_writes_what_the_select_template_writes():
    choices = [("", "---------"), (1, "镇海<街道>"), (2, "拱辰 & 西天尾"), (3, '"引号"')]
    attrs = {"class": "form-select", "id": "id_street", "required": True, "disabled": False}
    for value in (None, 2, "3"):
        ours = FastSelect(choices=choices).render("street", value, attrs=attrs)
        theirs = forms.Select(choices=choices).render("street", value, attrs=attrs)
        assert _same(ours) == _same(theirs)
    assert "镇海&lt;街道&gt;" in ours
    assert '<option value="3" selected>' in ours
