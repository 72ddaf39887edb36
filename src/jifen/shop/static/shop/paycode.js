// The pay code page (付款码): counts down the seconds the code shown is still valid, and
// when it runs out asks htmx for a new one (the page also asks every 100 s by itself).
(function () {
  "use strict";
  var fired = false;
  function tick() {
    var clock = document.querySelector("[data-expires]");
    if (!clock) {
      return;
    }
    var left = Math.round((parseInt(clock.getAttribute("data-expires"), 10) - Date.now()) / 1000);
    if (left > 0) {
      fired = false;
      var minutes = Math.floor(left / 60);
      var seconds = left % 60;
      clock.textContent = minutes + ":" + (seconds < 10 ? "0" : "") + seconds;
      clock.classList.toggle("soon", left <= 20);
    } else if (!fired) {
      fired = true;
      clock.textContent = clock.getAttribute("data-expired-text");
      document.body.dispatchEvent(new CustomEvent("paycode:expired"));
    }
  }
  tick();
  window.setInterval(tick, 1000);
})();
