// The background card batch page (templates/cards/job.html): poll the job's JSON status, move
// the progress bar, and reload the page once the job is done or failed (the server renders the
// download link or the retry button). Without JavaScript the page refreshes itself.
(function () {
  "use strict";
  var box = document.getElementById("job");
  if (!box || ["queued", "running"].indexOf(box.dataset.state) < 0) return;
  var bar = document.getElementById("job-progress");
  var count = document.getElementById("job-count");
  var label = document.getElementById("job-label");
  function poll() {
    fetch(box.dataset.statusUrl, {credentials: "same-origin", cache: "no-store"})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (status) {
        if (!status) { setTimeout(poll, 3000); return; }
        bar.max = status.total;
        bar.value = status.done;
        count.textContent = status.done + "/" + status.total;
        label.textContent = status.label;
        if (status.state === "queued" || status.state === "running") setTimeout(poll, 1000);
        else window.location.reload();
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  setTimeout(poll, 500);
}());
