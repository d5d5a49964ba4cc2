"""A resource as typed (`Post title:str body:text?`): parsed, refused with a reason, and the
names every file of it is written with (webkit_cli/resources.py), which must never change."""

from __future__ import annotations

import pytest

from webkit_cli import inflection, resources
from webkit_cli.errors import UsageError


@pytest.mark.parametrize(
    ("word", "plural"),
    [
        ("post", "posts"),
        ("category", "categories"),
        ("day", "days"),
        ("box", "boxes"),
        ("match", "matches"),
        ("person", "people"),
        ("analysis", "analyses"),
        ("series", "series"),
        ("leaf", "leaves"),
        ("hero", "heroes"),
        ("status", "statuses"),
    ],
)
def test_plurals(word, plural):
    assert inflection.plural(word) == plural


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("Post", ["post"]),
        ("BlogPost", ["blog", "post"]),
        ("blog_post", ["blog", "post"]),
        ("HTTPLog", ["http", "log"]),
        ("Post2", ["post2"]),
    ],
)
def test_words_of_a_name(name, words):
    assert inflection.words(name) == words


def test_the_names_a_resource_is_written_with():
    post = resources.parse("BlogPost", ["title:str"])
    values = resources.template_values(post, [post])
    assert {key: values[key] for key in ("class_name", "snake", "module", "url", "model")} == {
        "class_name": "BlogPost",
        "snake": "blog_post",
        "module": "blog_posts",
        "url": "blog-posts",
        "model": "blogpost",
    }
    assert (values["title"], values["title_plural"]) == ("Blog post", "Blog posts")
    assert values["label"] == "title"
    # the record keeps what the user gave, and only that
    assert post.record() == {"name": "BlogPost", "fields": ["title:str"]}


def test_a_given_plural_is_recorded_and_used():
    person = resources.parse("Person", ["name:str"], "folks")
    assert person.record() == {"name": "Person", "fields": ["name:str"], "plural": "folks"}
    assert resources.template_values(person, [person])["url"] == "folks"


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("title:str", ("title", "str", None, None, False, False, False)),
        ("title:str:120", ("title", "str", 120, None, False, False, False)),
        ("title:str:120?", ("title", "str", 120, None, True, False, False)),
        ("body:text?", ("body", "text", None, None, True, False, False)),
        ("slug:slug:unique", ("slug", "slug", None, None, False, True, False)),
        ("views:int:index", ("views", "int", None, None, False, False, True)),
        ("author:ref:Author", ("author", "ref", None, "Author", False, False, False)),
        ("editor:ref:Author?", ("editor", "ref", None, "Author", True, False, False)),
        ("price:decimal?:index", ("price", "decimal", None, None, True, False, True)),
    ],
)
def test_field_specs(spec, expected):
    field = resources.parse_field(spec)
    assert (
        field.name,
        field.type,
        field.length,
        field.ref,
        field.optional,
        field.unique,
        field.index,
    ) == expected
    assert field.spec == spec
    assert field.column == (f"{field.name}_id" if field.type == "ref" else field.name)


@pytest.mark.parametrize(
    ("name", "specs", "message"),
    [
        ("Post", [], "has no fields"),
        ("2Post", ["title:str"], "resource name '2Post' is not a valid name"),
        ("Post-It", ["title:str"], "is not a valid name"),
        ("Post__It", ["title:str"], "is not a valid name"),
        ("A" * 21, ["title:str"], "the limit is 20"),
        ("Class", ["title:str"], "'class', which is a Python keyword"),
        ("List", ["title:str"], "'list', which is a Python builtin"),
        ("Exception", ["title:str"], "'Exception', which is a Python builtin"),
        ("News", ["title:str"], "has the same plural"),
        ("Post", ["title"], "field 'title' has no type"),
        ("Post", ["title:string"], "'string' is not a type webkit knows"),
        ("Post", ["Title:str"], "field name 'Title'"),
        ("Post", ["id:int"], "field 'id' is reserved"),
        ("Post", ["created_at:datetime"], "field 'created_at' is reserved"),
        ("Post", ["class:str"], "field name 'class' is reserved"),
        ("Post", ["save:str"], "field name 'save' is reserved"),
        ("Post", ["title:str", "title:text"], "field 'title' is given twice"),
        ("Post", ["author:ref:Author", "author_id:int"], "field 'author_id' is given twice"),
        ("Post", ["author_id:ref:Author"], "a ref's column is already named NAME_id"),
        ("Post", ["author:ref"], "ref needs the resource"),
        ("Post", ["title:str:0"], "a str holds 1 to 255 characters, not 0"),
        ("Post", ["title:str:256"], "not 256"),
        ("Post", ["title:str:big"], "'big' is not a modifier"),
        ("Post", ["title:str:unique:primary"], "'primary' is not a modifier"),
        ("Post", ["body:text:unique"], "a text field cannot be unique"),
        ("Post", ["done:bool:unique"], "a bool field cannot be unique"),
        ("Post", ["body:text:index"], "a text field cannot be :index"),
        ("Post", ["slug:slug:unique:index"], "a unique field is indexed already"),
        ("Post", ["title:str?x"], "is not NAME:TYPE"),
        ("Post", ["title:\x00"], "field 'title:\\x00'"),
    ],
)
def test_refusals_say_what_is_wrong(name, specs, message):
    with pytest.raises(UsageError) as raised:
        resources.parse(name, specs)
    assert message in raised.value.message
    assert raised.value.hint


def test_same_names_are_found():
    post = resources.parse("Post", ["title:str"])
    assert resources.same(post, resources.parse("post", ["x:int"])) == "class 'Post'"
    assert resources.same(post, resources.parse("Posts", ["x:int"])) is not None
    assert resources.same(post, resources.parse("Comment", ["x:int"])) is None
    assert resources.find([post], "post") is post
    assert resources.find([post], "Comment") is None


def test_a_ref_names_its_resource():
    author = resources.parse("Author", ["name:str"])
    post = resources.parse("Post", ["author:ref:Author", "title:str:80"])
    values = resources.template_values(post, [author, post])
    ref = values["columns"][0]["ref"]
    assert (ref["class_name"], ref["module"], ref["snake"]) == ("Author", "authors", "author")
    assert values["refs"] == ["Author"]
    assert values["label"] == "title"
