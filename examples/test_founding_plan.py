"""The planners' expectations of the founding plan (UK posts in Baghdad and Tehran, 2020)."""

import pytest

from evacplan.testing import assert_all_safe, assert_open, assert_retained, assert_survives

pytestmark = pytest.mark.evacplan(scenario="seeds/uk-iraq-iran-2020.yaml")


def test_everyone_sent_away_is_safe_within_a_day(evacplan_plan):
    assert_all_safe(evacplan_plan, within="24h")


def test_baghdad_holds_at_minimal_even_if_the_deputy_is_ill(what_if):
    assert_open(what_if(unavailable=["bgd-002"]), "baghdad", posture="minimal")


def test_the_ambassadors_stay(evacplan_plan):
    assert_retained(evacplan_plan, "bgd-001", "thr-001")


def test_if_baghdad_airport_closes_on_day_four_nobody_is_stranded(evacplan_scenario):
    assert_survives(evacplan_scenario, close=["bgw-airport"], at="72h", within="24h")


def test_the_plan_is_the_one_reviewed(evacplan_plan, plan_snapshot):
    plan_snapshot.check(evacplan_plan)  # baseline: test_founding_plan/ beside this file
