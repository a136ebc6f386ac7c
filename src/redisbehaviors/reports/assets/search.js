// Client-side search over window.SEARCH_INDEX (written by site.py as assets/search-index.js).
(function () {
  var input = document.getElementById("search");
  var list = document.getElementById("search-results");
  var index = window.SEARCH_INDEX || [];
  var root = window.SITE_ROOT || "";
  function esc(s) { return String(s).replace(/[&<>"]/g, function (c) {
    return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}[c]; }); }
  function score(entry, terms) {
    var hay = (entry.t + " " + entry.s + " " + entry.c).toLowerCase();
    for (var i = 0; i < terms.length; i++) { if (hay.indexOf(terms[i]) < 0) { return -1; } }
    var title = entry.t.toLowerCase(), q = terms.join(" "), s = 0;
    if (title === q) { s += 100; }
    if (title.indexOf(q) === 0) { s += 30; }
    if (title.indexOf(q) >= 0) { s += 10; }
    if (entry.k === "command") { s += 5; }
    if (entry.k === "feature") { s += 3; }
    return s;
  }
  function search(query) {
    var terms = query.toLowerCase().split(/\s+/).filter(Boolean);
    if (!terms.length) { return []; }
    var hits = [];
    index.forEach(function (entry) { var s = score(entry, terms); if (s >= 0) { hits.push([s, entry]); } });
    hits.sort(function (a, b) { return b[0] - a[0]; });
    return hits.slice(0, 40).map(function (h) { return h[1]; });
  }
  function show() {
    var hits = search(input.value);
    if (!input.value.trim()) { list.hidden = true; list.innerHTML = ""; return; }
    list.innerHTML = hits.length ? hits.map(function (e) {
      return '<li><a href="' + esc(root + e.u) + '" data-kind="' + e.k + '"><span class="kind">' + e.k +
        '</span>' + esc(e.t) + '<span class="sub">' + esc(e.s) + '</span></a></li>';
    }).join("") : '<li><a>No behaviour matches</a></li>';
    list.hidden = false;
  }
  input.addEventListener("input", show);
  input.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter") { var first = list.querySelector("a[href]"); if (first) { location.href = first.href; } }
    if (ev.key === "Escape") { list.hidden = true; }
  });
  document.addEventListener("click", function (ev) { if (!ev.target.closest(".search")) { list.hidden = true; } });
  var params = new URLSearchParams(location.search);
  if (params.get("q")) { input.value = params.get("q"); show(); }
})();
