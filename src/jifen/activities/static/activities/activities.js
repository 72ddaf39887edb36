// Activities: the QR screen's countdown, the check-in device id, the card scanner.
(function () {
  "use strict";

  // <input data-device> carries a random id of this browser, kept in its storage, so the
  // reviewers' flags can notice one phone checking in many people.
  function deviceId() {
    var key = "jifen-device";
    try {
      var id = window.localStorage.getItem(key);
      if (!id) {
        var bytes = new Uint8Array(8);
        window.crypto.getRandomValues(bytes);
        id = Array.prototype.map.call(bytes, function (b) {
          return ("0" + b.toString(16)).slice(-2);
        }).join("");
        window.localStorage.setItem(key, id);
      }
      return id;
    } catch (e) {
      return "";
    }
  }
  var inputs = document.querySelectorAll("input[data-device]");
  for (var i = 0; i < inputs.length; i++) {
    inputs[i].value = deviceId();
  }

  // <span data-countdown>27</span> counts down to 0; htmx brings a fresh one with each code.
  window.setInterval(function () {
    var spans = document.querySelectorAll("[data-countdown]");
    for (var j = 0; j < spans.length; j++) {
      var left = parseInt(spans[j].textContent, 10);
      if (left > 0) {
        spans[j].textContent = String(left - 1);
      }
    }
  }, 1000);

  // The QR screen fills the whole display on request (a button: browsers allow it only
  // after a person's gesture).
  var full = document.querySelector("[data-fullscreen]");
  if (full && document.documentElement.requestFullscreen) {
    full.addEventListener("click", function () {
      if (document.fullscreenElement) {
        document.exitFullscreen();
      } else {
        document.documentElement.requestFullscreen();
      }
    });
  } else if (full) {
    full.hidden = true;
  }

  // The card scanner: the phone's camera reads the card's QR code with the browser's
  // BarcodeDetector (Chromium on Android, ChromeOS, macOS); elsewhere, or without a
  // camera (plain HTTP allows none), the code is typed or comes from a handheld scanner,
  // which types it into the same field.
  var scanner = document.querySelector("[data-scanner]");
  if (!scanner) {
    return;
  }
  var form = scanner.querySelector("[data-scan-form]");
  var codeInput = form.querySelector("input[name=code]");
  var modeInput = form.querySelector("input[name=mode]");
  var modes = scanner.querySelectorAll("[data-mode]");
  for (var k = 0; k < modes.length; k++) {
    modes[k].addEventListener("change", function (event) {
      modeInput.value = event.target.value;
    });
  }
  // After each answer the field is emptied and ready for the next card.
  document.body.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail.elt === form) {
      codeInput.value = "";
      codeInput.focus();
    }
  });

  var start = scanner.querySelector("[data-start-camera]");
  var canUseCamera = "BarcodeDetector" in window && navigator.mediaDevices &&
    navigator.mediaDevices.getUserMedia && window.isSecureContext;
  if (!canUseCamera) {
    start.hidden = true;
    return;
  }
  var camera = scanner.querySelector("[data-camera]");
  var video = scanner.querySelector("[data-video]");
  var status = scanner.querySelector("[data-camera-status]");
  var last = "";
  var lastAt = 0;

  function send(code) {
    var now = Date.now();
    // A card held in front of the camera is read many times a second: once is enough.
    if (code === last && now - lastAt < 5000) {
      return;
    }
    last = code;
    lastAt = now;
    codeInput.value = code;
    if (navigator.vibrate) {
      navigator.vibrate(80);
    }
    form.requestSubmit();
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
              if (codes[n].rawValue.indexOf("JF1:") === 0) {
                send(codes[n].rawValue);
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
})();
