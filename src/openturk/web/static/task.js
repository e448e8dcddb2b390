// The worker's task page: when the task's frame says the work was submitted (static/submitted.js, on the
// page /mturk/externalSubmit answers with), go to the assignment's page, which then shows "My assignments".
// Only messages from this page's own task frame count; whatever they say, the server decides what the
// assignment's page shows (the task again while it is not submitted).
(function () {
  "use strict";
  var frame = document.getElementById("task-frame");
  if (!frame || !frame.getAttribute("data-done-url")) { return; }
  window.addEventListener("message", function (event) {
    if (event.source !== frame.contentWindow) { return; }
    var data = event.data;
    if (data && typeof data === "object" && data.openturk === "submitted") {
      window.location.assign(frame.getAttribute("data-done-url"));
    }
  });
}());
