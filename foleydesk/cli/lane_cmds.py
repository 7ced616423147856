"""CLI: `foleydesk lane list|set`: a lane's post category and UCS CatID (also name and gain)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from foleydesk.cli.output import add_json_flag, print_json
from foleydesk.core.model import Category
from foleydesk.errors import UserError

CATEGORY_WORDS = {c.name.lower(): c for c in Category} | {"dx": Category.DIALOGUE}


def register(sub: argparse._SubParsersAction[Any]) -> None:
    lane = sub.add_parser("lane", help="list lanes, set a lane's category or UCS CatID")
    lane_sub = lane.add_subparsers(dest="lane_command", metavar="ACTION", required=True)
    p = lane_sub.add_parser("list", help="the lanes with their categories")
    p.add_argument("project", type=Path)
    add_json_flag(p)
    p.set_defaults(func=cmd_lane_list)
    p = lane_sub.add_parser("set", help="change a lane")
    p.add_argument("project", type=Path)
    p.add_argument("lane", type=int, metavar="N", help="lane number as the timeline shows it")
    p.add_argument("--category", help="foley, sfx, ambience, music or dialogue (its stem and M&E)")
    p.add_argument("--ucs", metavar="CATID", help="UCS CatID for its clips' names ('' clears)")
    p.set_defaults(func=cmd_lane_set)


def parse_category(text: str) -> Category:
    key = text.strip().lower().replace(" ", "")
    for word, category in CATEGORY_WORDS.items():
        if key in (word, category.value.lower().replace(" ", "")):
            return category
    raise UserError(f"'{text}' is not a category.", "Use foley, sfx, ambience, music or dialogue.")


def cmd_lane_list(args: argparse.Namespace) -> int:
    from foleydesk.cli.project_cmds import open_project

    with open_project(args.project) as project:
        rows = [
            {
                "number": number,
                "name": lane.name,
                "category": lane.stem_category.value,
                "ucs_cat_id": lane.ucs_cat_id,
            }
            for number, lane in enumerate(project.sorted_lanes(), start=1)
        ]
        if args.json:
            print_json(rows)
        else:
            for row in rows:
                ucs = f"  UCS {row['ucs_cat_id']}" if row["ucs_cat_id"] else ""
                print(f"{row['number']:>3}  {row['name']:<16} {row['category']}{ucs}")
    return 0


def cmd_lane_set(args: argparse.Namespace) -> int:
    from foleydesk.cli.project_cmds import open_project
    from foleydesk.media.ucs import check_cat_id

    with open_project(args.project) as project:
        lane = project.lane_by_number(args.lane)
        changes: dict[str, Any] = {}
        if args.category is not None:
            changes["category"] = parse_category(args.category).value
        if args.ucs is not None:
            changes["ucs_cat_id"] = check_cat_id(args.ucs)
        if changes:
            project.update_lane(lane.id, **changes)
    return 0
