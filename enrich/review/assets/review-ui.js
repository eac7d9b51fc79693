// enrich report.html, review panel: drawn per card from its review state (review-state.js);
// review-events.js, inlined after it, acts on its controls.
(function () {
  "use strict";
  var R = window.enrichReview;
  var FIELDS = R.FIELDS;
  var cards = Array.prototype.slice.call(document.querySelectorAll("article.card"));
  var states = {}; // card index -> review state, once opened or found in the store
  var pending = {}; // card index -> {s, e, t}: the text last selected (or typed) for the card
  var forms = {}; // card index -> the gain form's values while it is open
  var GAIN_KEYS = ["text", "value", "unit", "kind", "metric", "baseline", "baseline_value", "dataset"];
  var messageEl = document.getElementById("rv-message");
  var countEl = document.getElementById("rv-count");

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      if (attrs[name] !== null && attrs[name] !== undefined) node.setAttribute(name, attrs[name]);
    });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function button(label, act, extra) {
    var attrs = { type: "button", "data-act": act };
    Object.keys(extra || {}).forEach(function (k) { attrs[k] = extra[k]; });
    return el("button", attrs, label);
  }

  function say(text) { messageEl.textContent = text || ""; }

  function state(i) {
    if (!states[i]) states[i] = R.load(R.data.papers[i].id) || R.fresh(i);
    return states[i];
  }

  function panelOf(i) { return cards[i].querySelector(".rv"); }

  // --- drawing -------------------------------------------------------------------------------

  function badge(item) {
    var word = R.status(item);
    var notes = [];
    if (R.moved(item)) notes.push("moved from " + item.of);
    if (R.respanned(item) && !item.add) notes.push("was \u201c" + item.ot + "\u201d");
    return word + (notes.length ? " (" + notes.join("; ") + ")" : "");
  }

  // Accept and reject toggle (pressed again: undecided); an added entry is removed instead.
  function verdicts(li, entry, suffix, name) {
    if (entry.add) {
      li.appendChild(button("remove", "remove" + suffix, {
        "data-key": entry.k, "aria-label": "remove " + name
      }));
      return;
    }
    [["\u2713", "accept", "accepted"], ["\u2717", "reject", "rejected"]].forEach(function (v) {
      li.appendChild(button(v[0], v[1] + suffix, {
        "data-key": entry.k, "aria-pressed": String(entry.d === v[2]),
        "aria-label": v[1] + " " + name, title: v[1]
      }));
    });
  }

  function itemRow(item, placed) {
    var li = el("li", { "class": "rv-item rv-" + R.status(item), "data-key": item.k });
    li.appendChild(el("span", { "class": "rv-text" }, item.t));
    var where = placed[item.k] ? "" : ", not highlighted: overlaps another";
    li.appendChild(el("span", { "class": "rv-badge" }, badge(item) + where));
    verdicts(li, item, "", item.t);
    var select = el("select", { "data-act": "move", "data-key": item.k, "aria-label": "field of " + item.t });
    FIELDS.forEach(function (f) {
      var opt = el("option", { value: f }, f);
      opt.selected = f === item.f;
      select.appendChild(opt);
    });
    li.appendChild(select);
    li.appendChild(button("use selection", "span", {
      "data-key": item.k, title: "set its span to the selected text"
    }));
    return li;
  }

  function gainLabel(g) {
    var parts = [g.value + (g.unit || ""), g.kind || ""];
    var base = g.baseline_value !== null && g.baseline_value !== "" ? " (" + g.baseline_value + ")" : "";
    if (g.metric) parts.push("metric: " + g.metric);
    if (g.baseline || base) parts.push("baseline: " + (g.baseline || "") + base);
    if (g.dataset) parts.push("dataset: " + g.dataset);
    return parts.filter(Boolean).join(" \u00b7 ");
  }

  function gainRow(g) {
    var word = g.add ? "added" : g.d || "undecided";
    var li = el("li", { "class": "rv-item rv-" + word, "data-key": g.k });
    li.appendChild(el("span", { "class": "rv-text" }, gainLabel(g)));
    li.appendChild(el("q", { "class": "rv-quote" }, g.text));
    li.appendChild(el("span", { "class": "rv-badge" }, word));
    verdicts(li, g, "-gain", "gain " + g.value);
    return li;
  }

  function fieldHead(st, field, count) {
    var head = el("h3", {}, field + " (" + count + ") ");
    var on = R.annotated(st, field);
    var word = on ? "annotated" : "not annotated";
    head.appendChild(el("span", { "class": "rv-state" + (on ? " on" : "") }, word));
    head.appendChild(button("confirm", "confirm", {
      "data-field": field, "aria-pressed": String(!!st.confirmed[field]),
      title: "mark " + field + " reviewed as it stands"
    }));
    return head;
  }

  function gainForm(i) {
    var values = forms[i];
    var form = el("form", { "class": "rv-gain-form", "aria-label": "add a gain" });
    GAIN_KEYS.forEach(function (name) {
      var label = el("label", {}, name.replace("_", " ") + " ");
      var input;
      if (name === "kind") {
        input = el("select", { name: name });
        ["delta", "score", "ratio"].forEach(function (k) {
          var opt = el("option", { value: k }, k);
          opt.selected = values.kind === k;
          input.appendChild(opt);
        });
      } else {
        input = el("input", { name: name, type: "text", size: name === "text" ? 40 : 8 });
        input.value = values[name] || "";
      }
      label.appendChild(input);
      form.appendChild(label);
    });
    form.appendChild(el("button", { type: "submit" }, "add gain"));
    form.appendChild(button("cancel", "cancel-gain"));
    return form;
  }

  function drawPanel(i) {
    var st = state(i);
    var panel = panelOf(i);
    var placed = R.render(cards[i].querySelector(".abstract"), st);
    panel.textContent = "";
    var bar = el("div", { "class": "rv-sel" });
    var label = el("label", {}, "selected text ");
    var input = el("input", {
      type: "text", "class": "rv-seltext", "data-act": "seltext", size: 36,
      placeholder: "select words in the abstract, or type them"
    });
    input.value = pending[i] ? pending[i].t : "";
    label.appendChild(input);
    bar.appendChild(label);
    bar.appendChild(el("span", {}, " add as "));
    FIELDS.forEach(function (f) { bar.appendChild(button(R.singular[f], "add", { "data-field": f })); });
    bar.appendChild(button("gain\u2026", "open-gain"));
    panel.appendChild(bar);
    panel.appendChild(el("p", { "class": "rv-error", role: "alert" }));
    FIELDS.forEach(function (field) {
      var items = st.items.filter(function (it) { return it.f === field; });
      var box = el("div", { "class": "rv-field", "data-field": field });
      box.appendChild(fieldHead(st, field, items.length));
      var list = el("ul");
      items.forEach(function (it) { list.appendChild(itemRow(it, placed)); });
      box.appendChild(list);
      panel.appendChild(box);
    });
    var gains = el("div", { "class": "rv-field", "data-field": "gains" });
    gains.appendChild(fieldHead(st, "gains", st.gains.length));
    var glist = el("ul");
    st.gains.forEach(function (g) { glist.appendChild(gainRow(g)); });
    gains.appendChild(glist);
    if (forms[i]) gains.appendChild(gainForm(i));
    panel.appendChild(gains);
    var note = el("label", { "class": "rv-note-label" }, "note ");
    var area = el("textarea", { "class": "rv-note", "data-act": "note", rows: 2 });
    area.value = st.note;
    note.appendChild(area);
    panel.appendChild(note);
    var foot = el("p", { "class": "rv-foot" });
    var all = R.ALL.every(function (f) { return st.confirmed[f]; });
    foot.appendChild(button("confirm paper", "confirm-all", {
      "aria-pressed": String(all), title: "mark all five fields reviewed as they stand"
    }));
    foot.appendChild(button("clear review", "clear"));
    panel.appendChild(foot);
  }

  function summary(i) {
    var st = states[i];
    var on = !!st && R.reviewed(st);
    cards[i].classList.toggle("reviewed", on);
    var text = "";
    if (on) {
      var counts = {};
      var tally = function (word) { counts[word] = (counts[word] || 0) + 1; };
      st.items.forEach(function (it) { if (R.changed(it)) tally(R.status(it)); });
      st.gains.forEach(function (g) { if (g.add || g.d) tally(g.add ? "added" : g.d); });
      var parts = Object.keys(counts).sort().map(function (k) { return counts[k] + " " + k; });
      var fields = R.ALL.filter(function (f) { return R.annotated(st, f); });
      text = "reviewed" + (parts.length ? ": " + parts.join(", ") : "") +
        (fields.length ? " \u00b7 annotated: " + fields.join(", ") : "") +
        (st.note.trim() ? " \u00b7 note" : "");
    }
    cards[i].querySelector(".rv-summary").textContent = text;
  }

  function count() {
    var n = R.count(); // keys only: no parsing on every decision
    countEl.textContent = n + (n === 1 ? " paper" : " papers") + " reviewed in this run (all pages)" +
      (R.persistent ? "" : "; browser storage is off: decisions last until the page closes");
  }

  // Store, then redraw the card, keeping keyboard focus on the same control.
  function commit(i, redraw) {
    var error = R.save(states[i]);
    say(error);
    if (redraw !== false && panelOf(i) && !panelOf(i).hidden) {
      var active = document.activeElement;
      var act = active && active.getAttribute && active.getAttribute("data-act");
      var key = act && (active.getAttribute("data-key") || active.getAttribute("data-field"));
      drawPanel(i);
      var same = '[data-act="' + act + '"]';
      if (key) {
        key = CSS.escape(key);
        same = same + '[data-key="' + key + '"], ' + same + '[data-field="' + key + '"]';
      }
      var again = act && panelOf(i).querySelector(same);
      if (again) again.focus();
    }
    summary(i);
    count();
  }

  function open(i, show) {
    var panel = panelOf(i);
    var toggle = cards[i].querySelector(".rv-toggle");
    if (!panel) {
      panel = el("section", { "class": "rv", "aria-label": "review of this paper" });
      cards[i].appendChild(panel);
    }
    panel.hidden = !show;
    toggle.setAttribute("aria-expanded", String(show));
    toggle.textContent = show ? "close review" : "review";
    if (show) drawPanel(i);
  }

  // A card whose paper has stored decisions shows them in its abstract, its panel closed.
  function restore(i) {
    var stored = R.load(R.data.papers[i].id);
    if (stored) {
      states[i] = stored;
      R.render(cards[i].querySelector(".abstract"), stored);
    }
    summary(i);
  }

  R.ui = { el: el, button: button, cards: cards, states: states, pending: pending, forms: forms, state: state,
           panelOf: panelOf, drawPanel: drawPanel, commit: commit, open: open, summary: summary,
           count: count, say: say, restore: restore, GAIN_KEYS: GAIN_KEYS };
})();
