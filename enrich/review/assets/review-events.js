// enrich report.html, review actions: what each control of a card's panel does, selections in
// the abstracts, export and clearing (inlined last, after review-ui.js).
(function () {
  "use strict";
  var R = window.enrichReview;
  var U = R.ui;
  var cards = U.cards;

  function cardIndex(node) {
    var card = node && node.closest ? node.closest("article.card") : null;
    return card ? cards.indexOf(card) : -1;
  }

  function isOpen(i) { var panel = U.panelOf(i); return !!panel && !panel.hidden; }

  function keyed(list, key) { return list.filter(function (x) { return x.k === key; })[0]; }

  function fail(i, text) {
    U.panelOf(i).querySelector(".rv-error").textContent = text;
  }

  // The span to use: the selection, or where its typed text occurs (nearest `near`); else why not.
  function chosen(i, text, near) {
    var st = U.state(i);
    var pick = U.pending[i];
    text = (text === undefined ? (pick ? pick.t : "") : text).trim();
    if (!text) return "select words in the abstract first (or type them)";
    if (pick && pick.s !== undefined && pick.t === text) return { s: pick.s, e: pick.e, t: text };
    var at = R.find(st.abstract, text, near || 0);
    if (at < 0) return "\u201c" + text + "\u201d is not in the abstract";
    return { s: at, e: at + text.length, t: text };
  }

  function toggle(obj, word) { obj.d = obj.d === word ? "" : word; }

  function act(i, btn) {
    var st = U.state(i);
    var what = btn.getAttribute("data-act");
    var key = btn.getAttribute("data-key");
    var field = btn.getAttribute("data-field");
    var item = key ? keyed(st.items, key) : null;
    var gain = key ? keyed(st.gains, key) : null;
    var pick;
    if (what === "accept" || what === "reject") {
      toggle(item, what + "ed");
    } else if (what === "accept-gain" || what === "reject-gain") {
      toggle(gain, what.split("-")[0] + "ed");
    } else if (what === "remove") {
      st.items = st.items.filter(function (x) { return x !== item; });
    } else if (what === "remove-gain") {
      st.gains = st.gains.filter(function (x) { return x !== gain; });
    } else if (what === "confirm") {
      st.confirmed[field] = !st.confirmed[field];
    } else if (what === "confirm-all") {
      var all = R.ALL.every(function (f) { return st.confirmed[f]; });
      R.ALL.forEach(function (f) { st.confirmed[f] = !all; });
    } else if (what === "span") {
      pick = chosen(i, undefined, item.s);
      if (typeof pick === "string") return fail(i, pick);
      item.s = pick.s;
      item.e = pick.e;
      item.t = pick.t;
    } else if (what === "add") {
      pick = chosen(i);
      if (typeof pick === "string") return fail(i, pick);
      var twin = st.items.some(function (x) {
        return x.f === field && x.d !== "rejected" && x.t === pick.t;
      });
      if (twin) return fail(i, "\u201c" + pick.t + "\u201d is already in " + field);
      st.items.push({ k: "add:" + st.next++, of: field, f: field, os: pick.s, oe: pick.e, ot: pick.t,
                      s: pick.s, e: pick.e, t: pick.t, d: "", add: true, r: null });
    } else if (what === "open-gain") {
      pick = chosen(i);
      U.forms[i] = typeof pick === "string" ? { text: "", kind: "score" }
        : R.prefill(i, st, pick.s, pick.e, pick.t);
      U.drawPanel(i);
      U.panelOf(i).querySelector('.rv-gain-form [name="value"]').focus();
      return;
    } else if (what === "cancel-gain") {
      delete U.forms[i];
      U.drawPanel(i);
      U.panelOf(i).querySelector('[data-act="open-gain"]').focus();
      return;
    } else if (what === "clear") {
      R.forget(st.id);
      U.states[i] = R.fresh(i);
      delete U.forms[i];
      delete U.pending[i];
    } else {
      return;
    }
    U.commit(i);
  }

  function number(text) {
    var clean = String(text || "").replace(/[+,\s]/g, "").replace("\u2212", "-");
    return clean && /^-?(\d+\.?\d*|\.\d+)$/.test(clean) ? parseFloat(clean) : NaN;
  }

  // The gain form's values, checked as the gold checker will: its text is the abstract's own
  // words and states its value.
  function addGain(i) {
    var st = U.state(i);
    var v = U.forms[i];
    var text = String(v.text || "").trim();
    var value = number(v.value);
    if (!text) return fail(i, "gain text: the words of the abstract that state it");
    if (isNaN(value)) return fail(i, "gain value: a number, without its unit");
    // the span the form was opened on, else the first place its (edited) text states the value
    var at = v.s !== undefined && st.abstract.slice(v.s, v.e) === text ? v.s : -1;
    for (var x = st.abstract.indexOf(text); at < 0 && x >= 0; x = st.abstract.indexOf(text, x + 1)) {
      if (R.stated(i, value, x, x + text.length)) at = x;
    }
    if (st.abstract.indexOf(text) < 0) {
      return fail(i, "gain text: \u201c" + text + "\u201d is not in the abstract");
    }
    if (at < 0 || !R.stated(i, value, at, at + text.length)) {
      return fail(i, "gain value " + value + " is not a number its text states");
    }
    var pick = { s: at, e: at + text.length, t: text };
    var base = String(v.baseline_value || "").trim();
    var baseValue = base ? number(base) : null;
    if (base && isNaN(baseValue)) return fail(i, "baseline value: a number, or empty");
    function opt(name) { var given = String(v[name] || "").trim(); return given || null; }
    st.gains.push({ k: "addg:" + st.next++, d: "", add: true, value: value, unit: opt("unit"),
                    kind: v.kind || "score", metric: opt("metric"), baseline: opt("baseline"),
                    baseline_value: baseValue, dataset: opt("dataset"), text: pick.t,
                    s: pick.s, e: pick.e });
    delete U.forms[i];
    U.commit(i);
  }

  document.addEventListener("click", function (ev) {
    var target = ev.target;
    var i = cardIndex(target);
    if (i < 0) return;
    var btn = target.closest("button");
    if (btn && btn.classList.contains("rv-toggle")) {
      U.open(i, !isOpen(i));
    } else if (btn && btn.closest(".rv")) {
      act(i, btn);
    } else if (target.closest(".abstract mark[data-key]") && isOpen(i) &&
               window.getSelection().isCollapsed) {
      // a click on a highlight jumps to its row in the panel
      var key = target.closest("mark").getAttribute("data-key");
      var row = U.panelOf(i).querySelector('li[data-key="' + CSS.escape(key) + '"] button');
      if (row) row.focus();
    }
  });

  document.addEventListener("change", function (ev) {
    var i = cardIndex(ev.target);
    if (i < 0) return;
    if (ev.target.getAttribute("data-act") === "move") {
      keyed(U.state(i).items, ev.target.getAttribute("data-key")).f = ev.target.value;
      U.commit(i);
    } else if (ev.target.closest(".rv-gain-form")) {
      U.forms[i][ev.target.name] = ev.target.value;
    }
  });

  document.addEventListener("input", function (ev) {
    var i = cardIndex(ev.target);
    if (i < 0) return;
    var what = ev.target.getAttribute("data-act");
    if (what === "note") {
      U.state(i).note = ev.target.value;
      U.commit(i, false); // no redraw: typing goes on in the same box
    } else if (what === "seltext") {
      U.pending[i] = { t: ev.target.value }; // typed: its span is looked up when used
    } else if (ev.target.closest(".rv-gain-form")) {
      U.forms[i][ev.target.name] = ev.target.value;
    }
  });

  document.addEventListener("submit", function (ev) {
    var i = cardIndex(ev.target);
    if (i < 0) return;
    ev.preventDefault(); // the form never navigates (and the CSP forbids it)
    addGain(i);
  });

  // A selection in an abstract becomes the card's pending text; finishing one (mouse or keys)
  // in a closed card opens its panel.
  function take(opening) {
    var got = R.selection();
    if (!got) return;
    var i = cardIndex(got.abstract);
    if (!isOpen(i) && !opening) return;
    U.pending[i] = { s: got.s, e: got.e, t: got.t };
    if (!isOpen(i)) {
      U.open(i, true); // redraws the abstract: select the same characters again
      R.select(got.abstract, got.s, got.e);
    }
    var input = U.panelOf(i).querySelector(".rv-seltext");
    if (input) input.value = got.t;
  }
  document.addEventListener("selectionchange", function () { take(false); });
  ["mouseup", "keyup"].forEach(function (name) {
    document.getElementById("cards").addEventListener(name, function (ev) {
      if (!ev.target.closest || !ev.target.closest(".abstract")) return;
      setTimeout(function () { take(true); }, 0); // once the selection has settled
    });
  });

  document.getElementById("rv-export").addEventListener("click", function () {
    var text = R.exportText();
    document.getElementById("export-jsonl").value = text;
    if (!text) return U.say("nothing reviewed yet: nothing to export");
    var link = document.createElement("a");
    link.href = URL.createObjectURL(new Blob([text], { type: "application/jsonl" }));
    link.download = "reviewed-" + (R.run.run_id || "report") + ".jsonl";
    link.hidden = true;
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(function () { URL.revokeObjectURL(link.href); }, 60000);
    var n = text.split("\n").length - 1;
    U.say("exported " + n + (n === 1 ? " reviewed paper" : " reviewed papers"));
  });

  // Every card of this page shows the store again (after a clear, or another tab's change).
  function reload(ids) {
    cards.forEach(function (card, i) {
      var id = R.data.papers[i].id;
      if (ids && !ids[id]) return;
      var stored = R.load(id);
      if (!stored && !U.states[i]) return;
      U.states[i] = stored || R.fresh(i);
      if (isOpen(i)) U.drawPanel(i);
      else R.render(card.querySelector(".abstract"), U.states[i]);
      U.summary(i);
    });
    U.count();
  }

  // Clearing every review takes a second click within five seconds.
  var clearBtn = document.getElementById("rv-clear-all");
  var armed = null;
  clearBtn.addEventListener("click", function () {
    if (armed === null) {
      clearBtn.textContent = "click again to clear " + R.count() + " reviews";
      armed = setTimeout(function () {
        armed = null;
        clearBtn.textContent = "clear all reviews";
      }, 5000);
      return;
    }
    clearTimeout(armed);
    armed = null;
    clearBtn.textContent = "clear all reviews";
    R.clearAll();
    reload(null);
    U.say("cleared every review of this run");
  });

  window.addEventListener("storage", function (ev) {
    if (ev.key === null) return reload(null);
    if (ev.key.indexOf(R.prefix) !== 0) return;
    var ids = {};
    ids[decodeURIComponent(ev.key.slice(R.prefix.length))] = true;
    reload(ids);
  });

  cards.forEach(function (card, i) {
    var bar = U.el("div", { "class": "rv-open" });
    var attrs = { type: "button", "class": "rv-toggle", "aria-expanded": "false" };
    bar.appendChild(U.el("button", attrs, "review"));
    bar.appendChild(U.el("span", { "class": "rv-summary", "aria-live": "polite" }));
    card.appendChild(bar);
    U.restore(i);
  });
  U.count();
})();
