{%- import "resource/templates/python.jinja" as python -%}
{%- set resources = cookiecutter._resources -%}
{%- set models = resources | map(attribute="class_name") | list -%}
{%- set form_names = [] -%}
{%- for model in models %}{% set _ = form_names.append(model ~ "Form") %}{% endfor -%}
"""The pages and the health check; the JSON API is in api/."""

import logging
from http import HTTPStatus
from typing import Any

from django.db import DatabaseError, connection
{%- if resources %}
from django.db.models import ProtectedError, QuerySet
from django.forms import Form
{%- else %}
from django.db.models import QuerySet
{%- endif %}
from django.http import HttpRequest, HttpResponse, JsonResponse
{%- if resources %}
from django.urls import reverse_lazy
{%- endif %}
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
{%- if resources %}
from django.views.generic import CreateView, DeleteView, DetailView, ListView, UpdateView
{%- else %}
from django.views.generic import CreateView
{%- endif %}

{{ python.from_import(".forms", ["ItemForm"] + form_names) }}
{%- if cookiecutter._features.get("jobs", {}).get("backend") == "redis" %}
from .jobs import broker_ok
{%- endif %}
{{ python.from_import(".models", ["Item"] + models) }}

logger = logging.getLogger(__name__)
{%- if resources %}
# The lists of the generated resources show this many rows a page.
PAGE_SIZE = 20
{%- endif %}


class IndexView(CreateView[Item, ItemForm]):
    """The home page: the items, and a form to add one.

    static/.../js/app.js sends the form to the JSON API and adds the item in place.
    Without JavaScript, the form posts here: a redirect back to the page when the
    item is valid, the page with the errors (422) when it is not.
    """

    model = Item
    form_class = ItemForm
    template_name = "{{ cookiecutter.package_name }}/index.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        items: QuerySet[Item] = Item.objects.all()
        return super().get_context_data(items=items, **kwargs)

    def get_success_url(self) -> str:
        return self.request.path

    def form_invalid(self, form: ItemForm) -> HttpResponse:
        response = super().form_invalid(form)
        response.status_code = HTTPStatus.UNPROCESSABLE_ENTITY
        return response


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the application and its database answer; 503 when the database does not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        logger.exception("Health check: the database did not answer")
        return JsonResponse({"status": "error", "database": "error"}, status=503)
{%- for feature in cookiecutter._features | sort %}{%- include "features/" ~ feature ~ "/health.py" ignore missing %}{%- endfor %}
{%- set broker = cookiecutter._features.get("jobs", {}).get("backend") == "redis" %}
    return JsonResponse({"status": "ok", "database": "ok"{{ ', "broker": "ok"' if broker }}})
{%- if resources %}


def unprocessable(response: HttpResponse) -> HttpResponse:
    """A form with errors comes back with them, as 422."""
    response.status_code = HTTPStatus.UNPROCESSABLE_ENTITY
    return response


def in_use(view: DeleteView[Any, Form]) -> HttpResponse:
    """The delete page again, saying why not: other rows refer to the row (PROTECT)."""
    context = view.get_context_data(error="Other rows refer to it: change or delete them first.")
    return view.render_to_response(context, status=HTTPStatus.CONFLICT)
{%- endif %}
{%- for resource in resources %}


{% include "resource/views.py" %}
{%- endfor %}
