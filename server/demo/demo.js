// A plain demo of the wire contract until the widget (issue 3) replaces it: decide, show, click, rate.
(function () {
  "use strict";
  var site = "pk_demo";
  var visitor = "demo-" + Math.random().toString(36).slice(2, 12);
  var id = function () { return Math.random().toString(36).slice(2) + Date.now().toString(36); };

  function post(path, body) {
    return fetch(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) })
      .then(function (r) { return r.json(); });
  }
  function send(type, decision, value) {
    var event = { id: id(), type: type, decision_id: decision.decision_id, ts: Date.now() };
    if (value !== undefined) event.value = value;
    return post("/v1/events", { site: site, visitor: visitor, events: [event] });
  }
  function el(tag, text) { var node = document.createElement(tag); if (text) node.textContent = text; return node; }

  function render(element, decision) {
    var c = decision.content;
    element.replaceChildren();
    if (c.title) element.appendChild(el(element.classList.contains("hero") ? "h1" : "h2", c.title));
    if (c.body) element.appendChild(el("p", c.body));
    if (c.html) { var box = el("div"); box.innerHTML = c.html; element.appendChild(box); } // sanitised by the server
    var controls = el("div"); controls.className = "controls";
    if (c.cta) {
      var cta = el("button", c.cta);
      cta.addEventListener("click", function () { send("click", decision); cta.textContent = "Clicked ✓"; });
      controls.appendChild(cta);
    }
    if (decision.feedback === "thumbs") {
      [["👍", 1, "Relevant"], ["👎", -1, "Not relevant"]].forEach(function (t) {
        var b = el("button", t[0]); b.setAttribute("aria-label", t[2]);
        b.addEventListener("click", function () { send("rating", decision, t[1]); b.disabled = true; });
        controls.appendChild(b);
      });
    } else if (decision.feedback === "stars") {
      [1, 2, 3, 4, 5].forEach(function (n) {
        var b = el("button", n + "★"); b.setAttribute("aria-label", n + " stars");
        b.addEventListener("click", function () { send("rating", decision, n); b.disabled = true; });
        controls.appendChild(b);
      });
    }
    element.appendChild(controls);
    var why = el("p", "Why this? " + decision.explain.summary + " (variant " + decision.variant +
      ", shown with probability " + decision.propensity.toFixed(2) + ")");
    why.className = "why";
    element.appendChild(why);
    send("impression", decision);
  }

  function visit() {
    var blocks = Array.prototype.map.call(document.querySelectorAll("[data-attune-block]"), function (e) { return e; });
    var context = { device: document.getElementById("device").value, referrer: document.getElementById("referrer").value, page: "/demo/" };
    post("/v1/decide", { site: site, visitor: visitor, context: context, blocks: blocks.map(function (e) { return e.dataset.attuneBlock; }) })
      .then(function (answer) {
        answer.decisions.forEach(function (d, i) { render(blocks[i], d); });
      });
  }
  document.getElementById("again").addEventListener("click", visit);
  visit();
})();
