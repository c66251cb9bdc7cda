"""The RAG vs Fine-tuning tab driven as a user would."""

from __future__ import annotations

import pytest

from core.catalog import Catalog, ModelInfo


@pytest.fixture
def tab(window):
    tab = window.tab_for("rag_vs_finetuning")
    window.tabs.setCurrentWidget(tab)
    return tab


def test_defaults_recommend_rag_with_the_crossover(tab):
    """Defaults: RAG $0.00063 a request against fine-tuning's $0.00051; fine-tuning's training
    and retraining pay back above 340.4167 / 0.00012 = 2,836,806 requests a month."""
    assert tab.card.badge.text() == "RAG"
    assert "2,836,806" in tab.card.rationale.text()


def test_a_stable_specialised_domain_turns_to_fine_tuning(qtbot, tab, window):
    form = tab.form
    tab.set_field_text("knowledge_updates_per_month", "0")
    form.widget("citations_required").click()
    tab.set_field_text("knowledge_base_tokens", "200,000")
    form.widget("specialisation").setCurrentIndex(form.widget("specialisation").findData("high"))
    tab.set_field_text("labelled_examples", "5,000")
    tab.set_field_text("latency_budget_ms", "1,500")
    tab.set_field_text("model_latency_ms", "1,200")
    tab.set_field_text("weeks_available", "16")
    assert tab.card.badge.text() == "FINE-TUNING"
    assert "RAG is cheaper" in tab.card.rationale.text()
    for _ in range(8):
        window.act_undo.trigger()
    assert tab.card.badge.text() == "RAG"


def test_a_catalog_base_model_replaces_the_entered_prices(qtbot, tab):
    """A base model at $1 / $2 per million tokens: RAG's 3,000 input and 300 output tokens
    cost 3,000 x 1e-6 + 300 x 2e-6 = $0.0036 a request."""
    catalog = Catalog(
        [
            ModelInfo(
                id="acme-base",
                provider="acme",
                input_cost_per_token=1e-6,
                output_cost_per_token=2e-6,
            )
        ]
    )
    tab.set_catalog(catalog)
    combo = tab.form.widget("base_model")
    combo.showPopup()
    combo.hidePopup()
    combo.setCurrentIndex(combo.findData("acme-base"))
    assert tab.inputs.base_model == "acme-base"
    assert tab.result.option("rag").token_cost_per_request == pytest.approx(0.0036)
