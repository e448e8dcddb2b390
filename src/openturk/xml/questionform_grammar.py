"""The QuestionForm schema (QuestionForm-2005-10-01.xsd, written as openturk.xml.schema particles) and
the builders that turn valid elements into openturk.xml.questionform values, recording the rules beyond
the schema as they go.

Rules beyond the schema (InvalidParameterValue unless noted), each from the QuestionForm page:
- QuestionIdentifier: "An identifier for the question ... used to associate the Worker's answers with the
  question" — unique in the form; SelectionIdentifier: "A unique alphanumeric string" — unique in its
  question (openturk does not require alphanumeric: MTurk's own examples use other characters).
- FormattedContent: "Only a limited subset of XHTML is supported" — AWS.MechanicalTurk.XHTMLParseError.
- DataURL "contains a valid HTTP URL": http(s) with a host, no spaces or control characters (also
  FlashMovieURL and AppletPath).
- MinSelectionCount "can range from 0 to the number of selections"; MaxSelectionCount "from 1 to the
  number of selections" (openturk refuses only counts no answer can meet: min > max, min > selections).
- Length, IsNumeric and file sizes: the minimum may not exceed the maximum; AnswerFormatRegex must be a
  regular expression openturk can run (openturk.xml.regex).
- The form has at least one Question (the XSD would accept a form of Overviews only).
- A qualification test: "A FileUploadAnswer element can only be used with HITs. It cannot be used with
  Qualification tests", and no Application (withdrawn by MTurk on 2017-12-12).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from .. import errors
from . import questionform as qf
from . import regex as js_regex
from . import safe_parse, xhtml
from .schema import (BOOLEAN, FILE_SIZE, INT, NON_NEGATIVE_INTEGER, POSITIVE_INTEGER, STRING, URL, Attribute,
                     Complex, Context, choice, enumeration, many, optional, read_document, seq, show)
from .schema import Element as E


def _one(kids):
    return kids[0][1]


def _fields(kids) -> dict:
    return {name: value for name, value, _ in kids}


def _check_url(ctx: Context, line: int, element: str, url: str) -> None:
    """'DataURL ... contains a valid HTTP URL': beyond the XSD's pattern, a host and no spaces."""
    try:
        parts = urlsplit(url)
        host, _ = parts.hostname, parts.port        # both raise ValueError for a malformed authority
    except ValueError as exc:
        ctx.problem(line, f"element {element}: {show(url)} is not a valid http(s) URL ({exc})")
        return
    if not host or any(c.isspace() or ord(c) < 32 for c in url):
        ctx.problem(line, f"element {element}: {show(url)} is not an http(s) URL with a host and without spaces")


def _content(ctx: Context, line: int, attrs, kids) -> tuple:
    items = []
    for name, value, kid_line in kids:
        if name == "Title":
            items.append(qf.Title(value))
        elif name == "Text":
            items.append(qf.Text(value))
        elif name == "FormattedContent":
            items.append(_formatted(ctx, kid_line, value))
        else:
            items.append(value)
    return tuple(items)


def _formatted(ctx: Context, line: int, value: str) -> qf.FormattedContent:
    try:
        xhtml.check(value)
    except xhtml.XhtmlProblem as problem:
        ctx.problem(line + problem.line - 1, f"element FormattedContent: {problem.reason}",
                    errors.Code.XHTML_PARSE_ERROR)
    return qf.FormattedContent(value)


def _binary(ctx, line, attrs, kids):
    f = _fields(kids)
    _check_url(ctx, kids[1][2], "DataURL", f["DataURL"])
    return qf.Binary(f["MimeType"], f["DataURL"], f["AltText"])


def _embedded_binary(ctx, line, attrs, kids):
    f = _fields(kids)
    _check_url(ctx, kids[1][2], "DataURL", f["DataURL"])
    parameters = tuple(v for n, v, _ in kids if n == "ApplicationParameter")
    return qf.EmbeddedBinary(f["EmbeddedMimeType"], f["DataURL"], f["AltText"], f["Width"], f["Height"], parameters)


def _application(ctx: Context, line, attrs, kids):
    if ctx.options.get("qualification_test"):
        ctx.problem(line, "element Application: a qualification test cannot contain Application (Java applets "
                          "and Flash were withdrawn from QuestionForm on 2017-12-12)")
    return qf.Application(_one(kids))


def _java_applet(ctx, line, attrs, kids):
    f = _fields(kids)
    _check_url(ctx, kids[0][2], "AppletPath", f["AppletPath"])
    parameters = tuple(v for n, v, _ in kids if n == "ApplicationParameter")
    return qf.JavaApplet(f["AppletPath"], f["AppletFilename"], f["Width"], f["Height"], parameters)


def _flash(ctx, line, attrs, kids):
    f = _fields(kids)
    _check_url(ctx, kids[0][2], "FlashMovieURL", f["FlashMovieURL"])
    parameters = tuple(v for n, v, _ in kids if n == "ApplicationParameter")
    return qf.Flash(f["FlashMovieURL"], f["Width"], f["Height"], parameters)


def _free_text(ctx: Context, line, attrs, kids) -> qf.FreeTextAnswer:
    f = _fields(kids)
    constraints = f.get("Constraints") or (None, None, ())
    return qf.FreeTextAnswer(constraints[0], constraints[1], constraints[2], f.get("DefaultText"),
                             f.get("NumberOfLinesSuggestion"))


def _constraints(ctx, line, attrs, kids):
    f = _fields(kids)
    return f.get("IsNumeric"), f.get("Length"), tuple(v for n, v, _ in kids if n == "AnswerFormatRegex")


def _is_numeric(ctx: Context, line, attrs, kids):
    low, high = attrs.get("minValue"), attrs.get("maxValue")
    if low is not None and high is not None and low > high:
        ctx.problem(line, f"element IsNumeric: minValue {low} is larger than maxValue {high}")
    return qf.IsNumeric(low, high)


def _length(ctx: Context, line, attrs, kids):
    low, high = attrs.get("minLength"), attrs.get("maxLength")
    if low is not None and high is not None and low > high:
        ctx.problem(line, f"element Length: minLength {low} is larger than maxLength {high}")
    return qf.Length(low, high)


def _regex(ctx: Context, line, attrs, kids):
    pattern, flags = attrs["regex"], attrs.get("flags")
    try:
        js_regex.compile_js(pattern, flags or "")
    except js_regex.RegexError as exc:
        ctx.problem(line, f"element AnswerFormatRegex: regex={show(pattern)} {exc}")
    return qf.AnswerFormatRegex(pattern, attrs.get("errorText"), flags)


def _selection(ctx, line, attrs, kids):
    name, value, kid_line = kids[1]
    if name == "Text":
        content = qf.Text(value)
    elif name == "FormattedContent":
        content = _formatted(ctx, kid_line, value)
    else:
        content = value
    return (qf.Selection(kids[0][1], content), kids[0][2])


def _selections(ctx: Context, line, attrs, kids):
    seen: dict[str, int] = {}
    selections = []
    other = None
    for name, value, _ in kids:
        if name == "OtherSelection":
            other = value
            continue
        selection, id_line = value
        if selection.identifier in seen:
            ctx.problem(id_line, f"element SelectionIdentifier: {show(selection.identifier)} is already the "
                                 f"identifier of the selection on line {seen[selection.identifier]} (selection "
                                 "identifiers must be unique in a question)")
        seen.setdefault(selection.identifier, id_line)
        selections.append(selection)
    return tuple(selections), other


def _selection_answer(ctx: Context, line, attrs, kids):
    f = _fields(kids)
    selections, other = f["Selections"]
    answer = qf.SelectionAnswer(selections, f.get("MinSelectionCount"), f.get("MaxSelectionCount"),
                                f.get("StyleSuggestion"), other)
    low, high = answer.min_selections, answer.max_selections
    choices = len(selections) + (1 if other is not None else 0)
    if low > high:
        given = "" if answer.max_selection_count is not None else " (the default)"
        ctx.problem(line, f"element SelectionAnswer: MinSelectionCount {low} is larger than MaxSelectionCount "
                          f"{high}{given}, so no answer could be accepted")
    elif low > choices:
        ctx.problem(line, f"element SelectionAnswer: MinSelectionCount {low} is larger than the number of "
                          f"selections ({choices})")
    return answer


def _file_upload(ctx: Context, line, attrs, kids):
    f = _fields(kids)
    if ctx.options.get("qualification_test"):
        ctx.problem(line, "element FileUploadAnswer: a qualification test cannot contain FileUploadAnswer "
                          "(\"It cannot be used with Qualification tests\")")
    if f["MinFileSizeInBytes"] > f["MaxFileSizeInBytes"]:
        ctx.problem(line, f"element FileUploadAnswer: MinFileSizeInBytes {f['MinFileSizeInBytes']} is larger "
                          f"than MaxFileSizeInBytes {f['MaxFileSizeInBytes']}")
    return qf.FileUploadAnswer(f["MaxFileSizeInBytes"], f["MinFileSizeInBytes"])


def _question(ctx, line, attrs, kids):
    f = _fields(kids)
    question = qf.Question(f["QuestionIdentifier"], f["QuestionContent"], f["AnswerSpecification"],
                           f.get("DisplayName"), bool(f.get("IsRequired", False)), line)
    return question, kids[0][2]


def _question_form(ctx: Context, line, attrs, kids):
    items = []
    seen: dict[str, int] = {}
    for name, value, _ in kids:
        if name == "Overview":
            items.append(qf.Overview(value))
            continue
        question, id_line = value
        if question.identifier in seen:
            ctx.problem(id_line, f"element QuestionIdentifier: {show(question.identifier)} is already the "
                                 f"identifier of the question on line {seen[question.identifier]} (question "
                                 "identifiers must be unique in a QuestionForm)")
        seen.setdefault(question.identifier, id_line)
        items.append(question)
    if not seen:
        ctx.problem(line, "element QuestionForm: the form has no Question")
    return qf.QuestionForm(tuple(items), ctx.namespace)


def grammar(deprecated: bool) -> Complex:
    """The QuestionForm root type; without `deprecated` (the 2017-11-06 schema), no Application and no
    FileUploadAnswer."""
    parameter = Complex(seq(E("Name", STRING), E("Value", STRING)),
                        build=lambda c, line, a, k: qf.ApplicationParameter(k[0][1], k[1][1]))
    mime = Complex(seq(E("Type", enumeration("image", "audio", "video")), optional("SubType", STRING)),
                   build=lambda c, line, a, k: qf.MimeType(k[0][1], k[1][1] if len(k) > 1 else None))
    binary = Complex(seq(E("MimeType", mime), E("DataURL", URL), E("AltText", STRING)), build=_binary)
    embedded_mime = Complex(seq(E("Type", STRING), E("SubType", STRING)),
                            build=lambda c, line, a, k: qf.EmbeddedMimeType(k[0][1], k[1][1]))
    embedded = Complex(seq(E("EmbeddedMimeType", embedded_mime), E("DataURL", URL), E("AltText", STRING),
                           E("Width", STRING), E("Height", STRING), many("ApplicationParameter", parameter)),
                       build=_embedded_binary)
    flash = Complex(seq(E("FlashMovieURL", URL), E("Width", STRING), E("Height", STRING),
                        many("ApplicationParameter", parameter)), build=_flash)
    applet = Complex(seq(E("AppletPath", URL), E("AppletFilename", STRING), E("Width", STRING),
                         E("Height", STRING), many("ApplicationParameter", parameter)), build=_java_applet)
    application = Complex(choice(E("Flash", flash), E("JavaApplet", applet)), build=_application)
    a_list = Complex(seq(many("ListItem", STRING, min=1)),
                     build=lambda c, line, a, k: qf.List(tuple(v for _, v, _ in k)))
    content_items = [E("Title", STRING), E("Text", STRING), E("List", a_list), E("FormattedContent", STRING),
                     E("Binary", binary)]
    if deprecated:
        content_items.append(E("Application", application))
    content_items.append(E("EmbeddedBinary", embedded))
    content = Complex(choice(*content_items, max=None), build=_content)

    is_numeric = Complex(attributes=(Attribute("minValue", INT), Attribute("maxValue", INT)), build=_is_numeric)
    length = Complex(attributes=(Attribute("minLength", NON_NEGATIVE_INTEGER),
                                 Attribute("maxLength", POSITIVE_INTEGER)), build=_length)
    regex = Complex(attributes=(Attribute("regex", STRING, required=True), Attribute("errorText", STRING),
                                Attribute("flags", STRING)), build=_regex)
    constraints = Complex(seq(optional("IsNumeric", is_numeric), optional("Length", length),
                              many("AnswerFormatRegex", regex)), build=_constraints)
    free_text = Complex(seq(optional("Constraints", constraints), optional("DefaultText", STRING),
                            optional("NumberOfLinesSuggestion", POSITIVE_INTEGER)), build=_free_text)
    selection = Complex(seq(E("SelectionIdentifier", STRING),
                            choice(E("Text", STRING), E("Binary", binary), E("FormattedContent", STRING))),
                        build=_selection)
    selections = Complex(seq(many("Selection", selection, min=1), optional("OtherSelection", free_text)),
                         build=_selections)
    selection_answer = Complex(seq(optional("MinSelectionCount", NON_NEGATIVE_INTEGER),
                                   optional("MaxSelectionCount", POSITIVE_INTEGER),
                                   optional("StyleSuggestion", enumeration(*qf.STYLES)),
                                   E("Selections", selections)), build=_selection_answer)
    file_upload = Complex(seq(E("MaxFileSizeInBytes", FILE_SIZE), E("MinFileSizeInBytes", FILE_SIZE)),
                          build=_file_upload)
    answers = [E("FreeTextAnswer", free_text), E("SelectionAnswer", selection_answer)]
    if deprecated:
        answers.append(E("FileUploadAnswer", file_upload))
    specification = Complex(choice(*answers), build=lambda c, line, a, k: k[0][1])
    question = Complex(seq(E("QuestionIdentifier", STRING), optional("DisplayName", STRING),
                           optional("IsRequired", BOOLEAN), E("QuestionContent", content),
                           E("AnswerSpecification", specification)), build=_question)
    return Complex(choice(E("Overview", content), E("Question", question), max=None), build=_question_form)


GRAMMARS = {qf.NAMESPACE_2005: grammar(deprecated=True), qf.NAMESPACE_2017: grammar(deprecated=False)}
HINTS_2017 = {name: f" ({name} is not part of the 2017-11-06 QuestionForm schema: MTurk withdrew it on "
                    "2017-12-12)" for name in ("Application", "FileUploadAnswer")}


def read(text: str, param: str, qualification_test: bool) -> qf.QuestionForm:
    return read_document(param, text, "QuestionForm", safe_parse.QUESTION_FORM_NAMESPACES, GRAMMARS.__getitem__,
                         hints=lambda namespace: HINTS_2017 if namespace == qf.NAMESPACE_2017 else {},
                         qualification_test=qualification_test)
