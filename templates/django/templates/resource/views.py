{#- views.py: the pages of each generated resource, Django's generic views. -#}
{%- import "resource/templates/python.jinja" as python -%}
{%- set r = resource -%}
{%- set C = r.class_name -%}
{%- set login = ["LoginRequiredMixin"] if "auth" in cookiecutter._features else [] -%}
class {{ C }}ListView(ListView[{{ C }}]):
    model = {{ C }}
    paginate_by = PAGE_SIZE


class {{ C }}DetailView(DetailView[{{ C }}]):
    model = {{ C }}


{{ python.call("", "class " ~ C ~ "CreateView", login + ["CreateView[" ~ C ~ ", " ~ C ~ "Form]"], ":") }}
    model = {{ C }}
    form_class = {{ C }}Form

    def form_invalid(self, form: {{ C }}Form) -> HttpResponse:
        return unprocessable(super().form_invalid(form))


{{ python.call("", "class " ~ C ~ "UpdateView", login + ["UpdateView[" ~ C ~ ", " ~ C ~ "Form]"], ":") }}
    model = {{ C }}
    form_class = {{ C }}Form

    def form_invalid(self, form: {{ C }}Form) -> HttpResponse:
        return unprocessable(super().form_invalid(form))


{{ python.call("", "class " ~ C ~ "DeleteView", login + ["DeleteView[" ~ C ~ ", Form]"], ":") }}
    model = {{ C }}
{{ python.assign_call("    ", "success_url", "reverse_lazy", ['"' ~ cookiecutter.package_name ~ ':' ~ r.model ~ '-list"']) }}

    def form_valid(self, form: Form) -> HttpResponse:
        try:
            return super().form_valid(form)
        except ProtectedError:
            return in_use(self)
{#- views.py -#}
