"""The {{ app.name }} app's models (`webkit run makemigrations` writes their migrations)."""
