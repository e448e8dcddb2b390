"""`openturk hit …`: what the requester's and the workers' sides of a HIT look like from the outside."""

from __future__ import annotations

import json


def add_parsers(sub, database_flags) -> None:
    hit = sub.add_parser("hit", help="HITs")
    hsub = hit.add_subparsers(dest="hit_command", required=True)
    elig = hsub.add_parser("eligibility", help="may this worker discover, preview and accept this HIT? (and if "
                                               "not, which requirement fails)")
    elig.add_argument("hit_id")
    elig.add_argument("worker_id")
    elig.add_argument("--json", action="store_true", help="print the decision as JSON")
    elig.add_argument("--test-clock", action="store_true",
                      help="decide at the business time of a server started with --test-clock")
    database_flags(elig)


def cmd_hit(args, service) -> int:
    from .ops.eligibility import report
    result = report(service, args.hit_id, args.worker_id)
    if args.json:
        print(json.dumps(result))
        return 0
    print(f"HIT {result['HITId']} ({result['HITStatus']}), worker {result['WorkerId']}")
    for action in ("Discover", "Preview", "Accept"):
        print(f"  {action + ':':10} {'yes' if result[action] else 'no'}")
    for refusal in result["Refusals"]:
        where = f"requirement {refusal['Requirement']}: " if refusal["Requirement"] else ""
        print(f"  - {where}{refusal['Reason']}")
    return 0
