// enrich report.html, review: a reviewed card's abstract drawn from its decisions, and text
// selections in an abstract read as character spans (inlined after review-state.js).
(function () {
  "use strict";
  var R = window.enrichReview;
  var ORDER = { methods: 0, tasks: 1, datasets: 2, metrics: 3 };
  var WORD = /[\p{L}\p{N}]/u;
  var SINGULAR = { methods: "method", tasks: "task", datasets: "dataset", metrics: "metric" };

  // An item's state as one word: what its mark and row show.
  function status(item) {
    if (item.add) return "added";
    if (item.d === "rejected") return "rejected";
    if (R.respanned(item) || R.moved(item)) return "edited";
    return item.d === "accepted" ? "accepted" : "undecided";
  }

  // Nest the items' spans as highlight.py's place_items does: a span crossing an enclosing
  // span's end is left out of the text (its row in the panel says so), so no text is cut.
  function place(length, items) {
    var candidates = [];
    items.forEach(function (it, n) {
      if (it.s !== null && it.e !== null && 0 <= it.s && it.s < it.e && it.e <= length) {
        candidates.push({ item: it, n: n });
      }
    });
    candidates.sort(function (a, b) {
      return a.item.s - b.item.s || b.item.e - a.item.e ||
        ORDER[a.item.f] - ORDER[b.item.f] || a.n - b.n;
    });
    var roots = [];
    var stack = [];
    var placed = {};
    candidates.forEach(function (c) {
      var span = { s: c.item.s, e: c.item.e, item: c.item, kids: [] };
      while (stack.length && stack[stack.length - 1].e <= span.s) stack.pop();
      if (stack.length && span.e > stack[stack.length - 1].e) return;
      (stack.length ? stack[stack.length - 1].kids : roots).push(span);
      stack.push(span);
      placed[c.item.k] = true;
    });
    return { roots: roots, placed: placed };
  }

  function draw(parent, text, spans, start, end) {
    var pos = start;
    spans.forEach(function (span) {
      if (span.s > pos) parent.appendChild(document.createTextNode(text.slice(pos, span.s)));
      var it = span.item;
      var mark = document.createElement("mark");
      var word = status(it);
      mark.className = "hl " + it.f + " rv-" + word;
      mark.setAttribute("data-field", it.f);
      mark.setAttribute("data-key", it.k);
      if (it.r) mark.setAttribute("data-role", it.r);
      mark.title = SINGULAR[it.f] + ": " + it.t + " (" + word + ")";
      draw(mark, text, span.kids, span.s, span.e);
      parent.appendChild(mark);
      pos = span.e;
    });
    if (end > pos) parent.appendChild(document.createTextNode(text.slice(pos, end)));
  }

  // Redraw a card's abstract from its review state (text nodes only: nothing is parsed as HTML).
  function render(abstractEl, state) {
    var layout = place(state.abstract.length, state.items);
    abstractEl.textContent = "";
    draw(abstractEl, state.abstract, layout.roots, 0, state.abstract.length);
    return layout.placed;
  }

  // Characters from the start of `root` to a DOM boundary point (the abstract holds only text
  // and marks, so this is an offset into the abstract, in UTF-16 units like the spans).
  function offset(root, node, at) {
    var range = document.createRange();
    range.selectNodeContents(root);
    range.setEnd(node, at);
    return range.toString().length;
  }

  // The current selection when it lies in one abstract: {abstract, s, e, t}, edges trimmed.
  function selection() {
    var sel = window.getSelection();
    if (!sel || !sel.rangeCount || sel.isCollapsed) return null;
    var range = sel.getRangeAt(0);
    var node = range.commonAncestorContainer;
    var elm = node.nodeType === 1 ? node : node.parentNode;
    var abstractEl = elm && elm.closest ? elm.closest("article.card .abstract") : null;
    if (!abstractEl) return null;
    var text = abstractEl.textContent;
    var s = offset(abstractEl, range.startContainer, range.startOffset);
    var e = offset(abstractEl, range.endContainer, range.endOffset);
    while (s < e && /\s/.test(text.charAt(s))) s++;
    while (e > s && /\s/.test(text.charAt(e - 1))) e--;
    if (s >= e) return null;
    // a drag rarely stops exactly between words: never cut a word or number in half
    while (s > 0 && WORD.test(text.charAt(s - 1)) && WORD.test(text.charAt(s))) s--;
    while (e < text.length && WORD.test(text.charAt(e - 1)) && WORD.test(text.charAt(e))) e++;
    return { abstract: abstractEl, s: s, e: e, t: text.slice(s, e) };
  }

  // The DOM boundary point at a character offset of `root`.
  function point(root, at) {
    var walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    var node;
    var last = null;
    while ((node = walker.nextNode())) {
      if (at <= node.data.length) return [node, at];
      at -= node.data.length;
      last = node;
    }
    return last ? [last, last.data.length] : [root, 0];
  }

  // Select characters [s, e) of an abstract (after a redraw replaced the selected nodes).
  function select(root, s, e) {
    var range = document.createRange();
    var a = point(root, s);
    var b = point(root, e);
    range.setStart(a[0], a[1]);
    range.setEnd(b[0], b[1]);
    var sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
  }

  // Where `text` occurs in the abstract, nearest to `near` (a typed text has no span of its own).
  function find(abstract, text, near) {
    var best = -1;
    for (var at = abstract.indexOf(text); at >= 0; at = abstract.indexOf(text, at + 1)) {
      if (best < 0 || Math.abs(at - near) < Math.abs(best - near)) best = at;
    }
    return best;
  }

  R.status = status;
  R.singular = SINGULAR;
  R.render = render;
  R.selection = selection;
  R.select = select;
  R.find = find;
})();
