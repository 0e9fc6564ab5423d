/* Registry import result page: poll the job's status, move the progress bar, reload when the job has finished. */
(function () {
  "use strict";
  var box = document.getElementById("gems-job");
  if (!box || box.getAttribute("data-finished") === "true") { return; }
  var url = box.getAttribute("data-status-url");
  var bar = document.getElementById("gems-job-bar");
  var phase = document.getElementById("gems-job-phase");
  var count = document.getElementById("gems-job-count");
  var delay = 1000;

  function show(status) {
    bar.style.width = status.percent + "%";
    bar.setAttribute("aria-valuenow", status.percent);
    bar.textContent = status.percent + "%";
    phase.textContent = status.phase_label;
    count.textContent = status.total ? status.processed + " / " + status.total : "";
  }

  function poll() {
    var request = new XMLHttpRequest();
    request.open("GET", url);
    request.setRequestHeader("Accept", "application/json");
    request.onload = function () {
      if (request.status !== 200) { delay = Math.min(delay * 2, 10000); window.setTimeout(poll, delay); return; }
      var status = JSON.parse(request.responseText);
      show(status);
      if (status.finished) { window.location.reload(); return; }
      window.setTimeout(poll, delay);
    };
    request.onerror = function () { delay = Math.min(delay * 2, 10000); window.setTimeout(poll, delay); };
    request.send();
  }

  window.setTimeout(poll, delay);
}());
