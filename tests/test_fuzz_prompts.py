"""Prompt rendering under hostile templates and hostile values.

A prompt file is edited by product teams, so its template may try to reach Python
internals or build something huge: each such template is refused with a PromptError that
names the file. A user's message or a catalog description is a value: it is printed as
written, never rendered as a template.
"""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chat_rec.errors import PromptError
from chat_rec.prompts.registry import PromptFile

ESCAPES = [
    "{{ ''.__class__.__mro__ }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ request.__class__.__init__.__globals__ }}",
    "{{ item.__dict__ }}",
    "{{ request.format.__globals__ }}",
    "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    "{{ lipsum.__globals__['os'].popen('id').read() }}",
    "{{ self._TemplateReference__context }}",
    "{{ ().__class__.__base__.__subclasses__() }}",
    "{{ request|attr('__class__') }}",
    "{% for c in [].__class__.__base__.__subclasses__() %}{{ c }}{% endfor %}",
    "{{ range(10**9) | list }}",
    "{{ 'a' * 10**10 }}",
    "{{ [1] * 10**9 }}",
    "{{ 2 ** 100000000 }}",
    "{{ 1 / 0 }}",
    "{{ request[10**6] }}",
    "{{ undefined_name }}",
    "{% if %}",
    "{{ request.mro() }}",
]


def prompt(template: str, system: str = "") -> PromptFile:
    return PromptFile(
        name="probe",
        version="v1",
        description="fuzz",
        author="tests",
        date=date(2026, 12, 4),
        inputs=["request", "item"],
        system=system,
        template=template,
    )


@pytest.mark.parametrize("template", ESCAPES)
def test_escaping_templates_are_refused_with_a_clear_error(template: str) -> None:
    with pytest.raises(PromptError) as caught:
        prompt(template).render(request="a comedy", item={"title": "Alien"})
    message = str(caught.value)
    assert "probe@v1" in message and "->" in message  # names the file and the next step
    assert "<class" not in message and "subclasses" not in message.replace(template, "")


def test_unsafe_attribute_says_so() -> None:
    with pytest.raises(PromptError, match="unsafe"):
        prompt("{{ ''.__class__.__mro__ }}").render(request="x", item={})


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=st.text(max_size=300) | st.sampled_from([*ESCAPES, "{% raw %}", "{#", "}}{{", "{{ request }}"]))
def test_values_are_printed_not_rendered(value: str) -> None:
    messages = prompt("Request: {{ request }}|About: {{ item.description }}", system="S").render(
        request=value, item={"description": value}
    )
    assert messages[-1]["content"] == f"Request: {value}|About: {value}".strip()


FRAGMENTS = [
    "{{",
    "}}",
    "{%",
    "%}",
    "{#",
    "#}",
    "request",
    "item",
    "item.title",
    ".",
    "__class__",
    "__mro__",
    "[",
    "]",
    "(",
    ")",
    "|",
    "join",
    "attr",
    "upper",
    "for",
    "in",
    "endfor",
    "if",
    "endif",
    "range",
    "10**9",
    "*",
    "**",
    "'a'",
    " ",
    "x",
    "set",
    "=",
    "~",
    "lipsum",
    "cycler",
    "namespace",
    "self",
    "loop",
    "0",
    "-1",
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(template=st.lists(st.sampled_from(FRAGMENTS), max_size=25).map("".join) | st.text(max_size=200))
def test_any_template_renders_or_fails_cleanly(template: str) -> None:
    try:
        messages = prompt(template).render(request="a comedy", item={"title": "Alien", "description": "d"})
    except PromptError as exc:
        assert "probe@v1" in str(exc)
        return
    text = messages[-1]["content"]
    assert len(text) < 200_000
    assert "<class '" not in text and "__globals__" not in text.replace(template, "")
