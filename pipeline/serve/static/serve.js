/* newsbridge serve: a job page follows its job (long-polling the JSON API) and shows the
   result when it is there; article pages open their warnings. Nothing fetched elsewhere. */
(function () {
  "use strict";
  document.querySelectorAll("details.warnings").forEach(function (d) { d.open = true; });
  document.querySelectorAll("form.delete-form").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm("Delete this article and its result? · Видалити цю статтю та її результат?")) { event.preventDefault(); }
    });
  });

  var job = document.getElementById("job");
  if (!job) { return; }
  var id = job.getAttribute("data-id");
  var status = job.getAttribute("data-status");
  if (status === "done" || status === "failed") { return; }

  function show(state) {
    var done = state.progress ? state.progress.done : 0;
    var names = state.progress ? state.progress.stages : [];
    document.querySelectorAll("#stages .stage").forEach(function (li) {
      var i = names.indexOf(li.getAttribute("data-stage"));
      li.className = "stage " + (i < done ? "stage-done" : (i === done && state.status === "running" ? "stage-current" : "stage-pending"));
    });
  }

  function poll(delay) {
    setTimeout(function () {
      fetch("/api/articles/" + encodeURIComponent(id) + "?wait=10", { credentials: "same-origin", cache: "no-store" })
        .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.json(); })
        .then(function (state) {
          if (state.status !== status && (state.status === "done" || state.status === "failed")) {
            window.location.reload();
            return;
          }
          show(state);
          poll(0);
        })
        .catch(function () { poll(3000); });
    }, delay);
  }
  poll(0);
})();
