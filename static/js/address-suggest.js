/* Standard address suggestions under a text input (a combobox): as the user types, the public
 * /api/v1/addresses/suggest answers; picking one (tap, or arrows and Enter) calls onPick(suggestion)
 * with its id, text and WGS-84 point. Chinese input methods: nothing is asked while composing.
 * Built with textContent only. Used by the worker's report page and the residents' page. */
import { api } from "./core.js";

var DEBOUNCE_MS = 250;

export function addressSuggest(input, list, options) {
  var timer = null, abort = null, composing = false, items = [], active = -1;

  function close() {
    list.hidden = true;
    while (list.firstChild) list.removeChild(list.firstChild);
    items = [];
    active = -1;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }

  function highlight(i) {
    items.forEach(function (li, j) { li.setAttribute("aria-selected", j === i ? "true" : "false"); });
    active = i;
    if (i >= 0) input.setAttribute("aria-activedescendant", items[i].id);
  }

  function show(found) {
    close();
    items = found.map(function (s, i) {
      var li = document.createElement("li");
      li.id = list.id + "-" + i;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      li.className = "gm-suggestion";
      li.textContent = s.text;
      li.gridmapSuggestion = s;
      list.appendChild(li);
      return li;
    });
    list.hidden = items.length === 0;
    input.setAttribute("aria-expanded", items.length ? "true" : "false");
  }

  function ask() {
    var q = input.value.trim();
    if (!q) { close(); return; }
    if (abort) abort.abort();
    abort = new AbortController();
    api("GET", options.url + "?" + new URLSearchParams({ q: q }).toString(), undefined, { signal: abort.signal })
      .then(function (res) {
        if (input.value.trim() === q) show(res.ok && res.body ? res.body.suggestions || [] : []);
      })
      .catch(function () { /* offline or aborted: no suggestions, the typed address still goes */ });
  }

  function schedule() {
    if (options.onType) options.onType();
    if (composing) return;
    clearTimeout(timer);
    timer = setTimeout(ask, options.debounceMs || DEBOUNCE_MS);
  }

  function pick(li) {
    var s = li.gridmapSuggestion;
    input.value = s.text;
    close();
    options.onPick(s);
  }

  input.addEventListener("input", schedule);
  input.addEventListener("compositionstart", function () { composing = true; });
  input.addEventListener("compositionend", function () { composing = false; schedule(); });
  input.addEventListener("keydown", function (e) {
    if (list.hidden || !items.length) return;
    if (e.key === "ArrowDown") { e.preventDefault(); highlight((active + 1) % items.length); }
    else if (e.key === "ArrowUp") { e.preventDefault(); highlight(active <= 0 ? items.length - 1 : active - 1); }
    else if (e.key === "Enter" && active >= 0) { e.preventDefault(); pick(items[active]); }
    else if (e.key === "Escape") { close(); }
  });
  // pointerdown, not click: it comes before the input's blur closes the list (touch and mouse).
  list.addEventListener("pointerdown", function (e) {
    var li = e.target.closest("li[role=option]");
    if (li) { e.preventDefault(); pick(li); }
  });
  input.addEventListener("blur", function () { setTimeout(close, 200); });
  return { close: close };
}
