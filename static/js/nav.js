// Phone menu: on narrow screens the main menu folds behind a "Menu" button.
// Without this script the links stay visible, wrapped under the logo.
document.addEventListener("DOMContentLoaded", function () {
  var button = document.querySelector("[data-nav-toggle]");
  if (!button) return;
  var nav = button.closest("nav");
  nav.classList.add("nav-collapsible");
  button.hidden = false;
  button.addEventListener("click", function () {
    var open = button.getAttribute("aria-expanded") === "true";
    button.setAttribute("aria-expanded", open ? "false" : "true");
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && button.getAttribute("aria-expanded") === "true") {
      button.setAttribute("aria-expanded", "false");
      button.focus();
    }
  });
});
