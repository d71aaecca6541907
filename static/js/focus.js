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

// Scrolling boxes. A wide table sits in a box that scrolls sideways; the box is a Tab stop
// (tabindex="0" in the page) so that it can be scrolled with the arrow keys. A box whose
// content fits has nothing to scroll and leaves the Tab order; it comes back when the
// window narrows or new content makes it scroll.
(function () {
  function update(root) {
    var boxes = root.querySelectorAll ? root.querySelectorAll(".overflow-auto") : [];
    Array.prototype.forEach.call(boxes, function (box) {
      var scrolls = box.scrollWidth > box.clientWidth + 1 || box.scrollHeight > box.clientHeight + 1;
      if (scrolls) box.setAttribute("tabindex", "0");
      else if (box !== document.activeElement) box.removeAttribute("tabindex");
    });
  }

  var pending = null;
  function later() {
    if (pending) return;
    pending = window.requestAnimationFrame(function () {
      pending = null;
      update(document);
    });
  }

  window.addEventListener("load", later);
  window.addEventListener("resize", later);
  document.addEventListener("htmx:afterSettle", later);
})();
