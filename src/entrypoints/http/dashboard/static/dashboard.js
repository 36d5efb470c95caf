// The CSRF token of the page (a meta tag) on every htmx request that changes something: the CSP
// allows no inline script, so this file is where htmx learns it.
document.addEventListener("htmx:configRequest", function (event) {
  var meta = document.querySelector('meta[name="csrf-token"]');
  if (meta && event.detail.verb !== "get") {
    event.detail.headers["X-CSRFToken"] = meta.content;
  }
});
