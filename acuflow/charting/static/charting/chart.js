// The charting screen: keyboard-first point entry, cautions in context, autosaved drafts.
// State lives in the form; every change is kept in localStorage at once (a lost
// connection loses nothing) and sent to the server draft shortly after (a closed tab or
// another device loses nothing). On load the newer of the two is restored.
(function () {
  "use strict";

  function json(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  function init() {
    var form = document.getElementById("chart-form");
    if (!form) return;
    var meta = json("chart-meta");
    var strings = json("chart-strings") || {};
    var previous = json("chart-previous");
    var protocolSites = json("chart-protocol") || [];
    var serverSavedAt = json("chart-draft-saved-at") || "";
    var storageKey = form.dataset.storageKey;
    var input = document.getElementById("point-q");
    var sitesEl = document.getElementById("sites");
    var status = document.getElementById("draft-status");
    var sites = [];
    var needlesTouched = false;
    var timer = null;
    var restoring = false;

    // ---- sites -------------------------------------------------------------------
    function siteLabel(site) {
      if (site.point) {
        var p = meta.points[site.point];
        return p ? p[0] : site.point;
      }
      return "IMS " + site.ims_segment + " · " + (meta.muscles[site.muscle] || site.muscle);
    }

    function select(options, value, label) {
      var s = document.createElement("select");
      s.setAttribute("aria-label", label);
      options.forEach(function (o) {
        var opt = document.createElement("option");
        opt.value = o[0];
        opt.textContent = o[1];
        if (o[0] === value) opt.selected = true;
        s.appendChild(opt);
      });
      return s;
    }

    function renderSites() {
      sitesEl.innerHTML = "";
      sites.forEach(function (site, i) {
        var li = document.createElement("li");
        li.dataset.code = site.point || site.ims_segment;
        var span = document.createElement("span");
        span.textContent = siteLabel(site);
        li.appendChild(span);
        var sides = strings.sides.filter(function (s) { return site.point || s[0] !== "none"; });
        var sideSel = select(sides, site.side, strings.side + " " + siteLabel(site));
        sideSel.className = "site-side";
        sideSel.addEventListener("change", function () { site.side = sideSel.value; changed(); });
        li.appendChild(sideSel);
        if (site.ims_segment) {
          var resp = select([["", "–"]].concat(strings.responses), site.response || "", strings.response);
          resp.addEventListener("change", function () {
            if (resp.value) site.response = resp.value; else delete site.response;
            changed();
          });
          li.appendChild(resp);
        }
        var rm = document.createElement("button");
        rm.type = "button";
        rm.className = "link";
        rm.textContent = strings.remove;
        rm.setAttribute("aria-label", strings.remove + " " + siteLabel(site));
        rm.addEventListener("click", function () { sites.splice(i, 1); renderSites(); changed(); });
        li.appendChild(document.createTextNode(" "));
        li.appendChild(rm);
        sitesEl.appendChild(li);
      });
      renderWarnings();
      autoNeedles();
    }

    // One entry per point (per IMS segment and muscle): a second entry merges its side
    // into the first (left + right = both), as rules.merge_sites does on the server.
    function siteKey(site) {
      return site.point ? "p:" + site.point : "i:" + site.ims_segment + ":" + site.muscle;
    }

    function mergeSide(a, b) {
      if (a === b) return a;
      var lateral = [a, b].filter(function (x) { return x && x !== "none"; });
      return lateral.length === 1 ? lateral[0] : "both";
    }

    function mergeInto(list, site) {
      var key = siteKey(site);
      var kept = list.find(function (s) { return siteKey(s) === key; });
      if (!kept) { list.push(Object.assign({}, site)); return; }
      kept.side = mergeSide(kept.side, site.side);
      if (site.response && !kept.response) kept.response = site.response;
    }

    function addSite(site) {
      mergeInto(sites, site);
      renderSites();
      changed();
    }

    function needleCount() {
      return sites.reduce(function (n, s) { return n + (s.side === "both" ? 2 : 1); }, 0);
    }

    function autoNeedles() {
      var el = form.elements.needles_in;
      var out = form.elements.needles_out;
      if (needlesTouched || restoring) return;
      // Counts copied from the previous session move together while nobody typed them.
      var follows = out.value !== "" && out.value === el.value;
      el.value = sites.length ? needleCount() : "";
      if (follows) out.value = el.value;
    }

    function renderWarnings() {
      var box = document.getElementById("chart-warnings");
      var pregnant = form.elements.pregnant.checked;
      box.innerHTML = "";
      sites.forEach(function (site) {
        var p = site.point && meta.points[site.point];
        if (!p) return;
        p[2].forEach(function (key) {
          var c = meta.cautions[key];
          if (c.when === "always" || (c.when === "pregnant" && pregnant)) {
            var li = document.createElement("li");
            li.className = "error";
            li.dataset.caution = key;
            li.textContent = site.point + ": " + c.text;
            box.appendChild(li);
          }
        });
      });
    }

    // ---- search: Enter adds the highlighted result ----------------------------------
    function results() { return document.getElementById("point-results"); }

    function options() { return Array.prototype.slice.call(results().querySelectorAll("li[role=option]")); }

    function move(delta) {
      var opts = options();
      if (!opts.length) return;
      var i = opts.findIndex(function (o) { return o.getAttribute("aria-selected") === "true"; });
      opts.forEach(function (o) { o.removeAttribute("aria-selected"); });
      var next = opts[Math.max(0, Math.min(opts.length - 1, i + delta))];
      next.setAttribute("aria-selected", "true");
      input.setAttribute("aria-activedescendant", next.id);
      next.scrollIntoView({ block: "nearest" });
    }

    function take(option, side) {
      side = side || null;
      if (option.dataset.code) {
        var p = meta.points[option.dataset.code];
        addSite({ point: option.dataset.code, side: side || (p ? p[1] : "both") });
      } else if (option.dataset.segment) {
        addSite({ ims_segment: option.dataset.segment, muscle: option.dataset.muscle, side: side === "none" || !side ? "both" : side });
      }
    }

    function selectedIn(list) {
      var opts = Array.prototype.slice.call(list.querySelectorAll("li[role=option]"));
      return opts.find(function (o) { return o.getAttribute("aria-selected") === "true"; }) || opts[0];
    }

    // Entries are added in the order they were typed, even when the practitioner types
    // faster than the search answers: each Enter queues its query.
    var queue = Promise.resolve();

    function choose() {
      var q = input.value;
      if (!q.trim()) return;
      var shown = results();
      var chosen = shown.dataset.q === q ? selectedIn(shown) : null;
      var side = shown.dataset.side;
      input.value = "";
      shown.innerHTML = "";
      shown.dataset.q = "";
      queue = queue.then(function () {
        if (chosen) { take(chosen, side); return; }
        return fetch(form.dataset.searchUrl + "?q=" + encodeURIComponent(q), {
          headers: { "HX-Request": "true" }, credentials: "same-origin",
        }).then(function (r) { return r.text(); }).then(function (html) {
          var holder = document.createElement("div");
          holder.innerHTML = html;
          var list = holder.querySelector("#point-results");
          var first = list && selectedIn(list);
          if (first) take(first, list.dataset.side);
          else { status.textContent = strings.nomatch + " " + q; }
        });
      }).catch(function () { status.textContent = strings.nomatch + " " + q; });
    }

    input.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && !e.ctrlKey && !e.metaKey) { e.preventDefault(); choose(); }
      else if (e.key === "ArrowDown") { e.preventDefault(); move(1); }
      else if (e.key === "ArrowUp") { e.preventDefault(); move(-1); }
      else if (e.key === "Escape") { input.value = ""; results().innerHTML = ""; }
      // Tab goes from the point box straight to the counts (the site controls stay
      // reachable with Shift+Tab from there, or with the mouse).
      else if (e.key === "Tab" && !e.shiftKey && !input.value) { e.preventDefault(); form.elements.needles_in.focus(); }
      else if (e.key === "Backspace" && !input.value && sites.length) { sites.pop(); renderSites(); changed(); }
    });
    document.addEventListener("click", function (e) {
      var li = e.target.closest && e.target.closest("#point-results li[role=option]");
      if (li) {
        take(li, results().dataset.side);
        input.value = "";
        results().innerHTML = "";
        input.focus();
      }
    });

    // ---- repeatable rows (adverse events, home care) --------------------------------
    function addRow(kind, values) {
      var tpl = document.getElementById(kind + "-row");
      var row = tpl.content.firstElementChild.cloneNode(true);
      Object.keys(values || {}).forEach(function (k) {
        var el = row.querySelector("[data-k=" + k + "]");
        if (el && values[k] !== null && values[k] !== undefined) el.value = values[k];
      });
      row.querySelector(".remove-row").addEventListener("click", function () { row.remove(); changed(); });
      document.getElementById(kind === "event" ? "events" : "homecare").appendChild(row);
      return row;
    }

    function rows(kind) {
      var box = document.getElementById(kind === "event" ? "events" : "homecare");
      return Array.prototype.map.call(box.children, function (row) {
        var out = {};
        row.querySelectorAll("[data-k]").forEach(function (el) {
          out[el.dataset.k] = el.type === "number" ? (el.value === "" ? null : Number(el.value)) : el.value;
        });
        return out;
      });
    }

    document.getElementById("add-event").addEventListener("click", function () {
      addRow("event").querySelector("select").focus(); changed();
    });
    document.getElementById("add-homecare").addEventListener("click", function () {
      addRow("homecare").querySelector("input").focus(); changed();
    });

    // ---- state <-> form -----------------------------------------------------------
    var NUMBERS = ["nrs_before", "nrs_after", "needles_in", "needles_out", "retention_minutes", "electro_frequency_hz", "appointment_id"];
    var TEXTS = ["started_at", "unbooked_reason", "needle_discrepancy_note", "stimulation", "subjective", "objective", "assessment", "plan"];

    function collect() {
      var data = { sites: sites.slice() };
      TEXTS.forEach(function (k) { data[k] = form.elements[k].value; });
      NUMBERS.forEach(function (k) {
        var v = form.elements[k].value;
        data[k] = v === "" ? null : Number(v);
      });
      data.pregnant = form.elements.pregnant.checked;
      data.adjuncts = Array.prototype.filter.call(form.querySelectorAll("input[name=adjuncts]"), function (c) { return c.checked; }).map(function (c) { return c.value; });
      data.adverse_events = rows("event");
      data.home_care = rows("homecare").filter(function (h) { return h.point; });
      return data;
    }

    function apply(data, partial) {
      restoring = true;
      if (data.sites) { sites = []; data.sites.forEach(function (s) { mergeInto(sites, s); }); }
      TEXTS.concat(NUMBERS).forEach(function (k) {
        if (k in data && form.elements[k]) form.elements[k].value = data[k] === null || data[k] === undefined ? "" : data[k];
      });
      if ("pregnant" in data) form.elements.pregnant.checked = !!data.pregnant;
      if (data.adjuncts) form.querySelectorAll("input[name=adjuncts]").forEach(function (c) { c.checked = data.adjuncts.indexOf(c.value) >= 0; });
      if (data.adverse_events && !partial) { document.getElementById("events").innerHTML = ""; data.adverse_events.forEach(function (ev) { addRow("event", ev); }); }
      if (data.home_care) { document.getElementById("homecare").innerHTML = ""; data.home_care.forEach(function (h) { addRow("homecare", h); }); }
      needlesTouched = data.needles_in !== null && data.needles_in !== undefined && data.needles_in !== needleCountOf(data.sites || []);
      renderSites();
      restoring = false;
    }

    function needleCountOf(list) {
      return list.reduce(function (n, s) { return n + (s.side === "both" ? 2 : 1); }, 0);
    }

    // ---- autosave ------------------------------------------------------------------
    function saveLocal(data) {
      try { localStorage.setItem(storageKey, JSON.stringify({ saved_at: new Date().toISOString(), data: data })); } catch (e) { /* private mode */ }
    }

    var submitting = false;

    var edits = 0;  // changes made so far; an answer for older content is not "saved"

    function saveServer() {
      if (submitting) return;  // saving the session removes the draft; do not bring it back
      var sent = edits;
      var data = collect();
      fetch(form.dataset.draftUrl, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRFToken": form.elements.csrfmiddlewaretoken.value },
        body: JSON.stringify(data),
        credentials: "same-origin",
      }).then(function (r) {
        // A refusal with a reason (the course was closed meanwhile, the draft is too
        // large) is shown as it is: it is not an offline moment that will pass.
        return r.json().catch(function () { return {}; }).then(function (body) {
          if (!r.ok) { var e = new Error(r.status); e.detail = body.detail; throw e; }
          return body;
        });
      }).then(function (body) {
        if (sent !== edits) return;  // typed on meanwhile: the next save will say so
        status.textContent = strings.saved + " " + new Date(body.saved_at).toLocaleTimeString();
        status.dataset.state = "saved";
      }).catch(function (e) {
        status.textContent = (e && e.detail) || strings.offline;
        status.dataset.state = "local";
      });
    }

    function changed() {
      if (restoring) return;
      edits += 1;
      saveLocal(collect());
      status.dataset.state = "pending";
      clearTimeout(timer);
      timer = setTimeout(saveServer, 400);
    }

    form.addEventListener("input", function (e) {
      if (e.target === input) return;
      if (e.target.name === "needles_in") needlesTouched = true;
      if (e.target.name === "pregnant") renderWarnings();
      changed();
    });
    form.addEventListener("change", function (e) {
      if (e.target === input) return;
      if (e.target.name === "pregnant") renderWarnings();
      changed();
    });
    window.addEventListener("online", saveServer);
    window.addEventListener("pagehide", function () { if (status.dataset.state === "pending") saveServer(); });

    // ---- buttons and keys ---------------------------------------------------------
    var copyBtn = document.getElementById("copy-previous");
    if (copyBtn) copyBtn.addEventListener("click", function () { apply(previous, true); changed(); input.focus(); });
    var protoBtn = document.getElementById("apply-protocol");
    if (protoBtn) protoBtn.addEventListener("click", function () {
      protocolSites.forEach(function (s) { mergeInto(sites, s); });
      renderSites(); changed(); input.focus();
    });
    form.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); form.requestSubmit(); }
    });
    // Alt+N: to "needles in" from anywhere on the screen.
    document.addEventListener("keydown", function (e) {
      if (e.altKey && !e.ctrlKey && !e.metaKey && (e.key === "n" || e.key === "N" || e.code === "KeyN")) {
        e.preventDefault();
        form.elements.needles_in.focus();
        form.elements.needles_in.select();
      }
    });
    form.addEventListener("submit", function () {
      submitting = true;
      clearTimeout(timer);
      document.getElementById("payload").value = JSON.stringify(collect());
    });

    // ---- restore: the newer of the server draft and this browser's copy -------------
    var initial = json("chart-state") || {};
    var local = null;
    try { local = JSON.parse(localStorage.getItem(storageKey) || "null"); } catch (e) { local = null; }
    var hasErrors = !!document.getElementById("chart-errors");
    var lastSessionAt = Date.parse(json("chart-last-session-at") || "") || 0;
    var localAt = local && local.data ? Date.parse(local.saved_at) || 0 : 0;
    var serverAt = Date.parse(serverSavedAt) || 0;
    // A copy older than the last saved session was saved already: not a draft any more.
    if (!hasErrors && localAt > lastSessionAt && localAt > serverAt) {
      apply(local.data);
      saveServer();
      status.textContent = strings.restored;
    } else {
      apply(initial);
      if (serverAt) status.textContent = strings.restored;
    }
    // Opened from an appointment: the session is for it, whatever an older draft said.
    if (form.dataset.appointment) form.elements.appointment_id.value = form.dataset.appointment;
    // Errors from the server: mark their fields for assistive technology.
    document.querySelectorAll(".field-error[data-for]").forEach(function (p) {
      var el = form.elements[p.dataset.for];
      if (el && el.setAttribute) { el.setAttribute("aria-invalid", "true"); el.setAttribute("aria-describedby", p.id); }
    });
    var discard = document.getElementById("discard-draft");
    if (discard) discard.addEventListener("click", function () {
      try { localStorage.removeItem(storageKey); } catch (e) { /* ignore */ }
    });
  }

  document.addEventListener("DOMContentLoaded", init);
})();
