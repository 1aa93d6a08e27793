"""Issue 15 items 3-5: `path` ranks chains as a kernel developer would write them and shows each
step's precondition; `layout` groups union arms and says when a type has none; `tree` filters by
era and shows a type's ancestors. On the bundled data, at its newest release and with --kernel."""

from __future__ import annotations

from typing import Any

from typer.testing import CliRunner

from memdesc.app import app
from tests.support.json_answers import payload

runner = CliRunner()


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout


def run_json(*args: str) -> Any:
    code, out = run(*args, "--json")
    assert code == 0, out
    return payload(args[0], out)


# --- path -------------------------------------------------------------------------------


def test_a_refinement_is_reached_through_its_predicate() -> None:
    code, out = run("path", "page", "anon_folio")
    assert code == 0
    assert out.splitlines()[0] == "page --page_folio()--> folio --folio_test_anon() [test]--> anon_folio"
    first = run_json("path", "page", "anon_folio")["paths"][0]
    assert [(s["kind"], s["function"]) for s in first] == [("conversion", "page_folio"), ("test", "folio_test_anon")]


def test_public_api_first_file_local_helpers_after_and_contradicted_last() -> None:
    chains = run_json("path", "tail_page", "folio")["paths"]
    last = [chain[-1] for chain in chains]
    assert [s["function"] for s in last] == [
        "page_folio",  # public, trusting, nothing required
        "try_get_folio",  # checked, but static in mm/gup.c
        "gup_folio_range_next",  # static in mm/gup.c, trusting
        "folio_get_nontail_page",  # requires not tail_page: a tail_page never gives the folio
    ]
    assert last[1]["local_to"] == "mm/gup.c" and last[1]["local_source"] == "v7.3.4:mm/gup.c"
    assert last[3]["requires"] == [{"state": "not tail_page", "judged": "violated"}]
    code, out = run("path", "tail_page", "folio")
    assert code == 0
    assert "--gup_folio_range_next() [local to mm/gup.c]--> folio" in out
    assert "[checked; requires not a tail_page: it is one]" in out.splitlines()[-1]


def test_an_unknown_precondition_ranks_after_a_public_cast() -> None:
    chains = run_json("path", "page", "folio")["paths"]
    assert [c[0]["function"] for c in chains][:2] == ["page_folio", "folio_get_nontail_page"]
    assert chains[1][0]["requires"] == [{"state": "not tail_page", "judged": "unknown"}]


def test_page_slab_precondition_up_to_6_18_and_none_after() -> None:
    code, out = run("path", "slab_page", "slab", "--kernel", "6.18")
    assert code == 0
    assert out == "slab_page --is-a--> page --page_slab() [requires not a tail_page; local to mm/slab.h]--> slab\n"
    step = run_json("path", "slab_page", "slab", "--kernel", "6.18")["paths"][0][-1]
    assert step["requires"] == [{"state": "not tail_page", "judged": "unknown"}] and not step["checked"]
    # From 6.19 page_slab() resolves a tail page itself and checks the page type.
    code, out = run("path", "slab_page", "slab")
    assert code == 0
    assert out == "slab_page --is-a--> page --page_slab() [checked; local to mm/slab.h]--> slab\n"


def test_a_path_to_itself_is_the_empty_path() -> None:
    code, out = run("path", "page", "page")
    assert (code, out) == (0, "'page' is already 'page': the empty path\n")
    assert run_json("path", "folio", "folio")["paths"] == [[]]


def test_a_precondition_met_by_a_test_holds() -> None:
    from ontology.paths import Known, judge
    from ontology.strict import load_ontology

    onto = load_ontology(None)
    head = Known(frozenset({"head_page", "compound_page", "page"}), frozenset({"tail_page"}))
    assert judge("not tail_page", head, onto) == "holds"
    assert judge("tail_page", head, onto) == "violated"
    assert judge("slab_page", head, onto) == "unknown"


# --- layout -----------------------------------------------------------------------------


def test_layout_groups_union_arms_and_names_the_arm_an_overlay_lines_up_with() -> None:
    result = run_json("layout", "slab", "folio")
    word1 = result["words"][1]["arms"]
    page_arms = {group["arm"]: group["fields"] for group in word1["page"]}
    assert page_arms["pagecache"] == ["buddy_list", "lru", "pcp_list", "pcp_llist"]
    assert list(page_arms) == ["pagecache", "page_pool", "tail", "zone_device", "rcu_head"]
    assert result["words"][3]["arms"]["page"][0] == {"arm": "pagecache", "fields": ["mapping"]}
    assert word1["slab"] == [{"arm": None, "fields": ["slab_cache (= tail: compound_info)"]}]
    assert "lru (= pagecache: lru)" in word1["folio"][0]["fields"]
    code, out = run("layout", "slab")
    assert code == 0 and "pagecache: buddy_list, lru, pcp_list, pcp_llist" in out


def test_layout_arms_follow_the_release() -> None:
    words = run_json("layout", "page", "--kernel", "6.1")["words"]
    arms = [group["arm"] for group in words[1]["arms"]["page"]]
    assert arms == ["pagecache", "page_pool", "tail", "second_tail", "page_table", "zone_device", "rcu_head"]


def test_a_type_without_layout_is_one_line_and_exit_1() -> None:
    code, out = run("layout", "lru_mem")
    assert code == 1
    assert out == "lru_mem has no layout: the data gives it no fields and no size\n"


# --- tree -------------------------------------------------------------------------------


def names(nodes: list[dict[str, Any]]) -> set[str]:
    found, stack = set(), list(nodes)
    while stack:
        node = stack.pop()
        found.add(node["name"])
        stack.extend(node["children"])
    return found


def test_tree_of_a_type_shows_its_ancestors() -> None:
    code, out = run("tree", "slab")
    assert code == 0 and out == "page [struct]\n└── slab [struct, overlays page]\n"
    code, out = run("tree", "ksm_folio")
    assert code == 0
    assert out.splitlines() == [
        "page [struct]",
        "└── folio [struct, overlays page]",
        "    └── anon_folio [refinement]",
        "        └── ksm_folio [refinement]",
    ]
    assert run("tree", "slab", "--kernel", "6.1")[1] == "page [struct]\n└── slab [struct, overlays page]\n"


def test_tree_filters_by_era() -> None:
    plan = run_json("tree", "--plan")
    assert {n["era"] for n in plan} == {"plan"} and "memdesc" in names(plan)
    proposed = names(run_json("tree", "--proposed"))
    assert {"lru_mem", "mappable", "page", "folio"} <= proposed and "memdesc" not in proposed
    assert "anon_folio" not in proposed  # a merged type is only kept when something kept is under it
    merged = names(run_json("tree", "--merged"))
    assert "anon_folio" in merged and not merged & {"lru_mem", "memdesc", "devmem"}
    folio = run("tree", "folio", "--merged")[1]
    assert "devmem" not in folio and "anon_folio" in folio
    both = names(run_json("tree", "--merged", "--plan"))
    assert both == merged | names(plan)
