/* The editor's grid layers: two layer kinds for gridmap-maps.js (planGrids: the level being edited,
 * planChildren: the units a move picks), styled by the selection and the picks. */
import { esc } from "../core.js";
import { kinds } from "../gridmap-maps.js";
import { layerEntry, settings, state, t } from "./state.js";

function tooltip(p) {
  var html = "<div class=\"gm-tip\"><strong>" + esc(p.name) + "</strong><table>";
  html += "<tr><th>" + esc(t("code")) + "</th><td>" + esc(p.code) + "</td></tr>";
  if (p.households !== null && p.households !== undefined) {
    html += "<tr><th>" + esc(t("households")) + "</th><td>" + esc(p.households) + "</td></tr>";
  }
  if (p.population !== null && p.population !== undefined) {
    html += "<tr><th>" + esc(t("population")) + "</th><td>" + esc(p.population) + "</td></tr>";
  }
  return html + "</table></div>";
}

function styleFor(base, code) {
  var s = Object.assign({}, base);
  if (state.picked[code]) s = Object.assign(s, settings.styles.picked);
  else if (state.selected && state.selected.code === code) s = Object.assign(s, settings.styles.selected);
  delete s.className; // set once, when the path is created
  return s;
}

function kind(which, onClick, onHover) {
  return function (opts) {
    var base = (opts.style && opts.style.base) || {};
    return {
      style: function (feature) {
        var s = styleFor(base, feature.properties.code);
        if (base.className) s.className = base.className;
        return s;
      },
      onEachFeature: function (feature, layer) {
        layer.bindTooltip(tooltip(feature.properties || {}), { sticky: true });
        layer.on("click", function (event) {
          L.DomEvent.stopPropagation(event);
          onClick(which, feature.properties || {});
        });
        if (onHover) {
          layer.on("mouseover", function () { onHover(which, feature.properties || {}); });
        }
      },
    };
  };
}

/* onClick(which, properties): which is "grid" (the edited level) or "child" (the level below);
 * onHover(which, properties) when the pointer comes over one (live totals of a move's target).
 * Registered before folium's map script creates the layers (this module runs first). */
export function registerLayerKinds(onClick, onHover) {
  kinds.planGrids = kind("grid", onClick, onHover);
  kinds.planChildren = kind("child", onClick, onHover);
}

export function restyle() {
  ["planGrids", "planChildren"].forEach(function (key) {
    var e = layerEntry(key);
    if (!e) return;
    var base = (e.opts.style && e.opts.style.base) || {};
    e.layer.eachLayer(function (l) {
      if (l.feature) l.setStyle(styleFor(base, l.feature.properties.code));
    });
  });
}

/* The name of a grid on the map, or null when it is not (any more). */
export function featureName(code) {
  var found = null;
  ["planGrids", "planChildren"].forEach(function (key) {
    var e = layerEntry(key);
    if (!e || found) return;
    e.layer.eachLayer(function (l) {
      if (!found && l.feature && l.feature.properties.code === code) found = l.feature.properties.name;
    });
  });
  return found;
}
