// enrich report.html: filters, facet counts and the sortable gains table (inlined, no network).
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("report-data").textContent);
  var papers = data.papers;
  var options = data.options;
  var facets = Object.keys(options);
  var cards = Array.prototype.slice.call(document.querySelectorAll("article.card"));
  var gainRows = Array.prototype.slice.call(document.querySelectorAll("#gains tbody tr"));
  var selects = {};
  var search = document.getElementById("f-q");
  var countEl = document.getElementById("count");
  var emptyEl = document.getElementById("empty");

  function fill(select, facet) {
    select.textContent = "";
    var all = document.createElement("option");
    all.value = "";
    select.appendChild(all);
    options[facet].forEach(function (pair) {
      var opt = document.createElement("option");
      opt.value = pair[0];
      opt.setAttribute("data-label", pair[1]);
      select.appendChild(opt);
    });
  }

  facets.forEach(function (facet) {
    var select = document.getElementById("f-" + facet);
    selects[facet] = select;
    fill(select, facet);
    select.addEventListener("change", update);
  });
  search.addEventListener("input", update);
  document.getElementById("f-reset").addEventListener("click", function () {
    facets.forEach(function (facet) { selects[facet].value = ""; });
    search.value = "";
    update();
  });

  function terms() {
    return search.value.toLowerCase().split(/\s+/).filter(function (t) { return t; });
  }

  // Does paper p pass every filter (leaving out `skip`, for that facet's own counts)?
  function passes(p, chosen, words, skip) {
    for (var i = 0; i < facets.length; i++) {
      var facet = facets[i];
      if (facet !== skip && chosen[facet] && p[facet].indexOf(chosen[facet]) < 0) return false;
    }
    for (var j = 0; j < words.length; j++) {
      if (p.text.indexOf(words[j]) < 0) return false;
    }
    return true;
  }

  function update() {
    var chosen = {};
    facets.forEach(function (facet) { chosen[facet] = selects[facet].value; });
    var words = terms();
    var shown = 0;
    var visible = papers.map(function (p, i) {
      var ok = passes(p, chosen, words, null);
      cards[i].hidden = !ok;
      if (ok) shown++;
      return ok;
    });
    gainRows.forEach(function (row) {
      var idx = +row.getAttribute("data-idx");
      row.hidden = idx >= 0 && !visible[idx];
    });
    facets.forEach(function (facet) {
      var counts = {};
      var total = 0;
      papers.forEach(function (p) {
        if (!passes(p, chosen, words, facet)) return;
        total++;
        p[facet].forEach(function (v) { counts[v] = (counts[v] || 0) + 1; });
      });
      Array.prototype.forEach.call(selects[facet].options, function (opt) {
        if (!opt.value) {
          opt.textContent = "all (" + total + ")";
          return;
        }
        var n = counts[opt.value] || 0;
        opt.textContent = opt.getAttribute("data-label") + " (" + n + ")";
        opt.disabled = n === 0 && opt.value !== chosen[facet];
      });
    });
    countEl.textContent = shown + " of " + papers.length + " papers";
    emptyEl.hidden = shown > 0;
  }

  // Sortable gains table: click a header, click again to reverse.
  var table = document.getElementById("gains");
  var heads = Array.prototype.slice.call(table.querySelectorAll("thead th"));
  heads.forEach(function (th) {
    th.setAttribute("tabindex", "0");
    function sort() {
      var col = +th.getAttribute("data-col");
      var numeric = th.getAttribute("data-type") === "num";
      var dir = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
      heads.forEach(function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = a.cells[col].getAttribute("data-sort");
        var y = b.cells[col].getAttribute("data-sort");
        if (!numeric && (x === "") !== (y === "")) return x === "" ? 1 : -1; // blanks last
        var c = numeric ? parseFloat(x) - parseFloat(y) : x.localeCompare(y, undefined, { sensitivity: "base" });
        return c * dir;
      });
      rows.forEach(function (row) { body.appendChild(row); });
    }
    th.addEventListener("click", sort);
    th.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); sort(); }
    });
  });

  update();
})();
