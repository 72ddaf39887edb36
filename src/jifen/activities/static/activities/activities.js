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

  // The card scanner: the phone's camera reads the card's QR code; elsewhere, or without
  // a camera, the code is typed or comes from a handheld scanner, which types it into the
  // same field.
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

  // The camera (web's scanner.js, loaded before this file) reads cards' codes only.
  if (!window.jifenScanner) {
    scanner.querySelector("[data-start-camera]").hidden = true;
    return;
  }
  window.jifenScanner.attach({
    start: scanner.querySelector("[data-start-camera]"),
    camera: scanner.querySelector("[data-camera]"),
    video: scanner.querySelector("[data-video]"),
    status: scanner.querySelector("[data-camera-status]"),
    repeatMs: 5000,
    everyCode: true,
    accept: function (raw) {
      return raw.indexOf("JF1:") === 0;
    },
    onCode: function (raw) {
      codeInput.value = raw;
      window.jifenScanner.submit(form);
    }
  });
})();
