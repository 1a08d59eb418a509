#include "live/live_page.hpp"

#include <cstddef>

namespace cmdlink::live {
namespace {

// Readable from a 360 px phone to a projector: the root font grows with the window, the
// grids fill whatever width there is, and every state has a word as well as a colour.
constexpr std::string_view kPage = R"PAGE(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>cmdlink live</title>
<style>
:root{--bg:#ffffff;--fg:#1b1f24;--muted:#57606a;--card:#f2f4f7;--line:#d0d7de;
--pass:#1a7f37;--fail:#cf222e;--wait:#9a6700;--run:#0969da;--none:#8c959f}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9da7b3;
--card:#161b22;--line:#30363d;--pass:#3fb950;--fail:#f85149;--wait:#d29922;--run:#58a6ff}}
html{font-size:clamp(15px,0.55vw + 11px,30px)}
body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",sans-serif;background:var(--bg);
color:var(--fg);line-height:1.3}
header{display:flex;flex-wrap:wrap;gap:.25rem 1rem;align-items:baseline;padding:.6rem 1rem;
border-bottom:1px solid var(--line)}
h1{font-size:1.35rem;margin:0}
h2{font-size:1.1rem;margin:0 0 .5rem}
.badge{font-size:.9rem;color:var(--muted)}
.badge.ok::before,.badge.bad::before{content:"";display:inline-block;width:.6rem;
height:.6rem;border-radius:50%;margin-right:.35rem;background:var(--pass)}
.badge.bad::before{background:var(--fail)}
main{padding:.75rem 1rem 1.5rem;display:grid;gap:1.25rem}
.counters{display:grid;grid-template-columns:repeat(auto-fill,minmax(8rem,1fr));gap:.5rem;
margin:0}
.counters div{background:var(--card);border-radius:.5rem;padding:.4rem .7rem}
.counters dt{color:var(--muted);font-size:.85rem}
.counters dd{margin:0;font-size:1.6rem;font-weight:650;font-variant-numeric:tabular-nums}
#students{list-style:none;margin:0;padding:0;display:grid;
grid-template-columns:repeat(auto-fill,minmax(10.5rem,1fr));gap:.5rem}
.student{background:var(--card);border-left:.4rem solid var(--none);border-radius:.4rem;
padding:.35rem .6rem;min-width:0}
.student .id{display:block;font-weight:700;font-size:1.15rem;overflow-wrap:anywhere}
.student .state{display:block;font-weight:600}
.student .detail,.student .reason{display:block;color:var(--muted);font-size:.85rem;
overflow-wrap:anywhere}
.passed{border-color:var(--pass)}.passed .state{color:var(--pass)}
.failed,.timed_out,.abandoned,.interrupted,.refused{border-color:var(--fail)}
.failed .state,.timed_out .state,.abandoned .state,.interrupted .state,.refused .state{
color:var(--fail)}
.waiting_for_id{border-color:var(--wait)}.waiting_for_id .state{color:var(--wait)}
.in_session{border-color:var(--run)}.in_session .state{color:var(--run)}
.never_tried .state{color:var(--muted)}
.plots{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,20rem),1fr));
gap:1rem}
figure{margin:0;background:var(--card);border-radius:.5rem;padding:.5rem .75rem}
figcaption{font-weight:600;margin-bottom:.25rem}
canvas{display:block;width:100%;height:11rem}
.note{color:var(--muted);font-size:.85rem;margin:.25rem 0 0}
</style>
</head>
<body>
<header>
<h1>cmdlink live</h1>
<span id="broker" class="badge">broker: unknown</span>
<span id="stream" class="badge">connecting to the server…</span>
</header>
<main>
<section aria-labelledby="counters-title">
<h2 id="counters-title">Counters</h2>
<dl id="counters" class="counters"></dl>
</section>
<section aria-labelledby="students-title">
<h2 id="students-title">Students</h2>
<p id="no-students" class="note">No student has logged in yet.</p>
<ul id="students"></ul>
<p id="not-listed" class="note"></p>
</section>
<section class="plots" aria-label="Plots">
<figure><figcaption>Reply latency</figcaption><canvas id="latency" role="img"
aria-label="Reply latency histogram"></canvas><p id="latency-note" class="note"></p></figure>
<figure><figcaption>Sessions per minute, last 30 minutes</figcaption><canvas id="minutes"
role="img" aria-label="Sessions ended per minute"></canvas><p class="note">green: passed,
red: not passed</p></figure>
</section>
</main>
<script>
"use strict";
const token = new URLSearchParams(location.search).get("token");
const withToken = (path) => token ? path + "?token=" + encodeURIComponent(token) : path;
const labels = {never_tried: "never tried", refused: "refused", waiting_for_id: "waiting for ID",
  in_session: "in session", passed: "passed", failed: "failed", timed_out: "timed out",
  abandoned: "abandoned", interrupted: "interrupted"};
let latest = null;

function element(tag, className, text) {
  const made = document.createElement(tag);
  if (className) made.className = className;
  if (text !== undefined) made.textContent = text;
  return made;
}

function renderCounters(state) {
  const rows = [
    ["Students", state.students.length],
    ["Passed", state.sessions.passed],
    ["Failed", state.sessions.failed],
    ["Timed out", state.sessions.timed_out],
    ["Abandoned", state.sessions.abandoned],
    ["Interrupted", state.sessions.interrupted],
    ["In session", state.sessions_in_flight],
    ["Refused logins", state.logins_refused],
    ["Correct replies", state.replies.correct],
    ["Wrong replies", state.replies.wrong],
    ["Commands sent", state.commands_sent],
    ["Ledger queue", state.ledger_queue_depth],
  ];
  const list = document.getElementById("counters");
  list.replaceChildren(...rows.map(([name, value]) => {
    const item = element("div");
    item.append(element("dt", "", name), element("dd", "", value.toLocaleString("en")));
    return item;
  }));
}

function renderStudents(state) {
  const list = document.getElementById("students");
  list.replaceChildren(...state.students.map((student) => {
    const item = element("li", "student " + student.state);
    item.title = student.session_id ? "session " + student.session_id : "";
    item.append(element("span", "id", student.user_id),
                element("span", "state", labels[student.state] || student.state));
    if (student.sessions > 0) {
      const tries = student.sessions === 1 ? "1 session" : student.sessions + " sessions";
      const score = student.commands > 0 ? ", " + student.correct + "/" + student.commands +
          " correct" : "";
      item.append(element("span", "detail", tries + score));
    }
    if (student.reason) item.append(element("span", "reason", student.reason));
    return item;
  }));
  document.getElementById("no-students").hidden = state.students.length > 0;
  document.getElementById("not-listed").textContent = state.students_not_listed > 0 ?
      state.students_not_listed + " more user IDs are not listed" : "";
}

function colour(name) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

// Bars of one or two stacked series, with the largest value and the first and last labels.
function drawBars(canvas, series, labelsBelow) {
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth, height = canvas.clientHeight;
  if (width === 0 || height === 0) return;
  canvas.width = Math.round(width * ratio);
  canvas.height = Math.round(height * ratio);
  const context = canvas.getContext("2d");
  context.setTransform(ratio, 0, 0, ratio, 0, 0);
  context.clearRect(0, 0, width, height);
  const font = parseFloat(getComputedStyle(canvas).fontSize) * 0.75;
  context.font = font + "px system-ui, sans-serif";
  context.fillStyle = colour("--muted");
  const count = series[0].values.length;
  const totals = Array.from({length: count},
      (_, at) => series.reduce((sum, one) => sum + one.values[at], 0));
  const top = Math.max(1, ...totals);
  const plotTop = font * 1.4, plotBottom = height - font * 1.6;
  context.fillText("max " + top.toLocaleString("en"), 0, font);
  const step = width / count, gap = Math.min(4, step * 0.2);
  for (let at = 0; at < count; ++at) {
    let base = plotBottom;
    for (const one of series) {
      const tall = (plotBottom - plotTop) * one.values[at] / top;
      context.fillStyle = colour(one.colour);
      context.fillRect(at * step + gap / 2, base - tall, step - gap, tall);
      base -= tall;
    }
  }
  context.fillStyle = colour("--muted");
  context.fillRect(0, plotBottom, width, 1);
  context.textBaseline = "bottom";
  context.fillText(labelsBelow[0], 0, height);
  const last = labelsBelow[labelsBelow.length - 1];
  context.fillText(last, width - context.measureText(last).width, height);
}

function milliseconds(seconds) {
  return seconds >= 1 ? seconds + " s" : +(seconds * 1000).toPrecision(3) + " ms";
}

function renderPlots(state) {
  const buckets = state.latency.buckets;
  drawBars(document.getElementById("latency"),
           [{values: buckets.map((bucket) => bucket.count), colour: "--run"}],
           ["≤ " + milliseconds(buckets[0].le),
            "> " + milliseconds(buckets[buckets.length - 2].le)]);
  const average = state.latency.count > 0 ? state.latency.sum_seconds / state.latency.count : 0;
  document.getElementById("latency-note").textContent = state.latency.count > 0 ?
      state.latency.count.toLocaleString("en") + " replies, mean " + milliseconds(average) :
      "no replies yet";
  const minutes = state.sessions_per_minute;
  drawBars(document.getElementById("minutes"),
           [{values: minutes.map((minute) => minute.passed), colour: "--pass"},
            {values: minutes.map((minute) => minute.not_passed), colour: "--fail"}],
           [minutes.length + " min ago", "now"]);
}

function render(state) {
  latest = state;
  const broker = document.getElementById("broker");
  broker.textContent = "broker: " + state.broker.state;
  broker.className = "badge " + (state.broker.connected ? "ok" : "bad");
  renderCounters(state);
  renderStudents(state);
  renderPlots(state);
}

function showStream(text, good) {
  const stream = document.getElementById("stream");
  stream.textContent = text;
  stream.className = "badge " + (good ? "ok" : "bad");
}

async function poll() {
  try {
    const response = await fetch(withToken("/api/state"), {cache: "no-store"});
    if (!response.ok) throw new Error("HTTP " + response.status);
    render(await response.json());
    return true;
  } catch (error) {
    showStream("cannot reach the server (" + error.message + ")", false);
    return false;
  }
}

function follow() {
  const events = new EventSource(withToken("/api/events"));
  events.addEventListener("state", (event) => {
    render(JSON.parse(event.data));
    showStream("live", true);
  });
  events.onerror = () => {
    if (events.readyState === EventSource.CLOSED) {
      // Refused (too many streams) or gone: poll instead, every two seconds.
      showStream("polling every 2 s", true);
      setInterval(poll, 2000);
    } else {
      showStream("reconnecting…", false);
    }
  };
}

window.addEventListener("resize", () => { if (latest) renderPlots(latest); });
const initial = /*STATE*/null;
if (initial) {
  render(initial);
  showStream("connecting for live updates…", false);
}
follow();
</script>
</body>
</html>
)PAGE";

}  // namespace

std::string live_page(std::string_view state_json) {
    constexpr std::string_view kMarker = "/*STATE*/null";
    // `</` inside the script would end it early; `<\/` is the same JSON string.
    std::string state;
    state.reserve(state_json.size());
    for (std::size_t at = 0; at < state_json.size(); ++at) {
        state += state_json[at];
        if (state_json[at] == '<' && at + 1 < state_json.size() && state_json[at + 1] == '/') {
            state += '\\';
        }
    }
    std::string page(kPage);
    const std::size_t marker = page.find(kMarker);
    page.replace(marker, kMarker.size(), state.empty() ? "null" : state);
    return page;
}

}  // namespace cmdlink::live
