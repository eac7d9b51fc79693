// enrich report.html, review model: each paper's decisions, their localStorage store and the
// gold JSONL export (inlined after report.js; review-abstract.js and review-ui.js draw it).
(function () {
  "use strict";
  var FIELDS = ["methods", "tasks", "datasets", "metrics"];
  var ALL = FIELDS.concat(["gains"]);
  var data = JSON.parse(document.getElementById("report-data").textContent).review;
  var run = data.run || {};
  // One key per reviewed paper under its run: every page of a split report sees the same store
  // (and pages opened from disk share one origin, so the run id keeps runs apart).
  var PREFIX = "enrich-review/v1/" + encodeURIComponent(run.run_id || "") + "/";

  // localStorage, or (storage disabled) a page-lifetime stand-in so reviewing still works.
  var storage = (function () {
    try {
      var probe = PREFIX + "?";
      window.localStorage.setItem(probe, "1");
      window.localStorage.removeItem(probe);
      return window.localStorage;
    } catch (err) {
      var memory = {};
      return {
        memory: true,
        get length() { return Object.keys(memory).length; },
        key: function (i) { return Object.keys(memory)[i]; },
        getItem: function (k) { return k in memory ? memory[k] : null; },
        setItem: function (k, v) { memory[k] = String(v); },
        removeItem: function (k) { delete memory[k]; }
      };
    }
  })();

  function keyOf(id) { return PREFIX + encodeURIComponent(id); }

  function copy(obj) { return JSON.parse(JSON.stringify(obj)); }

  // A paper's review before any decision: every grounded item and gain, undecided.
  function fresh(i) {
    var p = data.papers[i];
    return {
      v: 1, id: p.id, n: data.first + i, title: p.title, abstract: p.abstract, note: "",
      confirmed: {}, next: 0, reviewed_at: null,
      items: p.items.map(function (it) {
        return { k: it.k, of: it.f, f: it.f, os: it.s, oe: it.e, ot: it.t,
                 s: it.s, e: it.e, t: it.t, d: "", add: false, r: it.r || null };
      }),
      gains: p.gains.map(function (g) {
        var gain = copy(g);
        gain.d = "";
        gain.add = false;
        return gain;
      })
    };
  }

  function moved(item) { return item.f !== item.of; }
  function respanned(item) { return item.s !== item.os || item.e !== item.oe; }
  function changed(item) { return item.add || item.d !== "" || moved(item) || respanned(item); }

  // A field is annotated once confirmed or once anything in it (or moved out of it) was decided.
  function annotated(state, field) {
    if (state.confirmed[field]) return true;
    if (field === "gains") return state.gains.some(function (g) { return g.add || g.d; });
    return state.items.some(function (it) {
      return (it.f === field || it.of === field) && changed(it);
    });
  }

  function reviewed(state) {
    return !!state.note.trim() || ALL.some(function (f) { return annotated(state, f); });
  }

  function load(id) {
    var raw = storage.getItem(keyOf(id));
    if (!raw) return null;
    try {
      var state = JSON.parse(raw);
      return state && state.v === 1 && state.id === id ? state : null;
    } catch (err) {
      return null;
    }
  }

  // Store the paper's review (or drop it once nothing is left decided); returns an error text.
  function save(state) {
    state.reviewed_at = new Date().toISOString();
    if (!reviewed(state)) {
      storage.removeItem(keyOf(state.id));
      return null;
    }
    try {
      storage.setItem(keyOf(state.id), JSON.stringify(state));
      return null;
    } catch (err) {
      return "the browser's storage is full: this decision is not kept; export now";
    }
  }

  function forget(id) { storage.removeItem(keyOf(id)); }

  function storedKeys() {
    var keys = [];
    for (var i = 0; i < storage.length; i++) {
      var key = storage.key(i);
      if (key && key.indexOf(PREFIX) === 0) keys.push(key);
    }
    return keys;
  }

  function stored() {
    var states = [];
    storedKeys().forEach(function (key) {
      var state = load(decodeURIComponent(key.slice(PREFIX.length)));
      if (state) states.push(state);
    });
    return states.sort(function (a, b) { return a.n - b.n || (a.id < b.id ? -1 : 1); });
  }

  function num(value) {
    return value === null || value === undefined || value === "" ? null : Number(value);
  }
  function str(value) { return value === null || value === undefined || value === "" ? null : value; }

  // The gold labels the decisions imply: annotated fields only; undecided items count as
  // accepted; strings are the abstract's own words at each item's (possibly corrected) span.
  function goldOf(state) {
    var gold = {};
    FIELDS.forEach(function (field) {
      if (!annotated(state, field)) return;
      var seen = {};
      gold[field] = [];
      state.items.forEach(function (it) {
        if (it.f !== field || it.d === "rejected" || seen[it.t]) return;
        seen[it.t] = true;
        gold[field].push(it.t);
      });
    });
    if (annotated(state, "gains")) {
      gold.gains = state.gains.filter(function (g) { return g.d !== "rejected"; }).map(function (g) {
        return { value: Number(g.value), unit: str(g.unit), kind: str(g.kind), metric: str(g.metric),
                 baseline: str(g.baseline), baseline_value: num(g.baseline_value),
                 dataset: str(g.dataset), text: g.text };
      });
    }
    return gold;
  }

  function record(state) {
    return {
      id: state.id, title: state.title, abstract: state.abstract, gold: goldOf(state),
      review: { run_id: run.run_id, model: run.model, prompt_hash: run.prompt_hash,
                backend: run.backend, reviewed_at: state.reviewed_at, note: state.note }
    };
  }

  // Every reviewed paper of the run (from any page), one gold record per line.
  function exportText() {
    return stored().map(function (s) { return JSON.stringify(record(s)) + "\n"; }).join("");
  }

  function clearAll() { storedKeys().forEach(function (key) { storage.removeItem(key); }); }

  // --- the gain form's prefill and check, on the numbers the abstract states -------------------

  function close(a, b) { return Math.abs(a - Math.abs(b)) <= 1e-6 * Math.max(1, Math.abs(b)); }

  // True when `value` is a number the abstract states inside [s, e): what the gold checker
  // (value_in_text) reads in a gain's text.
  function stated(i, value, s, e) {
    return data.papers[i].nums.some(function (n) { return n[1] >= s && n[2] <= e && close(n[0], value); });
  }

  var DELTA = new RegExp("\\+|\\b(?:by|improv|outperform|gain|boost|increas|reduc|decreas|lower|" +
    "higher|better|faster|fewer|drop|surpass|exceed|cut|sav)", "i");

  // Value, unit, kind (and from "from X to Y" its baseline value) read from the selected text;
  // metric and dataset from the paper's kept items inside it.
  function prefill(i, state, s, e, text) {
    var inside = data.papers[i].nums.filter(function (n) { return n[1] >= s && n[2] <= e; });
    var quantities = inside.filter(function (n) { return n[5]; });
    if (quantities.length) inside = quantities; // not a version ("SeedEdit 3.0") if avoidable
    var out = { text: text, value: "", unit: "", kind: "score", metric: "", baseline: "",
                baseline_value: "", dataset: "", s: s, e: e }; // s, e: the span it came from
    if (!inside.length) return out;
    var pair = inside.filter(function (n) { return n[4] !== null && n[4] !== undefined; })[0];
    var pick = pair || inside[0];
    var unit = pick[3] || (inside.filter(function (n) { return n[3]; })[0] || [])[3] || "";
    out.value = String(pick[0]);
    out.unit = unit;
    if (pair) out.baseline_value = String(pair[4]);
    out.kind = pair ? "score" : unit === "x" ? "ratio" : DELTA.test(text) ? "delta" : "score";
    ["metrics", "datasets"].forEach(function (field) {
      var hit = state.items.filter(function (it) {
        return it.f === field && it.d !== "rejected" && it.s >= s && it.e <= e;
      })[0];
      if (hit) out[field === "metrics" ? "metric" : "dataset"] = hit.t;
    });
    return out;
  }

  window.enrichReview = {
    FIELDS: FIELDS, ALL: ALL, data: data, run: run, persistent: !storage.memory,
    fresh: fresh, load: load, save: save, forget: forget, stored: stored, clearAll: clearAll,
    count: function () { return storedKeys().length; },
    annotated: annotated, reviewed: reviewed, changed: changed, moved: moved,
    respanned: respanned, goldOf: goldOf, exportText: exportText, prefill: prefill,
    stated: stated, prefix: PREFIX
  };
  // For scripts and tests: the export's text, as the button downloads it.
  window.enrichExport = exportText;
})();
