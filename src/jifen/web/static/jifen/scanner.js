// The camera scanner shared by the pages that read QR codes (the organiser's card scan,
// the shop's counter, ordering for a resident, a merchant taking points): the phone's
// camera reads the code with the browser's BarcodeDetector (Chromium on Android,
// ChromeOS, macOS); elsewhere, or without a camera (plain HTTP allows none), the button
// that starts it stays hidden and the code is typed, or a handheld scanner types it.
//
//   window.jifenScanner.attach({
//     start: <button data-start-camera>, camera: <div data-camera hidden>,
//     video: <video>, status: <p data-ready="…"> (optional),
//     accept: function (raw) { return true for a code the page wants; },
//     onCode: function (raw) { put it in the form and send it; },
//     repeatMs: 5000,   // the same code again within this time is ignored
//     everyCode: false  // true: every wanted code of one frame; false: the first only
//   });
//
// Returns true when the camera can be offered here, false when the button was hidden.
(function () {
  "use strict";

  function canUseCamera() {
    return !!("BarcodeDetector" in window && navigator.mediaDevices &&
      navigator.mediaDevices.getUserMedia && window.isSecureContext);
  }

  // Sends the form as a person pressing its button would (htmx and the browser's checks
  // see it); the few browsers without requestSubmit post it plainly.
  function submit(form) {
    if (form.requestSubmit) {
      form.requestSubmit();
    } else {
      form.submit();
    }
  }

  function attach(options) {
    var start = options.start;
    var camera = options.camera;
    var video = options.video;
    var status = options.status;
    var accept = options.accept || function () { return true; };
    var repeatMs = options.repeatMs === undefined ? 5000 : options.repeatMs;
    if (!start) {
      return false;
    }
    if (!canUseCamera() || !camera || !video) {
      start.hidden = true;
      return false;
    }
    start.hidden = false;
    var last = "";
    var lastAt = 0;

    function read(code) {
      var now = Date.now();
      // A code held in front of the camera is read many times a second: once is enough.
      if (code === last && now - lastAt < repeatMs) {
        return;
      }
      last = code;
      lastAt = now;
      if (navigator.vibrate) {
        navigator.vibrate(80);
      }
      options.onCode(code);
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
          if (status) {
            status.textContent = status.getAttribute("data-ready") || "";
          }
          var busy = false;
          window.setInterval(function () {
            if (busy || video.readyState < 2) {
              return;
            }
            busy = true;
            detector.detect(video).then(function (codes) {
              busy = false;
              for (var n = 0; n < codes.length; n++) {
                if (accept(codes[n].rawValue)) {
                  read(codes[n].rawValue);
                  if (!options.everyCode) {
                    return;
                  }
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
    return true;
  }

  window.jifenScanner = { attach: attach, submit: submit, canUseCamera: canUseCamera };
})();
