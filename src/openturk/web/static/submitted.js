// The page POST /mturk/externalSubmit answers with, shown inside the task's frame: it tells openturk's task
// page around it (static/task.js) that the work was submitted, which then takes the worker to their
// assignments. The frame may be sandboxed (an HTMLQuestion), so the message goes to openturk's origin by
// name: a sandboxed document's own origin is opaque.
(function () {
  "use strict";
  var main = document.querySelector("[data-submitted-assignment-id]");
  if (!main || window.parent === window) { return; }
  var origin = window.location.protocol + "//" + window.location.host;
  window.parent.postMessage({openturk: "submitted",
                             assignmentId: main.getAttribute("data-submitted-assignment-id")}, origin);
}());
