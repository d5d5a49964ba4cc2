"""The {{ app.name }} app's models in the admin: `@admin.register(Model)` here."""
