// The test page's countdown: counts down the seconds the server said were left when the page was made.
// The server decides; this only shows the time. Without JavaScript the page shows the deadline instead.
(function () {
  "use strict";
  var box = document.querySelector("[data-remaining-seconds]");
  if (!box) { return; }
  var remaining = parseInt(box.getAttribute("data-remaining-seconds"), 10);
  if (isNaN(remaining)) { return; }
  var end = Date.now() + remaining * 1000;
  var live = box.querySelector(".countdown-live");
  var clock = box.querySelector("[data-countdown]");
  var announce = box.querySelector("[data-countdown-announce]");
  var up = box.querySelector(".time-up");
  var announced = {};
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function show(seconds) {
    var h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
    return (h ? h + ":" + pad(m) : String(m)) + ":" + pad(s);
  }
  function say(key, text) {
    if (!announced[key]) { announced[key] = true; announce.textContent = text; }
  }
  var timer = null;
  function tick() {
    var left = Math.max(0, Math.ceil((end - Date.now()) / 1000));
    clock.textContent = show(left);
    if (left <= 60 && left > 0) { say("minute", "One minute left."); box.classList.add("deadline-near"); }
    else if (left <= 300 && left > 60) { say("five", "Five minutes left."); }
    if (left <= 0) {
      live.hidden = true;
      up.hidden = false;
      up.setAttribute("role", "alert");
      box.classList.add("deadline-passed");
      if (timer !== null) { clearInterval(timer); }
    }
  }
  live.hidden = false;
  tick();
  timer = setInterval(tick, 1000);
}());
