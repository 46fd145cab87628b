/* Show-and-hide panels of every page: the header's menu on narrow screens, a map page's filters.
 *
 * An ES module linked by base.html on every page. A button with data-gm-toggle="ID" (and
 * aria-controls="ID") opens and closes the element ID by giving it the class gm-open; CSS
 * hides such panels only on narrow screens, so on a wide screen the button is hidden and
 * the panel always shown. Escape, a click outside, or sending the form inside closes an open panel.
 */
import { byId } from "./core.js";

function buttons() {
  return Array.prototype.slice.call(document.querySelectorAll("[data-gm-toggle]"));
}

function panelOf(button) {
  return byId(button.getAttribute("data-gm-toggle"));
}

function setOpen(button, open) {
  var panel = panelOf(button);
  if (!panel) return;
  panel.classList.toggle("gm-open", open);
  button.setAttribute("aria-expanded", open ? "true" : "false");
}

function closeAll(except) {
  buttons().forEach(function (button) {
    if (button !== except && button.getAttribute("aria-expanded") === "true") setOpen(button, false);
  });
}

buttons().forEach(function (button) {
  button.addEventListener("click", function () {
    var open = button.getAttribute("aria-expanded") !== "true";
    closeAll(button);
    setOpen(button, open);
  });
});

document.addEventListener("keydown", function (event) {
  if (event.key !== "Escape") return;
  buttons().forEach(function (button) {
    if (button.getAttribute("aria-expanded") === "true") {
      setOpen(button, false);
      button.focus();
    }
  });
});

document.addEventListener("click", function (event) {
  buttons().forEach(function (button) {
    var panel = panelOf(button);
    if (button.getAttribute("aria-expanded") !== "true" || !panel) return;
    if (!panel.contains(event.target) && !button.contains(event.target)) setOpen(button, false);
  });
});

/* A filter panel closes once its form is sent with its button (the map behind it is the answer);
 * a select that sends the form on change (GridMap.bindFilters) leaves it open for the next. */
document.addEventListener("submit", function (event) {
  if (!event.submitter) return;
  buttons().forEach(function (button) {
    var panel = panelOf(button);
    if (panel && panel.contains(event.target)) setOpen(button, false);
  });
});

/* For tests and the console: open or close a panel by its id. */
export function toggle(id, open) {
  buttons().forEach(function (button) {
    if (button.getAttribute("data-gm-toggle") === id) setOpen(button, open);
  });
}
window.GridMapNav = { toggle: toggle };
