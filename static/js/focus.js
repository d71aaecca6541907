// Keyboard focus across htmx swaps. A button that sends a request is disabled meanwhile
// (hx-disabled-elt), which drops the focus to the page, and a swap may replace it. Without
// help the next Tab would start again at the top of the page. After the swap the focus goes
// back to the same control (the same element, or the new one with its id) or, when that is
// gone, to the content that replaced it.
(function () {
  var before = null;

  function usable(el) {
    return el && document.body.contains(el) && !el.disabled;
  }

  document.addEventListener("htmx:beforeRequest", function () {
    var active = document.activeElement;
    before = active && active !== document.body ? active : null;
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    var was = before;
    var place = event.target;
    before = null;
    if (!was || !usable(place)) return;
    var active = document.activeElement;
    if (active && active !== document.body) return;
    var same = usable(was) ? was : was.id && document.getElementById(was.id);
    if (usable(same)) {
      same.focus({ preventScroll: true });
      return;
    }
    if (!place.matches("a[href], button, input, select, textarea, summary, [tabindex]")) {
      place.setAttribute("tabindex", "-1");
    }
    place.focus({ preventScroll: true });
  });
})();
