"""Small builders for QuestionForm documents in tests."""

from __future__ import annotations

from .support import QF_2005


def form(*parts: str, namespace: str = QF_2005) -> str:
    return f'<QuestionForm xmlns="{namespace}">' + "".join(parts) + "</QuestionForm>"


def question(identifier: str = "q1", answer: str | None = None, content: str = "<Text>?</Text>",
             required: bool = False, head: str = "") -> str:
    if answer is None:
        answer = selection_answer("a", "b")
    return (f"<Question><QuestionIdentifier>{identifier}</QuestionIdentifier>{head}"
            + ("<IsRequired>true</IsRequired>" if required else "")
            + f"<QuestionContent>{content}</QuestionContent><AnswerSpecification>{answer}</AnswerSpecification>"
            "</Question>")


def selection_answer(*identifiers: str, counts: str = "", other: str = "") -> str:
    return ("<SelectionAnswer>" + counts + "<Selections>" + "".join(
        f"<Selection><SelectionIdentifier>{s}</SelectionIdentifier><Text>{s}</Text></Selection>" for s in identifiers)
        + other + "</Selections></SelectionAnswer>")


def free_text(constraints: str = "", extra: str = "") -> str:
    return ("<FreeTextAnswer>" + (f"<Constraints>{constraints}</Constraints>" if constraints else "") + extra
            + "</FreeTextAnswer>")


def formatted(xhtml: str) -> str:
    return f"<FormattedContent><![CDATA[{xhtml}]]></FormattedContent>"


FILE_UPLOAD = "<FileUploadAnswer><MaxFileSizeInBytes>100</MaxFileSizeInBytes><MinFileSizeInBytes>1</MinFileSizeInBytes></FileUploadAnswer>"
APPLICATION = ("<Application><Flash><FlashMovieURL>http://x.org/m.swf</FlashMovieURL><Width>1</Width><Height>1</Height>"
               "</Flash></Application>")


# A question of each kind answers_from_mapping builds answers for (tests/unit/xml/test_checking.py; the
# official schema's verdict on those answers is in tests/reference/test_oracle.py).
MIXED_FORM = form(
    question("pick", selection_answer("a", "b", counts="<MaxSelectionCount>2</MaxSelectionCount>")),
    question("other", selection_answer("a", other="<OtherSelection/>")),
    question("words", free_text(extra="<DefaultText>hello</DefaultText>")),
    question("plain", free_text()))
