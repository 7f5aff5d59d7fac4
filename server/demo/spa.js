// A tiny single-page app: views are swapped with history.pushState, and Attune decides the blocks each view adds.
(function () {
  "use strict";
  var views = {
    home: [["hero", "h1", "New season, new favourites"], ["recs", "h2", "Bestsellers"]],
    offers: [["banner", "p", "Free shipping over $50"], ["recs", "h2", "Bestsellers"]],
  };
  function show(name) {
    var main = document.getElementById("view");
    main.replaceChildren();
    views[name].forEach(function (spec) {
      var block = document.createElement("section");
      block.className = "block";
      block.setAttribute("data-attune-block", spec[0]);
      var title = document.createElement(spec[1]);
      title.setAttribute("data-attune-field", "title");
      title.textContent = spec[2];
      block.appendChild(title);
      main.appendChild(block);
    });
    document.title = "Attune demo: " + name;
  }
  document.querySelectorAll("[data-view]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      history.pushState({ view: link.dataset.view }, "", link.href);
      show(link.dataset.view);
    });
  });
  window.addEventListener("popstate", function () { show(location.hash === "#offers" ? "offers" : "home"); });
  show(location.hash === "#offers" ? "offers" : "home");
})();
