// Ask before irreversible steps: <form data-confirm="…">, or on the button pressed
// (<button data-confirm="…">) when one form has several.
document.addEventListener("submit", function (event) {
  var form = event.target;
  var button = event.submitter;
  var question = (button && button.getAttribute && button.getAttribute("data-confirm")) ||
    (form.getAttribute && form.getAttribute("data-confirm"));
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
}, true);

// One press, one request: once a posted form is really on its way (not cancelled at the
// question above, not taken over by htmx), its buttons are disabled so a second tap
// cannot send it again. Disabled a moment later, so the pressed button's own
// name=value still goes with the form.
document.addEventListener("submit", function (event) {
  var form = event.target;
  // Only what changes something: a search or a download leaves the page where it is.
  if (event.defaultPrevented || !form.querySelectorAll ||
      (form.getAttribute("method") || "get").toLowerCase() !== "post") {
    return;
  }
  window.setTimeout(function () {
    var buttons = form.querySelectorAll("button[type=submit], button:not([type]), input[type=submit]");
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].disabled = true;
      buttons[i].setAttribute("data-sent", "");
    }
  }, 0);
});

// Coming back with the browser's Back button shows the page as it was left: give the
// buttons back.
window.addEventListener("pageshow", function () {
  var buttons = document.querySelectorAll("[data-sent]");
  for (var i = 0; i < buttons.length; i++) {
    buttons[i].disabled = false;
    buttons[i].removeAttribute("data-sent");
  }
});

// Choosing from <select data-autosubmit> shows the choice at once.
document.addEventListener("change", function (event) {
  var field = event.target;
  if (field.hasAttribute && field.hasAttribute("data-autosubmit") && field.form) {
    field.form.submit();
  }
});

// <input type="checkbox" data-check-all> ticks every other box named alike in its form.
document.addEventListener("change", function (event) {
  var box = event.target;
  if (!box.hasAttribute || !box.hasAttribute("data-check-all") || !box.form) {
    return;
  }
  var boxes = box.form.querySelectorAll("input[type=checkbox][name]");
  for (var i = 0; i < boxes.length; i++) {
    boxes[i].checked = box.checked;
  }
});

// Photos chosen for a claim or an incident are shown before they are sent, so a person
// sees they picked the right ones. Read as data: URLs (FileReader): the
// Content-Security-Policy allows img-src 'self' data:, not blob:.
document.addEventListener("change", function (event) {
  var input = event.target;
  if (!input.hasAttribute || !input.hasAttribute("data-photo-input") || !input.form) {
    return;
  }
  var preview = input.form.querySelector("[data-photo-preview]");
  if (!preview || !window.FileReader) {
    return;
  }
  preview.textContent = "";
  var inputs = input.form.querySelectorAll("input[data-photo-input]");
  for (var i = 0; i < inputs.length; i++) {
    for (var j = 0; j < inputs[i].files.length; j++) {
      var item = document.createElement("li");
      var image = document.createElement("img");
      image.alt = inputs[i].files[j].name;
      item.appendChild(image);
      preview.appendChild(item);
      var reader = new FileReader();
      reader.onload = (function (target) {
        return function (loaded) { target.src = loaded.target.result; };
      })(image);
      reader.readAsDataURL(inputs[i].files[j]);
    }
  }
});

// Widths given as data-width="42" (per cent), such as the bars of the liability chart:
// the Content-Security-Policy refuses style="" in the page, not a style set by a script.
function applyWidths(root) {
  if (!root.querySelectorAll) { return; }
  root.querySelectorAll("[data-width]").forEach(function (element) {
    element.style.width = element.getAttribute("data-width") + "%";
  });
}
document.addEventListener("DOMContentLoaded", function () { applyWidths(document); });
document.addEventListener("htmx:load", function (event) { applyWidths(event.target); });

// A counter under each length-limited text field, driven by its maxlength: "12 / 50",
// amber near the limit and red at it, so a person sees the room left before the server
// has to refuse. Short fields (a phone number, a code) and password fields get none.
var COUNTED_MIN = 20; // maxlength below this: the field is a code or a number, not prose
var COUNTED_TYPES = { text: true, email: true, url: true, search: false };
function countedField(field) {
  var limit = parseInt(field.getAttribute("maxlength"), 10);
  if (!(limit >= COUNTED_MIN) || field.hasAttribute("data-no-count")) { return 0; }
  if (field.tagName === "TEXTAREA") { return limit; }
  if (field.tagName !== "INPUT") { return 0; }
  return COUNTED_TYPES[(field.getAttribute("type") || "text").toLowerCase()] ? limit : 0;
}
function showCount(field) {
  var limit = countedField(field);
  var counter = field.jifenCounter;
  if (!limit || !counter) { return; }
  var used = Array.from(field.value).length; // characters as the server counts them
  counter.textContent = used + " / " + limit;
  counter.classList.toggle("near", used >= limit * 0.9 && used < limit);
  counter.classList.toggle("full", used >= limit);
}
function addCounters(root) {
  if (!root.querySelectorAll) { return; }
  root.querySelectorAll("input[maxlength], textarea[maxlength]").forEach(function (field) {
    if (field.jifenCounter || !countedField(field)) { return; }
    var counter = document.createElement("span");
    counter.className = "char-count";
    counter.id = (field.id || field.name || "field") + "-count";
    counter.setAttribute("data-char-count", "");
    field.insertAdjacentElement("afterend", counter);
    var described = field.getAttribute("aria-describedby");
    field.setAttribute("aria-describedby", (described ? described + " " : "") + counter.id);
    field.jifenCounter = counter;
    showCount(field);
  });
}
document.addEventListener("input", function (event) { showCount(event.target); });
document.addEventListener("DOMContentLoaded", function () { addCounters(document); });
document.addEventListener("htmx:load", function (event) { addCounters(event.target); });

// A file chosen through a labelled button (<input type=file data-file-input> hidden in its
// label, e.g. the proof on /verify/): its name is shown beside it in the page's language,
// instead of the browser's own "No file chosen". Without this script the name stays hidden.
function showFileName(input) {
  var row = input.closest(".file-field") || input.parentNode;
  var name = row && row.querySelector("[data-file-name]");
  if (!name) { return; }
  name.hidden = false;
  name.textContent = input.files && input.files.length ? input.files[0].name : name.getAttribute("data-empty");
  name.classList.toggle("chosen", !!(input.files && input.files.length));
}
document.addEventListener("change", function (event) {
  if (event.target.hasAttribute && event.target.hasAttribute("data-file-input")) {
    showFileName(event.target);
  }
});
document.addEventListener("DOMContentLoaded", function () {
  // Back to the page, a browser may keep the file it had: name it.
  document.querySelectorAll("input[data-file-input]").forEach(showFileName);
});
