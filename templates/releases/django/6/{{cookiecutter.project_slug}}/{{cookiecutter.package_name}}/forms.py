from django import forms

from .models import Item


class ItemForm(forms.ModelForm[Item]):
    """The home page's form, with the model's own rules (length, uniqueness)."""

    class Meta:
        model = Item
        fields = ["name"]
