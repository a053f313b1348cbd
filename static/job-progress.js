// Progress bars of document jobs: poll the job's API address and move the bar; when the
// job ends, reload the page so it shows the download link (or the error and Retry).
// Without JavaScript the page has a "Refresh" link instead.
(function () {
  "use strict";
  var POLL_MS = 1000;

  function watch(item) {
    var url = item.getAttribute("data-job-url");
    var bar = item.querySelector("progress");
    var text = item.querySelector("[data-job-text]");
    var status = item.querySelector("[data-job-status]");
    var refresh = item.querySelector("[data-job-refresh]");
    if (refresh) { refresh.hidden = true; }

    function tick() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) { throw new Error("HTTP " + response.status); }
          return response.json();
        })
        .then(function (job) {
          if (bar && job.progress_total > 0) {
            bar.max = job.progress_total;
            bar.value = job.progress_done;
            bar.textContent = Math.round(100 * job.progress_done / job.progress_total) + " %";
          }
          if (text && job.progress_total > 0) {
            text.textContent = job.progress_done + " of " + job.progress_total + " steps";
          }
          if (status) { status.textContent = job.status_text; }
          if (job.status === "done" || job.status === "failed") {
            window.location.reload();
            return;
          }
          window.setTimeout(tick, POLL_MS);
        })
        .catch(function () {
          // Show the manual link again and keep trying, more slowly.
          if (refresh) { refresh.hidden = false; }
          window.setTimeout(tick, POLL_MS * 5);
        });
    }
    window.setTimeout(tick, POLL_MS / 2);
  }

  function start() {
    var items = document.querySelectorAll("[data-job-url]");
    for (var i = 0; i < items.length; i++) { watch(items[i]); }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
