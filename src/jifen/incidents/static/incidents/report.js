// Reporting an incident from a phone in the street (上报 / 我要反映).
//
// Offline: in a basement or a village lane the signal drops. A report composed without
// network is kept on the phone (localStorage) with its own key (client_key) and sent by
// itself when the network returns (the `online` event, and on every load of these pages);
// the server answers the same incident for the same key, so a report is never lost and
// never made twice. A report sent online is kept too until the page it leads to says it
// arrived (data-sent-key), in case the network dropped while it was on its way.
// Photos need the network: a report kept offline is sent with its words only.
//
// Location: "use my location" asks the phone (navigator.geolocation) for a map point; no
// map is loaded (no tiles on an intranet). Found or cleared, the possible duplicates are
// asked for again (htmx, on the jifen:located event).
(function () {
  "use strict";

  var STORE = "jifen.incidents.queue";
  var KEEP_SENT_MS = 7 * 24 * 3600 * 1000;
  var sending = false;

  function load() {
    try {
      var items = JSON.parse(window.localStorage.getItem(STORE) || "[]");
      return Array.isArray(items) ? items : [];
    } catch (e) {
      return [];
    }
  }

  function save(items) {
    var now = Date.now();
    items = items.filter(function (item) {
      return item.state !== "sent" || now - (item.sentAt || 0) < KEEP_SENT_MS;
    });
    window.localStorage.setItem(STORE, JSON.stringify(items));
  }

  function update(key, change) {
    var items = load();
    items.forEach(function (item) {
      if (item.key === key) {
        Object.keys(change).forEach(function (name) { item[name] = change[name]; });
      }
    });
    save(items);
  }

  function remove(key) {
    save(load().filter(function (item) { return item.key !== key; }));
  }

  function newKey() {
    if (window.crypto && window.crypto.randomUUID) {
      return window.crypto.randomUUID();
    }
    // Outside a secure context (plain http on an intranet) randomUUID is missing.
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) {
      return (b + 0x100).toString(16).slice(1);
    }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" +
      hex.slice(16, 20) + "-" + hex.slice(20);
  }

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (input) { return input.value; }
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (e) {
      return "";
    }
  }

  function words() {
    var holder = document.querySelector("[data-queue-words]");
    var say = function (name) { return holder ? holder.getAttribute("data-" + name) : name; };
    return say;
  }

  // --- The list of reports kept on the phone ---------------------------------------------

  function render() {
    var say = words();
    var items = load();
    document.querySelectorAll("[data-offline-queue]").forEach(function (section) {
      var list = section.querySelector("[data-queue-list]");
      list.textContent = "";
      items.forEach(function (item) {
        var row = document.createElement("li");
        row.className = "queue-item queue-" + item.state;
        row.setAttribute("data-queue-key", item.key);
        var head = document.createElement("span");
        var name = document.createElement("strong");
        name.textContent = item.fields.category_name || item.fields.category;
        head.appendChild(name);
        head.appendChild(document.createTextNode(" · " + (item.fields.place_name || "")));
        row.appendChild(head);
        var text = document.createElement("span");
        text.className = "queue-text";
        text.textContent = item.fields.description;
        row.appendChild(text);
        var state = document.createElement("span");
        var badge = document.createElement("span");
        badge.className = "badge queue-" + item.state;
        badge.setAttribute("data-queue-state", item.state);
        badge.textContent = say(item.state);
        state.appendChild(badge);
        if (item.state === "sent" && item.url) {
          var link = document.createElement("a");
          link.href = item.url;
          link.textContent = " " + say("open") + " →";
          state.appendChild(link);
        }
        row.appendChild(state);
        (item.errors || []).forEach(function (message) {
          var error = document.createElement("p");
          error.className = "error";
          error.textContent = message;
          row.appendChild(error);
        });
        if (item.state === "pending" || item.state === "failed") {
          var drop = document.createElement("button");
          drop.type = "button";
          drop.className = "link";
          drop.textContent = say("remove");
          drop.addEventListener("click", function () {
            if (window.confirm(say("remove-ask"))) {
              remove(item.key);
              render();
            }
          });
          row.appendChild(drop);
        }
        list.appendChild(row);
      });
      section.hidden = items.length === 0;
    });
  }

  // --- Sending what is kept ----------------------------------------------------------------

  function sendOne(item) {
    var body = new FormData();
    body.append("csrfmiddlewaretoken", csrfToken());
    body.append("client_key", item.key);
    ["category", "place", "description", "address", "lat", "lng"].forEach(function (name) {
      body.append(name, item.fields[name] || "");
    });
    update(item.key, { state: "sending" });
    render();
    return fetch(item.action, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-Jifen-Offline": "1", "X-CSRFToken": csrfToken() }
    }).then(function (response) {
      var json = (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
      if (!json) {
        // Logged out, or the session's token changed: keep it for later.
        update(item.key, { state: "pending", errors: [words()("login")] });
        return false;
      }
      return response.json().then(function (answer) {
        if (answer.ok) {
          update(item.key, { state: "sent", url: answer.url, sentAt: Date.now(), errors: [] });
        } else {
          update(item.key, { state: "failed", errors: answer.errors || [] });
        }
        return true;
      });
    }, function () {
      update(item.key, { state: "pending" }); // the network dropped again
      return false;
    });
  }

  function flush() {
    if (sending || !navigator.onLine) { return; }
    var waiting = load().filter(function (item) {
      return item.state === "pending" || item.state === "sending";
    });
    if (!waiting.length) { return; }
    sending = true;
    var next = function (index) {
      if (index >= waiting.length) {
        sending = false;
        render();
        return;
      }
      sendOne(waiting[index]).then(function (goOn) {
        render();
        if (goOn) {
          next(index + 1);
        } else {
          sending = false;
        }
      });
    };
    next(0);
  }

  // --- The form ------------------------------------------------------------------------------

  function selectedText(select) {
    var option = select && select.options[select.selectedIndex];
    return option && option.value ? option.textContent : "";
  }

  function keep(form, viaForm) {
    var field = function (name) {
      var input = form.elements[name];
      return input ? input.value : "";
    };
    var items = load().filter(function (item) { return item.key !== field("client_key"); });
    items.push({
      key: field("client_key"),
      action: window.location.pathname,
      state: "pending",
      viaForm: viaForm,
      at: Date.now(),
      fields: {
        category: field("category"),
        category_name: selectedText(form.elements.category),
        place: field("place"),
        place_name: selectedText(form.elements.place),
        description: field("description"),
        address: field("address"),
        lat: field("lat"),
        lng: field("lng")
      }
    });
    save(items);
  }

  function showNetwork(form) {
    var note = form.querySelector("[data-offline-note]");
    if (note) { note.hidden = navigator.onLine; }
  }

  function located(text) {
    var box = document.querySelector("[data-located]");
    if (!box) { return; }
    box.hidden = !text;
    box.querySelector("[data-located-text]").textContent = text || "";
    document.body.dispatchEvent(new CustomEvent("jifen:located", { bubbles: true }));
  }

  function setUpLocation(form) {
    var area = form.querySelector("[data-locate]");
    if (!area || !navigator.geolocation) { return; }
    area.hidden = false;
    var help = area.querySelector("[data-locate-words]");
    var button = area.querySelector("[data-locate-button]");
    var lat = form.elements.lat;
    var lng = form.elements.lng;
    if (lat.value && lng.value) {
      box(help.getAttribute("data-found") + " " + lat.value + ", " + lng.value);
    }
    function box(text) {
      var shown = document.querySelector("[data-located]");
      shown.hidden = false;
      shown.querySelector("[data-located-text]").textContent = text;
    }
    button.addEventListener("click", function () {
      button.disabled = true;
      help.textContent = help.getAttribute("data-asking");
      navigator.geolocation.getCurrentPosition(function (position) {
        button.disabled = false;
        lat.value = position.coords.latitude.toFixed(6);
        lng.value = position.coords.longitude.toFixed(6);
        var metres = Math.round(position.coords.accuracy || 0);
        help.textContent = "";
        located(help.getAttribute("data-found") + " " + lat.value + ", " + lng.value +
          (metres ? " (" + help.getAttribute("data-metres").replace("{n}", metres) + ")" : ""));
      }, function () {
        button.disabled = false;
        help.textContent = help.getAttribute("data-failed");
      }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
    });
    area.querySelector("[data-locate-clear]").addEventListener("click", function () {
      lat.value = "";
      lng.value = "";
      located("");
    });
  }

  function setUpForm(form) {
    var key = form.elements.client_key;
    if (key.value) {
      // The server answered with the form itself (something to correct): the report
      // arrived and was refused, so the copy kept on its way out is not sent again.
      var kept = load().filter(function (item) { return item.key === key.value && item.viaForm; });
      if (kept.length) { remove(key.value); }
    } else {
      key.value = newKey();
    }
    showNetwork(form);
    window.addEventListener("offline", function () { showNetwork(form); });
    window.addEventListener("online", function () { showNetwork(form); });
    setUpLocation(form);
    // Back to this page from the incident's (the browser's cache): it may be sent again.
    window.addEventListener("pageshow", function () { form.removeAttribute("data-sending"); });
    form.addEventListener("submit", function (event) {
      if (event.defaultPrevented) { return; } // not confirmed
      if (navigator.onLine) {
        if (form.hasAttribute("data-sending")) {
          // A second tap while the first is on its way: the first one's answer (the
          // incident's page) is the one to follow.
          event.preventDefault();
          return;
        }
        form.setAttribute("data-sending", "");
        keep(form, true); // until the incident's page says it arrived
        return;
      }
      event.preventDefault();
      keep(form, false);
      // A fresh form for the next report, with a key of its own.
      ["description", "address", "lat", "lng"].forEach(function (name) {
        var input = form.elements[name];
        if (input) {
          input.value = "";
          input.dispatchEvent(new Event("input", { bubbles: true })); // its counter
        }
      });
      form.querySelectorAll("input[type=file]").forEach(function (input) { input.value = ""; });
      var preview = form.querySelector("[data-photo-preview]");
      if (preview) { preview.textContent = ""; }
      located("");
      key.value = newKey();
      render();
      var queue = document.querySelector("[data-offline-queue]");
      if (queue && queue.scrollIntoView) { queue.scrollIntoView(); }
    });
  }

  function start() {
    // The incident's page after a report sent online: it arrived.
    document.querySelectorAll("[data-sent-key]").forEach(function (mark) {
      var key = mark.getAttribute("data-sent-key");
      if (load().some(function (item) { return item.key === key; })) {
        update(key, {
          state: "sent", url: mark.getAttribute("data-sent-url"), sentAt: Date.now(), errors: []
        });
      }
    });
    // A report sent online then acknowledged leaves no trace in the list.
    save(load().filter(function (item) { return !(item.viaForm && item.state === "sent"); }));
    var form = document.querySelector("form[data-incident-form]");
    if (form) { setUpForm(form); }
    render();
    flush();
    window.addEventListener("online", flush);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
