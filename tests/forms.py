"""Reading a page's form as a browser would, to send it back (changed or not)."""
from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Field:
    name: str
    kind: str  # text, hidden, textarea, select, checkbox, radio, file, date, number, ...
    options: list[str] = field(default_factory=list)  # select, checkbox and radio values
    multiple: bool = False


@dataclass
class Form:
    action: str | None
    fields: dict[str, Field] = field(default_factory=dict)
    values: list[tuple[str, str]] = field(default_factory=list)  # what a browser would send

    def data(self, **overrides) -> dict:
        """The values to post, as the test client takes them (lists for repeated names)."""
        sent: dict[str, list[str]] = {}
        for name, value in self.values:
            sent.setdefault(name, []).append(value)
        result = {name: values if len(values) > 1 else values[0] for name, values in sent.items()}
        return {**result, **overrides}


class _Parser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[tuple[dict, Form]] = []
        self._form: Form | None = None
        self._select: tuple[Field, list[str], list[str]] | None = None  # field, options, chosen
        self._option: str | None = None
        self._textarea: tuple[str, list[str]] | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: v if v is not None else "" for k, v in attrs}
        if tag == "form":
            self._form = Form(a.get("action"))
            self.forms.append((a, self._form))
        form = self._form
        if form is None or ("name" not in a and tag in ("input", "select", "textarea")):
            return
        if tag == "input":
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "image", "reset"):
                return
            known = form.fields.setdefault(a["name"], Field(a["name"], kind))
            if kind in ("checkbox", "radio"):
                known.options.append(a.get("value", "on"))
                known.multiple = kind == "checkbox"
                if "checked" in a:
                    form.values.append((a["name"], a.get("value", "on")))
            elif kind != "file":
                form.values.append((a["name"], a.get("value", "")))
        elif tag == "select":
            known = form.fields.setdefault(
                a["name"], Field(a["name"], "select", multiple="multiple" in a)
            )
            self._select = (known, [], [])
        elif tag == "option" and self._select:
            self._option = a.get("value")
            if self._option is not None:
                self._select[1].append(self._option)
                if "selected" in a:
                    self._select[2].append(self._option)
        elif tag == "textarea":
            form.fields[a["name"]] = Field(a["name"], "textarea")
            self._textarea = (a["name"], [])

    def handle_data(self, data):
        if self._textarea:
            self._textarea[1].append(data)

    def handle_endtag(self, tag):
        form = self._form
        if tag == "form":
            self._form = None
        elif tag == "select" and self._select and form is not None:
            known, options, chosen = self._select
            known.options = options
            if not chosen and options and not known.multiple:
                chosen = options[:1]  # a browser sends the first option
            form.values.extend((known.name, value) for value in chosen)
            self._select = None
        elif tag == "textarea" and self._textarea and form is not None:
            name, text = self._textarea
            text = "".join(text).removeprefix("\r")  # a browser drops the newline
            form.values.append((name, text.removeprefix("\n")))  # right after <textarea>
            self._textarea = None


def posting_forms(html: str) -> list[Form]:
    """Every form on the page that posts."""
    parser = _Parser()
    parser.feed(html)
    return [f for a, f in parser.forms if a.get("method", "get").lower() == "post"]


def page_form(html: str) -> Form:
    """The page's main form: Flask-Admin's create/edit form, else the posting form with
    the most fields (the top bar's sign-out form is not it)."""
    parser = _Parser()
    parser.feed(html)
    posting = [(a, f) for a, f in parser.forms if a.get("method", "get").lower() == "post"]
    for attrs, form in posting:
        if "admin-form" in attrs.get("class", ""):
            return form
    assert posting, "no form on the page"
    return max(posting, key=lambda pair: len(pair[1].fields))[1]
