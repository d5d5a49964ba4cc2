from django.views.generic import TemplateView


class IndexView(TemplateView):
    """The app's home page."""

    template_name = "{{ app.name }}/index.html"
