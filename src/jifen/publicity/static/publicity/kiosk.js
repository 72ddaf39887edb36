// The big screen: turn the panels, fetch fresh ones every so often, and keep showing
// the last good ones when the network is down (with a discreet "offline since" mark).
(function () {
  "use strict";
  var body = document.body;
  var holder = document.getElementById("kiosk-panels");
  if (!holder || !body.getAttribute("data-panels-url")) {
    return;
  }
  var url = body.getAttribute("data-panels-url");
  var turn = Math.max(1, parseInt(body.getAttribute("data-turn"), 10) || 15) * 1000;
  var refresh = Math.max(1, parseInt(body.getAttribute("data-refresh"), 10) || 60) * 1000;
  var loadedAt = Date.now();
  var RELOAD_AFTER = 6 * 3600 * 1000; // new code or styles, picked up only while online
  var TIMEOUT = 10000;
  var current = 0;
  var fetching = false;

  function two(n) { return (n < 10 ? "0" : "") + n; }
  // The time in the server's zone (JIFEN_TIME_ZONE, named on <body>), as "Updated" shows
  // it: a screen whose browser is set to another zone still tells the community's time.
  // Without Intl's zones, the server's UTC offset at page load (e.g. "+0800") does.
  var zone = body.getAttribute("data-tz") || "";
  var offsetText = body.getAttribute("data-tz-offset") || "";
  var offsetMatch = /^([+-])(\d\d):?(\d\d)$/.exec(offsetText);
  var offsetMinutes = offsetMatch ?
    (offsetMatch[1] === "-" ? -1 : 1) * (parseInt(offsetMatch[2], 10) * 60 + parseInt(offsetMatch[3], 10)) : null;
  var zoned = null;
  if (zone && window.Intl && Intl.DateTimeFormat) {
    try {
      zoned = new Intl.DateTimeFormat("en-GB", { timeZone: zone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
    } catch (e) { zoned = null; }
  }
  function hhmm(date) {
    if (zoned) { return zoned.format(date); }
    if (offsetMinutes !== null) {
      var shifted = new Date(date.getTime() + offsetMinutes * 60000);
      return two(shifted.getUTCHours()) + ":" + two(shifted.getUTCMinutes());
    }
    return two(date.getHours()) + ":" + two(date.getMinutes());
  }

  function panels() { return holder.querySelectorAll(".kiosk-panel"); }

  function show(index) {
    var all = panels();
    if (!all.length) { return; }
    current = ((index % all.length) + all.length) % all.length;
    var name = all[current].getAttribute("data-panel");
    for (var i = 0; i < all.length; i++) {
      all[i].classList.toggle("is-active", i === current);
    }
    var dots = document.querySelectorAll("[data-dot]");
    for (var j = 0; j < dots.length; j++) {
      dots[j].classList.toggle("is-active", dots[j].getAttribute("data-dot") === name);
    }
  }

  function online(updated) {
    var mark = document.querySelector(".kiosk-offline");
    var fresh = document.querySelector(".kiosk-updated");
    var at = document.querySelector("[data-updated-at]");
    var since = document.querySelector("[data-offline-since]");
    if (at) { at.textContent = updated; }
    if (since) { since.textContent = updated; }
    if (mark) { mark.hidden = true; }
    if (fresh) { fresh.hidden = false; }
    body.classList.remove("is-offline");
  }

  function offline() {
    var mark = document.querySelector(".kiosk-offline");
    var fresh = document.querySelector(".kiosk-updated");
    if (mark) { mark.hidden = false; }
    if (fresh) { fresh.hidden = true; }
    body.classList.add("is-offline");
  }

  function refreshNow() {
    if (fetching) { return; }
    fetching = true;
    var controller = window.AbortController ? new AbortController() : null;
    var timer = setTimeout(function () { if (controller) { controller.abort(); } }, TIMEOUT);
    fetch(url, { cache: "no-store", credentials: "same-origin", signal: controller ? controller.signal : undefined })
      .then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (!response.ok || type.indexOf("text/html") !== 0) { throw new Error("bad answer " + response.status); }
        return response.text();
      })
      .then(function (html) {
        var box = document.createElement("div");
        box.innerHTML = html;
        var deck = box.querySelector(".kiosk-deck");
        if (!deck || !deck.querySelector(".kiosk-panel")) { throw new Error("not our panels"); }
        var name = (panels()[current] || {}).getAttribute ? panels()[current].getAttribute("data-panel") : null;
        holder.replaceChildren(deck);
        var all = panels();
        var keep = 0;
        for (var i = 0; i < all.length; i++) {
          if (all[i].getAttribute("data-panel") === name) { keep = i; }
        }
        show(keep);
        online(deck.getAttribute("data-updated") || hhmm(new Date()));
        if (Date.now() - loadedAt > RELOAD_AFTER) { window.location.reload(); }
      })
      .catch(function () { offline(); })
      .then(function () { clearTimeout(timer); fetching = false; });
  }

  function tick() {
    var clock = document.getElementById("kiosk-clock");
    if (clock) { clock.textContent = hhmm(new Date()); }
  }

  show(0);
  tick();
  setInterval(function () { show(current + 1); }, turn);
  setInterval(refreshNow, refresh);
  setInterval(tick, 5000);
  window.addEventListener("online", refreshNow);
})();
