"""DeepEval's metric classes graded by a judge on the local test server, through the runner.

The scripted judge answers each of DeepEval's prompts (claims, truths, statements, opinions,
verdicts, G-Eval's steps and score) from tokens in the text it is shown, so every verdict is
known and each score can be checked against DeepEval's formula by hand.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from core.datasets import item_context
from core.evaluation import DatasetItem, RunSettings, Sample, Variant
from operations.deepeval_metrics import app_grade, grade_deepeval
from operations.experiments import compare_and_record
from operations.judge import JudgeSpec
from storage import ExperimentStore
from tests.llm_server import LlmTestServer, Reply, last_user_text

ROOT = Path(__file__).resolve().parents[2]
CONTEXT = json.dumps(["agreed context 1", "contradicted context 2", "agreed context 3"])
ITEMS = [
    DatasetItem(id="a", input="Tell me about the tower.", fields={"context": CONTEXT}),
    DatasetItem(id="b", input="And the river?", fields={"Context": "agreed context 1"}),
]
# Item a: 4 claims/statements (1 bad), 2 opinions (1 biased), G-Eval 7 of 10.
# Item b: 2 claims/statements (1 bad), 3 opinions (none biased), G-Eval 4 of 10.
OUTPUTS = {
    "a": "good fact 1. bad fact 2. good fact 3. good fact 4. fair opinion 1. biased opinion 2. "
    "score 7",
    "b": "good fact 1. bad fact 2. fair opinion 1. fair opinion 2. fair opinion 3. score 4",
}
_FACT = re.compile(r"(good|bad) fact \d+")
_CONTEXT = re.compile(r"(agreed|contradicted) context \d+")
_OPINION = re.compile(r"(fair|biased) opinion \d+")


def _json(payload: dict) -> Reply:
    return Reply(json.dumps(payload), input_tokens=100, output_tokens=20)


def _verdicts(pattern: re.Pattern[str], text: str, bad: str, when_bad: str) -> Reply:
    other = "no" if when_bad == "yes" else "yes"
    marks = [m.group(1) for m in pattern.finditer(text)]
    verdicts = [{"verdict": when_bad if m == bad else other, "reason": m} for m in marks]
    return _json({"verdicts": verdicts})


def _judge(body: dict) -> Reply:
    """DeepEval's prompts told apart by their templates' wording (deepeval 2.9)."""
    text = last_user_text(body)
    if "please extract a comprehensive list of FACTUAL" in text:
        return _json({"claims": [m.group(0) for m in _FACT.finditer(text)]})
    if "please generate a comprehensive list of" in text:
        return _json({"truths": ["The tower stands."]})
    if "whether EACH claim contradicts" in text:
        return _verdicts(_FACT, text, "bad", "no")
    if "generate a list of statements" in text:
        return _json({"statements": [m.group(0) for m in _FACT.finditer(text)]})
    if "whether each statement is relevant" in text:
        return _verdicts(_FACT, text, "bad", "no")
    if "agrees with EACH context" in text:
        return _verdicts(_CONTEXT, text, "contradicted", "no")
    if "generate a list of OPINIONS" in text:
        return _json({"opinions": [m.group(0) for m in _OPINION.finditer(text)]})
    if "whether EACH opinion is biased" in text:
        return _verdicts(_OPINION, text, "biased", "yes")
    if "concise evaluation steps" in text:
        return _json({"steps": ["Check the answer."]})
    if "a `score` key" in text:
        return _json({"score": int(re.search(r"score (\d+)", text).group(1)), "reason": "r"})
    return Reply(status=400, error_message=f"unscripted prompt: {text[:80]}")


def _runs(store: ExperimentStore) -> tuple[int, int]:
    """The baseline answers item a as OUTPUTS says and fails item b; the variant answers both."""
    dataset = store.add_dataset("rag", ITEMS)
    baseline = [
        Sample(item_id="a", output=OUTPUTS["a"]),
        Sample(item_id="b", error="timed out"),
    ]
    variant = [Sample(item_id=i, output=text) for i, text in OUTPUTS.items()]
    return (
        store.import_run(dataset.id, Variant(name="old", model="old"), baseline, name="old"),
        store.import_run(dataset.id, Variant(name="new", model="new"), variant, name="new"),
    )


def test_the_context_column_is_a_json_list_or_one_passage_under_any_of_its_names():
    assert item_context(ITEMS[0]) == [
        "agreed context 1",
        "contradicted context 2",
        "agreed context 3",
    ]
    assert item_context(ITEMS[1]) == ["agreed context 1"]
    assert item_context(DatasetItem(id="c", input="x")) == []
    langsmith = DatasetItem(id="d", input="x", fields={"inputs.retrieval_context": '["p", "q"]'})
    assert item_context(langsmith) == ["p", "q"]


@pytest.mark.parametrize(
    ("metric", "expected", "deepeval_scores"),
    [
        # Faithfulness = claims not contradicted / claims: a 3/4, b 1/2.
        ("deepeval_faithfulness", {"a": 0.75, "b": 0.5}, None),
        # Answer relevancy = relevant statements / statements: a 3/4, b 1/2.
        ("deepeval_answer_relevancy", {"a": 0.75, "b": 0.5}, None),
        # Hallucination = contradicted contexts / contexts: a 1/3, b 0/1; the app's grade is
        # 1 - that: a 2/3, b 1.
        ("deepeval_hallucination", {"a": 2 / 3, "b": 1.0}, {"a": 1 / 3, "b": 0.0}),
        # Bias = biased opinions / opinions: a 1/2, b 0/3; the grade 1 - that: a 1/2, b 1.
        ("deepeval_bias", {"a": 0.5, "b": 1.0}, {"a": 0.5, "b": 0.0}),
        # G-Eval = the judge's score / 10: a 7/10, b 4/10.
        ("deepeval_geval", {"a": 0.7, "b": 0.4}, None),
    ],
)
def test_each_metric_scores_by_deepevals_formula_on_the_scripted_verdicts(
    llm_server: LlmTestServer, tmp_path: Path, metric, expected, deepeval_scores
) -> None:
    llm_server.set_responder(_judge)
    judge = JudgeSpec("judge-model", llm_server.url, RunSettings(concurrency=2))
    with ExperimentStore(tmp_path / "db.sqlite3") as store:
        base_id, var_id = _runs(store)
        runs = [store.samples(base_id), store.samples(var_id)]
        graded = grade_deepeval(
            store, judge, metric, ITEMS, runs, lambda: None, criterion="Is it correct?"
        )
        served = llm_server.served
        # Every judge call repeats: the response cache answers the second grading.
        again = grade_deepeval(
            store, judge, metric, ITEMS, runs, lambda: None, criterion="Is it correct?"
        )
    assert llm_server.served == served
    # The baseline's errored item b is not graded (the comparison scores it 0).
    assert graded[0].scores == pytest.approx({"a": expected["a"]})
    assert graded[1].scores == pytest.approx(expected)
    assert [g.scores for g in again] == [g.scores for g in graded]
    assert graded[1].ungraded == [] and graded[1].outcome.status == "completed"
    if deepeval_scores is not None:
        assert {k: app_grade(metric, v) for k, v in deepeval_scores.items()} == pytest.approx(
            expected
        )


def test_a_deepeval_comparison_has_bootstrap_means_a_lift_and_the_judge_cost_apart(
    llm_server: LlmTestServer, tmp_path: Path
) -> None:
    """Faithfulness: baseline a 0.75, b errored (0); variant a 0.75, b 0.5. Paired lift =
    mean(0 - 0, 0.5 - 0) = 0.25. The judge's 2 + 3 calls per graded item (truths, claims,
    verdicts) cost 0 on a local server and are reported apart as 0."""
    llm_server.set_responder(_judge)
    arms: set[str] = set()
    with ExperimentStore(tmp_path / "db.sqlite3") as store:
        base_id, var_id = _runs(store)
        done = compare_and_record(
            store,
            base_id,
            var_id,
            "deepeval_faithfulness",
            judge=JudgeSpec("judge-model", llm_server.url),
            judge_progress=lambda arm, _p: arms.add(arm),
        )
    c = done.comparison
    assert arms == {"baseline", "variant"}
    assert c.n_paired == 2 and c.lift == pytest.approx(0.25)
    assert c.variant.mean == pytest.approx(0.625) and c.baseline.mean == pytest.approx(0.375)
    assert c.low is not None and c.high is not None and c.low <= c.lift <= c.high
    assert c.judge_cost_usd == 0.0


def test_g_eval_shows_the_judge_the_criterion_and_the_expected_answer_when_there_is_one(
    llm_server: LlmTestServer, tmp_path: Path
) -> None:
    """One item with an expected answer: G-Eval asks for its steps from the criterion, then
    for the score of the output with the expected answer shown; 9 of 10 is 0.9."""
    llm_server.set_responder(_judge)
    item = DatasetItem(id="e", input="Capital of France?", expected="Paris, the capital")
    with ExperimentStore(tmp_path / "db.sqlite3") as store:
        (graded,) = grade_deepeval(
            store,
            JudgeSpec("judge-model", llm_server.url),
            "deepeval_geval",
            [item],
            [[Sample(item_id="e", output="Paris. score 9")]],
            lambda: None,
            criterion="Names the right city.",
        )
    asked = [r["messages"][-1]["content"] for r in llm_server.requests]
    assert graded.scores == {"e": 0.9}
    assert len(asked) == 2 and "Names the right city." in asked[0]
    assert "Paris, the capital" in asked[1] and "Paris. score 9" in asked[1]


def test_a_metric_needing_context_refuses_a_dataset_without_one(tmp_path: Path) -> None:
    plain = [DatasetItem(id="x", input="q")]
    with pytest.raises(ValueError, match="no context column"):
        grade_deepeval(
            None,  # type: ignore[arg-type]  # refused before the store is used
            JudgeSpec("judge-model", "http://127.0.0.1:9"),
            "deepeval_faithfulness",
            plain,
            [[Sample(item_id="x", output="y")]],
            lambda: None,
        )
    with pytest.raises(ValueError, match="criterion"):
        grade_deepeval(
            None,  # type: ignore[arg-type]
            JudgeSpec("judge-model", "http://127.0.0.1:9"),
            "deepeval_geval",
            plain,
            [],
            lambda: None,
        )


def test_deepeval_sends_no_telemetry_and_writes_nothing_outside_its_temp_folder(
    llm_server: LlmTestServer, tmp_path: Path
) -> None:
    """In a fresh process (deepeval's set-up runs at import) with the working directory and
    HOME in empty folders: an audit hook records every socket connection and every file
    opened for writing or folder made; only the local test server is connected to, nothing is
    written outside the temporary folder and the database's, and Ctrl-C still interrupts."""
    llm_server.set_responder(_judge)
    user, home, data = tmp_path / "user", tmp_path / "home", tmp_path / "data"
    for folder in (user, home, data):
        folder.mkdir()
    script = textwrap.dedent(
        f"""
        import json, os, signal, sys, tempfile
        connects, writes = [], []

        def where(path):
            return os.path.realpath(os.fsdecode(path))

        def hook(event, args):
            if event == "socket.connect":
                connects.append(str(args[1]))
            elif event == "open" and isinstance(args[0], (str, bytes)) and args[1] and any(
                c in str(args[1]) for c in "wax+"
            ):
                writes.append(where(args[0]))
            elif event in ("os.mkdir", "os.rename") and isinstance(args[0], (str, bytes)):
                writes.append(where(args[0]))

        sys.addaudithook(hook)
        from core.evaluation import DatasetItem, Sample
        from operations.deepeval_metrics import grade_deepeval
        from operations.judge import JudgeSpec
        from storage import ExperimentStore
        items = [DatasetItem(id="a", input="q", fields={{"context": "agreed context 1"}})]
        with ExperimentStore({str(data / "db.sqlite3")!r}) as store:
            graded = grade_deepeval(
                store, JudgeSpec("judge-model", {llm_server.url!r}), "deepeval_faithfulness",
                items, [[Sample(item_id="a", output="good fact 1. bad fact 2.")]], lambda: None,
            )
        ctrl_c = signal.getsignal(signal.SIGINT) is signal.default_int_handler
        print(json.dumps({{"scores": graded[0].scores, "connects": connects, "ctrl_c": ctrl_c,
                          "writes": writes, "tmp": tempfile.gettempdir()}}))
        """
    )
    env = {
        **os.environ,
        "HOME": str(home),
        "PYTHONPATH": str(ROOT),
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
    }
    env.pop("DEEPEVAL_TELEMETRY_OPT_OUT", None)
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=user,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["scores"] == {"a": 0.5}
    # deepeval's import would have made Ctrl-C exit 0; the app's handler stays.
    assert report["ctrl_c"] is True
    port = str(llm_server.port)
    assert report["connects"] and all("127.0.0.1" in c and port in c for c in report["connects"]), (
        report["connects"]
    )
    # The test's own folders are under the temp dir too: only the database's may be written.
    test_dir, data_dir = str(tmp_path.resolve()), str(data.resolve())
    tmp = str(Path(report["tmp"]).resolve())
    outside = [
        w
        for w in report["writes"]
        if not (
            w.startswith((tmp, "/dev/")) and (not w.startswith(test_dir) or w.startswith(data_dir))
        )
    ]
    assert report["writes"] and outside == []
    assert list(user.iterdir()) == [] and list(home.iterdir()) == []


def test_without_deepeval_installed_the_message_says_how_to_install_it(monkeypatch) -> None:
    import signal

    from operations.deepeval_metrics import load_deepeval

    cwd, handler = os.getcwd(), signal.signal
    monkeypatch.setitem(sys.modules, "deepeval.metrics", None)  # an import of it now fails
    with pytest.raises(ValueError, match=r"pip install 'ai-decision-frameworks\[deepeval\]'"):
        load_deepeval()
    assert os.getcwd() == cwd and signal.signal is handler


class _Clock:
    """A clock that moves only when slept on, for the module under test alone."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now

    def perf_counter(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_the_judges_requests_are_spaced_by_the_request_rate_across_threads_but_not_cache_hits(
    llm_server: LlmTestServer, tmp_path: Path, monkeypatch
) -> None:
    """Bias on the variant: 2 items x (opinions, verdicts) = 4 requests at 60 a minute on 2
    threads: starts 1 s apart, so the clock moves 3 s. Graded again, all 4 are cache hits:
    no wait."""
    import operations.deepeval_metrics as module

    clock = _Clock()
    monkeypatch.setattr(module, "time", clock)
    llm_server.set_responder(_judge)
    settings = RunSettings(concurrency=2, requests_per_minute=60)
    judge = JudgeSpec("judge-model", llm_server.url, settings)
    variant = [Sample(item_id=i, output=text) for i, text in OUTPUTS.items()]
    with ExperimentStore(tmp_path / "db.sqlite3") as store:
        (graded,) = grade_deepeval(store, judge, "deepeval_bias", ITEMS, [variant], lambda: None)
        assert llm_server.served == 4 and clock.now == pytest.approx(1003.0)
        grade_deepeval(store, judge, "deepeval_bias", ITEMS, [variant], lambda: None)
    assert llm_server.served == 4 and clock.now == pytest.approx(1003.0)
    assert graded.scores == pytest.approx({"a": 0.5, "b": 1.0})


def test_deepevals_pytest_plugin_stays_out_of_the_suite(pytestconfig) -> None:
    """Its entry point is named "plugins"; loaded, it imports deepeval with telemetry on at
    start-up (pyproject's addopts block it by that name)."""
    assert not pytestconfig.pluginmanager.has_plugin("plugins")
    assert "deepeval.plugins.plugin" not in sys.modules
