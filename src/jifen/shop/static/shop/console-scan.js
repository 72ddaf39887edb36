// The shop's scanner (counter, ordering for a resident, a merchant taking points): the
// camera (web's scanner.js, loaded before this file) reads a QR code and sends what it
// read through the page's own form, as if typed. Without a camera (plain HTTP allows none,
// some browsers have no detector) the code is typed, or a handheld scanner types it and
// presses Enter. <… data-shop-scanner data-accept="JFO:,JF1:"> holds a
// <form data-scan-form> with <input data-scan-input>.
(function () {
  "use strict";

  function setUp(scanner) {
    var form = scanner.querySelector("[data-scan-form]");
    var input = form && form.querySelector("[data-scan-input]");
    if (!input) {
      return;
    }
    var accept = (scanner.getAttribute("data-accept") || "JFO:,JF1:").split(",");

    // After an htmx answer the field is emptied and ready for the next code; after a
    // hand-over in the answer's panel, the field has the focus again too.
    document.body.addEventListener("htmx:afterRequest", function (event) {
      if (event.detail.elt === form) {
        input.value = "";
      }
      if (event.detail.elt === form || (event.detail.target && form.getAttribute("hx-target") &&
          event.detail.target.matches(form.getAttribute("hx-target")))) {
        input.focus();
      }
    });

    if (!window.jifenScanner) {
      return;
    }
    window.jifenScanner.attach({
      start: scanner.querySelector("[data-start-camera]"),
      camera: scanner.querySelector("[data-camera]"),
      video: scanner.querySelector("[data-video]"),
      status: scanner.querySelector("[data-camera-status]"),
      repeatMs: 5000,
      accept: function (raw) {
        for (var i = 0; i < accept.length; i++) {
          if (raw.indexOf(accept[i]) === 0) {
            return true;
          }
        }
        return false;
      },
      onCode: function (raw) {
        input.value = raw;
        window.jifenScanner.submit(form);
      }
    });
  }

  var scanners = document.querySelectorAll("[data-shop-scanner]");
  for (var s = 0; s < scanners.length; s++) {
    setUp(scanners[s]);
  }
})();
