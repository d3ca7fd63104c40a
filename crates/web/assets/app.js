// NewLedger's only script: copy buttons, and Add line and live totals on document forms.
// Pages work without it; it adds convenience.
// Served from the app itself (CSP: script-src 'self'; no inline handlers).
(function () {
  "use strict";
  function textOf(el) {
    if (el.tagName === "INPUT" || el.tagName === "TEXTAREA") return el.value;
    if (el.tagName === "UL" || el.tagName === "OL") {
      return Array.prototype.map.call(el.querySelectorAll("li"), function (li) {
        return li.textContent.trim();
      }).join("\n");
    }
    return el.textContent.trim();
  }
  function flash(btn, text) {
    var old = btn.getAttribute("data-label") || btn.textContent;
    btn.setAttribute("data-label", old);
    btn.textContent = text;
    setTimeout(function () { btn.textContent = old; }, 1800);
  }
  document.addEventListener("click", function (ev) {
    var btn = ev.target.closest("[data-copy]");
    if (!btn) return;
    var el = document.getElementById(btn.getAttribute("data-copy"));
    if (!el) return;
    var text = textOf(el);
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () { flash(btn, "Copied"); },
        function () { select(el); flash(btn, "Press Ctrl+C"); });
    } else {
      select(el);
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      flash(btn, ok ? "Copied" : "Press Ctrl+C");
    }
  });
  function select(el) {
    if (el.select) { el.select(); return; }
    var r = document.createRange();
    r.selectNodeContents(el);
    var s = window.getSelection();
    s.removeAllRanges();
    s.addRange(r);
  }
})();

// The navigation collapses behind a Menu button on narrow screens. Only with this script:
// without it the CSS leaves the navigation open at every width.
(function () {
  "use strict";
  var btn = document.querySelector(".nav-toggle");
  if (!btn) return;
  document.documentElement.classList.add("js-nav");
  btn.hidden = false;
  btn.addEventListener("click", function () {
    var open = btn.getAttribute("aria-expanded") !== "true";
    btn.setAttribute("aria-expanded", open ? "true" : "false");
    document.documentElement.classList.toggle("nav-open", open);
  });
})();

// Line forms (`form[data-lines]`: documents, and `data-lines="journal"` for journal entries):
// "Add line" adds a row in place, and the totals follow what is typed. The server recomputes
// every amount when the form is saved, and stays the authority on balance and rounding.
(function () {
  "use strict";
  function num(v, dflt) {
    v = (v || "").trim();
    if (v === "") return dflt;
    var n = Number(v);
    return isFinite(n) ? n : 0;
  }
  function round2(x) { return Math.sign(x) * Math.round(Math.abs(x) * 100) / 100; }
  function fmt(x, cur) {
    return x.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 }) + " " + cur;
  }
  // The currency code ends every formatted amount ("1,234.00 EUR").
  function currencyOf(el) {
    var parts = (el.textContent || "").trim().split(" ");
    return parts.length > 1 ? parts[parts.length - 1] : "";
  }
  function journalTotals(form) {
    var dr = form.querySelector("#jr-debits"), cr = form.querySelector("#jr-credits");
    if (!dr || !cr) return;
    var cur = dr.getAttribute("data-currency") || currencyOf(dr);
    dr.setAttribute("data-currency", cur);
    var d = 0, c = 0;
    form.querySelectorAll("tr[data-line]").forEach(function (row) {
      var v = function (p) { var el = row.querySelector("[name^='" + p + "_']"); return el ? num(el.value, 0) : 0; };
      d += round2(v("debit"));
      c += round2(v("credit"));
    });
    d = round2(d); c = round2(c);
    dr.textContent = fmt(d, cur);
    cr.textContent = fmt(c, cur);
    var diff = form.querySelector("#jr-diff");
    if (diff) {
      diff.textContent = d === c ? (d === 0 ? "" : "· balanced")
        : "· out of balance by " + fmt(Math.abs(round2(d - c)), cur);
    }
  }
  function totals(form) {
    if (form.getAttribute("data-lines") === "journal") return journalTotals(form);
    var out = form.querySelector("#doc-total");
    if (!out) return;
    var cur = form.querySelector("#doc-subtotal").getAttribute("data-currency") || "";
    var net = 0, tax = 0;
    form.querySelectorAll("tr[data-line]").forEach(function (row) {
      var f = function (p) { var el = row.querySelector("[name^='" + p + "_']"); return el ? el.value : ""; };
      var n = round2(num(f("quantity"), 1) * num(f("unit_price"), 0));
      if (f("unit_price").trim() === "") n = 0;
      net += n;
      tax += round2(n * num(f("tax_rate"), 0) / 100);
    });
    form.querySelector("#doc-subtotal").textContent = fmt(net, cur);
    form.querySelector("#doc-tax").textContent = fmt(tax, cur);
    out.textContent = fmt(net + tax, cur);
  }
  function addLine(form) {
    var body = form.querySelector("[data-line-rows]");
    var rows = body.querySelectorAll("tr[data-line]");
    var last = rows[rows.length - 1];
    var i = rows.length;
    var row = last.cloneNode(true);
    row.querySelectorAll("[id],[name],[for]").forEach(function (el) {
      ["id", "name", "for"].forEach(function (a) {
        var v = el.getAttribute(a);
        if (v) el.setAttribute(a, v.replace(/\d+$/, String(i)));
      });
      if (el.tagName === "LABEL") el.textContent = el.textContent.replace(/^Line \d+/, "Line " + (i + 1));
      if (el.tagName === "INPUT") el.value = "";
      if (el.tagName === "SELECT") el.selectedIndex = 0;
    });
    body.appendChild(row);
    form.querySelector("[data-line-count]").value = String(i + 1);
    var first = row.querySelector("input");
    if (first) first.focus();
  }
  // The journal form's Add line button needs this script; without it the spare rows serve.
  document.querySelectorAll("form[data-lines] [data-add-line][hidden]").forEach(function (b) {
    b.hidden = false;
  });
  document.addEventListener("input", function (ev) {
    var form = ev.target.closest("form[data-lines]");
    if (form) totals(form);
  });
  document.addEventListener("click", function (ev) {
    var btn = ev.target.closest("[data-add-line]");
    if (!btn) return;
    var form = btn.closest("form[data-lines]");
    if (!form) return;
    ev.preventDefault();
    addLine(form);
    totals(form);
  });
})();
