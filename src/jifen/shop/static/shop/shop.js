// The points supermarket's big screen: when a background refresh cannot reach the
// server, the screen keeps what it shows and says so quietly; the next refresh that
// gets through clears the note.
(function () {
  "use strict";
  var body = document.body;
  if (!body || !body.classList.contains("shop-screen")) {
    return;
  }
  function offline() {
    body.classList.add("offline");
  }
  body.addEventListener("htmx:sendError", offline);
  body.addEventListener("htmx:responseError", offline);
  body.addEventListener("htmx:timeout", offline);
  body.addEventListener("htmx:afterSwap", function () {
    body.classList.remove("offline");
  });
  // A request hanging on a dead network must not hold the next one back.
  if (window.htmx && window.htmx.config) {
    window.htmx.config.timeout = 15000;
  }
})();
