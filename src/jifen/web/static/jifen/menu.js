// Menus that fold on a phone (base.html's links, the console's menu): a
// <button data-menu-toggle aria-controls="…" aria-expanded="false"> opens and closes the
// element it names. This file is loaded in <head> and not deferred, so the "js" class is
// on <html> before the page is drawn: on a phone the menus start folded instead of
// jumping shut a moment later. Without JavaScript the class never comes, the buttons stay
// hidden and the menus open (jifen.css) — every link is still there to tap.
(function () {
  document.documentElement.classList.add("js");

  function menuOf(button) {
    return document.getElementById(button.getAttribute("aria-controls"));
  }

  function setOpen(button, open) {
    var menu = menuOf(button);
    if (!menu) { return; }
    button.setAttribute("aria-expanded", open ? "true" : "false");
    menu.classList.toggle("is-open", open);
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-menu-toggle]");
    if (button) {
      setOpen(button, button.getAttribute("aria-expanded") !== "true");
    }
  });

  // Escape folds an open menu and gives the focus back to its button.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    var buttons = document.querySelectorAll("[data-menu-toggle][aria-expanded=true]");
    for (var i = 0; i < buttons.length; i++) {
      var menu = menuOf(buttons[i]);
      if (menu && menu.contains(document.activeElement)) {
        setOpen(buttons[i], false);
        buttons[i].focus();
      }
    }
  });
})();
