from django import forms
from django.core.exceptions import ValidationError

from .models import Item


class JSONCharField(forms.CharField):
    """A CharField for JSON input: a number, list or object is an error, not text."""

    def to_python(self, value):
        if value not in self.empty_values and not isinstance(value, str):
            raise ValidationError("Enter a string.", code="invalid")
        return super().to_python(value)


class ItemForm(forms.ModelForm):
    """Validates the API's request bodies with the model's own rules (length, uniqueness)."""

    class Meta:
        model = Item
        fields = ["name", "description"]
        field_classes = {"name": JSONCharField, "description": JSONCharField}
