"""Vitals's HTML pages as the browser-less tests read them: the consent and
connected-apps pages, the dashboard."""
from html.parser import HTMLParser


class Page(HTMLParser):
    """The parts of a Vitals HTML page the tests read: its forms (fields in order,
    and the `data-client-id` of the table row holding them), the text of
    `role="alert"` elements, the text of `<tr data-client-id>` rows, and all text."""

    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.html, self.forms, self.alerts, self.rows, self.text_parts = html, [], [], {}, []
        self._form, self._open = None, []  # open captures: [tag, depth, kind, key, parts]
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        a = {k: ("" if v is None else v) for k, v in attrs}
        for capture in self._open:
            if capture[0] == tag:
                capture[1] += 1
        if tag == "form":
            row = next((c[3] for c in self._open if c[2] == "row"), None)
            self._form = {"attrs": a, "fields": [], "row": row}
            self.forms.append(self._form)
        elif tag in ("input", "button", "select", "textarea") and self._form is not None:
            self._form["fields"].append((tag, a))
        if a.get("role") == "alert":
            self._open.append([tag, 1, "alert", None, []])
        if tag == "tr" and "data-client-id" in a:
            self._open.append([tag, 1, "row", a["data-client-id"], []])

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        for capture in list(self._open):
            if capture[0] == tag:
                capture[1] -= 1
                if capture[1] == 0:
                    self._open.remove(capture)
                    text = " ".join("".join(capture[4]).split())
                    if capture[2] == "alert":
                        self.alerts.append(text)
                    else:
                        self.rows[capture[3]] = text

    def handle_data(self, data):
        self.text_parts.append(data)
        for capture in self._open:
            capture[4].append(data)

    @property
    def text(self):
        return " ".join("".join(self.text_parts).split())

    def form(self, id=None, action=None, row=None):
        for form in self.forms:
            if id is not None and form["attrs"].get("id") != id:
                continue
            if action is not None and form["attrs"].get("action") != action:
                continue
            if row is not None and form["row"] != row:
                continue
            return form
        raise AssertionError(f"no form id={id} action={action} row={row} in:\n{self.html[:3000]}")

    @staticmethod
    def field(form, name=None, id=None):
        for tag, a in form["fields"]:
            if (name is None or a.get("name") == name) and (id is None or a.get("id") == id):
                return a
        raise AssertionError(f"no field name={name} id={id} in {form['fields']}")

    @staticmethod
    def submission(form, values=None, untick=(), button=None):
        """The name=value pairs a browser submits: hidden, text and password inputs
        (with `values` typed in), ticked checkboxes (less `untick`), and the pressed
        button's name=value."""
        values, pairs = values or {}, []
        for tag, a in form["fields"]:
            name = a.get("name")
            if tag != "input" or not name:
                continue
            kind = a.get("type", "text").lower()
            if kind == "checkbox":
                if "checked" in a and a.get("value") not in untick:
                    pairs.append((name, a.get("value", "on")))
            elif kind in ("hidden", "text", "password"):
                pairs.append((name, values.get(name, a.get("value", ""))))
        if button:
            pairs.append((button.get("name"), button.get("value", "")))
        return pairs
