/* Live search as progressive enhancement: the filter form works as a plain GET form; with
   JavaScript the results part of the page is refreshed while typing or changing a filter, the
   address bar keeps the current search (so it can be bookmarked or shared) and a "use my
   location" button fills in the distance starting point. */
(function () {
  "use strict";
  var form = document.getElementById("filters");
  var results = document.getElementById("results");
  var panel = document.getElementById("filter-panel");
  /* The filters are a disclosure above the results on a phone; a wide screen (the side column
     of .browse in site.css) shows them open. */
  if (panel && window.matchMedia && window.matchMedia("(min-width: 56rem)").matches) {
    panel.open = true;
  }
  if (!form || !results || !window.fetch) { return; }
  var timer = null, inflight = null;

  function query() {
    var params = new URLSearchParams(new FormData(form));
    Array.from(params.keys()).forEach(function (k) { if (!params.get(k)) { params.delete(k); } });
    return params.toString();
  }

  function refresh() {
    var qs = query();
    var url = form.action + (qs ? "?" + qs : "");
    if (inflight) { inflight.abort(); }
    inflight = new AbortController();
    fetch(url, { headers: { "X-Requested-With": "fetch" }, signal: inflight.signal })
      .then(function (r) { return r.text(); })
      .then(function (html) {
        results.innerHTML = html;
        history.replaceState(null, "", url);
        var label = results.querySelector("[data-filters-label]");
        var summary = panel && panel.querySelector("[data-filters-summary]");
        if (label && summary) { summary.textContent = label.textContent; }
        if (window.keraMaps) { window.keraMaps.results(); }
      })
      .catch(function () { /* aborted or offline: the form still submits normally */ });
  }

  function later() { clearTimeout(timer); timer = setTimeout(refresh, 250); }

  form.addEventListener("input", function (e) { if (e.target.matches("[data-live-search]")) { later(); } });
  form.addEventListener("change", function (e) { if (!e.target.matches("[data-live-search]")) { refresh(); } });

  var locate = form.querySelector("[data-locate]");
  var near = form.querySelector("[data-near]");
  if (locate && near && navigator.geolocation) {
    locate.hidden = false;
    locate.addEventListener("click", function () {
      navigator.geolocation.getCurrentPosition(function (pos) {
        var value = pos.coords.latitude.toFixed(5) + "," + pos.coords.longitude.toFixed(5);
        var option = near.querySelector("option[data-mine]") || document.createElement("option");
        option.value = value;
        option.textContent = locate.textContent;
        option.setAttribute("data-mine", "");
        near.appendChild(option);
        near.value = value;
        var sort = form.querySelector("[name=sort]");
        if (sort) { sort.value = "distance"; }
        refresh();
      });
    });
  }
})();
