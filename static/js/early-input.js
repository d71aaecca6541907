// Searching before the page has finished loading. A search form sends its query on "input"
// events, which htmx listens to only once it has processed the page; what someone typed
// before that moment would wait for the next keystroke. Forms whose fields no longer hold
// the values the page was served with are sent once, as soon as htmx is ready.
document.addEventListener("DOMContentLoaded", function () {
  if (!window.htmx) return;
  document.querySelectorAll("form[role=search][hx-get]").forEach(function (form) {
    var edited = Array.prototype.some.call(form.elements, function (field) {
      if (["search", "text", "date", "number"].indexOf(field.type) >= 0) return field.value !== field.defaultValue;
      if (field.tagName === "SELECT" && field.options.length) {
        var served = Array.prototype.filter.call(field.options, function (option) {
          return option.defaultSelected;
        })[0] || field.options[0];
        return field.value !== served.value;
      }
      return false;
    });
    if (edited) htmx.trigger(form, "submit");
  });
});
