/* newsbridge digest: search on the index, aligned-segment highlight on article pages.
   Plain script, no framework, nothing fetched: works from file://. */
(function () {
  "use strict";

  // Case-insensitive, both alphabets; typographic apostrophes match the plain one.
  function norm(s) {
    return s.normalize("NFC").toLowerCase().replace(/[\u2019\u02bc`]/g, "'").replace(/\s+/g, " ").trim();
  }

  var form = document.getElementById("search");
  if (form) {
    var input = document.getElementById("q");
    var count = document.getElementById("count");
    var none = document.getElementById("no-match");
    var entries = Array.prototype.slice.call(document.querySelectorAll(".entry"));
    // Only titles and summaries are searched (the elements marked data-search).
    var haystacks = entries.map(function (li) {
      return norm(Array.prototype.map.call(li.querySelectorAll("[data-search]"), function (el) {
        return el.textContent;
      }).join(" \n "));
    });
    var filter = function () {
      var words = norm(input.value).split(" ").filter(Boolean);
      var shown = 0;
      entries.forEach(function (li, i) {
        var hit = words.every(function (w) { return haystacks[i].indexOf(w) !== -1; });
        li.hidden = !hit;
        if (hit) { shown += 1; }
      });
      count.textContent = shown + " / " + entries.length;
      if (none) { none.hidden = shown !== 0; }
    };
    form.hidden = false;
    input.addEventListener("input", filter);
    form.addEventListener("submit", function (e) { e.preventDefault(); });
    // Coming back from an article page, the browser may restore the typed text.
    window.addEventListener("pageshow", filter);
    filter();
  }

  // Pointing at a sentence highlights the same sentence in the other column(s).
  function mark(e, on) {
    var seg = e.target.closest ? e.target.closest(".seg[data-seg]") : null;
    var row = seg && seg.closest(".row, h1, h2");
    if (!row) { return; }
    row.querySelectorAll('.seg[data-seg="' + seg.getAttribute("data-seg") + '"]').forEach(function (el) {
      el.classList.toggle("hl", on);
    });
  }
  document.addEventListener("mouseover", function (e) { mark(e, true); });
  document.addEventListener("mouseout", function (e) { mark(e, false); });
})();
