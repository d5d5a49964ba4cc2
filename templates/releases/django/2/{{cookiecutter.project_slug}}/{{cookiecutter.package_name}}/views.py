"""The pages, the JSON API on Item, and the health check.

The API is written with Django's own class-based views, not Django REST framework:
five handlers on one model do not justify a dependency, and plain views keep every
status code in sight. Each view lists the methods it answers in
`http_method_names`; any other method gets a JSON 405 with an Allow header.

Django's CSRF protection stays on for the API, as for every view that changes
data: the page's script sends the token in the X-CSRFToken header, read from the
`<meta name="csrf-token">` tag of base.html.
"""

import json
import logging
from http import HTTPStatus

from django.db import DatabaseError, IntegrityError, connection, transaction
from django.http import HttpResponse, JsonResponse
from django.urls import reverse
from django.views import View, defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django.views.generic import CreateView

from .forms import ItemForm
from .models import Item

logger = logging.getLogger(__name__)

API_PREFIX = "/api/"

# Fields a client may send back as it received them; they are ignored, not errors.
READ_ONLY_FIELDS = {"id", "created_at", "updated_at"}


class IndexView(CreateView):
    """The home page: the items, and a form to add one.

    static/.../js/app.js sends the form to the JSON API and adds the item in place.
    Without JavaScript, the form posts here: a redirect back to the page when the
    item is valid, the page with the errors (422) when it is not.
    """

    model = Item
    form_class = ItemForm
    template_name = "{{ cookiecutter.package_name }}/index.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(items=Item.objects.all(), **kwargs)

    def get_success_url(self):
        return self.request.path

    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = HTTPStatus.UNPROCESSABLE_ENTITY
        return response


# The JSON API


def error_response(status, message):
    """{"error": "Not Found", "message": "Item 7 not found."}, the shape of every API error."""
    return JsonResponse({"error": HTTPStatus(status).phrase, "message": message}, status=status)


class APIError(Exception):
    """Ends an API request with error_response(status, message)."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


class InvalidData(Exception):
    """Ends an API request with 422 {"errors": {"field": ["message", ...]}}."""

    def __init__(self, errors):
        super().__init__(errors)
        self.errors = errors


def item_to_dict(item):
    return {
        "id": item.pk,
        "name": item.name,
        "description": item.description,
        "created_at": item.created_at,
        "updated_at": item.updated_at,
    }


class JSONView(View):
    """The API's base view: JSON request bodies in, JSON responses (errors too) out."""

    def dispatch(self, request, *args, **kwargs):
        try:
            return super().dispatch(request, *args, **kwargs)
        except APIError as error:
            return error_response(error.status, error.message)
        except InvalidData as error:
            return JsonResponse({"errors": error.errors}, status=422)

    def http_method_not_allowed(self, request, *args, **kwargs):
        response = error_response(405, f"Method {request.method} is not allowed here.")
        response["Allow"] = ", ".join(self._allowed_methods())
        return response

    def read_json(self):
        """The request body as a dict: 415 if it is not JSON, 400 if it is malformed."""
        if self.request.content_type != "application/json":
            raise APIError(415, "Send a JSON body with Content-Type: application/json.")
        try:
            data = json.loads(self.request.body)
        except ValueError as error:  # json.JSONDecodeError, UnicodeDecodeError
            raise APIError(400, f"Malformed JSON: {error}") from error
        if not isinstance(data, dict):
            raise APIError(400, "The body must be a JSON object.")
        return data

    def save(self, form):
        """Save the form's item, or raise InvalidData with the errors field by field."""
        unknown = set(form.data) - set(form.fields) - READ_ONLY_FIELDS
        if form.is_valid() and not unknown:
            try:
                with transaction.atomic():
                    return form.save()
            except IntegrityError:
                # Another request took the name between validation and saving.
                form.add_error("name", form.instance.unique_error_message(Item, ["name"]))
        errors = {field: list(messages) for field, messages in form.errors.items()}
        errors.update((field, ["Unknown field."]) for field in sorted(unknown))
        raise InvalidData(errors)


class ItemListView(JSONView):
    """/api/items/: list the items (GET), create one (POST)."""

    http_method_names = ["get", "post", "head", "options"]

    def get(self, request):
        return JsonResponse({"items": [item_to_dict(item) for item in Item.objects.all()]})

    def post(self, request):
        item = self.save(ItemForm(data=self.read_json()))
        response = JsonResponse(item_to_dict(item), status=201)
        response["Location"] = reverse(
            "{{ cookiecutter.package_name }}:item-detail",
            args=[item.pk],
        )
        return response


class ItemDetailView(JSONView):
    """/api/items/<id>/: read (GET), replace (PUT), update (PATCH) or delete (DELETE) an item."""

    http_method_names = ["get", "put", "patch", "delete", "head", "options"]

    def get_item(self, pk):
        try:
            return Item.objects.get(pk=pk)
        except Item.DoesNotExist:
            raise APIError(404, f"Item {pk} not found.") from None

    def get(self, request, pk):
        return JsonResponse(item_to_dict(self.get_item(pk)))

    def put(self, request, pk):
        """Replace: a field left out takes its default (an empty description)."""
        item = self.get_item(pk)
        item = self.save(ItemForm(data=self.read_json(), instance=item))
        return JsonResponse(item_to_dict(item))

    def patch(self, request, pk):
        """Update: a field left out keeps its value."""
        item = self.get_item(pk)
        data = {"name": item.name, "description": item.description, **self.read_json()}
        item = self.save(ItemForm(data=data, instance=item))
        return JsonResponse(item_to_dict(item))

    def delete(self, request, pk):
        self.get_item(pk).delete()
        return HttpResponse(status=204)


# Errors (config.urls.handler404 and handler500) and the health check


def page_not_found(request, exception):
    if request.path_info.startswith(API_PREFIX):
        return error_response(404, "There is nothing at this URL.")
    return defaults.page_not_found(request, exception)


def server_error(request):
    if request.path_info.startswith(API_PREFIX):
        return error_response(500, "Something went wrong on our side; it has been logged.")
    return defaults.server_error(request)


@never_cache
@require_safe
def healthz(request):
    """200 when the application and its database answer; 503 when the database does not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        logger.exception("Health check: the database did not answer")
        return JsonResponse({"status": "error", "database": "error"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})
