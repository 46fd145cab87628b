// The districts page (/admin/districts/<code>): show only the tile fields the chosen base map reads.
// Without this script every field shows and the form works the same (the server keeps only those).
import { byId } from "./core.js";

var OWN = { xyz: ["url", "crs", "subdomains", "name", "attribution"],
            wmts: ["url", "crs", "layer", "matrix_set", "matrix", "format", "name", "attribution"] };
var ALL = ["url", "crs", "layer", "matrix_set", "matrix", "format", "subdomains", "name", "attribution"];

function fieldBox(key) {
  var input = byId("tiles_" + key);
  return input ? input.closest(".mb-2") : null;
}

function show() {
  var kind = byId("tiles_kind").value;
  var shown = OWN[kind] || [];
  ALL.forEach(function (key) {
    var box = fieldBox(key);
    // A field with an error stays visible, whatever the choice.
    if (box) box.hidden = shown.indexOf(key) < 0 && !box.querySelector(".is-invalid");
  });
  var hint = byId("tiles-url-hint");
  if (hint) hint.hidden = !shown.length;
  var key = fieldBox("tianditu_key");
  if (key) key.hidden = kind !== "tianditu";
  var keyHint = byId("tiles-key-hint");
  if (keyHint) keyHint.hidden = kind !== "tianditu";
}

var select = byId("tiles_kind");
if (select) {
  select.addEventListener("change", show);
  show();
}
