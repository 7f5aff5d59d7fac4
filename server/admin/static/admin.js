// The admin page's only script (no inline code: the CSP allows scripts from files only).
// Draws the results charts with uPlot, copies the snippet, redraws after htmx swaps, and says
// why an htmx request was refused (htmx itself swaps nothing on an error and stays silent).
(function () {
  "use strict";

  const COLOURS = ["#1f6feb", "#d1242f", "#1a7f37", "#9a6700", "#8250df", "#bf3989", "#0a7b83"];

  function draw(el) {
    if (el.dataset.drawn || !window.uPlot) return;
    const s = JSON.parse(el.dataset.series);
    const xs = s.t.map((t) => t / 1000);
    let series, data;
    if (el.dataset.chart === "learning") {
      series = [{}, { label: "policy", stroke: COLOURS[0], width: 2 }, { label: "uniform (estimated)", stroke: COLOURS[1], width: 2, dash: [6, 4] }];
      data = [xs, s.policy_reward, s.uniform_reward];
    } else {
      const names = Object.keys(s.impressions);
      series = [{}].concat(names.map((name, i) => ({ label: name, stroke: COLOURS[i % COLOURS.length], width: 2 })));
      data = [xs].concat(names.map((name) => s.impressions[name]));
    }
    const width = Math.max(320, Math.min(el.parentElement.clientWidth || 800, 1000));
    const pad = s.bucket_ms / 1000; // one bucket either side, so a single point sits mid-chart
    const x = { time: true, auto: false, min: xs[0] - pad, max: xs[xs.length - 1] + pad };
    series.forEach(function (one, i) { if (i) one.points = { show: true, size: 6 }; });
    new window.uPlot({ width: width, height: 260, series: series, scales: { x: x },
      axes: [{}, { size: 60 }] }, data, el);  // no line across a bucket without data
    el.dataset.drawn = "1";
  }

  function drawAll(root) {
    (root || document).querySelectorAll("[data-chart]").forEach(draw);
  }

  document.addEventListener("click", function (event) {
    const button = event.target.closest("[data-copy]");
    if (!button) return;
    const id = button.dataset.copy;
    const text = document.getElementById(id).textContent;
    const status = document.querySelector('[data-copy-status="' + id + '"]');
    const done = function (ok) { if (status) status.textContent = ok ? "Copied." : "Select the text and copy it."; };
    if (navigator.clipboard) navigator.clipboard.writeText(text).then(function () { done(true); }, function () { done(false); });
    else done(false);
  });

  // What went wrong, in words: the server's `detail` (JSON errors), else the status.
  function refusal(xhr) {
    let detail = "";
    try { detail = JSON.parse(xhr.responseText).detail || ""; } catch (e) { detail = ""; }
    if (xhr.status === 403 && /csrf/i.test(detail)) {
      return "this page's security token is out of date: reload the page and try again.";
    }
    if (xhr.status === 429) return detail || "too many requests: wait a minute and try again.";
    if (xhr.status >= 500) return "the server failed (" + xhr.status + "): try again, and check its log if it persists.";
    return detail || "the server refused it (" + xhr.status + " " + (xhr.statusText || "") + ").";
  }

  function announce(text) {
    const region = document.getElementById("admin-alert");
    if (region) region.textContent = text;
  }

  function what(detail) {
    const config = detail.requestConfig || {};
    const action = detail.elt && detail.elt.closest("[data-action]");
    const named = action ? " (" + action.dataset.action + ")" : "";
    if ((config.verb || "get").toLowerCase() === "get") return "Could not load" + named;
    return (/\/preview$/.test(config.path || "") ? "No preview" : "Not saved") + named;
  }

  document.addEventListener("htmx:responseError", function (event) {
    announce(what(event.detail) + ": " + refusal(event.detail.xhr));
  });
  document.addEventListener("htmx:sendError", function (event) {
    announce(what(event.detail) + ": the server did not answer. Check that it is running and try again.");
  });
  document.addEventListener("htmx:beforeRequest", function () { announce(""); });

  document.addEventListener("DOMContentLoaded", function () { drawAll(document); });
  document.addEventListener("htmx:afterSettle", function (event) { drawAll(event.target); });
})();
