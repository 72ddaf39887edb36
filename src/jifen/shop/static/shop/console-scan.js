// The shop's scanner (counter, ordering for a resident, a merchant taking points): the
// camera reads a QR code with the browser's BarcodeDetector and sends what it read
// through the page's own form, as if typed. Without a camera (plain HTTP allows none,
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

    var start = scanner.querySelector("[data-start-camera]");
    var canUseCamera = "BarcodeDetector" in window && navigator.mediaDevices &&
      navigator.mediaDevices.getUserMedia && window.isSecureContext;
    if (!start || !canUseCamera) {
      return;
    }
    start.hidden = false;
    var camera = scanner.querySelector("[data-camera]");
    var video = scanner.querySelector("[data-video]");
    var status = scanner.querySelector("[data-camera-status]");
    var last = "";
    var lastAt = 0;

    function wanted(text) {
      for (var i = 0; i < accept.length; i++) {
        if (text.indexOf(accept[i]) === 0) {
          return true;
        }
      }
      return false;
    }

    function send(code) {
      var now = Date.now();
      // A code held in front of the camera is read many times a second: once is enough.
      if (code === last && now - lastAt < 5000) {
        return;
      }
      last = code;
      lastAt = now;
      input.value = code;
      if (navigator.vibrate) {
        navigator.vibrate(80);
      }
      if (form.requestSubmit) {
        form.requestSubmit();
      } else {
        form.submit();
      }
    }

    start.addEventListener("click", function () {
      var detector;
      try {
        detector = new window.BarcodeDetector({ formats: ["qr_code"] });
      } catch (e) {
        start.hidden = true;
        return;
      }
      navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
        .then(function (stream) {
          video.srcObject = stream;
          camera.hidden = false;
          start.hidden = true;
          return video.play();
        })
        .then(function () {
          status.textContent = status.getAttribute("data-ready") || "";
          var busy = false;
          window.setInterval(function () {
            if (busy || video.readyState < 2) {
              return;
            }
            busy = true;
            detector.detect(video).then(function (codes) {
              busy = false;
              for (var n = 0; n < codes.length; n++) {
                if (wanted(codes[n].rawValue)) {
                  send(codes[n].rawValue);
                  return;
                }
              }
            }, function () {
              busy = false;
            });
          }, 250);
        })
        .catch(function () {
          start.hidden = true;
          camera.hidden = true;
        });
    });
  }

  var scanners = document.querySelectorAll("[data-shop-scanner]");
  for (var s = 0; s < scanners.length; s++) {
    setUp(scanners[s]);
  }
})();
