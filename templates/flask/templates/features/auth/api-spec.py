{# api/__init__.py: in the spec processor `complete`, before it returns the document #}
        from ..accounts import document_security  # here: the accounts import this package

        document_security(spec)  # the session, besides the Bearer token, for the writes
{#- end of the fragment: the including file has the line break -#}
