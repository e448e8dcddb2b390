"""QuestionForm: the document a qualification test is written in (spec §5.2).

"The QuestionForm data format describes one or more questions for a HIT, or for a Qualification test."
Both namespaces are read: 2005-10-01 and 2017-11-06 ("2005-10-01 minus FileUploadAnswer and
Application"). The model is plain immutable values; `parse_question_form` validates (schema, then
rules) and caches by text, because the server reads a type's Test at every worker submission.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from functools import cached_property

from . import writer
from .safe_parse import QUESTION_FORM_NAMESPACES

NAMESPACE_2005 = QUESTION_FORM_NAMESPACES[0]
NAMESPACE_2017 = QUESTION_FORM_NAMESPACES[1]


# -- content (Overview and QuestionContent) ---------------------------------------------------------

@dataclass(frozen=True)
class Title:
    text: str


@dataclass(frozen=True)
class Text:
    """"Only plain text is allowed ... HTML characters appear verbatim in the web output." """
    text: str


@dataclass(frozen=True)
class List:
    items: tuple[str, ...]


@dataclass(frozen=True)
class FormattedContent:
    """XHTML from MTurk's subset (checked by openturk.xml.xhtml), kept as the requester wrote it."""
    xhtml: str


@dataclass(frozen=True)
class MimeType:
    type: str                   # image | audio | video
    sub_type: str | None = None


@dataclass(frozen=True)
class Binary:
    mime_type: MimeType
    data_url: str
    alt_text: str


@dataclass(frozen=True)
class ApplicationParameter:
    name: str
    value: str


@dataclass(frozen=True)
class EmbeddedMimeType:
    type: str
    sub_type: str


@dataclass(frozen=True)
class EmbeddedBinary:
    embedded_mime_type: EmbeddedMimeType
    data_url: str
    alt_text: str
    width: str
    height: str
    application_parameters: tuple[ApplicationParameter, ...] = ()


@dataclass(frozen=True)
class JavaApplet:
    applet_path: str
    applet_filename: str
    width: str
    height: str
    application_parameters: tuple[ApplicationParameter, ...] = ()


@dataclass(frozen=True)
class Flash:
    flash_movie_url: str
    width: str
    height: str
    application_parameters: tuple[ApplicationParameter, ...] = ()


@dataclass(frozen=True)
class Application:
    """Deprecated: "Beginning Tuesday, December 12th 2017 the QuestionForm data structure will no longer
    support the Application element." Read in the 2005-10-01 namespace; never in a qualification test."""
    content: JavaApplet | Flash


Content = Title | Text | List | FormattedContent | Binary | EmbeddedBinary | Application


# -- answer specifications --------------------------------------------------------------------------

@dataclass(frozen=True)
class IsNumeric:
    min_value: int | None = None
    max_value: int | None = None


@dataclass(frozen=True)
class Length:
    """"The minLength attribute includes whitespaces in the character count." """
    min_length: int | None = None
    max_length: int | None = None


DEFAULT_ERROR_TEXT = "Invalid input supplied."


@dataclass(frozen=True)
class AnswerFormatRegex:
    """A JavaScript regular expression every answer must match; errorText: "If this attribute is not
    specified, the error displayed is 'Invalid input supplied.'" """
    regex: str
    error_text: str | None = None
    flags: str | None = None

    @property
    def message(self) -> str:
        return self.error_text if self.error_text is not None else DEFAULT_ERROR_TEXT


@dataclass(frozen=True)
class FreeTextAnswer:
    """A text field (also the type of OtherSelection). Constraints are flattened into three fields;
    DefaultText "is accepted as the answer if the Worker does not change it"."""
    is_numeric: IsNumeric | None = None
    length: Length | None = None
    regexes: tuple[AnswerFormatRegex, ...] = ()
    default_text: str | None = None
    number_of_lines_suggestion: int | None = None

    @property
    def has_constraints(self) -> bool:
        return self.is_numeric is not None or self.length is not None or bool(self.regexes)


@dataclass(frozen=True)
class Selection:
    identifier: str
    content: Text | FormattedContent | Binary


STYLES = ("radiobutton", "checkbox", "list", "dropdown", "combobox", "multichooser")


@dataclass(frozen=True)
class SelectionAnswer:
    """A multiple-choice field. MinSelectionCount and MaxSelectionCount both default to 1."""
    selections: tuple[Selection, ...]
    min_selection_count: int | None = None
    max_selection_count: int | None = None
    style_suggestion: str | None = None
    other_selection: FreeTextAnswer | None = None

    @property
    def min_selections(self) -> int:
        return 1 if self.min_selection_count is None else self.min_selection_count

    @property
    def max_selections(self) -> int:
        return 1 if self.max_selection_count is None else self.max_selection_count

    @cached_property
    def identifiers(self) -> frozenset[str]:
        return frozenset(s.identifier for s in self.selections)


@dataclass(frozen=True)
class FileUploadAnswer:
    """Deprecated (2017-12-12): "A FileUploadAnswer element can only be used with HITs. It cannot be used
    with Qualification tests." Read for completeness."""
    max_file_size_in_bytes: int
    min_file_size_in_bytes: int


AnswerSpecification = FreeTextAnswer | SelectionAnswer | FileUploadAnswer


# -- the form -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Overview:
    content: tuple[Content, ...]


@dataclass(frozen=True)
class Question:
    identifier: str
    content: tuple[Content, ...]
    answer: AnswerSpecification
    display_name: str | None = None
    is_required: bool = False
    line: int = field(default=0, compare=False, repr=False)


@dataclass(frozen=True)
class QuestionForm:
    """The whole form: Overviews and Questions "in any order", rendered in document order."""
    items: tuple[Overview | Question, ...]
    namespace: str = NAMESPACE_2005

    @cached_property
    def questions(self) -> tuple[Question, ...]:
        return tuple(item for item in self.items if isinstance(item, Question))

    @cached_property
    def by_identifier(self) -> dict[str, Question]:
        return {q.identifier: q for q in self.questions}

    def question(self, identifier: str) -> Question | None:
        return self.by_identifier.get(identifier)

    def to_xml(self) -> str:
        return _form_xml(self)


# -- reading --------------------------------------------------------------------------------------------

def parse_question_form(text: str, param: str = "Test", *, qualification_test: bool = True) -> QuestionForm:
    """Parse and validate a QuestionForm, or raise TurkError: XMLParseError for XML and schema problems,
    XHTMLParseError for FormattedContent outside the XHTML subset, InvalidParameterValue for the other
    rules. With `qualification_test` (the default: what a Test parameter is) the form may not use
    FileUploadAnswer or Application. Results are cached by (text, param, qualification_test)."""
    return _parse_cached(text, param, qualification_test)


@functools.lru_cache(maxsize=128)
def _parse_cached(text: str, param: str, qualification_test: bool) -> QuestionForm:
    from .questionform_grammar import read
    return read(text, param, qualification_test)


def clear_cache() -> None:
    _parse_cached.cache_clear()


# -- writing ----------------------------------------------------------------------------------------------

def _form_xml(form: QuestionForm) -> str:
    w = writer.Writer()
    w.open("QuestionForm", f" xmlns={writer.attribute(form.namespace)}")
    for item in form.items:
        if isinstance(item, Overview):
            w.open("Overview")
            _content_xml(w, item.content)
            w.close("Overview")
            continue
        w.open("Question")
        w.leaf("QuestionIdentifier", item.identifier)
        w.leaf("DisplayName", item.display_name)
        if item.is_required:
            w.leaf("IsRequired", True)
        w.open("QuestionContent")
        _content_xml(w, item.content)
        w.close("QuestionContent")
        w.open("AnswerSpecification")
        _answer_xml(w, item.answer)
        w.close("AnswerSpecification")
        w.close("Question")
    w.close("QuestionForm")
    return w.result()


def _content_xml(w: writer.Writer, content: tuple[Content, ...]) -> None:
    for item in content:
        _content_item_xml(w, item)


def _content_item_xml(w: writer.Writer, item: Content) -> None:
    if isinstance(item, Title):
        w.leaf("Title", item.text)
    elif isinstance(item, Text):
        w.leaf("Text", item.text)
    elif isinstance(item, FormattedContent):
        w.leaf("FormattedContent", writer.cdata(item.xhtml), raw=True)
    elif isinstance(item, List):
        w.open("List")
        for entry in item.items:
            w.leaf("ListItem", entry)
        w.close("List")
    elif isinstance(item, Binary):
        w.open("Binary")
        w.open("MimeType")
        w.leaf("Type", item.mime_type.type)
        w.leaf("SubType", item.mime_type.sub_type)
        w.close("MimeType")
        w.leaf("DataURL", item.data_url)
        w.leaf("AltText", item.alt_text)
        w.close("Binary")
    elif isinstance(item, EmbeddedBinary):
        w.open("EmbeddedBinary")
        w.open("EmbeddedMimeType")
        w.leaf("Type", item.embedded_mime_type.type)
        w.leaf("SubType", item.embedded_mime_type.sub_type)
        w.close("EmbeddedMimeType")
        for name, value in (("DataURL", item.data_url), ("AltText", item.alt_text), ("Width", item.width),
                            ("Height", item.height)):
            w.leaf(name, value)
        _parameters_xml(w, item.application_parameters)
        w.close("EmbeddedBinary")
    else:
        w.open("Application")
        app = item.content
        if isinstance(app, JavaApplet):
            w.open("JavaApplet")
            for name, value in (("AppletPath", app.applet_path), ("AppletFilename", app.applet_filename),
                                ("Width", app.width), ("Height", app.height)):
                w.leaf(name, value)
            _parameters_xml(w, app.application_parameters)
            w.close("JavaApplet")
        else:
            w.open("Flash")
            for name, value in (("FlashMovieURL", app.flash_movie_url), ("Width", app.width),
                                ("Height", app.height)):
                w.leaf(name, value)
            _parameters_xml(w, app.application_parameters)
            w.close("Flash")
        w.close("Application")


def _parameters_xml(w: writer.Writer, parameters: tuple[ApplicationParameter, ...]) -> None:
    for parameter in parameters:
        w.open("ApplicationParameter")
        w.leaf("Name", parameter.name)
        w.leaf("Value", parameter.value)
        w.close("ApplicationParameter")


def _answer_xml(w: writer.Writer, answer: AnswerSpecification) -> None:
    if isinstance(answer, FreeTextAnswer):
        _free_text_xml(w, "FreeTextAnswer", answer)
    elif isinstance(answer, SelectionAnswer):
        w.open("SelectionAnswer")
        w.leaf("MinSelectionCount", answer.min_selection_count)
        w.leaf("MaxSelectionCount", answer.max_selection_count)
        w.leaf("StyleSuggestion", answer.style_suggestion)
        w.open("Selections")
        for selection in answer.selections:
            w.open("Selection")
            w.leaf("SelectionIdentifier", selection.identifier)
            _content_item_xml(w, selection.content)
            w.close("Selection")
        if answer.other_selection is not None:
            _free_text_xml(w, "OtherSelection", answer.other_selection)
        w.close("Selections")
        w.close("SelectionAnswer")
    else:
        w.open("FileUploadAnswer")
        w.leaf("MaxFileSizeInBytes", answer.max_file_size_in_bytes)
        w.leaf("MinFileSizeInBytes", answer.min_file_size_in_bytes)
        w.close("FileUploadAnswer")


def _free_text_xml(w: writer.Writer, name: str, answer: FreeTextAnswer) -> None:
    if not answer.has_constraints and answer.default_text is None and answer.number_of_lines_suggestion is None:
        w.empty(name)
        return
    w.open(name)
    if answer.has_constraints:
        w.open("Constraints")
        if answer.is_numeric is not None:
            w.empty("IsNumeric", _attributes(minValue=answer.is_numeric.min_value,
                                             maxValue=answer.is_numeric.max_value))
        if answer.length is not None:
            w.empty("Length", _attributes(minLength=answer.length.min_length, maxLength=answer.length.max_length))
        for regex in answer.regexes:
            w.empty("AnswerFormatRegex", _attributes(regex=regex.regex, errorText=regex.error_text,
                                                     flags=regex.flags))
        w.close("Constraints")
    w.leaf("DefaultText", answer.default_text)
    w.leaf("NumberOfLinesSuggestion", answer.number_of_lines_suggestion)
    w.close(name)


def _attributes(**values: object) -> str:
    return "".join(f" {name}={writer.attribute(str(value))}" for name, value in values.items() if value is not None)
