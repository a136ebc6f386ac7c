"""The living documentation, loaded in a real headless browser (Debian's ``chromium``).

The site is built from a small synthetic run (see ``test_reports``); chromium loads it from
``file://`` and the DOM it dumps after running the page's scripts is checked.  Skipped where no
chromium is installed (``apt-get install -y chromium``).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from redisbehaviors.reports.featuredoc import load_features
from redisbehaviors.reports.results import load_runs
from redisbehaviors.reports.site import build_site
from tests.unit.test_reports import write_fixture

CHROMIUM = next((p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None)
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no chromium installed (apt-get install -y chromium)")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def browser(tmp_path: Path, *args: str) -> str:
    assert CHROMIUM is not None
    profile = tmp_path / "chromium-profile"
    done = subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stdout


MARKDOWN_FEATURE = """Feature: Expiry in Markdown
  A command that *replaces* a value drops its TTL, one that *alters* it keeps it; see `SET … KEEPTTL`.

  - reading never extends a life
  - <b>raw HTML</b> stays text

  Scenario: SET drops the TTL
    Given the client has sent "SET k v EX 100"
    When the client sends "SET k w"
    Then the reply is "OK"
"""


@pytest.fixture
def site(tmp_path: Path) -> Path:
    features, paths = write_fixture(tmp_path)
    (features / "ttl_locks").mkdir()
    (features / "ttl_locks" / "expiring.feature").write_text(MARKDOWN_FEATURE)
    build_site(load_features(features), load_runs(paths), tmp_path / "site", generated="test")
    return tmp_path / "site"


def test_a_feature_page_renders_its_scenarios_with_one_result_per_run(site: Path, tmp_path: Path) -> None:
    dom = browser(tmp_path, "--dump-dom", (site / "features" / "demo" / "counters.html").as_uri())
    assert "<title>Counters count · Redis behaviours</title>" in dom
    assert '<section class="scenario o-failed" id="s25" data-outcome="failed">' in dom
    assert '<section class="scenario o-too-old" id="s21" data-outcome="too-old">' in dom
    assert dom.count('class="pill o-passed"') >= 8
    assert '<h2><span class="kwd">Rule:</span> INCR adds one ' in dom
    # the search script ran: its results list exists and stays hidden while the box is empty
    assert '<ul id="search-results" hidden="">' in dom


def test_searching_for_a_command_lists_the_command_and_the_scenarios_that_use_it(site: Path, tmp_path: Path) -> None:
    dom = browser(tmp_path, "--dump-dom", (site / "index.html").as_uri() + "?q=INCR")
    results = dom.split('<ul id="search-results">', 1)[1].split("</ul>", 1)[0]
    assert 'href="commands.html#cmd-INCR" data-kind="command"><span class="kind">command</span>INCR' in results
    assert 'href="features/demo/counters.html#s16" data-kind="scenario"' in results
    assert "PING" not in results


def test_a_narrative_shows_its_markdown_formatted_and_its_html_as_text(site: Path, tmp_path: Path) -> None:
    dom = browser(tmp_path, "--dump-dom", (site / "features" / "ttl_locks" / "expiring.html").as_uri())
    assert "A command that <em>replaces</em> a value drops its TTL, one that <em>alters</em> it keeps it" in dom
    assert "<code>SET … KEEPTTL</code>" in dom
    assert "<li>reading never extends a life</li>" in dom
    assert "<li>&lt;b&gt;raw HTML&lt;/b&gt; stays text</li>" in dom
    assert "*replaces*" not in dom
    assert '<a href="../../index.html#topic-ttl_locks">TTL &amp; locks</a>' in dom


def test_the_index_lists_manifest_topics_with_their_titles_first(site: Path, tmp_path: Path) -> None:
    dom = browser(tmp_path, "--dump-dom", (site / "index.html").as_uri())
    assert dom.index('<section class="topic" id="topic-ttl_locks">') < dom.index(
        '<section class="topic" id="topic-demo">'
    )
    assert "<h3>TTL &amp; locks " in dom
    assert "A command that <em>replaces</em> a value drops its TTL" in dom  # the feature's summary


@pytest.mark.parametrize("page", ["features/demo/counters.html", "index.html", "features/ttl_locks/expiring.html"])
def test_a_screenshot_of_each_page_is_a_real_picture(site: Path, tmp_path: Path, page: str) -> None:
    shot = tmp_path / "page.png"
    browser(tmp_path, "--window-size=1200,1400", f"--screenshot={shot}", (site / page).as_uri())
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 20_000  # a blank page compresses to a few kilobytes
