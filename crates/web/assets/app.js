// NewLedger's only script: copy buttons. Pages work without it; it adds convenience.
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
