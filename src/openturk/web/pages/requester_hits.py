"""The requester's HIT pages under /requester/hits: the caller's HITs with their status and counters (all,
or those Reviewable / Reviewing), one HIT with its requirements and what can be done to it — expire it now,
extend it, add assignments, mark it Reviewing and back, delete it.

Like the other requester pages, every change is the MTurk operation itself (RequesterPages.act), so the
page shows the API's own rule when one is broken.
"""

from __future__ import annotations

from starlette.routing import Route

from ...domain import requirements as req_rules
from ...ops.hits import HITS
from ...xml.questions import ExternalQuestion, HTMLQuestion, parse_question, question_kind
from . import views
from .common import PageRequest, query_string

PREFIX = "/requester/hits"
HITS_PER_PAGE = 25
SHOWN = ("all", "Reviewable", "Reviewing")
SYSTEM_NAMES = {req_rules.LOCALE: "Location (Worker_Locale)", req_rules.ADULT: "Adult content (Worker_Adult)",
                req_rules.NUMBER_HITS_APPROVED: "Number of HITs approved",
                req_rules.PERCENT_APPROVED: "Percent of assignments approved",
                req_rules.PERCENT_SUBMITTED: "Percent of assignments submitted",
                req_rules.PERCENT_RETURNED: "Percent of assignments returned",
                req_rules.PERCENT_ABANDONED: "Percent of assignments abandoned",
                req_rules.PERCENT_REJECTED: "Percent of assignments rejected",
                **{masters: "Masters" for masters in req_rules.MASTERS}}
STATUS_BADGES = {"Assignable": "badge-ok", "Unassignable": "badge-wait", "Reviewable": "badge-wait",
                 "Reviewing": "badge-wait", "Disposed": "badge-muted"}


def hit_routes(pages) -> list[Route]:
    page = pages.page
    return [
        Route(PREFIX, page(pages.hits), methods=["GET"]),
        Route(PREFIX + "/{hit_id}", page(pages.hit_page), methods=["GET"]),
        Route(PREFIX + "/{hit_id}/expire", page(pages.expire_hit), methods=["POST"]),
        Route(PREFIX + "/{hit_id}/extend", page(pages.extend_hit), methods=["POST"]),
        Route(PREFIX + "/{hit_id}/assignments", page(pages.add_assignments), methods=["POST"]),
        Route(PREFIX + "/{hit_id}/review", page(pages.review_hit), methods=["POST"]),
        Route(PREFIX + "/{hit_id}/delete", page(pages.delete_hit), methods=["POST"]),
    ]


class HitPages:
    """Mixed into RequesterPages (which gives `op`, `act` and `_view`)."""

    async def hits(self, page: PageRequest):
        q = page.request.query_params
        shown = q.get("status") if q.get("status") in SHOWN else "all"
        next_token = q.get("next_token") or None
        if shown == "all":
            listing = await self.op(page, "ListHITs", NextToken=next_token, MaxResults=HITS_PER_PAGE)
        else:
            listing = await self.op(page, "ListReviewableHITs", Status=shown, NextToken=next_token,
                                    MaxResults=HITS_PER_PAGE)
        next_url = (PREFIX + query_string(status=None if shown == "all" else shown, next_token=listing["next_token"])
                    if listing["more"] else None)
        return page.render("requester/hits.html", hits=listing[HITS], shown=shown, next_url=next_url,
                           paged=next_token is not None, badges=STATUS_BADGES)

    async def hit_page(self, page: PageRequest):
        hit = (await self.op(page, "GetHIT", HITId=page.request.path_params["hit_id"]))["hit"]
        requirements = hit["qualification_requirements"]
        names = await self._view(page, views.type_names,
                                 qualification_type_ids=[r["qualification_type_id"] for r in requirements])
        names = {**names, **{k: v for k, v in SYSTEM_NAMES.items() if k in names}}
        question = parse_question(hit["question"])
        return page.render("requester/hit.html", hit=hit, requirements=requirements, names=names,
                           kind=question_kind(question),
                           external_url=question.external_url if isinstance(question, ExternalQuestion) else None,
                           frame_height=question.frame_height if isinstance(question, (ExternalQuestion, HTMLQuestion))
                           else None, badges=STATUS_BADGES,
                           page_keys=["expire", "extend", "assignments", "review", "delete"])

    def _back(self, page: PageRequest, anchor: str = ""):
        return page.redirect(f"{PREFIX}/{page.request.path_params['hit_id']}{anchor}")

    async def expire_hit(self, page: PageRequest):
        # "To expire a HIT immediately, set ExpireAt to a time in the past" (0: the epoch).
        await self.act(page, "UpdateExpirationForHIT", HITId=page.request.path_params["hit_id"], ExpireAt=0,
                       done="The HIT has expired: workers can no longer find or accept it.", error_key="expire")
        return self._back(page)

    async def extend_hit(self, page: PageRequest):
        hit_id = page.request.path_params["hit_id"]
        hours = _number(page.field("hours"))
        if hours is None or not 0 < hours <= 365 * 24:
            page.flash("Give the number of hours to extend by: more than 0, at most 8760 (a year).", "error",
                       key="extend")
            return self._back(page, "#extend")
        hit = (await self.op(page, "GetHIT", HITId=hit_id))["hit"]
        now_ms = await self._view(page, views.now_ms)
        # From the current expiration while the HIT lives, from now once it has expired.
        expire_at = max(hit["expiration"], now_ms) + int(hours * 3600 * 1000)
        await self.act(page, "UpdateExpirationForHIT", HITId=hit_id, ExpireAt=expire_at / 1000,
                       done=f"The HIT now expires {hours:g} hour{'' if hours == 1 else 's'} later.",
                       error_key="extend")
        return self._back(page, "#extend")

    async def add_assignments(self, page: PageRequest):
        number = _number(page.field("number"))
        await self.act(page, "CreateAdditionalAssignmentsForHIT", HITId=page.request.path_params["hit_id"],
                       NumberOfAdditionalAssignments=int(number) if number is not None and number == int(number)
                       else page.field("number").strip() or None,
                       done="Added the assignments; their cost was reserved from your balance.",
                       error_key="assignments")
        return self._back(page, "#assignments")

    async def review_hit(self, page: PageRequest):
        revert = page.field("revert") == "yes"
        await self.act(page, "UpdateHITReviewStatus", HITId=page.request.path_params["hit_id"], Revert=revert,
                       done="The HIT is Reviewable again." if revert else "The HIT is now Reviewing.",
                       error_key="review")
        return self._back(page, "#review")

    async def delete_hit(self, page: PageRequest):
        if page.field("confirm") != "yes":
            page.flash("Tick the box to confirm that the HIT should be deleted.", "error", key="delete")
            return self._back(page, "#delete")
        if not await self.act(page, "DeleteHIT", HITId=page.request.path_params["hit_id"], error_key="delete",
                              done="Deleted the HIT. What it had reserved for unused assignments is back in your "
                                   "balance."):
            return self._back(page, "#delete")
        return page.redirect(PREFIX)


def _number(text: str) -> float | None:
    try:
        value = float(text.strip())
    except ValueError:
        return None
    return value if value == value and abs(value) != float("inf") else None

