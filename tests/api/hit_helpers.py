"""Documents and calls the HIT tests share."""

from __future__ import annotations

EXTERNAL_NS = "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2006-07-14/ExternalQuestion.xsd"
HTML_NS = "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2011-11-11/HTMLQuestion.xsd"


def external_question(url: str = "https://example.org/task", frame_height: int = 600) -> str:
    return (f'<ExternalQuestion xmlns="{EXTERNAL_NS}"><ExternalURL>{url}</ExternalURL>'
            f"<FrameHeight>{frame_height}</FrameHeight></ExternalQuestion>")


def html_question(body: str = "<p>Hello</p>", frame_height: int = 450) -> str:
    document = (f"<!DOCTYPE html><html><head><title>t</title></head><body><form>{body}"
                "<input type='submit'></form></body></html>")
    return (f'<HTMLQuestion xmlns="{HTML_NS}"><HTMLContent><![CDATA[{document}]]></HTMLContent>'
            f"<FrameHeight>{frame_height}</FrameHeight></HTMLQuestion>")


TYPE = {"Title": "Label some images", "Description": "Say what is in each picture", "Reward": "0.50",
        "AssignmentDurationInSeconds": 600, "Keywords": "images, labels"}


def create_hit(client, lifetime: int = 3600, max_assignments: int = 1, **overrides) -> dict:
    params = {**TYPE, "LifetimeInSeconds": lifetime, "MaxAssignments": max_assignments,
              "Question": external_question(), **overrides}
    return client.create_hit(**params)["HIT"]


def hit_with_requirements(client, requirements: list[dict], **overrides) -> dict:
    return create_hit(client, QualificationRequirements=requirements, **overrides)


def balance(client) -> str:
    return client.get_account_balance()["AvailableBalance"]
